import { buildId } from '@geoparam/core';
import { TestRedis, redisSkipReason, sharedData } from '@geoparam/test-utils';
import { Redis } from 'ioredis';
import * as path from 'node:path';
import {
  BullmqRunner,
  LocalPoolRunner,
  QueueServerError,
  QueueStore,
  QueueUnreachableError,
  QueueUrlError,
  RecordSet,
  cancelSweep,
  checkQueueServer,
  cleanSweep,
  memberRecord,
  parseQueueUrl,
  pendingJobs,
  planUci,
  prepareData,
  redactQueueUrls,
  runPlan,
  runQueueWorker,
  sweepStatus,
  type MemberRecord,
  type QueueJobEvent,
  type UciSettings,
} from '@geoparam/experiments';

const skipReason = redisSkipReason();
if (skipReason) console.log(`@geoparam/experiments queue tests skipped: ${skipReason}`);
const script = path.join(__dirname, 'fixtures', 'worker.js');
const source = () => ({ dataDir: sharedData('uci') });

async function yachtSettings(overrides: Partial<UciSettings> = {}): Promise<UciSettings> {
  const [yacht] = await prepareData(['yacht'], source());
  return { data: [{ ...yacht!.ref, rows: 308 }], methods: ['standard', 'weightNorm', 'batchNorm', 'geometric'], splits: 2, seed: 0, epochs: 8, protocol: 'validation', draw: 'reference', lrGrid: false, backend: 'wasm', stack: 'auto', buildId: buildId(), ...overrides };
}

/** Runs a queue worker in this process until `stop` (or until drained). */
function startWorker(url: string, options: { untilDrained?: boolean; concurrency?: number } = {}) {
  const controller = new AbortController();
  const lines: string[] = [];
  const done = runQueueWorker({ url, backend: 'wasm', concurrency: options.concurrency ?? 2, script, source: source(), untilDrained: options.untilDrained ?? false, log: (l) => lines.push(l), signal: controller.signal });
  return { done, lines, stop: () => controller.abort() };
}

const comparable = (records: readonly MemberRecord[]) =>
  records
    .map((r) => ({ key: r.key, run: r.run, result: r.result, error: r.error }))
    .map((r) => ({ ...r, result: r.result === undefined ? undefined : { ...(r.result as Record<string, unknown>), seconds: undefined } }))
    .sort((a, b) => a.key.localeCompare(b.key));

describe('queue URLs and servers', () => {
  it('parses redis[s] URLs and never prints the password', () => {
    expect(parseQueueUrl('redis://alice:s3cret@db.example:6380/2')).toEqual({ options: { host: 'db.example', port: 6380, username: 'alice', password: 's3cret', db: 2 }, redacted: 'redis://alice:***@db.example:6380/2' });
    expect(parseQueueUrl('rediss://:pw@h').options).toEqual({ host: 'h', port: 6379, password: 'pw', tls: { servername: 'h' } });
    expect(redactQueueUrls('geoparam worker --queue redis://:hunter2@10.0.0.1:6379 --queue rediss://u:p@x/1')).toBe('geoparam worker --queue redis://:***@10.0.0.1:6379 --queue rediss://u:***@x/1');
    for (const bad of ['http://h:1', 'redis://:pw@h:1/db', 'not a url :pw@', 'redis://:pw@h:1/?x=1']) {
      expect(() => parseQueueUrl(bad)).toThrow(QueueUrlError);
      try {
        parseQueueUrl(bad);
      } catch (error) {
        expect((error as Error).message).not.toMatch(/pw/);
      }
    }
  });

  it('gives a typed error for a server nobody answers at, without the password', async () => {
    const error = await checkQueueServer(parseQueueUrl('redis://:topsecret@127.0.0.1:1'), 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueUnreachableError);
    expect((error as Error).message).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect((error as Error).message).not.toMatch(/topsecret/);
  });
});

