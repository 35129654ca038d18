import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from '@geoparam/core';
import { onInterrupt } from '@geoparam/core/node';
import { BullmqRunner, Journal, runPlan, saveQueueSweep, type JobRunner, type MemberRecord, type Plan, type QueueJobEvent } from '@geoparam/experiments';
import { writeJson } from '../experiments/manifest';

/** A text progress bar: `[########------------] 8/20 jobs, 2 running`. */
export function progressBar(done: number, total: number, running: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} jobs${running ? `, ${running} running` : ''}`;
}

/**
 * `reproduce uci|vgg6|resnet|levy|banana --queue URL`: stores the sweep's settings beside its jobs (for
 * `geoparam report --queue`) and returns a runner that submits the jobs (each failed after
 * `jobTimeoutSeconds`, when given) and follows them, printing
 * a progress bar.
 */
export async function queueSweepRunner(url: string, plan: Pick<Plan, 'experiment' | 'settings'>, jobTimeoutSeconds: number | undefined, say: (line: string) => void): Promise<BullmqRunner> {
  let total = 0;
  let done = 0;
  const running = new Set<string>();
  const onEvent = (event: QueueJobEvent) => {
    if (event.type === 'submitted') total++;
    else if (event.type === 'started') running.add(event.job.id);
    else {
      running.delete(event.job.id);
      done++;
      say(`  ${progressBar(done, total, running.size)} ${event.type === 'failed' ? `FAILED ${event.job.label}: ${event.reason}` : `${event.job.label} on ${event.result?.worker ?? 'a worker'}`}`);
    }
  };
  const runner = new BullmqRunner({ url, onEvent, log: say, ...(jobTimeoutSeconds ? { jobTimeoutMs: jobTimeoutSeconds * 1000 } : {}) });
  await saveQueueSweep(url, { id: sha256Hex(JSON.stringify(plan.settings)).slice(0, 16), experiment: plan.experiment, settings: plan.settings, submittedAt: new Date().toISOString() });
  return runner;
}

/** How a sweep's log names a member and words its result. */
export interface RecordWording {
  /** The run or group, e.g. `yacht GmP split 3 lr 0.1`. */
  name(record: MemberRecord): string;
  /** Its result, e.g. `RMSE 0.8123 (412 epochs, 3.1 s)`. */
  result(record: MemberRecord): string;
}

/**
 * Runs `plan` on `runner`, recording into `<out>/jobs.jsonl` beside `<out>/sweep.json` (the
 * experiment and plan settings `geoparam report --from` re-aggregates with), one log line per
 * record. Ctrl-C or SIGTERM stops following: the local pool stops; a queue sweep goes on, detached.
 * Rerunning the same command reuses every recorded result.
 */
export async function runSweep(out: string, plan: Plan, runner: JobRunner, options: { queued: boolean; say: (line: string) => void; wording: RecordWording }): Promise<Journal> {
  const { say, wording } = options;
  fs.mkdirSync(out, { recursive: true });
  const journalFile = path.join(out, 'jobs.jsonl');
  const journal = Journal.open(journalFile);
  writeJson(out, 'sweep.json', { experiment: plan.experiment, settings: plan.settings });
  const interrupt = new AbortController();
  const stopListening = onInterrupt(() => interrupt.abort());
  try {
    await runPlan(plan, runner, journal, {
      log: say,
      signal: interrupt.signal,
      where: options.queued ? `${journalFile}; detached: the sweep goes on in ${runner.description} (geoparam sweep status --queue …; geoparam report --queue … --out DIR)` : journalFile,
      onRecord: (record, { done, total }) =>
        say(`  [${done}/${total}] ${record.result !== undefined ? `${wording.name(record)}: ${wording.result(record)}` : `FAILED ${wording.name(record)}: ${record.error}`}`),
    });
  } finally {
    stopListening();
  }
  return journal;
}
