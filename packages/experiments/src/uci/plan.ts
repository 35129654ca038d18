import { InvalidArgumentError, fingerprint, sha256Hex } from '@geoparam/core';
import type { ParameterizationName } from '@geoparam/parameterizations';
import type { DataRef } from '../data';
import type { Job, Member } from '../job';
import { methodLabel } from '@geoparam/parameterizations';
import { paperLearningRate } from '../methods';
import type { Plan, RecordLookup } from '../plan';
import { UCI_LR_GRID, UCI_MAX_SEED, UCI_MAX_SPLITS, uciStackGroup, type Protocol, type StackMode, type UciRun, type UciRunResult } from './protocol';

/** Everything that defines a UCI sweep. */
export interface UciSettings {
  /** Data sets by name and values' sha256 (see `prepareData`); `rows` orders the larger ones first. */
  data: readonly (DataRef & { rows?: number })[];
  methods: readonly ParameterizationName[];
  splits: number;
  seed: number;
  epochs: number;
  protocol: Protocol;
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
    backend: settings.backend,
    buildId: settings.buildId,
  });
  return { key: fp.hash, fingerprint: fp, run };
}

/** Groups members into jobs: one per stack group (or one per run without stacking), larger data sets first. */
function jobsOf(settings: UciSettings, phase: 'grid' | 'final', members: Member<UciRun>[]): Job<UciRun>[] {
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
        label: `${phase} ${run.data.name} ${methodLabel(run.method)} split${splits.length > 1 ? 's' : ''} ${[...new Set(splits)].join(',')}${phase === 'grid' ? ` lr ${group.map((m) => m.run.learningRate).join(',')}` : ''}`,
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
      grid.map((learningRate) => member(settings, { data: { name: data.name, sha256: data.sha256 }, method, split: 0, learningRate, seed: settings.seed, epochs: settings.epochs, protocol: settings.protocol, phase: 'grid' })),
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
    .filter((s): s is { lr: number; result: UciRunResult } => s.result !== undefined && Number.isFinite(s.result.validationRmse))
    .sort((a, b) => a.result.validationRmse - b.result.validationRmse);
  return scored[0]?.lr ?? paperLearningRate(method);
}

/** The Table 1 runs: every data set × method × split, at the learning rates chosen so far. */
export function uciFinalMembers(plan: UciPlan, records: RecordLookup): Member<UciRun>[] {
  const s = plan.settings;
  return s.data.flatMap((data) =>
    s.methods.flatMap((method) => {
      const learningRate = uciLearningRate(plan, records, data.name, method);
      return Array.from({ length: s.splits }, (_, split) =>
        member(s, { data: { name: data.name, sha256: data.sha256 }, method, split, learningRate, seed: s.seed, epochs: s.epochs, protocol: s.protocol, phase: 'final' }),
      );
    }),
  );
}

/**
 * The jobs of a UCI sweep, in phases: with a learning-rate grid, `grid` (split 0 at every rate)
 * first, then `final`, whose learning rates depend on the grid's results. Deterministic: the same
 * settings give the same jobs, keys and ids.
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
        description: 'Table 1 runs',
        ...(uciGrid(settings) ? { dependsOn: 'grid' } : {}),
        members: (records: RecordLookup) => uciFinalMembers(plan, records),
      },
    ],
    jobs: (phase, members) => jobsOf(settings, phase as 'grid' | 'final', members as Member<UciRun>[]),
  };
  return plan;
}
