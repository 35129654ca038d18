import * as path from 'node:path';
import { jsonText, writeFileAtomicSync } from '@geoparam/core/node';
import { VARIANTS, resolveVariant } from '@geoparam/parameterizations';
import { writeFigure, type FigureSpec } from '@geoparam/plot';
import { SweepNotReportableError } from '../errors';
import type { ReportProtocol } from '../report';
import { formatMeanSe } from '../statistics';
import { describeSeeds } from '../study/render';
import { aggregateVision, visionRecords, type VisionResults } from './aggregate';
import { visionPlan, type VisionPlanSettings } from './job';
import { TABLE2_TOP1, visionModelName, type ResolvedVisionSettings, type VisionData } from './protocol';

/**
 * The lines that open a sweep's log: network, data, schedule, inputs, initializations and
 * recalibration. `backend` is the backend as the caller describes it.
 */
export function visionProtocolNotes(settings: ResolvedVisionSettings, data: VisionData, backend: string): string[] {
  const s = settings;
  const recalibrate = s.recalibrateStats;
  return [
    `geoparam reproduce ${s.architecture}: ${visionModelName(s)} (width ×${s.width}) on ${s.dataset}, ${data.note}; ${data.train.numExamples} train / ${data.test.numExamples} test images`,
    `backend ${backend}; SGD momentum ${s.momentum}, up to ${s.epochs} epochs, ` +
      (s.schedule.length ? `lr ×0.1 after epochs ${s.schedule.join(', ')}` : 'lr ×0.1 after 5 and early stopping after 10 epochs without better validation top-5 (as the reference)') +
      `; inputs x/255 - mean RGB, ${data.flip ? 'random horizontal flips' : `no flips (${s.dataset} is not flip-invariant)`}`,
    `initializations ${describeSeeds(s.initSeeds)} per variant and batch size; ` +
      (recalibrate > 0
        ? `running statistics re-estimated from ${recalibrate} training batches before each evaluation (weights untouched; training keeps momentum 0.99)`
        : 'running statistics as training leaves them (momentum 0.99)'),
  ];
}

/**
 * Table 2's layout: one row per variant, top-1 / top-5 % (mean ± s.e. over the seeds; a cell
 * with fewer finished runs names its n) per batch size, and the paper's top-1 beside them for
 * VGG-6 on ImageNet32.
 */
export function visionTable(results: VisionResults, settings: ResolvedVisionSettings): { header: string[]; rows: string[][] } {
  const cell = (variant: string, index: number) => {
    const s = results.summary[index]!.variants[variant]!;
    if (!s.top1.n) return '-';
    // A cell over fewer runs than the header's n (failed or unfinished runs) says how many.
    return `${formatMeanSe(s.top1, 2)} / ${formatMeanSe(s.top5, 2)}${s.top1.n < settings.seeds ? ` (n = ${s.top1.n})` : ''}`;
  };
  const paper = settings.dataset === 'imagenet32' && settings.architecture === 'vgg6';
  return {
    header: ['variant', ...settings.batchSize.map((b) => `batch ${b} top-1 / top-5 % (mean ± s.e., n = ${settings.seeds})`), ...(paper ? ['paper top-1 (256/512/1024)'] : [])],
    rows: settings.variants.map((v) => [resolveVariant(v).label, ...settings.batchSize.map((_, i) => cell(v, i)), ...(paper ? [TABLE2_TOP1[v]!.join(' / ')] : [])]),
  };
}

/** What the curves figure needs of a run. */
export interface VisionCurveRun {
  label: string;
  batchSize: number;
  seed: number;
  curve: { top1: number[]; top5: number[] };
}

/** Fig 4: validation top-1 and top-5 per epoch, one line per variant and seed, one panel per batch size and metric. */
export function visionCurvesFigure(runs: readonly VisionCurveRun[], model: string, dataset: string): FigureSpec {
  const values = runs.flatMap((r) =>
    (['top1', 'top5'] as const).flatMap((metric) =>
      r.curve[metric].map((v, epoch) => ({ variant: r.label, seed: r.seed, batch: `batch ${r.batchSize}`, metric: metric === 'top1' ? 'top-1' : 'top-5', epoch: epoch + 1, accuracy: 100 * v })),
    ),
  );
  return {
    title: { text: `${model} on ${dataset}: validation accuracy per epoch` },
    data: { values },
    facet: { row: { field: 'metric', type: 'nominal', title: null }, column: { field: 'batch', type: 'nominal', title: null } },
    spec: {
      width: 260,
      height: 180,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'accuracy', type: 'quantitative', title: 'accuracy (%)', scale: { zero: false } },
        color: { field: 'variant', type: 'nominal', sort: VARIANTS.map((v) => v.label), title: null },
        detail: { field: 'seed', type: 'nominal' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as FigureSpec;
}

/** The table as markdown (table.md): `visionTable`, then what it shows and `notes`. */
export function renderVisionMarkdown(results: VisionResults, settings: ResolvedVisionSettings, notes: readonly string[] = []): string {
  const { header, rows } = visionTable(results, settings);
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `${results.model} on ${results.dataset} (${results.data}): test top-1 / top-5 accuracy %, mean ± s.e. over initializations ${describeSeeds(results.initSeeds)}; up to ${results.epochs} epochs, ${results.backend}.`,
    ...notes,
  ].join('\n');
}

/** Writes results.json, table.md and, with `figures`, the curves figure (`<architecture>-curves.svg/png`). Every file atomically. */
export async function writeVisionReport(dir: string, results: VisionResults, settings: ResolvedVisionSettings, options: { figures: boolean; notes?: readonly string[] }): Promise<{ markdown: string; files: string[] }> {
  const markdown = renderVisionMarkdown(results, settings, options.notes);
  const files = [path.join(dir, 'results.json'), path.join(dir, 'table.md')];
  writeFileAtomicSync(files[0]!, jsonText(results));
  writeFileAtomicSync(files[1]!, markdown + '\n');
  if (options.figures) {
    const figure = path.join(dir, `${settings.architecture}-curves`);
    await writeFigure(visionCurvesFigure(results.runs, results.model, settings.dataset), figure);
    files.push(`${figure}.svg`);
  }
  return { markdown, files };
}

function storedVisionSettings(settings: unknown): VisionPlanSettings {
  const s = settings as Partial<VisionPlanSettings> | null;
  if (typeof s?.sweep?.hash !== 'string' || typeof s.flip !== 'boolean' || typeof s.note !== 'string' || typeof s.settings !== 'object') {
    throw new SweepNotReportableError(
      'vision',
      'its stored settings carry no sweep fingerprint and data note (a geoparam build before report read vision sweeps stored it); run its reproduce command with --queue again: it trains nothing already recorded and stores them',
    );
  }
  return s as VisionPlanSettings;
}

/** How `geoparam report` aggregates and writes a vision sweep: the runs its plan's records hold, as `reproduce vgg6|resnet` writes them. */
export const VISION_REPORTS: ReportProtocol = {
  experiment: 'vision',
  aggregate(settings, records) {
    const s = storedVisionSettings(settings);
    const { runs, failures, missing } = visionRecords(visionPlan(s), records);
    return { results: aggregateVision(s.settings, { flip: s.flip, note: s.note }, s.sweep, s.backend, runs), failures, missing: missing.length };
  },
  write(dir, settings, aggregate, options) {
    return writeVisionReport(dir, aggregate.results as VisionResults, storedVisionSettings(settings).settings, options);
  },
};
