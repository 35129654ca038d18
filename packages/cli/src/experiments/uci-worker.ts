// A worker process of `geoparam reproduce uci`: its own tfjs engine and backend, one job at a time.
import '../backends';
import * as fs from 'node:fs';
import { useBackend } from '@geoparam/core';
import { datasetLoader, jobKey, runUciJob, type UciJob } from './uci';

type Message = { type: 'init'; backend: string; dataDir?: string } | { type: 'job'; job: UciJob };

let load: ReturnType<typeof datasetLoader> = datasetLoader();
const send = (message: unknown) => process.send?.(message);

process.on('message', (message: Message) => {
  void (async () => {
    if (message.type === 'init') {
      await useBackend(message.backend);
      load = datasetLoader(message.dataDir);
      send({ type: 'ready' });
      return;
    }
    const key = jobKey(message.job);
    // Test hook: die on this job the first time it is seen, to exercise the pool's retry.
    const crashMarker = process.env['GEOPARAM_UCI_CRASH_ONCE'];
    if (crashMarker && key.includes(process.env['GEOPARAM_UCI_CRASH_MATCH'] ?? '\u0000') && !fs.existsSync(crashMarker)) {
      fs.writeFileSync(crashMarker, key);
      process.exit(3);
    }
    try {
      send({ type: 'result', key, result: await runUciJob(message.job, load) });
    } catch (error) {
      send({ type: 'error', key, message: error instanceof Error ? error.message : String(error) });
    }
  })().catch((error: unknown) => {
    send({ type: 'fatal', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
