import { InvalidArgumentError, fingerprint, sha256Hex } from '@geoparam/core';
import { assertDataDraw, type DataDraw } from '@geoparam/datasets';
import type { ParameterizationName } from '@geoparam/parameterizations';
import type { DataRef } from '../data';
import type { Job, Member, MemberRecord } from '../job';
import { methodLabel } from '@geoparam/parameterizations';
import { paperLearningRate } from '../methods';
import type { Plan, RecordLookup } from '../plan';
import { UCI_LR_GRID, UCI_MAX_SEED, UCI_MAX_SPLITS, uciStackGroup, type StackMode, type UciRun, type UciRunResult } from './protocol';
import { refitBudget, type EvaluationProtocol } from '../protocol';

/** Everything that defines a UCI sweep. */
export interface UciSettings {
  /** Data sets by name and values' sha256 (see `prepareData`); `rows` orders the larger ones first. */
  data: readonly (DataRef & { rows?: number })[];
  methods: readonly ParameterizationName[];
  splits: number;
  seed: number;
  epochs: number;
  protocol: EvaluationProtocol;
  /** How splits are drawn: `reference` = scikit-learn's `train_test_split(test_size=0.2, random_state=split)` on the reference row order; `own` = SeedStream(seed, split). */
  draw: DataDraw;
  /** Choose each learning rate on split 0's validation split from these (`true`: the paper's grid); otherwise the paper's rates. */
  lrGrid: boolean | readonly number[];
  backend: string;
  stack: StackMode;
  /** The geoparam build (`buildId()`): results of another build are not reused. */
  buildId: string;
}

/** A UCI sweep's plan. */
export type UciPlan = Plan<UciRun, UciSettings>;

function check(settings: UciSettings): void {
  const integer = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(name, value, `an integer in [${min}, ${max}]`);
  };
  integer('splits', settings.splits, 1, UCI_MAX_SPLITS);
  // Run seeds are seed × 1000 + split: bounded so they never wrap.
  integer('seed', settings.seed, 0, UCI_MAX_SEED);
  integer('epochs', settings.epochs, 1, 1_000_000);
  if (settings.data.length === 0) throw new InvalidArgumentError('datasets', [], 'at least one data set');
  assertDataDraw('draw', settings.draw);
  if (!['validation', 'paper', 'refit'].includes(settings.protocol)) throw new InvalidArgumentError('protocol', settings.protocol, 'one of validation, paper, refit');
  if (settings.methods.length === 0) throw new InvalidArgumentError('methods', [], 'at least one method');
  if (Array.isArray(settings.lrGrid) && (settings.lrGrid.length === 0 || settings.lrGrid.some((lr) => !(lr > 0) || !Number.isFinite(lr)))) {
    throw new InvalidArgumentError('lrGrid', settings.lrGrid, 'positive finite learning rates');
  }
}

/** The learning-rate grid of a sweep, or null without one. */
export function uciGrid(settings: UciSettings): readonly number[] | null {
  return settings.lrGrid === true ? UCI_LR_GRID : settings.lrGrid === false ? null : settings.lrGrid;
}

function member(settings: UciSettings, run: UciRun): Member<UciRun> {
  const fp = fingerprint({
    experiment: 'uci',
    phase: run.phase,
    data: run.data.name,
    dataSha256: run.data.sha256,
    method: run.method,
    learningRate: run.learningRate,
    split: run.split,
    seed: run.seed,
    epochs: run.epochs,
    protocol: run.protocol,
    draw: run.draw,
    ...(run.refit ? { refitFrom: run.refit.from, lrDrops: run.refit.lrDrops } : {}),
    backend: settings.backend,
    buildId: settings.buildId,
  });
  return { key: fp.hash, fingerprint: fp, run };
}

/** Groups members into jobs: one per stack group (or one per run without stacking), larger data sets first. */
function jobsOf(settings: UciSettings, phase: UciRun['phase'], members: Member<UciRun>[]): Job<UciRun>[] {
  const groups = new Map<string, Member<UciRun>[]>();
  members.forEach((m) => {
    const group = settings.stack === 'none' ? m.key : uciStackGroup(m.run);
    groups.set(group, [...(groups.get(group) ?? []), m]);
  });
  const rows = new Map(settings.data.map((d) => [d.name, d.rows ?? 0]));
  return [...groups.values()]
    .sort((a, b) => (rows.get(b[0]!.run.data.name) ?? 0) - (rows.get(a[0]!.run.data.name) ?? 0))
    .map((group) => {
      const run = group[0]!.run;
      const key = ['uci', phase, run.data.name, run.method, `stack=${settings.stack}`, ...group.map((m) => m.key)].join('|');
      const splits = group.map((m) => m.run.split);
      return {
        experiment: 'uci',
        key,
        id: sha256Hex(key),
        phase,
        label: `${phase} ${run.data.name} ${methodLabel(run.method)} split${splits.length > 1 ? 's' : ''} ${[...new Set(splits)].join(',')}${phase === 'grid' ? ` lr ${group.map((m) => m.run.learningRate).join(',')}` : ''}${phase === 'refit' ? ` epochs ${group.map((m) => m.run.epochs).join(',')}` : ''}`,
        backend: settings.backend,
        buildId: settings.buildId,
        data: [run.data],
        options: { stack: settings.stack },
        members: group,
      };
    });
}

