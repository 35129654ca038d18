import { GeoparamError } from '@geoparam/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { RecordSet } from '../records';
import { bullConnection, checkQueueServer, parseQueueUrl, type QueueConnection } from './connection';
import type { QueuedJob } from './runner';
import { QUEUE_PREFIX, QueueStore, type StoredSweep } from './store';

/** `sweep clean` while jobs run: their results would be lost. */
export class SweepBusyError extends GeoparamError {
  constructor(
    readonly url: string,
    readonly active: number,
  ) {
    super('SWEEP_BUSY', `${active} job${active === 1 ? ' is' : 's are'} running on ${url}; run geoparam sweep cancel --queue … and wait for them, or clean with --force (their results are lost)`);
  }
}

/** The jobs of one backend's queue by state. */
export interface QueueCounts {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/** What `sweepStatus` reports. */
export interface SweepStatus {
  /** The queue URL with its password masked. */
  url: string;
  queues: QueueCounts[];
  records: { results: number; failures: number; duplicates: number };
  /** Workers connected now, by name (host:pid), per queue. */
  workers: Record<string, string[]>;
  /** Jobs that failed for good, with their error text. */
  failed: { label: string; reason: string }[];
  sweeps: StoredSweep[];
}

async function open<T>(url: string, use: (store: QueueStore, queues: Queue[], connection: QueueConnection) => Promise<T>): Promise<T> {
  const connection = parseQueueUrl(url);
  await checkQueueServer(connection);
  const redis = new Redis(bullConnection(connection));
  const store = new QueueStore(redis);
  const queues = (await store.queues()).map((name) => new Queue(name, { connection: bullConnection(connection), prefix: QUEUE_PREFIX }));
  try {
    return await use(store, queues, connection);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    redis.disconnect();
  }
}

/** Jobs per state and queue, stored records, connected workers and failed jobs' reasons. */
export function sweepStatus(url: string): Promise<SweepStatus> {
  return open(url, async (store, queues, connection) => {
    const counts: QueueCounts[] = [];
    const workers: Record<string, string[]> = {};
    const failed: { label: string; reason: string }[] = [];
    for (const queue of queues) {
      const c = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'completed', 'failed');
      counts.push({ name: queue.name, waiting: (c['wait'] ?? 0) + (c['prioritized'] ?? 0), active: c['active'] ?? 0, delayed: c['delayed'] ?? 0, completed: c['completed'] ?? 0, failed: c['failed'] ?? 0 });
      workers[queue.name] = (await queue.getWorkers()).map((w) => String(w['rawname'] ?? w['name'] ?? '')).map((n) => n.replace(/^.*?:w:/, '')).sort();
      for (const job of await queue.getFailed()) failed.push({ label: (job.data as QueuedJob).job.label, reason: job.failedReason });
    }
    return { url: connection.redacted, queues: counts, records: await store.counts(), workers, failed, sweeps: await store.sweeps() };
  });
}

/** Removes the jobs not yet started (waiting, delayed); running ones finish and are recorded. */
export function cancelSweep(url: string): Promise<{ removed: number }> {
  return open(url, async (_store, queues) => {
    let removed = 0;
    for (const queue of queues) {
      const c = await queue.getJobCounts('wait', 'prioritized', 'delayed');
      removed += Object.values(c).reduce((a, b) => a + b, 0);
      await queue.drain(true);
    }
    return { removed };
  });
}

/** Deletes every job, event, record and stored sweep; refuses while jobs run unless `force`. */
export function cleanSweep(url: string, options: { force?: boolean } = {}): Promise<{ queues: number }> {
  return open(url, async (store, queues, connection) => {
    const active = (await Promise.all(queues.map((q) => q.getActiveCount()))).reduce((a, b) => a + b, 0);
    if (active > 0 && !options.force) throw new SweepBusyError(connection.redacted, active);
    for (const queue of queues) await queue.obliterate({ force: true });
    await store.clear();
    return { queues: queues.length };
  });
}

/** Saves a sweep's settings beside its jobs, so `loadQueueSweep` can plan and aggregate it again. */
export function saveQueueSweep(url: string, sweep: StoredSweep): Promise<void> {
  return open(url, (store) => store.saveSweep(sweep));
}

/** A stored sweep (the latest, or the one with `id`) and every record in the store. */
export function loadQueueSweep(url: string, id?: string): Promise<{ sweep: StoredSweep; records: RecordSet }> {
  return open(url, async (store, _queues, connection) => {
    const sweeps = await store.sweeps();
    const sweep = id === undefined ? sweeps.at(-1) : sweeps.find((s) => s.id === id);
    if (!sweep) {
      throw new GeoparamError('SWEEP_NOT_FOUND', id === undefined ? `no sweep was submitted to ${connection.redacted}` : `no sweep ${id} on ${connection.redacted}; stored: ${sweeps.map((s) => s.id).join(', ') || 'none'}`);
    }
    return { sweep, records: await store.load() };
  });
}
