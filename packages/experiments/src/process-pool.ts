import { fork, type ChildProcess } from 'node:child_process';
import { GeoparamError } from '@geoparam/core';

/** A worker process died (crash, OOM, kill) while it held a job: the job may succeed elsewhere. */
export class WorkerExitError extends GeoparamError {
  constructor(readonly exit: string) {
    super('WORKER_EXIT', `worker exited (${exit})`);
  }
}

/** Worker processes keep dying before they are ready (a backend that cannot load, a broken install). */
export class WorkersCannotStartError extends GeoparamError {
  constructor(readonly reason: string) {
    super('WORKERS_CANNOT_START', `workers exit before running anything${reason ? `: ${reason}` : ''}`);
  }
}

/** A job ran past its time limit; its worker process was killed. */
export class JobTimeoutError extends GeoparamError {
  constructor(readonly seconds: number) {
    super('JOB_TIMEOUT', `job ran longer than its ${seconds} s time limit; its worker process was killed`);
  }
}

/** A job failed inside its worker process; `code` is the worker's error code (e.g. DATA_MISMATCH). */
export class RemoteJobError extends GeoparamError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** Options of `ProcessPool`. */
export interface ProcessPoolOptions {
  size: number;
  /** Compiled worker module: answers `init` with `ready` (or `fatal`), `job` with `result` or `error`. */
  script: string;
  init: Record<string, unknown>;
}

interface Pending {
  job: unknown;
  timeoutMs?: number;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

interface Child {
  process: ChildProcess;
  ready: boolean;
  busy: Pending | null;
  timer?: NodeJS.Timeout;
}

type Message = { type: 'ready' } | { type: 'fatal'; message?: string } | { type: 'result'; result: unknown } | { type: 'error'; message?: string; code?: string };

/** Children that die before they are ready this many times in a row mean a broken setup, not bad luck. */
const STARTUP_DEATHS = 3;

/**
 * Long-lived worker processes, each with its own tfjs engine, that run one job at a time. The
 * parent only passes messages, so its event loop stays free (a queue worker's lock renewal never
 * waits on training). A dead worker's job is rejected with `WorkerExitError` and the process is
 * replaced on demand; the caller decides whether to retry.
 */
export class ProcessPool<J, R> {
  private readonly children = new Set<Child>();
  private readonly waiting: Pending[] = [];
  private startupDeaths = 0;
  private lastFatal = '';
  private broken: WorkersCannotStartError | null = null;
  private closed = false;
  private readyWaiters: (() => void)[] = [];

  constructor(private readonly options: ProcessPoolOptions) {}

  /** Starts every worker and resolves when all are ready (rejects when they cannot start). */
  start(): Promise<void> {
    while (this.children.size < this.options.size) this.spawn();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.broken) reject(this.broken);
        else if ([...this.children].filter((c) => c.ready).length >= this.options.size) resolve();
        else this.readyWaiters.push(check);
      };
      check();
    });
  }

  /** Runs a job on the next free worker; `timeoutMs` kills the worker and rejects with `JobTimeoutError`. */
  run(job: J, options: { timeoutMs?: number } = {}): Promise<R> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new WorkerExitError('pool closed'));
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ job, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), resolve: resolve as (r: unknown) => void, reject });
      this.pump();
    });
  }

  /** Kills every worker; jobs still running or waiting are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.children].map((child) => new Promise<void>((resolve) => (child.process.exitCode !== null || child.process.signalCode !== null ? resolve() : child.process.once('exit', () => resolve()))));
    for (const pending of this.waiting.splice(0)) pending.reject(new WorkerExitError('pool closed'));
    for (const child of this.children) child.process.kill('SIGKILL');
    await Promise.all(exits);
  }

  private pump(): void {
    if (this.closed) return;
    for (const child of this.children) {
      if (this.waiting.length === 0) break;
      if (child.ready && !child.busy) this.assign(child, this.waiting.shift()!);
    }
    const starting = [...this.children].filter((c) => !c.ready).length;
    for (let need = this.waiting.length - starting; need > 0 && this.children.size < this.options.size; need--) this.spawn();
  }

  private assign(child: Child, pending: Pending): void {
    child.busy = pending;
    if (pending.timeoutMs) {
      child.timer = setTimeout(() => {
        child.busy = null;
        child.process.kill('SIGKILL');
        pending.reject(new JobTimeoutError(pending.timeoutMs! / 1000));
      }, pending.timeoutMs);
    }
    child.process.send({ type: 'job', job: pending.job });
  }

  private settle(child: Child): Pending | null {
    const pending = child.busy;
    child.busy = null;
    clearTimeout(child.timer);
    return pending;
  }

  private spawn(): void {
    const process_ = fork(this.options.script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env });
    const child: Child = { process: process_, ready: false, busy: null };
    this.children.add(child);
    process_.on('message', (message: Message) => {
      if (message.type === 'fatal') this.lastFatal = message.message ?? '';
      else if (message.type === 'ready') {
        child.ready = true;
        this.startupDeaths = 0;
        this.readyWaiters.splice(0).forEach((check) => check());
        this.pump();
      } else if (message.type === 'result') {
        this.settle(child)?.resolve(message.result);
        this.pump();
      } else if (message.type === 'error') {
        this.settle(child)?.reject(new RemoteJobError(message.code ?? 'JOB_FAILED', message.message ?? 'unknown error'));
        this.pump();
      }
    });
    process_.on('exit', (code, signal) => {
      this.children.delete(child);
      this.settle(child)?.reject(new WorkerExitError(signal ?? `code ${code}`));
      if (this.closed) return;
      if (!child.ready && ++this.startupDeaths >= STARTUP_DEATHS) {
        this.broken = new WorkersCannotStartError(this.lastFatal);
        for (const pending of this.waiting.splice(0)) pending.reject(this.broken);
        this.readyWaiters.splice(0).forEach((check) => check());
        return;
      }
      if (this.readyWaiters.length > 0) this.spawn();
      this.pump();
    });
    process_.send({ type: 'init', ...this.options.init });
  }
}
