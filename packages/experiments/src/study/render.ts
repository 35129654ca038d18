import * as path from 'node:path';
import { writeJsonAtomicSync } from '@geoparam/core/node';
import { methodLabel } from '@geoparam/parameterizations';
import { writeFigure, type FigureSpec } from '@geoparam/plot';
import type { BananaResult } from '../banana/protocol';
import type { LevyResult } from '../levy/protocol';
import { formatMeanSe, formatNumber, formatRange } from '../statistics';
import type { StudyFacts, StudyResults } from './aggregate';
import { bananaBoundaryFigure, bananaTrajectoryFigure, levyEvolutionFigure, levyFitFigure, seedSpreadFigure, stabilityFigure } from './figures';

/** `0` or `0–4`: a range of seeds as the notes print it. */
export function describeSeeds(seeds: readonly number[]): string {
  return seeds.length === 1 ? String(seeds[0]) : `${seeds[0]}–${seeds[seeds.length - 1]}`;
}

/** The study's table, one row per method: mean ± s.e., median, range, the paper's number, the paired difference to SP, n, median epochs, the stability run's maximum. */
export function studyTable(facts: StudyFacts, results: StudyResults): { header: string[]; rows: string[][] } {
  const header = ['method', 'lr', `${facts.metricName} mean ± s.e.`, 'median', 'min–max', 'paper', 'Δ to SP (paired)', 'n', 'epochs (median)', facts.stabilityColumn];
  const rows = Object.entries(results.methods).map(([method, m]) => {
    const stats = m[facts.metricKey]!;
    const difference = m.differenceToStandard;
    return [
      methodLabel(method),
      String(m.lr),
      formatMeanSe(stats),
      stats.median.toFixed(3),
      formatRange(stats),
      m.paper?.toFixed(3) ?? '-',
      difference ? `${difference.mean >= 0 ? '+' : ''}${formatMeanSe(difference)}` : '-',
      String(stats.n),
      String(m.epochs.median),
      formatNumber(m.stability.max, 2),
    ];
  });
  return { header, rows };
}

/** The lines under a study's table: which protocol ran and how much its runs trained on per epoch. */
export function studyTableNotes(results: StudyResults): string[] {
  const t = results.training;
  const lines = [`protocol ${results.protocolNote}`];
  if (t.refit) {
    lines.push(
      `refit runs: the whole training split, ${t.refit.examples} examples, ${t.refit.stepsPerEpoch} steps per epoch (their validation runs: ${t.examples} examples, ${t.stepsPerEpoch} steps per epoch); the epochs column is the refits', i.e. the validation runs' best epochs`,
    );
  } else lines.push(`training: ${t.examples} examples, ${t.stepsPerEpoch} steps per epoch`);
  return lines;
}

/** The study's figures: Fig 2(a–c) or Fig 3, and every run's test number beside the paper's. */
export function studyFigures(facts: StudyFacts, result: LevyResult | BananaResult, results: StudyResults): [string, FigureSpec][] {
  const stability = stabilityFigure(
    result.methods.map((m) => ({ label: m.label, perStep: m.stability.perStep })),
    facts.experiment === 'levy'
      ? { title: `Max location shift of the CABs per step (lr 0.1, first ${results.stabilitySteps} steps)`, yTitle: 'max |Δφ| (log₂)', log2: true }
      : { title: `Max CAB angle change per step (lr 0.1, first ${results.stabilitySteps} steps)`, yTitle: 'max angle change (degrees)', log2: false },
  );
  const spread = seedSpreadFigure(result.runs, facts.paper, {
    metric: facts.metricName,
    title: `${facts.title}: ${facts.metricName} of every run`,
    subtitle: [`data draws ${describeSeeds(results.dataSeeds)} × initializations ${describeSeeds(results.initSeeds)}, protocol ${results.protocol}`, 'bar: mean ± s.e.; ◆ the paper'],
  });
  const own: [string, FigureSpec][] =
    facts.experiment === 'levy'
      ? [['levy-fit', levyFitFigure(result as LevyResult)], ['levy-cab-evolution', levyEvolutionFigure(result as LevyResult)]]
      : [['banana-trajectories', bananaTrajectoryFigure(result as BananaResult)], ['banana-boundary', bananaBoundaryFigure(result as BananaResult)]];
  return [...own, [`${facts.experiment}-stability`, stability], [`${facts.experiment}-seeds`, spread]];
}

/**
 * Writes results.json (with `extra`, e.g. the fingerprint and wall time), trajectories.json (the
 * showcase runs' CAB locations) and, with `figures`, every figure as SVG and PNG. Every file
 * atomically. Returns the figure files.
 */
export async function writeStudyReport(
  dir: string,
  facts: StudyFacts,
  result: LevyResult | BananaResult,
  results: StudyResults,
  options: { figures: boolean; extra?: Record<string, unknown> },
): Promise<string[]> {
  writeJsonAtomicSync(path.join(dir, 'results.json'), { ...results, ...options.extra });
  const trajectories = {
    note: `per method, showcase run (data draw ${results.seed}, initialization ${results.seed}): CAB locations phi of every hidden unit at the end of each epoch (thinned to at most 500 records)`,
    methods: Object.fromEntries(result.methods.map((m) => [m.method, m.trajectory])),
  };
  // Compact: indenting nested number arrays multiplies the size.
  writeJsonAtomicSync(path.join(dir, 'trajectories.json'), trajectories, true);
  const files: string[] = [];
  if (options.figures) {
    for (const [name, spec] of studyFigures(facts, result, results)) {
      const written = await writeFigure(spec, path.join(dir, name));
      files.push(written.svg, written.png);
    }
  }
  return files;
}
