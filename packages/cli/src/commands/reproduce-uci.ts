import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, assertPositiveInteger } from '@geoparam/core';
import { UCI_PAPER_DATASETS, uciSpec } from '@geoparam/datasets';
import type { ParameterizationName } from '@geoparam/parameterizations';
import { writeFigure } from '@geoparam/plot';
import { useBackend } from '@geoparam/core';
import { describeBackend } from '../backends';
import { runManifest, writeJson } from '../experiments/manifest';
import { paperLearningRate, resolveMethods } from '../experiments/methods';
import { runPool } from '../experiments/pool';
import { InterruptedError, type Protocol } from '../experiments/runner';
import { LR_GRID, UCI_PAPER_TABLE, csvDatasetName, groupJobKey, groupKey, jobKey, summarize, type StackMode, type UciJob, type UciJobResult } from '../experiments/uci';
import { uciFigure } from '../figures/uci';
import { METHOD_LABELS } from '../labels';

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
  protocol: Protocol;
  lrGrid: boolean;
  workers: number;
  /** Train the splits (and grid learning rates) of each data set and method as one stacked computation: always, never, or where a training split is one batch. */
  stack: StackMode;
  figures: boolean;
  json: boolean;
}

interface Record_ {
  key: string;
  job: UciJob;
  result?: UciJobResult;
  error?: string;
}

function workerScript(): string {
  const compiled = path.join(__dirname, '..', 'experiments', 'uci-worker.js');
  // Under ts-based test runners __dirname is src/; the worker always runs compiled.
  return fs.existsSync(compiled) ? compiled : path.join(__dirname, '..', '..', 'dist', 'experiments', 'uci-worker.js');
}

function readJournal(file: string): Map<string, Record_> {
  const done = new Map<string, Record_>();
  if (!fs.existsSync(file)) return done;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line) as Record_;
      if (record.result) done.set(record.key, record);
    } catch {
      // A line cut off by a kill mid-write: that job simply runs again.
    }
  }
  return done;
}

/**
 * The pool's jobs: with `stack`, the runs of one data set and method (splits, grid learning
 * rates) as one group, else one run each; larger data sets first, so the longest groups do not
 * start last.
 */
function groupJobs(jobs: UciJob[], stack: boolean): UciJob[][] {
  const groups = new Map<string, UciJob[]>();
  jobs.forEach((job, i) => {
    const key = stack ? groupKey(job) : String(i);
    groups.set(key, [...(groups.get(key) ?? []), job]);
  });
  const rows = (name: string) => {
    try {
      return uciSpec(name).rows;
    } catch {
      return 0;
    }
  };
  return [...groups.values()].sort((a, b) => rows(b[0]!.dataset) - rows(a[0]!.dataset));
}

const STACK_LABELS: Record<StackMode, string> = {
  auto: 'the splits of each data set and method trained stacked where a training split is one batch',
  all: 'the splits of each data set and method trained stacked',
  none: 'every run trained on its own',
};

function fmt(mean: number, se: number): string {
  const digits = mean < 0.01 ? 4 : 3;
  return `${mean.toFixed(digits)}±${se.toFixed(digits)}`;
}

