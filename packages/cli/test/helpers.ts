import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '@geoparam/cli';

export const bin = path.join(__dirname, '..', 'dist', 'bin.js');

export const tmp = (prefix = 'geoparam-cli-') => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Runs the CLI in-process and collects what it prints. */
export async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
