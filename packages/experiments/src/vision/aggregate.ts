import type { Fingerprint } from '@geoparam/core';
import { resolveVariant } from '@geoparam/parameterizations';
import type { RecordLookup } from '../plan';
import { describeSample, pairedDifferences, type SampleSummary } from '../statistics';
import type { VisionPlan } from './job';
import { VISION_RECALIBRATE_NOTE, visionModelName, type PlannedVisionRun, type ResolvedVisionSettings, type VisionData, type VisionRun } from './protocol';

/** Top-1 and top-5 (in %) of a variant at a batch size over its seeds, and its top-1 difference to SP on the same seeds. */
export interface VisionCell {
  top1: SampleSummary;
  top5: SampleSummary;
  /** Variant − SP top-1 per seed both have; null for SP itself or without SP runs. */
  top1DifferenceToStandard: (SampleSummary & { pairs: string[] }) | null;
}

/** The cell of a variant at a batch size over the runs given. */
export function summarizeVisionRuns(runs: readonly VisionRun[], variant: string, batchSize: number): VisionCell {
  const mine = runs.filter((r) => r.variant === variant && r.batchSize === batchSize);
  const standard = runs.filter((r) => r.variant === 'sp' && r.batchSize === batchSize);
  const bySeed = (list: readonly VisionRun[]) => new Map(list.map((r) => [String(r.seed), 100 * r.top1]));
  return {
    top1: describeSample(mine.map((r) => 100 * r.top1)),
    top5: describeSample(mine.map((r) => 100 * r.top5)),
    top1DifferenceToStandard: variant !== 'sp' && standard.length ? pairedDifferences(bySeed(mine), bySeed(standard)) : null,
  };
}

/** Runs by batch size, variant and seed (the settings' orders), whatever order they ran or were reused in. */
export function sortVisionRuns(runs: readonly VisionRun[], settings: Pick<ResolvedVisionSettings, 'batchSize' | 'variants'>): VisionRun[] {
  const rank = (r: VisionRun) => [settings.batchSize.indexOf(r.batchSize), settings.variants.indexOf(r.variant), r.seed];
  return [...runs].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
}

/** A vision sweep's results.json: settings, per batch size and variant the cells, and every run. */
export interface VisionResults {
  experiment: string;
  fingerprint: Fingerprint;
  flip: boolean;
  model: string;
  dataset: string;
  data: string;
  backend: string;
  seed: number;
  initSeeds: number[];
  recalibrateStats: number;
  recalibrateNote: string;
  width: number;
  epochs: number;
  statistics: string;
  summary: { batchSize: number; variants: Record<string, VisionCell> }[];
  runs: VisionRun[];
}

/** The results of a sweep's runs (sorted by batch size, variant and seed), summarized per batch size and variant over the seeds. */
export function aggregateVision(settings: ResolvedVisionSettings, data: Pick<VisionData, 'flip' | 'note'>, sweep: Fingerprint, backend: string, runs: readonly VisionRun[]): VisionResults {
  const sorted = sortVisionRuns(runs, settings);
  return {
    experiment: settings.architecture,
    fingerprint: sweep,
    flip: data.flip,
    model: visionModelName(settings),
    dataset: settings.dataset,
    data: data.note,
    backend,
    seed: settings.seed,
    initSeeds: settings.initSeeds,
    recalibrateStats: settings.recalibrateStats,
    recalibrateNote: VISION_RECALIBRATE_NOTE,
    width: settings.width,
    epochs: settings.epochs,
    statistics: 'per variant and batch size over the initialization seeds: mean, s.e. (sample std / sqrt n), median, min, max of top-1 and top-5; top1DifferenceToStandard: variant − SP on the same seed',
    summary: settings.batchSize.map((batchSize) => ({
      batchSize,
      variants: Object.fromEntries(settings.variants.map((v) => [v, summarizeVisionRuns(sorted, v, batchSize)])),
    })),
    runs: sorted,
  };
}

/** A run as logs and failure lists name it: `GmP batch 32 seed 0`. */
export function visionRunName(run: Pick<PlannedVisionRun, 'variant' | 'batchSize' | 'seed'>): string {
  return `${resolveVariant(run.variant).label} batch ${run.batchSize} seed ${run.seed}`;
}

/** The recorded outcomes of a vision plan's runs: the finished runs, the failed ones named with their error, and those without a record. */
export function visionRecords(plan: VisionPlan, records: RecordLookup): { runs: VisionRun[]; failures: string[]; missing: string[] } {
  const out = { runs: [] as VisionRun[], failures: [] as string[], missing: [] as string[] };
  for (const member of plan.phases[0]!.members(records)) {
    const record = records.get(member.key);
    if (record?.result !== undefined) out.runs.push(record.result as VisionRun);
    else if (record) out.failures.push(`${visionRunName(member.run)}: ${record.error ?? 'unknown error'}`);
    else out.missing.push(visionRunName(member.run));
  }
  return out;
}