export async function runReproduceUci(options: UciOptions, log: (line: string) => void): Promise<void> {
  const datasets = options.csv
    ? [csvDatasetName(path.resolve(options.csv), options.target)]
    : options.datasets.map((d) => (d === 'wine' ? 'wine-red' : d));
  if (!options.csv) datasets.forEach(uciSpec);
  const methods = resolveMethods(options.methods);
  assertPositiveInteger('splits', options.splits);
  assertPositiveInteger('workers', options.workers);
  if (options.splits > 100) throw new InvalidArgumentError('splits', options.splits, 'at most 100');
  const say = options.json ? () => undefined : log;
  const backend = await useBackend(options.backend);
  say(
    `geoparam reproduce uci: ${datasets.join(', ')} × ${methods.map((m) => METHOD_LABELS[m]).join(', ')} × ${options.splits} splits, ${options.workers} worker processes, ${STACK_LABELS[options.stack]}, backend ${describeBackend(backend)}`,
  );
  say(
    options.protocol === 'paper'
      ? 'protocol paper: LR schedule and early stopping watch the TEST split, as the reference code does (optimistic)'
      : 'protocol validation: LR schedule and early stopping watch 20% of the training part, held out',
  );

  fs.mkdirSync(options.out, { recursive: true });
  const journalFile = path.join(options.out, 'jobs.jsonl');
  const journal = readJournal(journalFile);
  if (journal.size) say(`resuming: ${journal.size} runs already in ${journalFile}`);
  const record = (job: UciJob, fields: { result?: UciJobResult; error?: string }) => {
    const entry: Record_ = { key: jobKey(job), job, ...fields };
    fs.appendFileSync(journalFile, JSON.stringify(entry) + '\n');
    if (fields.result) journal.set(entry.key, entry);
  };
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  const started = performance.now();
  const base = { seed: options.seed, epochs: options.epochs, protocol: options.protocol, ...(options.dataDir ? { dataDir: options.dataDir } : {}) };
  const failures: string[] = [];
  const pool = async (jobs: UciJob[], label: string) => {
    const todo = jobs.filter((j) => !journal.has(jobKey(j)));
    if (todo.length === 0) return;
    say(`${label}: ${todo.length} runs to do (${jobs.length - todo.length} already done)`);
    let finished = 0;
    const outcome = await runPool<UciJob[], UciJobResult[]>(groupJobs(todo, options.stack !== 'none'), {
      workers: options.workers,
      script: workerScript(),
      init: { backend: options.backend, stack: options.stack, ...(options.dataDir ? { dataDir: options.dataDir } : {}) },
      key: groupJobKey,
      signal: interrupt.signal,
      onResult: (group, results) => {
        group.forEach((job, i) => {
          const result = results[i]!;
          record(job, { result });
          finished++;
          say(`  [${finished}/${todo.length}] ${job.dataset} ${METHOD_LABELS[job.method]} split ${job.split} lr ${job.learningRate}: RMSE ${result.testRmse.toPrecision(4)} (${result.epochs} epochs, ${result.seconds.toFixed(1)} s)`);
        });
      },
      onFailure: (group, reason) => {
        for (const job of group) {
          record(job, { error: reason });
          failures.push(`${job.dataset} ${METHOD_LABELS[job.method]} split ${job.split}: ${reason}`);
          say(`  FAILED ${job.dataset} ${METHOD_LABELS[job.method]} split ${job.split}: ${reason}`);
        }
      },
    });
    if (outcome.aborted) throw new InterruptedError(`interrupted; finished runs are kept in ${journalFile}`);
  };

  const chosenLr = new Map<string, number>();
  try {
    if (options.lrGrid) {
      const gridJobs = datasets.flatMap((dataset) =>
        methods.flatMap((method) => LR_GRID.map((learningRate): UciJob => ({ ...base, dataset, method, split: 0, learningRate, phase: 'grid' }))),
      );
      await pool(gridJobs, 'learning-rate grid (split 0, validation split)');
      for (const dataset of datasets) {
        for (const method of methods) {
          const scored = LR_GRID.map((lr) => ({ lr, r: journal.get(jobKey({ ...base, dataset, method, split: 0, learningRate: lr, phase: 'grid' }))?.result }))
            .filter((s) => s.r && Number.isFinite(s.r.validationRmse))
            .sort((a, b) => a.r!.validationRmse - b.r!.validationRmse);
          chosenLr.set(`${dataset}|${method}`, scored[0]?.lr ?? paperLearningRate(method));
        }
      }
    }
    const lrOf = (dataset: string, method: ParameterizationName) => chosenLr.get(`${dataset}|${method}`) ?? paperLearningRate(method);
    const finalJobs = datasets.flatMap((dataset) =>
      methods.flatMap((method) => Array.from({ length: options.splits }, (_, split): UciJob => ({ ...base, dataset, method, split, learningRate: lrOf(dataset, method), phase: 'final' }))),
    );
    await pool(finalJobs, 'Table 1 runs');
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const runSeconds = [...journal.values()].reduce((s, r) => s + (r.result?.seconds ?? 0), 0);

  const table: Record<string, Record<string, ReturnType<typeof summarize> & { rmse: number[]; epochs: number[]; lr: number; failed: number; paper: [number, number] | null; outsidePaper2se: boolean | null }>> = {};
  for (const dataset of datasets) {
    table[dataset] = {};
    for (const method of methods) {
      const lr = chosenLr.get(`${dataset}|${method}`) ?? paperLearningRate(method);
      const runs = Array.from({ length: options.splits }, (_, split) => journal.get(jobKey({ ...base, dataset, method, split, learningRate: lr, phase: 'final' }))?.result);
      const ok = runs.filter((r): r is UciJobResult => r !== undefined);
      const stats = summarize(ok.map((r) => r.testRmse));
      const paper = UCI_PAPER_TABLE[dataset]?.[method] ?? null;
      table[dataset]![method] = {
        ...stats,
        rmse: ok.map((r) => r.testRmse),
        epochs: ok.map((r) => r.epochs),
        lr,
        failed: options.splits - ok.length,
        paper,
        outsidePaper2se: paper ? Math.abs(stats.mean - paper[0]) > 2 * paper[1] : null,
      };
    }
  }
  const results = {
    experiment: 'uci',
    backend: backend.name,
    seed: options.seed,
    protocol: options.protocol,
    splits: options.splits,
    epochs: options.epochs,
    lrGrid: options.lrGrid ? LR_GRID : null,
    workers: options.workers,
    stack: options.stack,
    wallSeconds,
    /** Sum of every run's own time (stacked: its share of its group's), including resumed runs: what one worker alone would have needed. */
    runSeconds,
    datasets: table,
    failures,
  };
  writeJson(options.out, 'results.json', results);
  writeJson(options.out, 'manifest.json', runManifest(backend, { ...base, datasets, methods, splits: options.splits, lrGrid: options.lrGrid, workers: options.workers, stack: options.stack }));

  const header = ['dataset', ...methods.flatMap((m) => [`${METHOD_LABELS[m]} (ours)`, `${METHOD_LABELS[m]} (paper)`])];
  const rows = datasets.map((dataset) => [
    dataset,
    ...methods.flatMap((m) => {
      const c = table[dataset]![m]!;
      const ours = `${fmt(c.mean, c.se)}${c.outsidePaper2se ? ' †' : ''}${c.failed ? ` (${c.failed} failed)` : ''}${options.lrGrid ? ` lr ${c.lr}` : ''}`;
      return [ours, c.paper ? fmt(c.paper[0], c.paper[1]) : '-'];
    }),
  ]);
  const markdown = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `Test RMSE, mean ± standard error over ${options.splits} random 80/20 splits (seed ${options.seed}, protocol ${options.protocol}, ${options.epochs} epochs max, ${backend.name}). † ours lies outside the paper's mean ± 2 s.e.`,
    `Wall time ${wallSeconds.toFixed(0)} s with ${options.workers} worker processes, ${STACK_LABELS[options.stack]} (one worker alone: ${runSeconds.toFixed(0)} s).`,
  ].join('\n');
  fs.writeFileSync(path.join(options.out, 'table.md'), markdown + '\n');
  if (options.figures) await writeFigure(uciFigure(table, methods), path.join(options.out, 'uci'));
  if (options.json) {
    log(JSON.stringify(results, null, 2));
    return;
  }
  say('');
  say(markdown);
  if (failures.length) say(`\n${failures.length} runs failed:\n${failures.join('\n')}`);
  say(`\nresults: ${path.join(options.out, 'results.json')}, ${path.join(options.out, 'table.md')}`);
}

export const UCI_DEFAULTS = {
  datasets: UCI_PAPER_DATASETS,
  workers: os.cpus().length,
};
