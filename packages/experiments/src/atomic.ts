import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes a whole file or nothing: temporary file, fsync, rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Atomic JSON write; `compact` for bulky data (indenting nested number arrays multiplies the size). */
export function writeJson(dir: string, name: string, value: unknown, compact = false): string {
  const file = path.join(dir, name);
  writeFileAtomic(file, (compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)) + '\n');
  return file;
}

/**
 * Appends whole lines and syncs them. A line cut off by an earlier kill is closed first, so it
 * cannot swallow the next record (a reader skips the torn line).
 */
export function appendLines(file: string, lines: string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a+');
  try {
    const size = fs.fstatSync(fd).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    fs.writeSync(fd, prefix + lines.map((l) => l + '\n').join(''));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
