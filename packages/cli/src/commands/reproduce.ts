import * as fs from 'node:fs';
import { onInterrupt, readJsonFileSync } from '@geoparam/core/node';
import * as path from 'node:path';
import { assertPositiveInteger, assertSameFingerprint, assertSeed, buildId, fingerprintFrom, useBackend, type Fingerprint } from '@geoparam/core';
import { assertDataDraw, loadBanana, type DataDraw } from '@geoparam/datasets';
import {
  BANANA_DEFAULTS,
  BANANA_STUDY,
  INIT_NOTE,
  LEVY_DEFAULTS,
  LEVY_STUDY,
  RunsFailedError,
  aggregateStudy,
  aggregateStudySweep,
  levyDataRef,
  studyGroupName,
  studyPlan,
  writeStudySweepReport,
  type StudyGroupRecord,
  type StudyJobRun,
  type StudyJobSettings,
  protocolNote,
  describeSeeds,
  levyDraws,
  runBanana,
  runLevy,
  seedRange,
  studyTable,
  studyTableNotes,
  writeStudyReport,
  type BananaMethodResult,
  type EvaluationProtocol,
  type LevyMethodResult,
  type SeedRun,
  type StudyResults,
} from '@geoparam/experiments';
import { ProgressBar } from '@geoparam/trainer';
import { methodLabel } from '@geoparam/parameterizations';
import { describeBackend } from '../backends';
import { dataIdentity, methodFingerprint, readPartial, runFingerprint, type DataIdentity } from '../experiments/fingerprints';
import { runManifest, writeJson } from '../experiments/manifest';
import { paperLearningRate, resolveMethods } from '../experiments/methods';
import { formatTable } from '../table';
import { queueSweepRunner, runSweep } from './queue';

export type Experiment = 'levy' | 'banana';

export interface ReproduceOptions {
  /** The first data draw and initialization seed. */
  seed: number;
  /** Initializations per method and draw (default per experiment). */
  seeds?: number;
  /** Data draws S…S+M−1 (default 1). */
  dataSeeds?: number;
  dataDraw: DataDraw;
  backend: string;
  methods: string[];
  out?: string;
  epochs?: number;
  protocol?: EvaluationProtocol;
  stabilitySteps?: number;
  dataDir?: string;
  figures: boolean;
  json: boolean;
  resume: boolean;
  /** Run on queue workers at this Redis URL instead of this process (`geoparam worker`): one job per method × data draw. */
  queue?: string;
  /** With `queue`: the time limit of one job, in seconds. */
  jobTimeout?: number;
}

/** Levy watches the training loss by default, as the reference does: honest, the test grid is never looked at. */
export const EXPERIMENT_DEFAULTS: Record<Experiment, { epochs: number; stabilitySteps: number; seeds: number; protocol: EvaluationProtocol }> = {
  levy: LEVY_DEFAULTS,
  banana: BANANA_DEFAULTS,
};

const STUDIES = { levy: LEVY_STUDY, banana: BANANA_STUDY } as const;

/** A finished method as partial.json keeps it: with the fingerprint a resumed run must match to reuse it. */
type AnyMethodResult = (LevyMethodResult | BananaMethodResult) & { fingerprint: Fingerprint };

function partialFile(out: string): string {
  return path.join(out, 'partial.json');
}

/**
 * The seed runs an interrupted command finished, from the partial file `readPartial` has accepted
 * (same command fingerprint: same seeds, draws, protocol, data, ...), for the methods of this run.
 */
function readPartialRuns(file: string, methods: readonly string[]): SeedRun[] {
  if (!fs.existsSync(file)) return [];
  const runs = (JSON.parse(fs.readFileSync(file, 'utf8')) as { runs?: SeedRun[] }).runs ?? [];
  return runs.filter((r) => methods.includes(r.method));
}

/** Refuses to resume into a directory whose results.json a run under other settings wrote. */
function assertResultsMatch(out: string, current: Fingerprint): void {
  const file = path.join(out, 'results.json');
  if (!fs.existsSync(file) || fs.existsSync(partialFile(out))) return;
  const results = readJsonFileSync(file, `delete it (or ${out}) or drop --resume`) as { fingerprint?: unknown } | undefined;
  assertSameFingerprint(fingerprintFrom(results?.fingerprint), current, `results ${file}`, `delete ${out} or drop --resume`);
}

