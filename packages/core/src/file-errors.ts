import { GeoparamError } from './errors';

/**
 * Reading or writing a file failed. Names the path, what geoparam was doing and what the user can
 * do about it; `errno` is Node's code (ENOTDIR, EACCES, ENOSPC, ...) when the system gave one.
 */
export class FileSystemError extends GeoparamError {
  constructor(
    readonly path: string,
    readonly action: string,
    readonly errno: string | undefined,
    readonly hint: string,
  ) {
    super('FILE_SYSTEM', `cannot ${action} ${path}${errno ? ` (${errno})` : ''}: ${hint}`);
  }
}

/** An output directory is in use by another geoparam process that is still running. */
export class OutputLockedError extends GeoparamError {
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly holder: string,
  ) {
    super(
      'OUTPUT_LOCKED',
      `${dir} is in use by another geoparam run (pid ${pid}: ${holder}); wait for it to finish, stop it, or choose another --out`,
    );
  }
}

/** A file geoparam wrote earlier (journal, partial results, checkpoint) cannot be read back. */
export class CorruptFileError extends GeoparamError {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly hint: string,
  ) {
    super('CORRUPT_FILE', `${file} ${reason}; ${hint}`);
  }
}
