import type { ParameterizationName } from '@geoparam/parameterizations';
import type { DataRef } from '../data';
import type { MemberRecord } from '../job';
import { methodLabel } from '@geoparam/parameterizations';
import type { RecordLookup } from '../plan';
import { describeSample } from '../statistics';
import { uciGrid, uciLearningRate, uciRefitMembers, uciTableRecords, type UciPlan } from './plan';
import { UCI_PAPER_TABLE, type UciRun, type UciRunResult } from './protocol';

/** One data set × method cell of Table 1. */
export interface UciCell {
  lr: number;
  /** Test RMSE of every successful split (failed runs excluded). */
  rmse: number[];
  epochs: number[];
  mean: number;
  se: number;
  /** Runs that failed (non-finite metric, worker death, refused), named in `failures`. */
  failed: number;
  /** Runs with no record at all (the sweep has not finished them). */
  missing: number;
  paper: [number, number] | null;
  outsidePaper2se: boolean | null;
}

/** A failed run, named. */
export interface UciFailure {
  dataset: string;
  method: ParameterizationName;
  phase: string;
  split: number;
  learningRate: number;
  error: string;
}

/** Table 1 and everything needed to read it (`results.json`). */
export interface UciResults {
  experiment: 'uci';
  backend: string;
  buildId: string;
  seed: number;
  protocol: string;
  /** How the 80/20 splits were drawn (`reference`: scikit-learn's `train_test_split(random_state=split)`; `own`: SeedStream). */
  draw: string;
  splits: number;
  epochs: number;
  lrGrid: readonly number[] | null;
  stack: string;
  data: readonly DataRef[];
  /** Sum of every run's own time (stacked: its share of its group's): what one worker alone would have needed. */
  runSeconds: number;
  datasets: Record<string, Record<string, UciCell>>;
  /** Every failed run of every phase, with its error. */
  failures: UciFailure[];
}

/** Records → Table 1: per data set and method, mean ± s.e. over the successful splits, beside the paper's. */
export function aggregateUci(plan: UciPlan, records: RecordLookup): UciResults {
  const s = plan.settings;
  const failures: UciFailure[] = [];
  let runSeconds = 0;
  const note = (record: MemberRecord | undefined) => {
    if (!record) return;
    const run = record.run as UciRun;
    if (record.result !== undefined) runSeconds += (record.result as UciRunResult).seconds;
    else failures.push({ dataset: run.data.name, method: run.method, phase: run.phase, split: run.split, learningRate: run.learningRate, error: record.error ?? 'unknown error' });
  };
  for (const phase of plan.phases.filter((p) => p.name === 'grid')) phase.members(records).forEach((m) => note(records.get(m.key)));
  const table = uciTableRecords(plan, records);
  // Every `final` run counts (under refit: the validation runs too), and every refit run.
  const final = plan.phases.find((p) => p.name === 'final')!.members(records);
  final.forEach((m) => note(records.get(m.key)));
  uciRefitMembers(plan, records).forEach((m) => note(records.get(m.key)));

  const datasets: UciResults['datasets'] = {};
  for (const data of s.data) {
    datasets[data.name] = {};
    for (const method of s.methods) {
      const runs = table.filter((t) => t.run.data.name === data.name && t.run.method === method).map((t) => t.record);
      const ok = runs.map((r) => r?.result as UciRunResult | undefined).filter((r): r is UciRunResult => r !== undefined);
      const { mean, se } = describeSample(ok.map((r) => r.testRmse));
      const stats = { mean, se };
      const paper = UCI_PAPER_TABLE[data.name]?.[method] ?? null;
      datasets[data.name]![method] = {
        lr: uciLearningRate(plan, records, data.name, method),
        rmse: ok.map((r) => r.testRmse),
        epochs: ok.map((r) => r.epochs),
        ...stats,
        failed: runs.filter((r) => r !== undefined && r.result === undefined).length,
        missing: runs.filter((r) => r === undefined).length,
        paper,
        outsidePaper2se: paper && ok.length ? Math.abs(stats.mean - paper[0]) > 2 * paper[1] : null,
      };
    }
  }
  return {
    experiment: 'uci',
    backend: s.backend,
    buildId: s.buildId,
    seed: s.seed,
    protocol: s.protocol,
    draw: s.draw,
    splits: s.splits,
    epochs: s.epochs,
    lrGrid: uciGrid(s),
    stack: s.stack,
    data: s.data.map((d) => ({ name: d.name, sha256: d.sha256 })),
    runSeconds,
    datasets,
    failures,
  };
}

/** One line naming a failed run and why it failed. */
export function describeUciFailure(f: UciFailure): string {
  return `${f.dataset} ${methodLabel(f.method)} ${f.phase === 'grid' ? `grid lr ${f.learningRate}` : `${f.phase === 'refit' ? 'refit ' : ''}split ${f.split}`}: ${f.error}`;
}
