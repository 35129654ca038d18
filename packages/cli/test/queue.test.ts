// Sweeps on BullMQ + Redis through the built CLI: real redis-server, real `geoparam worker` processes.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestRedis, redisSkipReason, sharedData } from '@geoparam/test-utils';
import { cleanSweep, sweepStatus } from '@geoparam/experiments';
import { bin, run, tmp } from './helpers';

const skipReason = redisSkipReason();
if (skipReason) console.log(`geoparam worker/sweep tests skipped: ${skipReason}`);

// The submitting test process and the worker processes must be one build.
process.env['GEOPARAM_BUILD_COMMIT'] = 'queue-test';

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves when the output matches. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
}

function geoparam(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: (() => void)[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    waiters.forEach((w) => w());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, timeoutMs = 120_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in:\n${text}`)), timeoutMs);
      const check = () => {
        const match = pattern.exec(text);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      };
      waiters.push(check);
      check();
    });
  return { child, output: () => text, exited, waitFor };
}

const journal = (dir: string) =>
  fs
    .readFileSync(path.join(dir, 'jobs.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { key: string; result?: unknown; error?: string });

/** CPU time (clock ticks) used so far by each live child process of `pid`, read from /proc. */
function childCpuTicks(pid: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after "(comm) ": state, ppid, …; utime and stime are fields 14 and 15 of proc(5).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === pid) ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
  }
  return ticks;
}

(skipReason ? describe.skip : describe)('sweeps on a queue (geoparam worker, reproduce uci --queue, sweep, report)', () => {
  let redis: TestRedis;
  const workers: Proc[] = [];
  const data = () => sharedData('uci');
  const sweep = (url: string, out: string, extra: string[] = []) => ['reproduce', 'uci', '--queue', url, '--data-dir', data(), '--datasets', 'yacht', '--no-figures', '--out', out, ...extra];
  const worker = (url: string, extra: string[] = []) => {
    const w = geoparam(['worker', '--queue', url, '--data-dir', data(), '--concurrency', '1', ...extra]);
    workers.push(w);
    return w;
  };
  const recorded = async () => (await sweepStatus(redis.url)).records;

  beforeAll(async () => {
    redis = await TestRedis.start({ password: 'p4ss w0rd' });
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
    await cleanSweep(redis.url, { force: true });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('detaches on Ctrl-C (the jobs stay queued), names how to follow; status, a worker --until-drained, the same command and report finish it; the password is never printed', async () => {
    const out = tmp();
    const submit = geoparam(sweep(redis.url, out, ['--methods', 'sp,gmp', '--splits', '2', '--epochs', '5']));
    await submit.waitFor(/Table 1 runs: 4 runs to do/);
    await new Promise((r) => setTimeout(r, 1000));
    submit.child.kill('SIGINT');
    expect(await submit.exited).toBe(130);
    expect(submit.output()).toMatch(/detached: the sweep goes on in queue redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(geoparam sweep status --queue …; geoparam report --queue … --out DIR\); rerun the same command to continue/);

    const status = await run(['sweep', 'status', '--queue', redis.url]);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/wasm: \[-+\] 0\/2 jobs; 2 waiting/);

    const drained = worker(redis.url, ['--until-drained']);
    expect(await drained.exited).toBe(0);
    expect(drained.output()).toMatch(/worker stopped: 2 jobs completed, 0 failed/);
    const again = await run([...sweep(redis.url, out, ['--methods', 'sp,gmp', '--splits', '2', '--epochs', '5']), '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).datasets.yacht.geometric.rmse).toHaveLength(2);
    expect(journal(out)).toHaveLength(4);

    const reportDir = tmp();
    const report = await run(['report', '--queue', redis.url, '--out', reportDir, '--no-figures', '--json']);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.out).datasets).toEqual(JSON.parse(again.out).datasets);
    const fromDir = await run(['report', '--from', out, '--out', tmp(), '--no-figures', '--json']);
    expect(JSON.parse(fromDir.out).datasets).toEqual(JSON.parse(again.out).datasets);

    const everything = [submit.output(), status.out, drained.output(), again.out, again.err, report.out, fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'), fs.readFileSync(path.join(out, 'table.md'), 'utf8')].join('\n');
    expect(everything).not.toMatch(/p4ss/);
    expect(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).toMatch(/"runner": "queue redis:\/\/:\*\*\*@127/);

    expect((await run(['sweep', 'clean', '--queue', redis.url])).code).toBe(0);
    expect(await recorded()).toEqual({ results: 0, failures: 0, duplicates: 0 });
    expect((await run(['report', '--queue', redis.url, '--out', tmp()])).err).toMatch(/no sweep was submitted to redis:\/\/:\*\*\*@/);
  }, 240_000);

  it('runs a job again on another worker when its worker is killed (SIGKILL) mid-job, and records it once', async () => {
    const out = tmp();
    const pair = [worker(redis.url), worker(redis.url)];
    await Promise.all(pair.map((w) => w.waitFor(/takes wasm jobs/)));
    const submit = run(sweep(redis.url, out, ['--methods', 'sp,gmp', '--splits', '2', '--epochs', '400', '--stack', 'all']));
    // Whichever worker starts a job first is killed at once, mid-job.
    const first = await Promise.race(pair.map((w, i) => w.waitFor(/started final yacht \S+ splits 0,1/).then((line) => ({ line, i }))));
    const [a, b] = first.i === 0 ? [pair[0]!, pair[1]!] : [pair[1]!, pair[0]!];
    a.child.kill('SIGKILL');
    const label = first.line.replace(/^started /, '');
    await a.exited;
    const { code, err } = await submit;
    expect(err).toBe('');
    expect(code).toBe(0);
    // The killed worker's job ran to completion on the other one, after the stall check.
    expect(b.output()).toContain(`started ${label}`);
    expect(b.output()).toMatch(new RegExp(`finished ${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 2 recorded`));
    const keys = journal(out).map((r) => r.key);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(4);
    expect(await recorded()).toEqual({ results: 4, failures: 0, duplicates: 0 });
  }, 240_000);

  it('fails a job that runs past --job-timeout with the reason (its process killed), finishes the other jobs once, and exits non-zero', async () => {
    const out = tmp();
    const w = worker(redis.url, ['--concurrency', '2']);
    await w.waitFor(/takes wasm jobs/);
    // 100 epochs: about 1 s on yacht (308 rows), about a minute on protein (45730 rows); the 8 s limit cuts only protein.
    const { code, err } = await run(['reproduce', 'uci', '--queue', redis.url, '--data-dir', data(), '--datasets', 'yacht,protein', '--methods', 'sp,gmp', '--splits', '1', '--epochs', '100', '--job-timeout', '8', '--no-figures', '--out', out]);
    expect(code).toBe(3);
    expect(err).toMatch(/2 runs failed/);
    for (const method of ['SP', 'GmP']) expect(err).toMatch(new RegExp(`protein ${method} split 0: job ran longer than its 8 s time limit; its worker process was killed`));
    expect(err).not.toMatch(/yacht/);
    const records = journal(out);
    expect(new Set(records.map((r) => r.key)).size).toBe(4);
    expect(records).toHaveLength(4);
    expect(records.filter((r) => r.result !== undefined)).toHaveLength(2);
    expect(records.filter((r) => r.error !== undefined).map((r) => r.error)).toEqual(Array(2).fill('job ran longer than its 8 s time limit; its worker process was killed'));
    expect(await recorded()).toEqual({ results: 2, failures: 2, duplicates: 0 });
    // Final at once (a re-run would time out the same way), kept with its reason for `sweep status`.
    const status = await sweepStatus(redis.url);
    expect(status.queues).toEqual([expect.objectContaining({ name: 'wasm', completed: 2, failed: 2, waiting: 0, active: 0 })]);
    expect(status.failed.map((f) => f.label).sort()).toEqual(['final protein GmP split 0', 'final protein SP split 0']);
    expect(status.failed.every((f) => /ran longer than its 8 s time limit/.test(f.reason))).toBe(true);
    expect(w.output()).toMatch(/failed final protein SP split 0: job ran longer than its 8 s time limit/);
    expect(w.output()).toMatch(/finished final yacht GmP split 0: 1 recorded/);
    // The timed-out training was stopped, not left running: none of the worker's processes computes now.
    const before = childCpuTicks(w.child.pid!);
    await new Promise((r) => setTimeout(r, 2000));
    for (const [pid, ticks] of childCpuTicks(w.child.pid!)) expect((ticks - (before.get(pid) ?? ticks)) / 100).toBeLessThan(0.3);
  }, 240_000);

  it('never gives a job planned for one backend to a worker of another: it waits until a worker for its backend runs it', async () => {
    const out = tmp();
    const cpu = worker(redis.url, ['--backend', 'cpu']);
    await cpu.waitFor(/takes cpu jobs/);
    const submit = run(sweep(redis.url, out, ['--methods', 'sp,gmp', '--splits', '1', '--epochs', '5']));
    const waiting = async () => (await sweepStatus(redis.url)).queues.find((q) => q.name === 'wasm')?.waiting ?? 0;
    for (let tries = 0; (await waiting()) < 2; tries++) {
      if (tries > 600) throw new Error('the sweep was not submitted');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Long enough for an idle worker to have taken anything it could (it waits on its queue, woken by a new job).
    await new Promise((r) => setTimeout(r, 3000));
    const held = await sweepStatus(redis.url);
    expect(held.queues).toEqual([
      { name: 'cpu', waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 },
      { name: 'wasm', waiting: 2, active: 0, delayed: 0, completed: 0, failed: 0 },
    ]);
    expect(held.workers['cpu']).toHaveLength(1);
    expect(held.workers['wasm']).toEqual([]);
    expect(cpu.output()).not.toMatch(/started|refused|failed/);

    const wasm = worker(redis.url, ['--until-drained']);
    const { code, err } = await submit;
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(await wasm.exited).toBe(0);
    expect(wasm.output()).toMatch(/worker stopped: 2 jobs completed, 0 failed/);
    expect(cpu.output()).not.toMatch(/started|finished/);
    expect(journal(out).filter((r) => r.result !== undefined)).toHaveLength(2);
    expect((await sweepStatus(redis.url)).queues.find((q) => q.name === 'cpu')).toEqual({ name: 'cpu', waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
  }, 240_000);

  it('reproduce vgg6 --queue runs one job per run on the workers (images by name from their --data-dir) and gives the runs of a run on this process', async () => {
    const args = ['reproduce', 'vgg6', '--dataset', 'mnist', '--data-dir', sharedData('images', 'mnist'), '--holdout', '--train-limit', '64', '--test-limit', '32', '--width', '0.03125', '--batch-size', '32', '--epochs', '1', '--seeds', '1', '--methods', 'sp,gmp', '--no-figures', '--json'];
    const hereDir = tmp();
    const here = await run([...args, '--out', hereDir]);
    expect(here.code).toBe(0);
    // The workers hold the image sets side by side (mnist/, cifar10/): they find mnist/ by the job's data name.
    const w = worker(redis.url, ['--data-dir', sharedData('images'), '--concurrency', '2']);
    await w.waitFor(/takes wasm jobs/);
    const out = tmp();
    const queued = await run([...args, '--queue', redis.url, '--out', out]);
    expect(queued.err).toBe('');
    expect(queued.code).toBe(0);
    const [a, b] = [JSON.parse(here.out), JSON.parse(queued.out)];
    const outcome = (runs: { variant: string; seed: number; batchSize: number; fingerprint: { hash: string }; top1: number; top5: number; epochs: number; curve: unknown }[]) =>
      runs.map((r) => ({ variant: r.variant, seed: r.seed, batchSize: r.batchSize, fingerprint: r.fingerprint.hash, top1: r.top1, top5: r.top5, epochs: r.epochs, curve: r.curve }));
    expect(b.runs).toHaveLength(2);
    expect(outcome(b.runs)).toEqual(outcome(a.runs));
    expect(b.summary).toEqual(a.summary);
    expect(b.fingerprint).toEqual(a.fingerprint);
    expect(w.output()).toMatch(/finished vgg6 mnist SP batch 32 seed 0: 1 recorded/);
    expect(w.output()).toMatch(/finished vgg6 mnist GmP batch 32 seed 0: 1 recorded/);
    expect(journal(out).filter((r) => r.result !== undefined)).toHaveLength(2);
    // Every run has its record: the same command again trains nothing.
    const again = await run([...args, '--queue', redis.url, '--out', out]);
    expect(again.code).toBe(0);
    expect(outcome(JSON.parse(again.out).runs)).toEqual(outcome(a.runs));
    expect(await recorded()).toEqual({ results: 2, failures: 0, duplicates: 0 });

    // report re-aggregates the sweep without training, from the queue's store and from the command's --out:
    // the command's own results.json and table, and the curves figure.
    const own = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    const table = (dir: string) => fs.readFileSync(path.join(dir, 'table.md'), 'utf8').split('\n\n')[0];
    const fromQueue = tmp();
    const viaQueue = await run(['report', '--queue', redis.url, '--out', fromQueue, '--no-figures', '--json']);
    expect(viaQueue.err).toBe('');
    expect(viaQueue.code).toBe(0);
    expect(JSON.parse(viaQueue.out)).toEqual({ ...own, missing: 0 });
    expect(JSON.parse(fs.readFileSync(path.join(fromQueue, 'results.json'), 'utf8'))).toEqual(own);
    expect(own.runs).toHaveLength(2);
    expect(table(fromQueue)).toBe(table(out));
    const fromOut = tmp();
    // The built CLI: figures render in a plain Node process.
    const viaDir = geoparam(['report', '--from', out, '--out', fromOut]);
    expect(await viaDir.exited).toBe(0);
    expect(viaDir.output()).toContain(table(out));
    expect(viaDir.output()).toMatch(/Aggregated from .*jobs\.jsonl without training\./);
    expect(JSON.parse(fs.readFileSync(path.join(fromOut, 'results.json'), 'utf8'))).toEqual(own);
    expect(fs.readFileSync(path.join(fromOut, 'vgg6-curves.svg'), 'utf8')).toMatch(/^<svg/);
    expect(fs.readFileSync(path.join(fromOut, 'vgg6-curves.png')).subarray(1, 4).toString()).toBe('PNG');
    // Nothing was trained or recorded again.
    expect(w.output().match(/started vgg6 mnist/g)).toHaveLength(2);
    expect(await recorded()).toEqual({ results: 2, failures: 0, duplicates: 0 });
    // A run on this process keeps no journal: report names the directory and what it lacks.
    const local = await run(['report', '--from', hereDir, '--out', tmp(), '--json']);
    expect(local.code).toBe(4);
    expect(JSON.parse(local.err).error).toMatchObject({ code: 'SWEEP_DIR', message: expect.stringContaining(`${hereDir} holds no sweep.json and jobs.jsonl: it holds the runs of a command that trained on its own process`) });
  }, 240_000);

  it('reproduce levy|banana --queue runs one job per method × data draw (Banana read by name from the workers\' --data-dir) and gives the results of a run on this process', async () => {
    // Every value but wall times: the same stacks trained the same runs.
    const withoutWallTimes = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(withoutWallTimes) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'wallSeconds').map(([k, v]) => [k, withoutWallTimes(v)])) : value;
    const read = (dir: string, file: string) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const w = worker(redis.url, ['--data-dir', sharedData()]);
    await w.waitFor(/takes wasm jobs/);
    const studies = [
      { name: 'levy', title: 'Levy', metric: 'testRmse', args: ['reproduce', 'levy', '--epochs', '30', '--seeds', '2', '--data-seeds', '2', '--stability-steps', '5', '--methods', 'sp,gmp', '--no-figures', '--json'] },
      { name: 'banana', title: 'Banana', metric: 'testAccuracy', args: ['reproduce', 'banana', '--data-dir', sharedData('banana'), '--epochs', '3', '--seeds', '2', '--data-seeds', '2', '--stability-steps', '3', '--methods', 'sp,gmp', '--no-figures', '--json'] },
    ];
    let recordedSoFar = 0;
    for (const study of studies) {
      const hereDir = tmp();
      const here = await run([...study.args, '--out', hereDir]);
      expect(here.code).toBe(0);
      const out = tmp();
      const queued = await run([...study.args, '--queue', redis.url, '--out', out]);
      expect(queued.err).toBe('');
      expect(queued.code).toBe(0);
      const [a, b] = [read(hereDir, 'results.json'), read(out, 'results.json')];
      // 2 methods × 2 draws × 2 initializations, each run's test number identical, and so every summary.
      const numbers = (r: { methods: Record<string, { runs: Record<string, number>[] }> }) => Object.values(r.methods).flatMap((m) => m.runs.map((run) => run[study.metric]));
      expect(numbers(b)).toHaveLength(8);
      expect(numbers(b)).toEqual(numbers(a));
      expect(withoutWallTimes(b)).toEqual(withoutWallTimes(a));
      expect(JSON.parse(queued.out)).toEqual(b);
      expect(read(out, 'trajectories.json')).toEqual(read(hereDir, 'trajectories.json'));
      expect(w.output().match(new RegExp(`finished ${study.title} \\S+ data draw \\d( \\(showcase\\))?: 1 recorded`, 'g'))).toHaveLength(4);
      recordedSoFar += 4;
      // Every group has its record: the same command again trains nothing.
      const again = await run([...study.args, '--queue', redis.url, '--out', out]);
      expect(again.code).toBe(0);
      expect(withoutWallTimes(JSON.parse(again.out))).toEqual(withoutWallTimes(a));
      expect(w.output().match(new RegExp(`started ${study.title} `, 'g'))).toHaveLength(4);
      expect(await recorded()).toEqual({ results: recordedSoFar, failures: 0, duplicates: 0 });
      // report re-aggregates the journal without training: the same results.json, and the figures.
      if (study.name === 'levy') {
        const fromOut = tmp();
        const viaDir = geoparam(['report', '--from', out, '--out', fromOut]);
        expect(await viaDir.exited).toBe(0);
        expect(viaDir.output()).toMatch(/Aggregated from .*jobs\.jsonl without training\./);
        expect(read(fromOut, 'results.json')).toEqual(b);
        expect(fs.readFileSync(path.join(fromOut, 'levy-fit.svg'), 'utf8')).toMatch(/^<svg/);
        expect(fs.readFileSync(path.join(fromOut, 'levy-stability.png')).subarray(1, 4).toString()).toBe('PNG');
      } else {
        // ... and from the queue's store, whose latest sweep is this one.
        const fromQueue = tmp();
        const viaQueue = await run(['report', '--queue', redis.url, '--out', fromQueue, '--no-figures', '--json']);
        expect(viaQueue.code).toBe(0);
        expect(read(fromQueue, 'results.json')).toEqual(b);
        expect(await recorded()).toEqual({ results: recordedSoFar, failures: 0, duplicates: 0 });
      }
    }
    // --queue with --resume is refused, as for vision.
    const both = await run([...studies[0]!.args, '--queue', redis.url, '--resume', '--out', tmp()]);
    expect(both.code).not.toBe(0);
    expect(both.err).toMatch(/--queue.*cannot be used with option '--resume'|--resume.*--queue/);
  }, 300_000);

  it('loses nothing and records nothing twice when Redis is shut down and restarted mid-sweep', async () => {
    const out = tmp();
    const w = worker(redis.url, ['--concurrency', '2']);
    const submit = run(sweep(redis.url, out, ['--methods', 'sp,wn,bn,gmp', '--splits', '2', '--epochs', '60', '--stack', 'all']));
    await w.waitFor(/finished final yacht/);
    await redis.shutdown();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.launch();
    const { code, err } = await submit;
    expect(err).toBe('');
    expect(code).toBe(0);
    const keys = journal(out).map((r) => r.key);
    expect(keys).toHaveLength(8);
    expect(new Set(keys).size).toBe(8);
    expect(await recorded()).toEqual({ results: 8, failures: 0, duplicates: 0 });
  }, 240_000);
});
