import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { SeedStream, useBackend } from '@geoparam/core';
import { CheckpointError, loadModel, mlp } from '@geoparam/models';
import { sharedData } from '@geoparam/test-utils';
import { bin, tmp } from './helpers';

// Fault injection: kill -9 (no handler runs, nothing is flushed) at seeded random moments, then
// continue. The outcome must be the uninterrupted result, or a typed refusal — never a silent mix.

const LEVY = ['reproduce', 'levy', '--methods', 'sp,gmp', '--seeds', '2', '--epochs', '40', '--stability-steps', '20', '--no-figures', '--json'];

function runToEnd(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the command and kills it with SIGKILL after `delayMs` (or lets it finish first). */
async function killAfter(args: string[], delayMs: number): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, s) => resolve(s)));
  clearTimeout(timer);
  return signal;
}

/** What must not change when a run is interrupted and continued: everything but wall times. */
function comparable(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'), (key, value: unknown) => (key === 'wallSeconds' ? undefined : value)).methods;
}

describe('kill -9 during geoparam reproduce levy, then --resume', () => {
  it('ends with the uninterrupted results or a typed refusal, at seeded random kill points', async () => {
    const reference = tmp();
    const started = performance.now();
    const full = runToEnd([...LEVY, '--out', reference]);
    const duration = performance.now() - started;
    expect(full.status).toBe(0);
    const expected = comparable(path.join(reference, 'results.json'));

    const points = new SeedStream(14);
    const outcomes: string[] = [];
    for (let k = 0; k < 4; k++) {
      const out = tmp();
      // Anywhere from start-up to the end of the run (a kill after the end just finds it done).
      const delay = Math.round(points.uniform() * duration);
      const signal = await killAfter([...LEVY, '--out', out], delay);
      const resumed = runToEnd([...LEVY, '--resume', '--out', out]);
      if (resumed.status === 0) {
        expect(comparable(path.join(out, 'results.json'))).toEqual(expected);
        outcomes.push(`${delay} ms: ${signal ?? 'finished'}, resumed to equal results`);
      } else {
        // A refusal is typed (exit 4) and says why; anything else is a failure of this suite.
        expect({ status: resumed.status, stderr: resumed.stderr }).toEqual({ status: 4, stderr: expect.stringMatching(/^geoparam: /) });
        outcomes.push(`${delay} ms: refused: ${resumed.stderr.trim()}`);
      }
      fs.rmSync(out, { recursive: true, force: true });
    }
    // Shown with --verbose; the lead's notes quote it.
    console.log(`reference run ${Math.round(duration)} ms\n${outcomes.join('\n')}`);
    fs.rmSync(reference, { recursive: true, force: true });
  }, 240_000);
});

const UCI = ['reproduce', 'uci', '--data-dir', sharedData('uci'), '--datasets', 'yacht,energy', '--methods', 'sp,gmp', '--splits', '2', '--epochs', '30', '--stack', 'none', '--workers', '2', '--no-figures', '--json'];

/** Pids of the live processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        // The command name (2nd field) may hold spaces: the parent pid is the 2nd field after its ')'.
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return fields[0] !== 'Z' && Number(fields[1]) === pid ? [Number(entry)] : [];
      } catch {
        return [];
      }
    });
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

/** What must not change when a sweep is interrupted and run again: every number but times. */
function uciComparable(file: string): unknown {
  const timing = new Set(['wallSeconds', 'runSeconds', 'seconds']);
  return JSON.parse(fs.readFileSync(file, 'utf8'), (key, value: unknown) => (timing.has(key) ? undefined : value)).datasets;
}

/** Every file a kill may have left is whole: JSON parses, journal lines parse except at most a torn last one. */
function assertNothingHalfWritten(dir: string): void {
  for (const name of ['results.json', 'manifest.json', 'sweep.json']) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) expect(() => JSON.parse(fs.readFileSync(file, 'utf8')) as unknown).not.toThrow();
  }
  const table = path.join(dir, 'table.md');
  if (fs.existsSync(table)) expect(fs.readFileSync(table, 'utf8')).toMatch(/\n$/);
  const journal = path.join(dir, 'jobs.jsonl');
  if (fs.existsSync(journal)) {
    const lines = fs.readFileSync(journal, 'utf8').split('\n');
    lines.slice(0, -1).forEach((line) => expect(() => JSON.parse(line) as unknown).not.toThrow());
  }
}

