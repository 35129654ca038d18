import * as fs from 'node:fs';

/** When GEOPARAM_REPORT names a file, tests append measured numbers to it (JSON lines) for release notes. */
export function report(entry: Record<string, unknown>): void {
  const file = process.env['GEOPARAM_REPORT'];
  if (file) fs.appendFileSync(file, JSON.stringify(entry) + '\n');
}
