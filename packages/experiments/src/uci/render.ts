import * as path from 'node:path';
import { writeFigure } from '@geoparam/plot';
import type { ParameterizationName } from '@geoparam/parameterizations';
import { jsonText, writeFileAtomicSync } from '@geoparam/core/node';
import { methodLabel } from '@geoparam/parameterizations';
import type { ReportProtocol } from '../report';
import { aggregateUci, describeUciFailure, type UciResults } from './aggregate';
import { uciFigure } from './figure';
import { planUci, type UciSettings } from './plan';

const STACK_LABELS: Record<string, string> = {
  auto: 'the splits of each data set and method trained stacked where a training split is one batch',
  all: 'the splits of each data set and method trained stacked',
  none: 'every run trained on its own',
};

const DRAW_LABELS: Record<string, string> = {
  reference: "split k drawn as the reference code does: scikit-learn's train_test_split(test_size=0.2, random_state=k) on its row order",
  own: "splits drawn by geoparam's SeedStream from (seed, split)",
};

const PROTOCOL_LABELS: Record<string, string> = {
  paper: 'Protocol paper: the LR schedule and early stopping watch the test split, as the reference code does (optimistic).',
  validation: 'Protocol validation: the LR schedule and early stopping watch 20% of the training split, held out; the model trains on the other 80% of it.',
  refit:
    'Protocol refit: each validation run gives its best epoch and its learning-rate drops; the model is retrained from the same initialization on the whole training split for that many epochs with the same drops (more steps per epoch where the training split exceeds one batch of 1024), and never watches the test split.',
};

function fmt(mean: number, se: number): string {
  if (!Number.isFinite(mean)) return 'n/a';
  const digits = mean < 0.01 ? 4 : 3;
  return `${mean.toFixed(digits)}±${se.toFixed(digits)}`;
}

/** Table 1 as markdown: ours beside the paper's, † outside the paper's mean ± 2 s.e., failed runs counted. */
export function renderUciMarkdown(results: UciResults, notes: readonly string[] = []): string {
  const methods = Object.keys(Object.values(results.datasets)[0] ?? {}) as ParameterizationName[];
  const header = ['dataset', ...methods.flatMap((m) => [`${methodLabel(m)} (ours)`, `${methodLabel(m)} (paper)`])];
  const rows = Object.entries(results.datasets).map(([dataset, cells]) => [
    dataset,
    ...methods.flatMap((m) => {
      const c = cells[m]!;
      const ours = `${fmt(c.mean, c.se)}${c.outsidePaper2se ? ' †' : ''}${c.failed ? ` (${c.failed} failed)` : ''}${c.missing ? ` (${c.missing} not run)` : ''}${results.lrGrid ? ` lr ${c.lr}` : ''}`;
      return [ours, c.paper ? fmt(c.paper[0], c.paper[1]) : '-'];
    }),
  ]);
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `Test RMSE, mean ± standard error over ${results.splits} random 80/20 splits (${DRAW_LABELS[results.draw] ?? results.draw}; initialization seed ${results.seed}, protocol ${results.protocol}, ${results.epochs} epochs max, ${results.backend}); failed runs are excluded from the means. † ours lies outside the paper's mean ± 2 s.e.`,
    PROTOCOL_LABELS[results.protocol] ?? '',
    `${STACK_LABELS[results.stack] ?? results.stack}; one worker alone would have needed ${results.runSeconds.toFixed(0)} s.`,
    ...notes,
    ...(results.failures.length ? ['', `${results.failures.length} failed runs:`, ...results.failures.map((f) => `- ${describeUciFailure(f)}`)] : []),
  ].join('\n');
}

/** Writes results.json (with `extra`, e.g. wall time), table.md and, with `figures`, uci.svg/png. Every file atomically. */
export async function writeUciReport(dir: string, results: UciResults, options: { figures: boolean; notes?: readonly string[]; extra?: Record<string, unknown> }): Promise<{ markdown: string; files: string[] }> {
  const markdown = renderUciMarkdown(results, options.notes);
  const files = [path.join(dir, 'results.json'), path.join(dir, 'table.md')];
  writeFileAtomicSync(files[0]!, jsonText({ ...results, ...options.extra }));
  writeFileAtomicSync(files[1]!, markdown + '\n');
  if (options.figures) {
    const methods = Object.keys(Object.values(results.datasets)[0] ?? {}) as ParameterizationName[];
    await writeFigure(uciFigure(results.datasets, methods), path.join(dir, 'uci'));
    files.push(path.join(dir, 'uci.svg'));
  }
  return { markdown, files };
}

/** How `geoparam report` aggregates and writes a UCI sweep: Table 1 of its plan's records (`aggregateUci`, `writeUciReport`). */
export const UCI_REPORTS: ReportProtocol = {
  experiment: 'uci',
  aggregate(settings, records) {
    const results = aggregateUci(planUci(settings as UciSettings), records);
    const missing = Object.values(results.datasets)
      .flatMap((byMethod) => Object.values(byMethod))
      .reduce((n, cell) => n + cell.missing, 0);
    return { results, failures: results.failures.map(describeUciFailure), missing };
  },
  write(dir, _settings, aggregate, options) {
    return writeUciReport(dir, aggregate.results as UciResults, options);
  },
};