export async function runReproduce(experiment: Experiment, options: ReproduceOptions, log: (line: string) => void): Promise<void> {
  const defaults = EXPERIMENT_DEFAULTS[experiment];
  const facts = STUDIES[experiment];
  const epochs = options.epochs ?? defaults.epochs;
  const stabilitySteps = options.stabilitySteps ?? defaults.stabilitySteps;
  const protocol = options.protocol ?? defaults.protocol;
  const seeds = options.seeds ?? defaults.seeds;
  const dataSeeds = options.dataSeeds ?? 1;
  const dataDraw = options.dataDraw;
  assertDataDraw('dataDraw', dataDraw);
  assertPositiveInteger('seeds', seeds);
  assertPositiveInteger('dataSeeds', dataSeeds);
  // Every seed of the study stays a valid seed (numpy's draws take [0, 2^32 − 1], the seed streams [0, 2^31 − 1]).
  assertSeed('seed', options.seed);
  assertSeed('seed + seeds - 1', options.seed + seeds - 1);
  assertSeed('seed + dataSeeds - 1', options.seed + dataSeeds - 1);

  const out = options.out ?? path.join('geoparam-out', experiment);
  const methods = resolveMethods(options.methods);
  const backend = await useBackend(options.backend);
  const say = options.json ? () => undefined : log;
  const initSeeds = seedRange(options.seed, seeds);
  const drawSeeds = seedRange(options.seed, dataSeeds);
  say(`geoparam reproduce ${experiment}: backend ${describeBackend(backend)}, up to ${epochs} epochs`);
  say(`data draw ${facts.drawNotes[dataDraw]}; draws ${describeSeeds(drawSeeds)}, initializations ${describeSeeds(initSeeds)} per method and draw`);
  say(`protocol ${protocolNote(facts, protocol)}`);
  say(INIT_NOTE);

  const levyData = experiment === 'levy' ? levyDraws(options.seed, dataSeeds, dataDraw) : undefined;
  const bananaData = experiment === 'banana' ? await loadBanana(options.dataDir ? { path: options.dataDir } : {}) : undefined;
  const data: DataIdentity = levyData ? levyDataRef(levyData) : dataIdentity('banana', bananaData!.x, bananaData!.y);
  const fingerprint = runFingerprint({
    command: `reproduce ${experiment}`,
    seed: options.seed,
    seeds,
    dataSeeds,
    dataDraw,
    epochs,
    protocol,
    stabilitySteps,
    data,
    backend: backend.name,
  });
  if (options.queue) {
    const settings: StudyJobSettings = { experiment, seed: options.seed, seeds, dataSeeds, dataDraw, methods, epochs, protocol, stabilitySteps };
    return reproduceOnQueue(options, options.queue, out, studyPlan({ settings, data, backend: backend.name, buildId: buildId(), sweep: fingerprint }), backend, log, say);
  }
  const wanted = methods.map((m) => methodFingerprint(fingerprint, m, paperLearningRate(m)));
  // A finished run leaves results.json only: resuming into it under other settings (e.g. another protocol) is refused too, not overwritten.
  if (options.resume) assertResultsMatch(out, fingerprint);
  // A method is kept once its first draw's runs (showcase and stability included) are done.
  const completed = options.resume ? readPartial<AnyMethodResult>(partialFile(out), fingerprint, wanted, out) : [];
  const completedRuns = options.resume ? readPartialRuns(partialFile(out), methods) : [];
  if (completed.length || completedRuns.length) {
    say(`reusing ${completed.length} finished method${completed.length === 1 ? '' : 's'} from ${partialFile(out)}: ${completed.map((m) => m.label).join(', ')}${completedRuns.length ? `, and ${completedRuns.length} seed runs` : ''}`);
  }
  const done: AnyMethodResult[] = [...completed];
  const doneRuns: SeedRun[] = [...completedRuns];
  const savePartial = () => writeJson(out, 'partial.json', { fingerprint, methods: done, runs: doneRuns }, true);
  const onMethod = (m: LevyMethodResult | BananaMethodResult) => {
    done.push({ ...m, fingerprint: methodFingerprint(fingerprint, m.method, m.lr) });
    savePartial();
  };
  const onRuns = (runs: SeedRun[]) => {
    doneRuns.push(...runs);
    savePartial();
  };
  const started = performance.now();
  // One handler for the whole command: Ctrl-C or SIGTERM stops the method in progress after its
  // batch (finished methods stay in partial.json); a second signal falls through to Node's default and exits at once.
  const interrupt = new AbortController();
  const stopListening = onInterrupt(() => interrupt.abort());
  const common = {
    seed: options.seed, seeds, dataSeeds, dataDraw, methods, epochs, protocol, stabilitySteps, log: say, signal: interrupt.signal, onRuns, onMethod,
    showcaseCallbacks: (method: string) => [new ProgressBar({ label: methodLabel(method).padEnd(6) })],
  };
  let result;
  try {
    result =
      experiment === 'levy'
        ? await runLevy(common, { methods: completed as LevyMethodResult[], runs: completedRuns }, levyData)
        : await runBanana(common, bananaData!, { methods: completed as BananaMethodResult[], runs: completedRuns });
  } finally {
    stopListening();
  }
  const wallSeconds = (performance.now() - started) / 1000;

  const results = aggregateStudy(facts, { backend: backend.name, seed: options.seed, dataDraw, dataSeeds: drawSeeds, initSeeds, protocol, epochs, stabilitySteps }, result);
  const figures = await writeStudyReport(out, facts, result, results, { figures: options.figures, extra: { fingerprint, wallSeconds } });
  writeJson(
    out,
    'manifest.json',
    runManifest(backend, {
      experiment, seed: options.seed, dataDraw, dataSeeds: drawSeeds, initSeeds, initializations: INIT_NOTE, protocol, protocolNote: results.protocolNote, training: results.training,
      epochs, stabilitySteps, methods, dataDir: options.dataDir ?? null,
    }),
  );
  fs.rmSync(partialFile(out), { force: true });

  if (options.json) {
    log(JSON.stringify({ ...results, fingerprint, wallSeconds }, null, 2));
    return;
  }
  sayTable(facts, results, say);
  say(`total wall time ${wallSeconds.toFixed(1)} s; results: ${path.join(out, 'results.json')}`);
  if (figures.length) say(`figures: ${figures.filter((f) => f.endsWith('.svg')).join(', ')} (+ .png)`);
}

