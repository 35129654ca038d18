import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { withFileErrors, withFileErrorsAsync } from './fs-errors';

export interface AtomicWriteOptions {
  /** Create the parent directory first (default true). */
  mkdir?: boolean;
}

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Makes a rename durable: without it a power loss can forget the new directory entry. */
function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (error) {
    // Some file systems refuse fsync on a directory (EINVAL/EISDIR); the rename is still atomic.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Writes `data` so that readers (and a crash at any moment) see either the old file or the whole
 * new one: temp file in the same directory, fsync, rename over the target, fsync the directory.
 * System errors become FileSystemError naming the path.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  if (options.mkdir ?? true) withFileErrors(dir, 'create the directory', () => fs.mkdirSync(dir, { recursive: true }));
  const tmp = tempName(file);
  withFileErrors(file, 'write', () => {
    try {
      const fd = fs.openSync(tmp, 'wx');
      try {
        fs.writeFileSync(fd, data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (error) {
      fs.rmSync(tmp, { force: true });
      throw error;
    }
    fsyncDirSync(dir);
  });
}

/** `writeFileAtomicSync`, asynchronous: the old file or the whole new one, whatever happens. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  if (options.mkdir ?? true) await withFileErrorsAsync(dir, 'create the directory', () => fsp.mkdir(dir, { recursive: true }));
  const tmp = tempName(file);
  await withFileErrorsAsync(file, 'write', async () => {
    try {
      const handle = await fsp.open(tmp, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(tmp, file);
    } catch (error) {
      await fsp.rm(tmp, { force: true });
      throw error;
    }
    fsyncDirSync(dir);
  });
}

/** `compact` for bulky data (indenting nested number arrays multiplies the size). */
export function jsonText(value: unknown, compact = false): string {
  return (compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)) + '\n';
}

export function writeJsonAtomicSync(file: string, value: unknown, compact = false): void {
  writeFileAtomicSync(file, jsonText(value, compact));
}

export async function writeJsonAtomic(file: string, value: unknown, compact = false): Promise<void> {
  await writeFileAtomic(file, jsonText(value, compact));
}
