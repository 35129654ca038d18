import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from './errors';
import { defaultCacheDir, errorMessage, fetchVerified, fileSha256, isErrno, offlineFromEnv } from './download';

/** Where a loader gets its file: a local copy (`path`), or the cache, downloading when allowed. */
export interface SourceOptions {
  /** A local copy: the file itself, or a directory holding it under its canonical name. */
  path?: string;
  /** Download cache (default: defaultCacheDir()). */
  cacheDir?: string;
  fetch?: typeof fetch;
  /** Never download (also GEOPARAM_OFFLINE=1). */
  offline?: boolean;
}

/** A file a loader knows how to get. */
export interface DataFileSpec {
  url: string;
  /** Pinned checksum; a file that does not match is refused unless `verify: false`. */
  sha256: string;
  fileName: string;
  /** Other names the file is known by (e.g. upstream's), looked for in a `path` directory. */
  alternativeNames?: readonly string[];
}

/**
 * The local path of a dataset file, per the loader contract: `path` is read as given (its
 * checksum is still checked unless `verify: false`); otherwise the verified cache copy, downloaded
 * from the canonical URL if needed and allowed.
 */
export async function resolveDataFile(spec: DataFileSpec, o: SourceOptions & { verify?: boolean } = {}): Promise<string> {
  if (o.path !== undefined) {
    const file = await localFile(spec, o.path);
    if (o.verify !== false) {
      const got = await fileSha256(file);
      if (got !== spec.sha256) {
        throw new DatasetError(
          `checksum mismatch: expected ${spec.sha256} (${spec.fileName} from ${spec.url}), got ${got}. ` +
            'If this is a deliberately modified copy, pass verify: false.',
          { file },
        );
      }
    }
    return file;
  }
  return fetchVerified({
    url: spec.url,
    sha256: spec.sha256,
    cacheDir: o.cacheDir ?? defaultCacheDir(),
    fileName: spec.fileName,
    fetch: o.fetch,
    offline: o.offline ?? offlineFromEnv(),
  });
}

async function localFile(spec: DataFileSpec, given: string): Promise<string> {
  const stat = await statOrUndefined(given);
  if (!stat) throw new DatasetError('no such file or directory', { file: given });
  if (!stat.isDirectory()) return given;
  const names = [spec.fileName, ...(spec.alternativeNames ?? [])];
  for (const name of names) {
    const candidate = path.join(given, name);
    if ((await statOrUndefined(candidate))?.isFile()) return candidate;
  }
  throw new DatasetError(`is a directory without ${names.join(' or ')}`, { file: given });
}

async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined;
    throw new DatasetError(`cannot read: ${errorMessage(error)}`, { file }, { cause: error });
  }
}

/** The file's text, with a DatasetError naming the file when it cannot be read. */
export async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new DatasetError('no such file', { file }, { cause: error });
    throw new DatasetError(`cannot read: ${errorMessage(error)}`, { file }, { cause: error });
  }
}
