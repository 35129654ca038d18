import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import {
  CorruptFileError,
  FileSystemError,
  LOCK_FILE,
  OutputLockedError,
  appendJournal,
  lockOutputDir,
  prepareOutputDir,
  readJournal,
  readJsonFileSync,
  repairJournalTail,
  toFileSystemError,
  writeFileAtomic,
  writeFileAtomicSync,
  writeJsonAtomicSync,
} from '@geoparam/core/node';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-files-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes whole files, creates the directory and leaves no temp file', async () => {
    const file = path.join(dir, 'a', 'b.json');
    writeJsonAtomicSync(file, { x: 1 });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ x: 1 });
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...fs.readFileSync(file)]).toEqual([1, 2, 3]);
    expect(fs.readdirSync(path.join(dir, 'a'))).toEqual(['b.json']);
  });

  it('names the path when a file is in the way of the directory (ENOTDIR)', async () => {
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const target = path.join(dir, 'file', 'out.json');
    expect(() => writeFileAtomicSync(target, 'x')).toThrow(FileSystemError);
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(/cannot create the directory .*file.* \((ENOTDIR|EEXIST)\): .*choose another path/);
  });

  it('maps every system error code to a FileSystemError that says what to do', () => {
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC', syscall: 'write' });
    const typed = toFileSystemError(full, '/x/results.json', 'write') as FileSystemError;
    expect(typed).toBeInstanceOf(FileSystemError);
    expect(typed.message).toBe('cannot write /x/results.json (ENOSPC): the disk is full; free some space or choose a directory on another disk');
    expect(toFileSystemError(Object.assign(new Error('denied'), { code: 'EACCES', syscall: 'open' }), '/x', 'write')).toBeInstanceOf(FileSystemError);
    const plain = new TypeError('not a system error');
    expect(toFileSystemError(plain, '/x', 'write')).toBe(plain);
  });

  it('a kill -9 mid-write leaves the old file or the new one, never a mix', async () => {
    const file = path.join(dir, 'data.bin');
    const big = 4 * 1024 * 1024;
    writeFileAtomicSync(file, new Uint8Array(big).fill(1));
    const script = `
      const { writeFileAtomicSync } = require(${JSON.stringify(path.resolve(__dirname, '../dist/node/index.js'))});
      console.log('ready');
      for (let i = 2; ; i++) writeFileAtomicSync(${JSON.stringify(file)}, new Uint8Array(${big}).fill(i % 256));
    `;
    for (const delay of [5, 40, 90]) {
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((resolve) => child.stdout.once('data', resolve));
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('exit', resolve));
      const bytes = fs.readFileSync(file);
      expect(bytes.length).toBe(big);
      expect(bytes.every((b) => b === bytes[0])).toBe(true);
    }
  });
});

describe('readJsonFileSync', () => {
  it('returns undefined for a missing file and a typed error for a corrupt one', () => {
    const file = path.join(dir, 'partial.json');
    expect(readJsonFileSync(file, 'delete it')).toBeUndefined();
    fs.writeFileSync(file, '{"methods": [');
    expect(() => readJsonFileSync(file, 'delete it to start over')).toThrow(CorruptFileError);
    expect(() => readJsonFileSync(file, 'delete it to start over')).toThrow(/partial\.json is not valid JSON .*; delete it to start over/);
  });
});

describe('journal', () => {
  it('appends records and reads them back', () => {
    const file = path.join(dir, 'jobs.jsonl');
    expect(readJournal(file, '')).toEqual({ records: [], tornBytes: 0 });
    appendJournal(file, { a: 1 });
    appendJournal(file, { a: 2 });
    expect(readJournal(file, '')).toEqual({ records: [{ a: 1 }, { a: 2 }], tornBytes: 0 });
  });

  it('drops a torn last line before appending, so it never swallows the next record', () => {
    const file = path.join(dir, 'jobs.jsonl');
    appendJournal(file, { a: 1 });
    fs.appendFileSync(file, '{"a": 2, "cut');
    expect(readJournal(file, '')).toEqual({ records: [{ a: 1 }], tornBytes: 13 });
    appendJournal(file, { a: 3 });
    expect(readJournal(file, '').records).toEqual([{ a: 1 }, { a: 3 }]);
    expect(repairJournalTail(file)).toBe(0);
  });

  it('a file that is one torn line becomes empty', () => {
    const file = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(file, '{"a"');
    expect(repairJournalTail(file)).toBe(4);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
  });

  it('a corrupt line in the middle is a typed error naming the line', () => {
    const file = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(file, '{"a":1}\nnot json\n{"a":2}\n');
    expect(() => readJournal(file, 'delete it to start over')).toThrow(CorruptFileError);
    expect(() => readJournal(file, 'delete it to start over')).toThrow(/jobs\.jsonl line 2 is not a JSON record; delete it/);
  });
});

describe('output directory', () => {
  it('refuses a file given as the directory before any work', () => {
    const file = path.join(dir, 'results');
    fs.writeFileSync(file, '');
    expect(() => prepareOutputDir(file)).toThrow(/cannot use as the output directory .*results \(ENOTDIR\): it is a file; give --out a directory/);
    expect(() => prepareOutputDir(path.join(file, 'sub'))).toThrow(FileSystemError);
  });

  it('refuses a second lock while the holder lives, and releases', () => {
    const out = path.join(dir, 'out');
    const lock = lockOutputDir(out, 'geoparam reproduce levy');
    let error: unknown;
    try {
      lockOutputDir(out, 'geoparam reproduce levy');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutputLockedError);
    expect((error as OutputLockedError).pid).toBe(process.pid);
    expect((error as Error).message).toContain(`pid ${process.pid}: geoparam reproduce levy`);
    lock.release();
    lock.release();
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
    lockOutputDir(out, 'again').release();
  });

  it('takes over the lock of a process that died (kill -9)', async () => {
    const out = path.join(dir, 'out');
    const script = `require(${JSON.stringify(path.resolve(__dirname, '../dist/node/index.js'))}).lockOutputDir(${JSON.stringify(out)}, 'child'); process.kill(process.pid, 'SIGKILL');`;
    const child = spawn(process.execPath, ['-e', script]);
    await new Promise((resolve) => child.on('exit', resolve));
    expect(JSON.parse(fs.readFileSync(path.join(out, LOCK_FILE), 'utf8')).command).toBe('child');
    const lock = lockOutputDir(out, 'parent');
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
