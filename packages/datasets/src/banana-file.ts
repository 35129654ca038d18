import type { Dataset } from './dataset';
import { readText, resolveDataFile, type SourceOptions } from './source';
import { BANANA, parseBanana } from './banana';

/** All 5300 points: x = [At1, At2], y = 1 for Class 1 and 0 for Class -1 (as the notebook does). */
export async function loadBanana(o: SourceOptions & { verify?: boolean } = {}): Promise<Dataset> {
  const file = await resolveDataFile({ ...BANANA, alternativeNames: ['2d_banana.csv'] }, o);
  return parseBanana(await readText(file), file);
}