function sayTable(facts: (typeof STUDIES)[Experiment], results: StudyResults, say: (line: string) => void): void {
  const table = studyTable(facts, results);
  say('');
  say(formatTable(table.header, table.rows));
  studyTableNotes(results).forEach((line) => say(line));
  say('');
}

/**
 * The study as jobs on queue workers (one per method × data draw: the stack `runStudy` trains),
 * followed until each has a record; jobs.jsonl and sweep.json in `out` keep them for a rerun and
 * `geoparam report --from`. Then results.json, the figures and the table as on this process.
 */
async function reproduceOnQueue(
  options: ReproduceOptions,
  url: string,
  out: string,
  plan: ReturnType<typeof studyPlan>,
  backend: Awaited<ReturnType<typeof useBackend>>,
  log: (line: string) => void,
  say: (line: string) => void,
): Promise<void> {
  const facts = STUDIES[plan.settings.settings.experiment];
  const runner = await queueSweepRunner(url, plan, options.jobTimeout, say);
  const journal = await runSweep(out, plan, runner, {
    queued: true,
    say,
    wording: {
      name: (record) => studyGroupName(record.run as StudyJobRun),
      result: (record) => {
        const group = record.result as StudyGroupRecord;
        return `${facts.metricName} ${[...(group.result ? [group.result.testMetric] : []), ...group.runs.map((r) => r.testMetric)].map((v) => v.toFixed(3)).join(', ')}`;
      },
    },
  });
  const aggregate = aggregateStudySweep(plan.settings, journal);
  const { files } = await writeStudySweepReport(out, plan.settings, aggregate, { figures: options.figures });
  const s = plan.settings.settings;
  writeJson(
    out,
    'manifest.json',
    runManifest(backend, {
      experiment: s.experiment, seed: s.seed, dataDraw: s.dataDraw, dataSeeds: aggregate.results.dataSeeds, initSeeds: aggregate.results.initSeeds, initializations: INIT_NOTE, protocol: s.protocol,
      protocolNote: aggregate.results.protocolNote, training: aggregate.results.training, epochs: s.epochs, stabilitySteps: s.stabilitySteps, methods: s.methods, dataDir: options.dataDir ?? null,
    }),
  );
  if (options.json) log(JSON.stringify(aggregate.results, null, 2));
  else {
    sayTable(facts, aggregate.results, say);
    say(`results: ${files.join(', ')}`);
  }
  const failures = [...aggregate.failures, ...(aggregate.missing ? [`${aggregate.missing} groups of runs have no result`] : [])];
  if (failures.length) throw new RunsFailedError(failures, path.join(out, 'results.json'));
}
