import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildId, useBackend, type Fingerprint } from '@geoparam/core';
import { onInterrupt } from '@geoparam/core/node';
import {
  InterruptedError,
  RunsFailedError,
  VISION_RECALIBRATE_NOTE,
  aggregateVision,
  loadVisionData,
  planVision,
  resolveVisionSettings,
  trainVisionRun,
  visionFingerprint,
  visionProtocolNotes,
  visionRecords,
  visionRunName,
  visionRuns,
  visionTable,
  writeVisionReport,
  type PlannedVisionRun,
  type ResolvedVisionSettings,
  type VisionData,
  type VisionRun,
  type VisionSettings,
} from '@geoparam/experiments';
import { resolveVariant } from '@geoparam/parameterizations';
import { ProgressBar } from '@geoparam/trainer';
import { describeBackend } from '../backends';
import { assertCheckpointMatches, checkpointFingerprint, readPartial } from '../experiments/fingerprints';
import { runManifest, writeJson } from '../experiments/manifest';
import { formatTable } from '../table';
import { queueSweepRunner, runSweep } from './queue';

export interface VisionOptions extends VisionSettings {
  /** Continue an interrupted run from partial.json and the checkpoint in `out`. */
  resume?: boolean;
  backend: string;
  out: string;
  figures: boolean;
  json: boolean;
  /** Run on queue workers at this Redis URL instead of this process (`geoparam worker`), one job per run. */
  queue?: string;
  /** With `queue`: the time limit of one job, in seconds. */
  jobTimeout?: number;
}

/**
 * `geoparam reproduce vgg6|resnet`: the vision protocol of @geoparam/experiments, run by run on
 * this process (finished runs kept in partial.json, an interrupted run's checkpoint resumed by
 * `--resume`) or on queue workers (`--queue`: one job per run, records in jobs.jsonl); then
 * results.json, the manifest, the table and the curves figure.
 */
export async function runReproduceVision(o: VisionOptions, log: (line: string) => void): Promise<void> {
  const settings = resolveVisionSettings(o);
  const say = o.json ? () => undefined : log;
  const backend = await useBackend(o.backend);
  const data = await loadVisionData(settings);
  const fingerprint = visionFingerprint(settings, data, backend.name);
  for (const line of visionProtocolNotes(settings, data, describeBackend(backend))) say(line);

  const { runs, failures } = o.queue ? await trainOnQueue(o, o.queue, settings, data, backend.name, say) : { runs: await trainHere(o, settings, data, fingerprint, say), failures: [] };
  const out = o.out;
  const results = aggregateVision(settings, data, fingerprint, backend.name, runs);
  const written = await writeVisionReport(out, results, settings, { figures: o.figures });
  writeJson(out, 'manifest.json', runManifest(backend, { ...o, seeds: settings.seeds, initSeeds: settings.initSeeds, recalibrateStats: settings.recalibrateStats, recalibrateNote: VISION_RECALIBRATE_NOTE }));
  // Written after results.json: a run on this process is finished only then.
  if (!o.queue) fs.rmSync(path.join(out, 'partial.json'), { force: true });
  if (o.json) log(JSON.stringify(results, null, 2));
  else {
    const table = visionTable(results, settings);
    say('');
    say(formatTable(table.header, table.rows));
    say(`\nresults: ${written.files.join(', ')}`);
  }
  if (failures.length) throw new RunsFailedError(failures, path.join(out, 'results.json'));
}

