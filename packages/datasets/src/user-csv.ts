import type { Dataset } from './dataset';
import { parseNumericCsv } from './csv';
import { readText } from './source';

export interface LoadCsvOptions {
  path: string;
  /** Header name, or 0-based index (negative counts from the end). Default: the last column. */
  targetColumn?: string | number;
  /** Whether the first line holds column names (default true). */
  header?: boolean;
  /** Field separator (default ","). */
  delimiter?: string;
}

/** Your own numeric CSV (one target column, every other column a feature), to compare methods on. */
export async function loadCsv(o: LoadCsvOptions): Promise<Dataset> {
  const text = await readText(o.path);
  return parseNumericCsv(text, { file: o.path, targetColumn: o.targetColumn, header: o.header, delimiter: o.delimiter });
}
