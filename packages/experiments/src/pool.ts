import { fork, type ChildProcess } from 'node:child_process';

/** Options of `runPool`. */
export interface PoolOptions<J, R> {
  workers: number;
  /** Compiled worker module; it answers `init` with `ready`, and `job` with `result` or `error`. */
  script: string;
  init: Record<string, unknown>;
  /** A job's identity, to count its attempts. */
  key: (job: J) => string;
  /** Re-runs of a job whose worker died (crash, OOM, kill) before it answered. */
  retries?: number;
  /** A job's answer. */
  onResult: (job: J, result: R) => void;
  /** A job that failed or whose workers kept dying. */
  onFailure: (job: J, reason: string) => void;
  signal?: AbortSignal;
}

interface Slot {
  child: ChildProcess;
  job: unknown | null;
}

/**
 * Runs independent jobs on worker processes, each with its own tfjs engine. A job whose worker
 * dies is retried on a fresh worker, then reported as failed: nothing is dropped silently.
 */
export function runPool<J, R>(jobs: J[], options: PoolOptions<J, R>): Promise<{ completed: number; failed: number; aborted: boolean }> {
  const queue = [...jobs];
  const attempts = new Map<string, number>();
  const retries = options.retries ?? 1;
  let completed = 0;
  let failed = 0;
  let aborted = false;
  // Workers that die before finishing anything (a broken setup) must not be respawned forever.
  let idleDeaths = 0;
  let lastFatal = '';
  const slots = new Set<Slot>();

  return new Promise((resolve) => {
    const finishIfDone = () => {
      const busy = [...slots].some((s) => s.job !== null);
      if ((queue.length === 0 || aborted) && !busy) {
        for (const slot of slots) slot.child.kill();
        slots.clear();
        resolve({ completed, failed, aborted });
      }
    };

    const dispatch = (slot: Slot) => {
      const job = aborted ? undefined : queue.shift();
      if (job === undefined) {
        slot.job = null;
        slot.child.kill();
        slots.delete(slot);
        finishIfDone();
        return;
      }
      slot.job = job;
      slot.child.send({ type: 'job', job });
    };

    const spawnWorker = () => {
      const child = fork(options.script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env });
      const slot: Slot = { child, job: null };
      slots.add(slot);
      child.on('message', (message: { type: string; result?: R; message?: string }) => {
        if (message.type === 'fatal') lastFatal = message.message ?? '';
        else if (message.type === 'ready') dispatch(slot);
        else if (message.type === 'result' && slot.job !== null) {
          idleDeaths = 0;
          completed++;
          options.onResult(slot.job as J, message.result as R);
          dispatch(slot);
        } else if (message.type === 'error' && slot.job !== null) {
          // The job itself failed (bad data, bad settings): rerunning would fail the same way.
          failed++;
          options.onFailure(slot.job as J, message.message ?? 'unknown error');
          dispatch(slot);
        }
      });
      child.on('exit', (code, signal) => {
        if (!slots.has(slot)) return;
        slots.delete(slot);
        const job = slot.job as J | null;
        if (job === null && !aborted) idleDeaths++;
        if (job !== null && !aborted) {
          const key = options.key(job);
          const tries = (attempts.get(key) ?? 0) + 1;
          attempts.set(key, tries);
          if (tries <= retries) queue.unshift(job);
          else {
            failed++;
            options.onFailure(job, `worker exited (${signal ?? `code ${code}`}) ${tries} times`);
          }
        }
        if (idleDeaths >= 3) {
          for (const waiting of queue.splice(0)) {
            failed++;
            options.onFailure(waiting, `workers exit before running anything${lastFatal ? `: ${lastFatal}` : ''}`);
          }
        }
        if (queue.length > 0 && !aborted) spawnWorker();
        finishIfDone();
      });
      child.send({ type: 'init', ...options.init });
    };

    options.signal?.addEventListener('abort', () => {
      aborted = true;
      for (const slot of slots) slot.child.kill();
    });
    if (queue.length === 0) {
      resolve({ completed, failed, aborted });
      return;
    }
    for (let i = 0; i < Math.min(options.workers, queue.length); i++) spawnWorker();
  });
}