(skipReason ? describe.skip : describe)('BullMQ runner on a real redis-server', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  const flush = async () => {
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
  };

  it('refuses a server whose eviction policy could drop jobs, and one that wants a password we lack', async () => {
    const lru = await TestRedis.start({ maxmemoryPolicy: 'allkeys-lru' });
    const locked = await TestRedis.start({ password: 'sw0rdfish' });
    try {
      const error = await checkQueueServer(parseQueueUrl(lru.url)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueServerError);
      expect((error as Error).message).toMatch(/has maxmemory-policy allkeys-lru; a queue needs noeviction/);
      const runner = new BullmqRunner({ url: lru.url });
      await expect(runner.run([], { onRecords: () => undefined, onJobFailed: () => undefined })).rejects.toThrow(QueueServerError);
      await expect(checkQueueServer(parseQueueUrl(locked.url.replace('sw0rdfish', 'wrong')))).rejects.toThrow(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*WRONGPASS/);
      expect(await checkQueueServer(parseQueueUrl(locked.url))).toMatchObject({ maxmemoryPolicy: 'noeviction' });
    } finally {
      await lru.stop();
      await locked.stop();
    }
  });

  it('gives the records of the local pool (yacht, 2 splits, 4 methods); a re-submission adds nothing', async () => {
    await flush();
    const settings = await yachtSettings();
    const plan = planUci(settings);
    const local = new RecordSet();
    await runPlan(plan, new LocalPoolRunner({ workers: 2, script, backend: 'wasm', source: source() }), local);
    expect(local.all()).toHaveLength(8);

    const worker = startWorker(redis.url);
    const queued = new RecordSet();
    const events: QueueJobEvent[] = [];
    try {
      await runPlan(plan, new BullmqRunner({ url: redis.url, onEvent: (e) => events.push(e) }), queued);
    } finally {
      worker.stop();
    }
    await worker.done;
    expect(comparable(queued.all())).toEqual(comparable(local.all()));
    expect(queued.all().every((r) => r.result !== undefined)).toBe(true);
    // Every job of the plan was submitted, started and completed once; the latency fields are set.
    const completed = events.filter((e): e is Extract<QueueJobEvent, { type: 'completed' }> => e.type === 'completed');
    expect(completed).toHaveLength(4);
    for (const e of completed) expect(e.result!.startedAt).toBeGreaterThanOrEqual(e.submittedAt!);
    const client = new Redis(redis.url);
    const store = new QueueStore(client);
    expect(await store.counts()).toEqual({ results: 8, failures: 0, duplicates: 0 });
    // The store alone gives the same records (what `geoparam report --queue` reads).
    expect(comparable((await store.load()).all())).toEqual(comparable(local.all()));
    client.disconnect();

    // Nothing left: re-submitting the same sweep from the stored records runs nothing.
    const again = new RecordSet();
    const reader = new Redis(redis.url);
    again.add((await new QueueStore(reader).load()).all());
    reader.disconnect();
    expect(pendingJobs(plan, plan.phases[0]!, again).jobs).toEqual([]);
  }, 240_000);

  it('refuses a job whose data differ from the worker’s (sha256), and one of another build, with the reason; a re-submission runs them again', async () => {
    await flush();
    const good = await yachtSettings({ methods: ['standard'], splits: 1, epochs: 2 });
    const mismatched = planUci({ ...good, data: [{ name: 'yacht', sha256: 'f'.repeat(64), rows: 308 }] });
    const otherBuild = planUci({ ...good, buildId: '0.0.1+elsewhere' });
    const failures: string[] = [];
    const worker = startWorker(redis.url, { concurrency: 1 });
    try {
      for (const plan of [mismatched, otherBuild]) {
        const records = new RecordSet();
        await runPlan(plan, new BullmqRunner({ url: redis.url }), records);
        expect(records.all()).toHaveLength(1);
        failures.push(records.all()[0]!.error!);
      }
    } finally {
      worker.stop();
    }
    await worker.done;
    expect(failures[0]).toMatch(/data set "yacht" from .* has values with sha256 [0-9a-f]{64}, but the job was planned on f{64}; give this worker the same data \(--data-dir\)/);
    expect(failures[1]).toMatch(/was planned by geoparam build 0\.0\.1\+elsewhere; worker .* is build .*: run workers of the same build/);
    expect(worker.lines.join('\n')).toMatch(/refused: job final yacht SP/);

    // Failed jobs are not retried (the refusal is final) but a re-submission replaces them.
    const client = new Redis(redis.url);
    expect((await new QueueStore(client).counts()).failures).toBe(2);
    const events: QueueJobEvent[] = [];
    const retry = startWorker(redis.url, { concurrency: 1 });
    try {
      await runPlan(mismatched, new BullmqRunner({ url: redis.url, onEvent: (e) => events.push(e) }), new RecordSet());
    } finally {
      retry.stop();
    }
    await retry.done;
    expect(events.filter((e) => e.type === 'submitted')).toEqual([expect.objectContaining({ existing: false })]);
    expect(events.filter((e) => e.type === 'failed')).toHaveLength(1);
    client.disconnect();
  }, 120_000);

  it('detaches on abort leaving the jobs queued; status counts them, cancel removes them, clean deletes everything', async () => {
    await flush();
    const plan = planUci(await yachtSettings({ methods: ['standard', 'geometric'], splits: 1 }));
    const detach = new AbortController();
    const runner = new BullmqRunner({ url: redis.url, onEvent: (e) => (e.type === 'submitted' ? detach.abort() : undefined) });
    const outcome = await runner.run(pendingJobs(plan, plan.phases[0]!, new RecordSet()).jobs, { onRecords: () => undefined, onJobFailed: () => undefined, signal: detach.signal });
    expect(outcome).toEqual({ completed: 0, failed: 0, aborted: true });
    const before = await sweepStatus(redis.url);
    expect(before.queues).toEqual([{ name: 'wasm', waiting: 1, active: 0, delayed: 0, completed: 0, failed: 0 }]);
    expect(before.url).toBe(redis.url);
    expect(await cancelSweep(redis.url)).toEqual({ removed: 1 });
    expect((await sweepStatus(redis.url)).queues[0]!.waiting).toBe(0);
    expect(await cleanSweep(redis.url)).toEqual({ queues: 1 });
    expect((await sweepStatus(redis.url)).queues).toEqual([]);
  });

  it('records a result once: a second result for the same member is discarded and counted; a failure never hides a result', async () => {
    await flush();
    const settings = await yachtSettings({ methods: ['standard'], splits: 1 });
    const [job] = pendingJobs(planUci(settings), planUci(settings).phases[0]!, new RecordSet()).jobs;
    const member = job!.members[0]!;
    const client = new Redis(redis.url);
    const store = new QueueStore(client);
    expect(await store.record([memberRecord(member, { error: 'boom' })])).toEqual({ recorded: 0, duplicates: 0 });
    expect(await store.record([memberRecord(member, { result: { testRmse: 1 } })])).toEqual({ recorded: 1, duplicates: 0 });
    expect(await store.record([memberRecord(member, { result: { testRmse: 2 } })])).toEqual({ recorded: 0, duplicates: 1 });
    await store.record([memberRecord(member, { error: 'late failure' })]);
    expect((await store.results([member.key]))[0]!.result).toEqual({ testRmse: 1 });
    expect(await store.counts()).toEqual({ results: 1, failures: 0, duplicates: 1 });
    client.disconnect();
  });
});
