// Queue latency of BullmqRunner + runQueueWorker on loopback, per job: submit → start (the worker's
// processor begins) and finish (the worker's result is back from its process) → recorded (the
// submitter holds the records). Jobs are one-epoch yacht runs one at a time on an idle worker, so
// the numbers are the queue's overhead, not training or waiting behind other jobs.
// Run: pnpm --filter @geoparam/experiments bench  (needs redis-server and the built packages).
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const { TestRedis, redisSkipReason, sharedData } = require('@geoparam/test-utils');
const { BullmqRunner, RecordSet, pendingJobs, planUci, prepareData, runQueueWorker } = require('../dist/index.js');
const { buildId } = require('@geoparam/core');

const JOBS = Number(process.env.JOBS ?? 30);
const skip = redisSkipReason();
if (skip) {
  console.log(`queue latency benchmark skipped: ${skip}`);
  process.exit(0);
}
const source = { dataDir: sharedData('uci') };
const [yacht] = await prepareData(['yacht'], source);
const plan = planUci({ data: [yacht.ref], methods: ['standard'], splits: JOBS, seed: 0, epochs: 1, protocol: 'validation', draw: 'reference', lrGrid: false, backend: 'wasm', stack: 'none', buildId: buildId() });
const { jobs } = pendingJobs(plan, plan.phases[0], new RecordSet());

const redis = await TestRedis.start();
const stop = new AbortController();
let ready;
const listening = new Promise((resolve) => (ready = resolve));
const worker = runQueueWorker({
  url: redis.url,
  backend: 'wasm',
  concurrency: 1,
  script: path.join(here, '..', 'test', 'fixtures', 'worker.js'),
  source,
  signal: stop.signal,
  // Its first line comes once its process has loaded tfjs and it listens to the queue.
  log: (line) => (/takes wasm jobs/.test(line) ? ready() : undefined),
});
await listening;
const toStart = [];
const toRecorded = [];
const wall = [];
try {
  const runner = new BullmqRunner({
    url: redis.url,
    onEvent: (e) => {
      if (e.type !== 'completed' || !e.result) return;
      toStart.push(e.result.startedAt - e.submittedAt);
      toRecorded.push(e.recordedAt - e.result.finishedAt);
    },
  });
  for (const job of jobs) {
    const t0 = performance.now();
    await runner.run([job], { onRecords: () => undefined, onJobFailed: (_j, reason) => console.error(`failed: ${reason}`) });
    wall.push(performance.now() - t0);
  }
} finally {
  stop.abort();
  await worker;
  await redis.stop();
}
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms, max ${s.at(-1).toFixed(1)} ms (n=${s.length})`;
};
console.log(`submit → start:     ${stats(toStart)}`);
console.log(`finish → recorded:  ${stats(toRecorded)}`);
console.log(`runner.run([job]) wall, incl. connect, server check, training one epoch: ${stats(wall)}`);
