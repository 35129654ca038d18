import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { SeedStream, useBackend } from '@geoparam/core';
import { CheckpointError, loadModel, mlp } from '@geoparam/models';
import { sharedData } from '@geoparam/test-utils';
import { bin, tmp } from './helpers';

// Fault injection: kill -9 (no handler runs, nothing is flushed) at seeded random moments, then
// continue. The outcome must be the uninterrupted result, or a typed refusal where allowed — never a silent mix.

function runToEnd(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

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

/**
 * Starts the command and kills it with SIGKILL after `delayMs` (or lets it finish first); with
 * `watchChildren`, also returns the pids of every child process it had meanwhile (read from /proc).
 */
async function killAfter(args: string[], delayMs: number, watchChildren: boolean): Promise<{ signal: NodeJS.Signals | null; children: number[] }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
  const children = new Set<number>();
  const watch = watchChildren ? setInterval(() => childrenOf(child.pid!).forEach((pid) => children.add(pid)), 50) : undefined;
  const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, s) => resolve(s)));
  clearTimeout(timer);
  clearInterval(watch);
  return { signal, children: [...children] };
}

/** What must not change when a run is interrupted and continued: one section of results.json, every number but times. */
function comparable(file: string, section: string): unknown {
  const timing = new Set(['wallSeconds', 'runSeconds', 'seconds']);
  return (JSON.parse(fs.readFileSync(file, 'utf8'), (key, value: unknown) => (timing.has(key) ? undefined : value)) as Record<string, unknown>)[section];
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

/** A command killed with -9 at seeded random moments and then continued, and what that must give. */
interface KillCase {
  command: string;
  args: string[];
  /** Added to continue after a kill (`--resume`), or nothing: the same command reuses what was done. */
  continueWith: string[];
  /** The section of results.json that must equal the uninterrupted run's. */
  results: string;
  seed: number;
  kills: number;
  /** A typed refusal (exit 4, `geoparam: …`) is an acceptable outcome of continuing. */
  refusalAllowed: boolean;
  /** It runs worker processes: each must exit once the command is killed (pids read from /proc, Linux only). */
  workers: boolean;
  /** Its files are checked whole after the kill and after continuing, and continuing prints nothing on stderr. */
  strict: boolean;
  timeoutMs: number;
}

const KILL_CASES: KillCase[] = [
  {
    command: 'reproduce levy',
    args: ['reproduce', 'levy', '--methods', 'sp,gmp', '--seeds', '2', '--epochs', '40', '--stability-steps', '20', '--no-figures', '--json'],
    continueWith: ['--resume'],
    results: 'methods',
    seed: 14,
    kills: 4,
    refusalAllowed: true,
    workers: false,
    strict: false,
    timeoutMs: 240_000,
  },
  {
    command: 'reproduce uci',
    args: ['reproduce', 'uci', '--data-dir', sharedData('uci'), '--datasets', 'yacht,energy', '--methods', 'sp,gmp', '--splits', '2', '--epochs', '30', '--stack', 'none', '--workers', '2', '--no-figures', '--json'],
    continueWith: [],
    results: 'datasets',
    seed: 13,
    kills: 3,
    refusalAllowed: false,
    workers: true,
    strict: true,
    timeoutMs: 300_000,
  },
];

describe.each(KILL_CASES)('kill -9 during geoparam $command, then continuing', (c) => {
  const title = `ends with the uninterrupted results${c.refusalAllowed ? ' or a typed refusal' : ''} at seeded random kill points${c.strict ? ', nothing half-written' : ''}${c.workers ? ', no orphan worker' : ''}`;
  (c.workers && process.platform !== 'linux' ? it.skip : it)(title, async () => {
    const reference = tmp();
    const started = performance.now();
    const full = runToEnd([...c.args, '--out', reference]);
    const duration = performance.now() - started;
    expect(full.status).toBe(0);
    const expected = comparable(path.join(reference, 'results.json'), c.results);

    const points = new SeedStream(c.seed);
    const outcomes: string[] = [];
    for (let k = 0; k < c.kills; k++) {
      const out = tmp();
      // Anywhere from start-up to the end of the run (a kill after the end just finds it done).
      const delay = Math.round(points.uniform() * duration);
      const { signal, children } = await killAfter([...c.args, '--out', out], delay, c.workers);
      // Workers notice their parent is gone (their IPC channel closes) and exit.
      if (c.workers) expect(await until(() => children.every((pid) => !alive(pid)), 15_000)).toBe(true);
      if (c.strict) assertNothingHalfWritten(out);
      const again = runToEnd([...c.args, ...c.continueWith, '--out', out]);
      const seen = `${delay} ms: ${signal ?? 'finished'}${c.workers ? ` (${children.length} child processes seen)` : ''}`;
      if (c.refusalAllowed && again.status !== 0) {
        // A refusal is typed (exit 4) and says why; anything else is a failure of this suite.
        expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 4, stderr: expect.stringMatching(/^geoparam: /) });
        outcomes.push(`${seen}, refused: ${again.stderr.trim()}`);
      } else {
        expect(again.status).toBe(0);
        if (c.strict) expect(again.stderr).toBe('');
        expect(comparable(path.join(out, 'results.json'), c.results)).toEqual(expected);
        if (c.strict) assertNothingHalfWritten(out);
        outcomes.push(`${seen}, continued to equal results`);
      }
      fs.rmSync(out, { recursive: true, force: true });
    }
    // Shown with --verbose; the lead's notes quote it.
    console.log(`reference ${c.command} run ${Math.round(duration)} ms\n${outcomes.join('\n')}`);
    fs.rmSync(reference, { recursive: true, force: true });
  }, c.timeoutMs);
});

describe.each(process.platform === 'linux' ? ['linux'] : [])('geoparam reproduce uci under SIGTERM (%s: worker pids read from /proc)', () => {
  it('SIGTERM reaches the pool workers: the command exits as interrupted and leaves no worker behind', async () => {
    const out = tmp();
    const child = spawn(process.execPath, [bin, ...KILL_CASES[1]!.args, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
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
