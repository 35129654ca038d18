import { VARIANTS } from '@geoparam/parameterizations';
import type { FigureSpec } from '@geoparam/plot';

interface Run {
  label: string;
  batchSize: number;
  seed: number;
  curve: { top1: number[]; top5: number[] };
}

/** Fig 4: validation top-1 and top-5 per epoch, one line per variant and seed, one panel per batch size and metric. */
export function visionCurvesFigure(runs: Run[], model: string, dataset: string): FigureSpec {
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