describe.each(process.platform === 'linux' ? ['linux'] : [])('geoparam reproduce uci under kill -9 and SIGTERM (%s: worker pids read from /proc)', () => {
  it('kill -9 at seeded random points, then the same command: the uninterrupted results, nothing half-written, no orphan worker', async () => {
    const reference = tmp();
    const started = performance.now();
    const full = runToEnd([...UCI, '--out', reference]);
    const duration = performance.now() - started;
    expect(full.status).toBe(0);
    const expected = uciComparable(path.join(reference, 'results.json'));

    const points = new SeedStream(13);
    const outcomes: string[] = [];
    for (let k = 0; k < 3; k++) {
      const out = tmp();
      const delay = Math.round(points.uniform() * duration);
      const child = spawn(process.execPath, [bin, ...UCI, '--out', out], { stdio: 'ignore' });
      const workers = new Set<number>();
      const watch = setInterval(() => childrenOf(child.pid!).forEach((pid) => workers.add(pid)), 50);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, s) => resolve(s)));
      clearTimeout(timer);
      clearInterval(watch);
      // Workers notice their parent is gone (their IPC channel closes) and exit.
      expect(await until(() => [...workers].every((pid) => !alive(pid)), 15_000)).toBe(true);
      assertNothingHalfWritten(out);
      const again = runToEnd([...UCI, '--out', out]);
      expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
      expect(uciComparable(path.join(out, 'results.json'))).toEqual(expected);
      assertNothingHalfWritten(out);
      outcomes.push(`${delay} ms: ${signal ?? 'finished'} (${workers.size} child processes seen), rerun to equal results`);
      fs.rmSync(out, { recursive: true, force: true });
    }
    console.log(`reference uci run ${Math.round(duration)} ms\n${outcomes.join('\n')}`);
    fs.rmSync(reference, { recursive: true, force: true });
  }, 300_000);

  it('SIGTERM reaches the pool workers: the command exits as interrupted and leaves no worker behind', async () => {
    const out = tmp();
    const child = spawn(process.execPath, [bin, ...UCI, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Both workers started (and past start-up), then SIGTERM to the command only.
    expect(await until(() => childrenOf(child.pid!).length === 2, 60_000)).toBe(true);
    const workers = childrenOf(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted; finished runs are kept in .*jobs\.jsonl; rerun the same command to continue/);
    expect(workers.filter(alive)).toEqual([]);
    assertNothingHalfWritten(out);
    fs.rmSync(out, { recursive: true, force: true });
  }, 120_000);
});

describe('kill -9 during saveModel', () => {
  it('leaves the previous or the new model intact, or loading fails with a CheckpointError', async () => {
    const dir = tmp();
    const cliRoot = path.join(__dirname, '..');
    // Saves two different models into one directory, alternately, as fast as it can.
    const script = `
      const core = require('@geoparam/core');
      require('@geoparam/backend-cpu/register');
      const { mlp, saveModel } = require('@geoparam/models');
      (async () => {
        await core.useBackend('cpu');
        const models = [mlp({ inputDim: 8, hidden: [256, 256], seed: 1 }), mlp({ inputDim: 8, hidden: [256, 256], seed: 2 })];
        await saveModel(models[0], ${JSON.stringify(dir)});
        console.log('ready');
        for (let i = 1; ; i++) await saveModel(models[i % 2], ${JSON.stringify(dir)});
      })();
    `;
    await useBackend('cpu');
    const fingerprint = (m: { getWeights(): Record<string, { dataSync(): ArrayLike<number>; dispose(): void }> }) => {
      const w = m.getWeights();
      const first = Array.from(Object.values(w)[0]!.dataSync()).slice(0, 8);
      Object.values(w).forEach((t) => t.dispose());
      return first.join(',');
    };
    const known = [1, 2].map((seed) => {
      const m = mlp({ inputDim: 8, hidden: [256, 256], seed });
      const f = fingerprint(m);
      m.dispose();
      return f;
    });
    const delays = new SeedStream(9);
    const seen: string[] = [];
    for (let k = 0; k < 5; k++) {
      const child = spawn(process.execPath, ['-e', script], { cwd: cliRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((resolve) => child.stdout.once('data', resolve));
      await new Promise((resolve) => setTimeout(resolve, Math.round(delays.uniform() * 2000)));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('exit', resolve));
      try {
        const { model } = await loadModel(dir);
        const f = fingerprint(model);
        model.dispose();
        expect(known).toContain(f);
        seen.push(`model ${known.indexOf(f) + 1}`);
      } catch (error) {
        expect(error).toBeInstanceOf(CheckpointError);
        seen.push(`refused: ${(error as Error).message}`);
      }
    }
    console.log(seen.join('\n'));
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