/** The runs on this process, one after another: partial.json keeps the finished ones, an interrupt writes the current one's checkpoint. */
async function trainHere(o: VisionOptions, settings: ResolvedVisionSettings, data: VisionData, fingerprint: Fingerprint, say: (line: string) => void): Promise<VisionRun[]> {
  const out = o.out;
  const planned = visionRuns(settings, fingerprint);
  const partial = path.join(out, 'partial.json');
  const checkpointDir = path.join(out, 'checkpoint');
  const runs: VisionRun[] = o.resume ? readPartial<VisionRun>(partial, fingerprint, planned.map((p) => p.fingerprint), out) : [];
  if (runs.length) say(`reusing ${runs.length} finished run${runs.length === 1 ? '' : 's'} from ${partial}`);
  const savePartial = () => writeJson(out, 'partial.json', { fingerprint, methods: runs }, true);
  // Settings are pinned from the start: a checkpoint of the first run is only resumed beside them.
  savePartial();
  const pending = planned.filter((p) => !runs.some((r) => r.fingerprint.hash === p.fingerprint.hash));
  // The interrupted run continues first, from its checkpoint; a checkpoint of no run of this command is refused.
  let resumeHash: string | undefined;
  if (o.resume && pending.length > 0 && fs.existsSync(path.join(checkpointDir, 'training.json'))) {
    const stored = checkpointFingerprint(checkpointDir);
    const match = pending.find((p) => p.fingerprint.hash === stored?.hash);
    assertCheckpointMatches(checkpointDir, (match ?? pending[0]!).fingerprint);
    resumeHash = match!.fingerprint.hash;
    pending.sort((a, b) => Number(b.fingerprint.hash === resumeHash) - Number(a.fingerprint.hash === resumeHash));
  }

  // Ctrl-C or SIGTERM stops the current fit after its batch, which writes a checkpoint; finished
  // runs are in partial.json. A second signal falls through to Node's default and exits at once.
  const interrupt = new AbortController();
  const stopListening = onInterrupt(() => interrupt.abort());
  try {
    for (const planRun of pending) {
      const { batchSize, seed } = planRun;
      if (interrupt.signal.aborted) throw new InterruptedError(`interrupted after ${runs.length} of ${planned.length} runs; finished runs are in ${partial}`);
      const label = resolveVariant(planRun.variant).label;
      const resumeFrom = planRun.fingerprint.hash === resumeHash ? checkpointDir : undefined;
      // A fresh run starts without a checkpoint: an interrupt writes one stamped with its fingerprint (`fit`'s `fingerprint`).
      if (!resumeFrom) fs.rmSync(checkpointDir, { recursive: true, force: true });
      const outcome = await trainVisionRun(settings, data, planRun, {
        signal: interrupt.signal,
        checkpointDir,
        ...(resumeFrom ? { resumeFrom } : {}),
        progress: new ProgressBar({ label: `${label} b${batchSize} s${seed}` }),
      });
      if ('interrupted' in outcome) {
        throw new InterruptedError(`${label} batch ${batchSize} seed ${seed}: ${outcome.interrupted}; ${runs.length} of ${planned.length} runs finished (${partial})`);
      }
      const run = outcome.run;
      runs.push(run);
      savePartial();
      fs.rmSync(checkpointDir, { recursive: true, force: true });
      say(`${label} batch ${batchSize} seed ${seed}: top-1 ${(100 * run.top1).toFixed(2)}%, top-5 ${(100 * run.top5).toFixed(2)}% after ${run.epochs} epochs (${run.seconds.toFixed(0)} s, ${run.msPerStep.toFixed(0)} ms/step)`);
    }
  } finally {
    stopListening();
  }
  return runs;
}

/** The runs as jobs on queue workers (one per run), followed until each has a record; jobs.jsonl in --out keeps them for a rerun. */
async function trainOnQueue(o: VisionOptions, url: string, settings: ResolvedVisionSettings, data: VisionData, backend: string, say: (line: string) => void): Promise<{ runs: VisionRun[]; failures: string[] }> {
  const plan = planVision(settings, data, backend, buildId());
  const runner = await queueSweepRunner(url, plan, o.jobTimeout, say);
  const journal = await runSweep(o.out, plan, runner, {
    queued: true,
    say,
    wording: {
      name: (record) => visionRunName(record.run as PlannedVisionRun),
      result: (record) => {
        const run = record.result as VisionRun;
        return `top-1 ${(100 * run.top1).toFixed(2)}%, top-5 ${(100 * run.top5).toFixed(2)}% after ${run.epochs} epochs (${run.seconds.toFixed(0)} s)`;
      },
    },
  });
  const { runs, failures, missing } = visionRecords(plan, journal);
  return { runs, failures: [...failures, ...missing.map((name) => `${name}: no result`)] };
}
