import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSystemError, OutputLockedError } from '../file-errors';
import { toFileSystemError, withFileErrors } from './fs-errors';

export const LOCK_FILE = '.geoparam.lock';

/**
 * Makes sure `dir` can take a run's output before any work starts: it is (or can be created as)
 * a directory, and a file can be created in it. Throws FileSystemError naming the path.
 */
export function prepareOutputDir(dir: string, flag = '--out'): void {
  const stat = withFileErrors(dir, 'use as the output directory', () => fs.statSync(dir, { throwIfNoEntry: false }));
  if (stat && !stat.isDirectory()) {
    throw new FileSystemError(dir, 'use as the output directory', 'ENOTDIR', `it is a file; give ${flag} a directory (it is created if missing)`);
  }
  withFileErrors(dir, 'create the output directory', () => fs.mkdirSync(dir, { recursive: true }));
  const probe = path.join(dir, `.geoparam-write-test-${process.pid}`);
  withFileErrors(dir, 'write to the output directory', () => {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  });
}

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
}

export interface OutputLock {
  readonly file: string;
  /** Removes the lock (also done when the process exits). Idempotent. */
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return typeof info.pid === 'number' && typeof info.host === 'string' ? (info as LockInfo) : null;
  } catch {
    return null;
  }
}

/**
 * Claims `dir` for this process, so two runs never interleave their files in one output
 * directory. A lock left by a process that no longer runs (kill -9, a crash) is taken over; one
 * held by a live process is an OutputLockedError naming its pid and command.
 */
export function lockOutputDir(dir: string, command: string): OutputLock {
  prepareOutputDir(dir);
  const file = path.join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), command, started: new Date().toISOString() };
  const text = JSON.stringify(mine) + '\n';
  // The lock appears whole or not at all: written to a private file, then hard-linked into place
  // (link fails with EEXIST if another run got there first).
  const tmp = `${file}.${process.pid}.tmp`;
  withFileErrors(dir, 'write to the output directory', () => fs.writeFileSync(tmp, text));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(tmp, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      }
      const holder = readLock(file);
      // A lock of this host whose process is gone (or an unreadable one) is stale.
      if (holder && (holder.host !== mine.host || isAlive(holder.pid))) {
        throw new OutputLockedError(dir, holder.pid, `${holder.command}, started ${holder.started}${holder.host !== mine.host ? ` on ${holder.host}` : ''}; if no such run exists, delete ${file}`);
      }
      fs.rmSync(file, { force: true });
    }
  } catch (error) {
    if (error instanceof OutputLockedError) throw error;
    throw toFileSystemError(error, file, 'lock the output directory');
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.removeListener('exit', release);
    if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { file, release };
}
