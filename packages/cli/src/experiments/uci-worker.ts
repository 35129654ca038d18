// A worker process of `geoparam reproduce uci`: its own tfjs engine and backend, one job (a group
// of runs, trained stacked or one after another) at a time.
import '../backends';
import * as fs from 'node:fs';
import { useBackend } from '@geoparam/core';
import { datasetLoader, groupJobKey, runUciGroup, runUciJob, type StackMode, type UciJob, type UciJobResult } from './uci';

type Message = { type: 'init'; backend: string; dataDir?: string; stack?: StackMode } | { type: 'job'; job: UciJob[] };

let load: ReturnType<typeof datasetLoader> = datasetLoader();
let stack: StackMode = 'auto';
const send = (message: unknown) => process.send?.(message);

process.on('message', (message: Message) => {
  void (async () => {
    if (message.type === 'init') {
      await useBackend(message.backend);
      load = datasetLoader(message.dataDir);
      stack = message.stack ?? 'auto';
      send({ type: 'ready' });
      return;
    }
    const key = groupJobKey(message.job);
    // Test hook: die on this job the first time it is seen, to exercise the pool's retry.
    const crashMarker = process.env['GEOPARAM_UCI_CRASH_ONCE'];
    if (crashMarker && key.includes(process.env['GEOPARAM_UCI_CRASH_MATCH'] ?? '\u0000') && !fs.existsSync(crashMarker)) {
      fs.writeFileSync(crashMarker, key);
      process.exit(3);
    }
    try {
      send({ type: 'result', key, result: await runGroup(message.job) });
    } catch (error) {
      send({ type: 'error', key, message: error instanceof Error ? error.message : String(error) });
    }
  })().catch((error: unknown) => {
    send({ type: 'fatal', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));

async function runGroup(jobs: UciJob[]): Promise<UciJobResult[]> {
  if (stack !== 'none') return runUciGroup(jobs, load, stack);
  const results: UciJobResult[] = [];
  for (const job of jobs) results.push(await runUciJob(job, load));
  return results;
}
