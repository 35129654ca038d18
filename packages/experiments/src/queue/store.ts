import type { Redis } from 'ioredis';
import type { MemberRecord } from '../job';
import { RecordSet } from '../records';

/** BullMQ's key prefix: queue `wasm` lives under `geoparam:queue:wasm:*`. */
export const QUEUE_PREFIX = 'geoparam:queue';

const KEYS = {
  /** Member key (fingerprint hash) → record JSON with a result; written once (HSETNX). */
  results: 'geoparam:store:results',
  /** Member key → the latest failure, dropped when a result arrives. */
  failures: 'geoparam:store:failures',
  /** How many results arrived for a member that already had one (a job run twice) and were discarded. */
  duplicates: 'geoparam:store:duplicates',
  /** Sweep id → {experiment, settings, submittedAt}, for `geoparam report --queue`. */
  sweeps: 'geoparam:store:sweeps',
  /** Names of the queues (one per backend) that sweeps were submitted to. */
  queues: 'geoparam:store:queues',
} as const;

// One command each, so a command resent after a reconnect (Redis restarted mid-write) is whole:
// a result is written once and clears the member's failure; a second result is counted, not kept;
// a failure is kept only while the member has no result, so a late failure never hides a result.
const RECORD_RESULT = `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then redis.call('HDEL', KEYS[2], ARGV[1]) return 1 end redis.call('INCR', KEYS[3]) return 0`;
const RECORD_FAILURE = `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end return 0`;

/** A sweep as stored beside its jobs: enough to plan it again and aggregate its records. */
export interface StoredSweep {
  id: string;
  experiment: string;
  settings: unknown;
  submittedAt: string;
}

/**
 * Member records kept in Redis under their fingerprints, each result recorded exactly once: a job
 * that ran twice (its worker stalled, then finished anyway) has its second results discarded.
 */
export class QueueStore {
  constructor(private readonly redis: Redis) {}

  /** Records a job's members; returns how many results were new (the rest were duplicates, discarded). */
  async record(records: readonly MemberRecord[]): Promise<{ recorded: number; duplicates: number }> {
    let recorded = 0;
    let duplicates = 0;
    for (const record of records) {
      const json = JSON.stringify(record);
      if (record.result === undefined) {
        await this.redis.eval(RECORD_FAILURE, 2, KEYS.results, KEYS.failures, record.key, json);
        continue;
      }
      if ((await this.redis.eval(RECORD_RESULT, 3, KEYS.results, KEYS.failures, KEYS.duplicates, record.key, json)) === 1) recorded++;
      else duplicates++;
    }
    return { recorded, duplicates };
  }

  /** The results of these member keys (null where there is none yet). */
  async results(keys: readonly string[]): Promise<(MemberRecord | null)[]> {
    if (keys.length === 0) return [];
    return (await this.redis.hmget(KEYS.results, ...keys)).map((json) => (json === null ? null : (JSON.parse(json) as MemberRecord)));
  }

  /** Every stored record (results, and failures of members without one) as a `RecordSet`. */
  async load(): Promise<RecordSet> {
    const set = new RecordSet();
    const [results, failures] = await Promise.all([this.redis.hvals(KEYS.results), this.redis.hvals(KEYS.failures)]);
    set.add(results.map((json) => JSON.parse(json) as MemberRecord));
    set.add(failures.map((json) => JSON.parse(json) as MemberRecord));
    return set;
  }

  /** How many results and failures are stored, and how many duplicate results were discarded. */
  async counts(): Promise<{ results: number; failures: number; duplicates: number }> {
    const [results, failures, duplicates] = await Promise.all([this.redis.hlen(KEYS.results), this.redis.hlen(KEYS.failures), this.redis.get(KEYS.duplicates)]);
    return { results, failures, duplicates: Number(duplicates ?? 0) };
  }

  /** Records a submitted sweep (its plan and settings) under its id, replacing an earlier record. */
  async saveSweep(sweep: StoredSweep): Promise<void> {
    await this.redis.hset(KEYS.sweeps, sweep.id, JSON.stringify(sweep));
  }

  /** Stored sweeps, oldest first. */
  async sweeps(): Promise<StoredSweep[]> {
    const all = (await this.redis.hvals(KEYS.sweeps)).map((json) => JSON.parse(json) as StoredSweep);
    return all.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
  }

  /** Remembers a queue name (one per backend) so that status, cancel and clean find every queue. */
  async addQueue(name: string): Promise<void> {
    await this.redis.sadd(KEYS.queues, name);
  }

  /** Every queue name a sweep has used, sorted. */
  async queues(): Promise<string[]> {
    return (await this.redis.smembers(KEYS.queues)).sort();
  }

  /** Deletes every record, sweep and queue name (the queues themselves are obliterated by the caller). */
  async clear(): Promise<void> {
    await this.redis.del(...Object.values(KEYS));
  }
}