function gridMembers(settings: UciSettings): Member<UciRun>[] {
  const grid = uciGrid(settings) ?? [];
  return settings.data.flatMap((data) =>
    settings.methods.flatMap((method) =>
      grid.map((learningRate) => member(settings, { data: { name: data.name, sha256: data.sha256 }, method, split: 0, learningRate, seed: settings.seed, epochs: settings.epochs, protocol: validationProtocol(settings), draw: settings.draw, phase: 'grid' })),
    ),
  );
}

/**
 * The learning rate of a data set × method: with a grid, the one whose split-0 run had the lowest
 * validation RMSE (failed runs excluded); the paper's otherwise, or when every grid run failed.
 */
export function uciLearningRate(plan: UciPlan, records: RecordLookup, dataName: string, method: ParameterizationName): number {
  const grid = uciGrid(plan.settings);
  if (!grid) return paperLearningRate(method);
  const scored = gridMembers(plan.settings)
    .filter((m) => m.run.data.name === dataName && m.run.method === method)
    .map((m) => ({ lr: m.run.learningRate, result: records.get(m.key)?.result as UciRunResult | undefined }))
    .map((s) => ({ lr: s.lr, rmse: s.result?.validationRmse }))
    .filter((s): s is { lr: number; rmse: number } => s.rmse !== undefined && Number.isFinite(s.rmse))
    .sort((a, b) => a.rmse - b.rmse);
  return scored[0]?.lr ?? paperLearningRate(method);
}

/** The protocol a sweep's grid and `final` runs follow: a refit's are validation runs (the very members of `--protocol validation`). */
function validationProtocol(settings: UciSettings): EvaluationProtocol {
  return settings.protocol === 'refit' ? 'validation' : settings.protocol;
}

/** The Table 1 runs (under refit: the validation runs it repeats): every data set × method × split, at the learning rates chosen so far. */
export function uciFinalMembers(plan: UciPlan, records: RecordLookup): Member<UciRun>[] {
  const s = plan.settings;
  return s.data.flatMap((data) =>
    s.methods.flatMap((method) => {
      const learningRate = uciLearningRate(plan, records, data.name, method);
      return Array.from({ length: s.splits }, (_, split) =>
        member(s, { data: { name: data.name, sha256: data.sha256 }, method, split, learningRate, seed: s.seed, epochs: s.epochs, protocol: validationProtocol(s), draw: s.draw, phase: 'final' }),
      );
    }),
  );
}

/**
 * The refit runs of a refit sweep: one per validation run with a result, from the same
 * initialization on the whole training split for the validation run's best number of epochs,
 * with its learning-rate drops (those before that epoch).
 */
export function uciRefitMembers(plan: UciPlan, records: RecordLookup): Member<UciRun>[] {
  if (plan.settings.protocol !== 'refit') return [];
  return uciFinalMembers(plan, records).flatMap((validation) => {
    const result = records.get(validation.key)?.result as UciRunResult | undefined;
    const budget = result && refitBudget(result);
    if (!budget) return [];
    return [member(plan.settings, { ...validation.run, protocol: 'refit', phase: 'refit', epochs: budget.epochs, refit: { from: validation.key, lrDrops: budget.lrDrops } })];
  });
}

/**
 * The record behind each Table 1 entry (data set × method × split): the `final` run's; under
 * refit the refit run's, or the validation run's while that failed or has not run (no refit then).
 */
export function uciTableRecords(plan: UciPlan, records: RecordLookup): { run: UciRun; record: MemberRecord | undefined }[] {
  const refits = new Map(uciRefitMembers(plan, records).map((m) => [m.run.refit!.from, m]));
  return uciFinalMembers(plan, records).map((validation) => {
    const own = records.get(validation.key);
    if (plan.settings.protocol !== 'refit') return { run: validation.run, record: own };
    const refit = refits.get(validation.key);
    if (refit) return { run: refit.run, record: records.get(refit.key) };
    // A validation result is never a refit's: without a refit run the entry is missing (or the validation run's failure).
    return { run: validation.run, record: own?.result === undefined ? own : undefined };
  });
}

/**
 * The jobs of a UCI sweep, in phases: with a learning-rate grid, `grid` (split 0 at every rate)
 * first, then `final`, whose learning rates depend on the grid's results; under refit, then
 * `refit`, whose epochs and drops depend on the `final` (validation) runs. Deterministic: the
 * same settings and records give the same jobs, keys and ids.
 */
export function planUci(settings: UciSettings): UciPlan {
  check(settings);
  const plan: UciPlan = {
    experiment: 'uci',
    settings,
    phases: [
      ...(uciGrid(settings) ? [{ name: 'grid', description: 'learning-rate grid (split 0, validation split)', members: () => gridMembers(settings) }] : []),
      {
        name: 'final',
        description: settings.protocol === 'refit' ? 'validation runs (best epoch and LR drops for the refit)' : 'Table 1 runs',
        ...(uciGrid(settings) ? { dependsOn: 'grid' } : {}),
        members: (records: RecordLookup) => uciFinalMembers(plan, records),
      },
      ...(settings.protocol === 'refit'
        ? [{ name: 'refit', description: 'refit runs (whole training split, the validation runs\' best epochs and LR drops)', dependsOn: 'final', members: (records: RecordLookup) => uciRefitMembers(plan, records) }]
        : []),
    ],
    jobs: (phase, members) => jobsOf(settings, phase as UciRun['phase'], members as Member<UciRun>[]),
  };
  return plan;
}
