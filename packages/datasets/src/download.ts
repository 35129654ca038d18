import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError } from '@geoparam/core';
import { DatasetError } from './errors';

/** Lower-case hex sha256 of the bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Lower-case hex sha256 of a file, read as a stream; undefined when there is no such file. */
export async function fileSha256(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw new DatasetError(`cannot read the file: ${errorMessage(error)}`, { file }, { cause: error });
  }
  return hash.digest('hex');
}

/** $GEOPARAM_CACHE_DIR when set, else ~/.cache/geoparam. */
export function defaultCacheDir(): string {
  const fromEnv = process.env['GEOPARAM_CACHE_DIR'];
  return fromEnv ? path.resolve(fromEnv) : path.join(os.homedir(), '.cache', 'geoparam');
}

/** Whether downloads are switched off by the environment (GEOPARAM_OFFLINE=1 or true). */
export function offlineFromEnv(): boolean {
  const value = process.env['GEOPARAM_OFFLINE']?.trim().toLowerCase();
  return value === '1' || value === 'true';
}

export interface FetchVerifiedOptions {
  url: string;
  /** Expected sha256 of the file, hex. */
  sha256: string;
  cacheDir: string;
  /** Plain file name inside cacheDir. */
  fileName: string;
  /** Injected for tests and custom transports; default: the global fetch. */
  fetch?: typeof fetch;
  /** Never download: a missing or corrupt cached file is a DatasetError that says where to put the file. */
  offline?: boolean;
}

/**
 * The local path of a checksummed file: the cached copy when its sha256 matches, else a fresh
 * download (a corrupt cached copy is replaced). The download goes to a temporary file in cacheDir
 * that is hashed while written and renamed into place only when the checksum matches, so readers
 * never see a partial or wrong file; on a mismatch it is deleted and a DatasetError is thrown.
 */
export async function fetchVerified(o: FetchVerifiedOptions): Promise<string> {
  const expected = checkSha256(o.sha256);
  checkFileName(o.fileName);
  const target = path.join(o.cacheDir, o.fileName);
  const cached = await fileSha256(target);
  if (cached === expected) return target;

  if (o.offline) {
    const problem =
      cached === undefined
        ? `${o.fileName} is not in the cache`
        : `the cached ${o.fileName} is corrupt (checksum mismatch: expected ${expected}, got ${cached})`;
    throw new DatasetError(
      `${problem} and downloads are off (offline: true or GEOPARAM_OFFLINE=1). Download ${o.url} and save it as ${target}, ` +
        `or pass { path } pointing at a copy.`,
      { file: target },
    );
  }

  const fetchImpl = o.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchImpl(o.url);
  } catch (error) {
    throw new DatasetError(`download of ${o.url} failed: ${errorMessage(error)}`, { file: target }, { cause: error });
  }
  if (!response.ok) {
    throw new DatasetError(`download of ${o.url} failed: HTTP ${response.status} ${response.statusText}`.trimEnd(), { file: target });
  }

  await fs.mkdir(o.cacheDir, { recursive: true });
  const tmp = path.join(o.cacheDir, `.${o.fileName}.${process.pid}.${randomUUID()}.tmp`);
  try {
    const got = await writeHashing(response, tmp);
    if (got !== expected) {
      throw new DatasetError(`checksum mismatch for the download of ${o.url}: expected ${expected}, got ${got}`, { file: target });
    }
    await fs.rename(tmp, target);
  } finally {
    await fs.rm(tmp, { force: true });
  }
  return target;
}

async function writeHashing(response: Response, file: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await fs.open(file, 'wx');
  try {
    if (response.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        await handle.write(chunk);
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

function checkSha256(value: string): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError('sha256', value, '64 hex digits');
  return value.toLowerCase();
}

function checkFileName(name: string): void {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
    throw new InvalidArgumentError('fileName', name, 'a plain file name (no directories)');
  }
}

export function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
