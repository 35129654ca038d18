import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptFileError } from '../file-errors';
import { withFileErrors } from './fs-errors';

/**
 * An append-only JSON Lines file: one record per line, each line written whole and fsynced.
 * A kill can still leave the last line cut off; that line is dropped (it never finished, so its
 * record was never reported done) before the next append, so a torn line never swallows the
 * record written after it.
 */
export interface JournalContents<T> {
  records: T[];
  /** Bytes of a torn last line (no newline) that `readJournal` ignored; 0 when the file is whole. */
  tornBytes: number;
}

/** Byte offset just past the last newline: everything after it is an unfinished line. */
function wholeLinesEnd(fd: number, size: number): number {
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const length = end - start;
    fs.readSync(fd, chunk, 0, length, start);
    const at = chunk.subarray(0, length).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

/** Cuts an unfinished last line off `file`; returns how many bytes were dropped. */
export function repairJournalTail(file: string): number {
  if (!fs.existsSync(file)) return 0;
  return withFileErrors(file, 'repair the journal', () => {
    const fd = fs.openSync(file, 'r+');
    try {
      const size = fs.fstatSync(fd).size;
      const end = wholeLinesEnd(fd, size);
      if (end === size) return 0;
      fs.ftruncateSync(fd, end);
      fs.fsyncSync(fd);
      return size - end;
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** Appends one record as a line (repairing a torn tail first) and fsyncs it. */
export function appendJournal(file: string, record: unknown): void {
  const line = JSON.stringify(record);
  if (line.includes('\n')) throw new TypeError('a journal record must serialize to one line');
  withFileErrors(path.dirname(file), 'create the directory', () => fs.mkdirSync(path.dirname(file), { recursive: true }));
  repairJournalTail(file);
  withFileErrors(file, 'append to', () => {
    const fd = fs.openSync(file, 'a');
    try {
      fs.writeSync(fd, line + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
}

/**
 * Every whole record of `file` (none when it does not exist). A line that does not parse before
 * the end is corruption no crash can cause: a CorruptFileError naming the line, with `hint`.
 */
export function readJournal<T = unknown>(file: string, hint: string): JournalContents<T> {
  if (!fs.existsSync(file)) return { records: [], tornBytes: 0 };
  const text = withFileErrors(file, 'read', () => fs.readFileSync(file, 'utf8'));
  const end = text.lastIndexOf('\n') + 1;
  const tornBytes = Buffer.byteLength(text.slice(end));
  const records: T[] = [];
  text
    .slice(0, end)
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        throw new CorruptFileError(file, `line ${i + 1} is not a JSON record`, hint);
      }
    });
  return { records, tornBytes };
}
