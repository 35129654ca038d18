import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The real benchmark files for tests (`../shared/data` next to the repository, or
 * `GEOPARAM_SHARED_DATA`). Tests read these and never the network.
 */
export const SHARED_DATA = process.env['GEOPARAM_SHARED_DATA'] ?? findSharedData();

/** `shared/data` beside the checkout or any folder above it; this workplace keeps it at /work/shared. */
function findSharedData(): string {
  let dir = path.resolve(__dirname, '..', '..', '..');
  for (;;) {
    const candidate = path.join(dir, '..', 'shared', 'data');
    if (fs.existsSync(path.join(candidate, 'README.md'))) return path.resolve(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return '/work/shared/data';
}

/** A path under the shared data; fails loudly (rather than skipping) when the data are not there. */
export function sharedData(...parts: string[]): string {
  if (!fs.existsSync(SHARED_DATA)) throw new Error(`shared test data not found at ${SHARED_DATA} (set GEOPARAM_SHARED_DATA)`);
  const file = path.join(SHARED_DATA, ...parts);
  if (!fs.existsSync(file)) throw new Error(`shared test data file not found: ${file}`);
  return file;
}
