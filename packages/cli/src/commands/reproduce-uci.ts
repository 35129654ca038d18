import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertPositiveInteger, buildId, useBackend } from '@geoparam/core';
import { UCI_PAPER_DATASETS, assertDataDraw, uciSpec, type DataDraw } from '@geoparam/datasets';
import {
  LocalPoolRunner,
  RunsFailedError,
  aggregateUci,
  describeUciFailure,
  planUci,
  prepareData,
  resolveMethods,
  userCsvName,
  writeUciReport,
  type EvaluationProtocol,
  type StackMode,
  type UciRun,
  type UciRunResult,
  type UciSettings,
} from '@geoparam/experiments';
import { methodLabel } from '@geoparam/parameterizations';
import { describeBackend } from '../backends';
import { runManifest, writeJson } from '../experiments/manifest';
import { queueSweepRunner, runSweep } from './queue';

export interface UciOptions {
  datasets: string[];
  /** A numeric CSV of the user's, run instead of the UCI sets. */
  csv?: string;
  target?: string;
  methods: string[];
  splits: number;
  seed: number;
  backend: string;
  dataDir?: string;
  out: string;
  epochs: number;
  protocol: EvaluationProtocol;
  /** reference: split k is scikit-learn's train_test_split(test_size=0.2, random_state=k) on the reference row order; own: SeedStream. */
  dataDraw: DataDraw;
  lrGrid: boolean;
  workers: number;
  /** Run on queue workers at this Redis URL instead of local processes (`geoparam worker`). */
  queue?: string;
  /** With --queue: the time limit of one job, in seconds. */
  jobTimeout?: number;
  /** Train the splits (and grid learning rates) of each data set and method as one stacked computation: always, never, or where a training split is one batch. */
  stack: StackMode;
  figures: boolean;
  json: boolean;
}

/** The compiled local worker (under ts-based test runners __dirname is src/; the worker always runs compiled). */
export function localWorkerScript(): string {
  const compiled = path.join(__dirname, '..', 'experiments', 'worker.js');
  return fs.existsSync(compiled) ? compiled : path.join(__dirname, '..', '..', 'dist', 'experiments', 'worker.js');
}

/**
 * `geoparam reproduce uci`: checks the options and every data set (once, before any worker
 * starts), plans the sweep, runs it on the local pool reusing the journal's matching runs, and
 * writes Table 1. Any failed run makes it exit non-zero.
 */
export async function runReproduceUci(options: UciOptions, log: (line: string) => void): Promise<void> {
  const names = options.csv ? [userCsvName(options.csv, options.target)] : options.datasets.map((d) => (d === 'wine' ? 'wine-red' : d));
  if (!options.csv) names.forEach(uciSpec);
  const methods = resolveMethods(options.methods);
  assertPositiveInteger('workers', options.workers);
  assertDataDraw('dataDraw', options.dataDraw);
  const say = options.json ? () => undefined : log;
  const backend = await useBackend(options.backend);
  const source = { ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(options.csv ? { files: { [names[0]!]: path.resolve(options.csv) } } : {}) };
  const data = await prepareData(names, source);
  const settings: UciSettings = {
    data: data.map(({ ref, dataset }) => ({ ...ref, rows: dataset.numExamples })),
    methods,
    splits: options.splits,
    seed: options.seed,
    epochs: options.epochs,
    protocol: options.protocol,
    draw: options.dataDraw,
    lrGrid: options.lrGrid,
    backend: backend.name,
    stack: options.stack,
    buildId: buildId(),
  };
  const plan = planUci(settings);
  const runner = options.queue
    ? await queueSweepRunner(options.queue, plan, options.jobTimeout, say)
    : new LocalPoolRunner({ workers: options.workers, script: localWorkerScript(), backend: options.backend, source });
  say(`geoparam reproduce uci: ${names.join(', ')} × ${methods.map(methodLabel).join(', ')} × ${options.splits} splits, ${runner.description}, stack ${options.stack}, backend ${describeBackend(backend)}`);
  say(PROTOCOL_LINES[options.protocol]);
  say(`data draw ${options.dataDraw}: ${DRAW_LINES[options.dataDraw]}; ${INIT_NOTE}`);

  const started = performance.now();
  const journal = await runSweep(options.out, plan, runner, {
    queued: options.queue !== undefined,
    say,
    wording: {
      name: (record) => {
        const run = record.run as UciRun;
        return `${run.data.name} ${methodLabel(run.method)} split ${run.split} lr ${run.learningRate}`;
      },
      result: (record) => {
        const result = record.result as UciRunResult;
        return `RMSE ${result.testRmse.toPrecision(4)} (${result.epochs} epochs, ${result.seconds.toFixed(1)} s)`;
      },
    },
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const results = aggregateUci(plan, journal);
  const { markdown } = await writeUciReport(options.out, results, {
    figures: options.figures,
    notes: [`Wall time ${wallSeconds.toFixed(0)} s with ${runner.description}.`],
    extra: { workers: options.workers, wallSeconds },
  });
  writeJson(options.out, 'manifest.json', runManifest(backend, { ...settings, datasets: names, workers: options.workers, runner: runner.description, dataDrawNote: DRAW_LINES[options.dataDraw], initializations: INIT_NOTE }));
  if (options.json) log(JSON.stringify({ ...results, workers: options.workers, wallSeconds }, null, 2));
  else {
    say('');
    say(markdown);
    say(`\nresults: ${path.join(options.out, 'results.json')}, ${path.join(options.out, 'table.md')}`);
  }
  if (results.failures.length) throw new RunsFailedError(results.failures.map(describeUciFailure), path.join(options.out, 'results.json'));
}

const PROTOCOL_LINES: Record<EvaluationProtocol, string> = {
  paper: 'protocol paper: LR schedule and early stopping watch the TEST split, as the reference code does (optimistic)',
  validation: 'protocol validation: LR schedule and early stopping watch 20% of the training part, held out',
  refit: 'protocol refit: the validation runs first, then each retrained from the same initialization on the whole training split for its best epoch count with its LR drops (the test split is never watched)',
};

const DRAW_LINES: Record<DataDraw, string> = {
  reference: "split k is scikit-learn's train_test_split(test_size=0.2, random_state=k) on the reference code's row order (the validation part likewise from the training rows)",
  own: "splits from geoparam's SeedStream, seeded by (seed, split)",
};

const INIT_NOTE = "network initializations and batch order are geoparam's own, seeded by seed × 1000 + split: TensorFlow's op-level RNG of the reference is not reproduced";

export const UCI_DEFAULTS = {
  datasets: UCI_PAPER_DATASETS,
  workers: os.cpus().length,
};
