import { FileSystemError } from '../file-errors';

/** What the user can do about each system error code. */
const HINTS: Record<string, string> = {
  ENOTDIR: 'a part of this path is a file, not a directory; choose another path or move the file away',
  EEXIST: 'a file with this name is in the way; choose another path or move the file away',
  EISDIR: 'this path is a directory; give a file name',
  EACCES: 'permission denied; choose a directory you can write to or fix its permissions',
  EPERM: 'operation not permitted; choose a directory you can write to or fix its permissions',
  EROFS: 'the file system is read-only; choose a writable directory',
  ENOSPC: 'the disk is full; free some space or choose a directory on another disk',
  EDQUOT: 'the disk quota is exhausted; free some space or choose another directory',
  ENOENT: 'no such file or directory; check the path',
  EMFILE: 'too many open files; close other programs or raise the limit (ulimit -n)',
  ENAMETOOLONG: 'the path is too long; choose a shorter one',
};

/** Node's error for `file` as a FileSystemError; anything that is not a system error passes through. */
export function toFileSystemError(error: unknown, file: string, action: string): unknown {
  // Duck-typed: errors from another realm (a vm context, jest's sandbox) are not `instanceof Error`.
  const system = error as Partial<NodeJS.ErrnoException> | null;
  const code = system?.code;
  if (typeof code !== 'string' || typeof system?.syscall !== 'string' || !/^E[A-Z]+$/.test(code)) return error;
  const where = system.path ?? file;
  const typed = new FileSystemError(where, action, code, HINTS[code] ?? String(system.message));
  typed.cause = error;
  return typed;
}

/** Runs a file operation, turning system errors into FileSystemError naming `file`. */
export function withFileErrors<T>(file: string, action: string, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    throw toFileSystemError(error, file, action);
  }
}

export async function withFileErrorsAsync<T>(file: string, action: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toFileSystemError(error, file, action);
  }
}
