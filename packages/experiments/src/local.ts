import * as os from 'node:os';
import { GeoparamError, buildId, useBackend } from '@geoparam/core';
import * as fs from 'node:fs';
import { dataResolver, type DataSource } from './data';
import type { Job, MemberRecord } from './job';
import { runPool } from './pool';
import { runJob } from './run-job';
import type { JobRunner, RunHooks, RunOutcome } from './runner';

/** Options of `LocalPoolRunner`. */
export interface LocalPoolOptions {
  workers: number;
  /**
   * The compiled worker module: it registers the backends (an app's choice, never a library's)
   * and calls `serveLocalWorker()`.
   */
  script: string;
  backend: string;
  /** Where workers find data by name (the submitting machine's data dir and CSV files). */
  source: DataSource;
  /** Re-runs of a job whose worker died before it answered (default 1). */
  retries?: number;
}

/** Today's runner: worker processes on this machine, one tfjs engine each; a dead worker's job is retried once. */
export class LocalPoolRunner implements JobRunner {
  readonly description: string;
  constructor(private readonly options: LocalPoolOptions) {
    this.description = `${options.workers} worker processes`;
  }

  /** Runs the jobs on fresh worker processes; resolves when every job has an outcome or the signal aborts. */
  run(jobs: readonly Job[], hooks: RunHooks): Promise<RunOutcome> {
    return runPool<Job, MemberRecord[]>([...jobs], {
      workers: this.options.workers,
      script: this.options.script,
      init: { backend: this.options.backend, source: this.options.source },
      key: (job) => job.id,
      retries: this.options.retries ?? 1,
      onResult: (job, records) => hooks.onRecords(job, records),
      onFailure: (job, reason) => hooks.onJobFailed(job, reason),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    });
  }
}

type Message = { type: 'init'; backend: string; source: DataSource } | { type: 'job'; job: Job };

/** The body of a local pool worker process: one job at a time on this process's tfjs engine. */
export function serveLocalWorker(): void {
  let context: Parameters<typeof runJob>[1] | null = null;
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (message: Message) => {
    void (async () => {
      if (message.type === 'init') {
        const report = await useBackend(message.backend);
        context = { resolveData: dataResolver(message.source), buildId: buildId(), backend: report.name, worker: `${os.hostname()}:${process.pid}`, source: message.source };
        send({ type: 'ready' });
        return;
      }
      crashForTest(message.job);
      try {
        send({ type: 'result', result: await runJob(message.job, context!) });
      } catch (error) {
        send({ type: 'error', message: error instanceof Error ? error.message : String(error), ...(error instanceof GeoparamError ? { code: error.code } : {}) });
      }
    })().catch((error: unknown) => {
      send({ type: 'fatal', message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
}

/** Test hook: die on a matching job the first time it is seen, to exercise the retry of a dead worker's job. */
function crashForTest(job: Job): void {
  const marker = process.env['GEOPARAM_CRASH_ONCE'];
  if (marker && job.label.includes(process.env['GEOPARAM_CRASH_MATCH'] ?? '\u0000') && !fs.existsSync(marker)) {
    fs.writeFileSync(marker, job.label);
    process.exit(3);
  }
}
