import * as fs from 'node:fs';
import { CorruptFileError } from '../file-errors';
import { withFileErrors } from './fs-errors';

/**
 * Reads a JSON file geoparam wrote itself. A file that does not parse (a tool edited it, a disk
 * lost blocks) is a CorruptFileError that says what to do (`hint`), never a bare SyntaxError.
 * Returns undefined when the file does not exist.
 */
export function readJsonFileSync(file: string, hint: string): unknown {
  if (!fs.existsSync(file)) return undefined;
  const text = withFileErrors(file, 'read', () => fs.readFileSync(file, 'utf8'));
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CorruptFileError(file, `is not valid JSON (${(error as Error).message})`, hint);
  }
}
