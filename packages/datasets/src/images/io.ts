import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import { errorMessage, isErrno } from '../download';
import { DatasetError } from '../errors';

/** The file's bytes, with a DatasetError naming the file when it cannot be read. */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const buffer = await fs.readFile(file);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new DatasetError('no such file', { file }, { cause: error });
    if (isErrno(error, 'ERR_FS_FILE_TOO_LARGE')) {
      throw new DatasetError('is too large to read at once (over 2 GiB); pass a smaller file', { file }, { cause: error });
    }
    throw new DatasetError(`cannot read: ${errorMessage(error)}`, { file }, { cause: error });
  }
}

export async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined;
    throw new DatasetError(`cannot read: ${errorMessage(error)}`, { file }, { cause: error });
  }
}

export async function listDirectory(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort(naturalCompare);
  } catch (error) {
    throw new DatasetError(`cannot list the directory: ${errorMessage(error)}`, { file: dir }, { cause: error });
  }
}

/** Orders names with embedded numbers by value: batch_2 before batch_10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function hashHex(algorithm: 'md5' | 'sha256', bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest('hex');
}

/** Byte count with thin-space-free thousands separators, for messages. */
export function bytesText(n: number): string {
  return `${n.toLocaleString('en-US')} bytes`;
}
