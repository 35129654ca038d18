import { METHODS, methodLabel, type ParameterizationName } from '@geoparam/parameterizations';
import { facetFigure, type FigureSpec } from '@geoparam/plot';
import type { BananaResult } from '../banana/protocol';
import type { LevyResult } from '../levy/protocol';
import { describeSample } from '../statistics';
import { thinRecords, type SeedRun } from './runs';

const METHOD_ORDER = METHODS.map((m) => m.label);

/** One panel per method, in the paper's order. */
function methodColumns(methods: { label: string }[]) {
  return { field: 'method', sort: methods.map((m) => m.label).sort((a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b)) };
}

/** Fig 2(a,b): data, ground truth, and each method's prediction before and after training. */
export function levyFitFigure(result: LevyResult): FigureSpec {
  const values: Record<string, unknown>[] = [];
  for (const m of result.methods) {
    result.grid.x.forEach((x, i) => {
      values.push({ method: m.label, series: 'ground truth', x, y: result.grid.truth[i] });
      values.push({ method: m.label, series: 'before training', x, y: m.initialPrediction[i] });
      values.push({ method: m.label, series: 'after training', x, y: m.finalPrediction[i] });
    });
    result.train.x.forEach((x, i) => values.push({ method: m.label, series: 'training data', x, y: result.train.y[i] }));
  }
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: ['ground truth', 'before training', 'after training', 'training data'], range: ['#333333', '#9e9e9e', '#d62728', '#1f77b4'] } } as const;
  return facetFigure({
    title: { text: '1-D Levy regression: predictions before and after training', subtitle: 'one hidden layer of 100 ReLU units' },
    values,
    column: methodColumns(result.methods),
    panel: {
      width: 240,
      height: 200,
      layer: [
        {
          transform: [{ filter: "datum.series !== 'training data'" }],
          mark: { type: 'line', clip: true, strokeWidth: 1.5 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: 'x' },
            y: { field: 'y', type: 'quantitative', title: 'f(x)', scale: { domain: [-1, 12] } },
            color,
            strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { domain: ['ground truth', 'before training', 'after training'], range: [[1, 0], [4, 3], [1, 0]] } },
          },
        },
        {
          transform: [{ filter: "datum.series === 'training data'" }],
          mark: { type: 'point', filled: true, size: 18, clip: true },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color },
        },
      ],
    },
  });
}

/** Fig 2(b): how the 100 characteristic points phi move during training. */
export function levyEvolutionFigure(result: LevyResult): FigureSpec {
  const values: Record<string, unknown>[] = [];
  for (const m of result.methods) {
    for (const record of thinRecords(m.trajectory, 200)) {
      record.layers[0]!.location.forEach((phi, unit) => values.push({ method: m.label, epoch: record.epoch, unit, phi: phi[0] }));
    }
  }
  return facetFigure({
    title: { text: 'Evolution of the characteristic points φ of the 100 hidden units', subtitle: 'φ = -λ·u, the input where each ReLU switches on; clipped to [-15, 15]' },
    values,
    column: methodColumns(result.methods),
    panel: {
      width: 240,
      height: 220,
      mark: { type: 'line', clip: true, strokeWidth: 0.7, opacity: 0.6 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
        y: { field: 'phi', type: 'quantitative', title: 'φ', scale: { domain: [-15, 15] } },
        detail: { field: 'unit', type: 'nominal' },
        color: { field: 'unit', type: 'quantitative', legend: null, scale: { scheme: 'viridis' } },
      },
    },
  });
}

/** Fig 2(c) and 3(i): the largest per-step boundary move of each method at one learning rate. */
export function stabilityFigure(
  series: { label: string; perStep: number[] }[],
  options: { title: string; yTitle: string; log2: boolean },
): FigureSpec {
  const positive = series.flatMap((s) => s.perStep.filter((v) => v > 0 && Number.isFinite(v)));
  const floor = options.log2 ? Math.max(Math.min(...positive, 1) / 2, 2 ** -30) : 0;
  const values = series.flatMap((s) =>
    s.perStep.map((v, i) => ({ method: s.label, step: i + 1, value: Number.isFinite(v) ? Math.max(v, floor) : null })),
  );
  return {
    title: options.title,
    data: { values },
    width: 520,
    height: 260,
    mark: { type: 'line', strokeWidth: 1.2 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'optimizer step' },
      y: { field: 'value', type: 'quantitative', title: options.yTitle, scale: options.log2 ? { type: 'log', base: 2 } : { zero: true } },
      color: { field: 'method', type: 'nominal', sort: METHOD_ORDER, title: null },
    },
  } as FigureSpec;
}

/** Fig 3: each unit's phi path during training, over the test points. */
export function bananaTrajectoryFigure(result: BananaResult): FigureSpec {
  const values: Record<string, unknown>[] = [];
  for (const m of result.methods) {
    const records = thinRecords(m.trajectory, 150);
    records.forEach((record, t) =>
      record.layers[0]!.location.forEach((phi, unit) => values.push({ kind: 'path', method: m.label, unit, t, x1: phi[0], x2: phi[1], end: t === records.length - 1 })),
    );
    result.test.x.forEach((x, i) => values.push({ kind: 'data', method: m.label, x1: x[0], x2: x[1], label: result.test.y[i] }));
  }
  const scale = { domain: [-3, 3], nice: false };
  return facetFigure({
    title: { text: 'Banana: trajectories of every unit’s φ during training', subtitle: 'dots: final φ; grey: test points' },
    values,
    column: methodColumns(result.methods),
    panel: {
      width: 220,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'data'" }],
          mark: { type: 'point', size: 8, color: '#bbbbbb', clip: true },
          encoding: { x: { field: 'x1', type: 'quantitative', scale, title: 'x₁' }, y: { field: 'x2', type: 'quantitative', scale, title: 'x₂' } },
        },
        {
          transform: [{ filter: "datum.kind === 'path'" }],
          mark: { type: 'line', clip: true, strokeWidth: 1.2 },
          encoding: {
            x: { field: 'x1', type: 'quantitative', scale },
            y: { field: 'x2', type: 'quantitative', scale },
            order: { field: 't' },
            detail: { field: 'unit', type: 'nominal' },
            color: { field: 'unit', type: 'nominal', legend: null, scale: { scheme: 'tableau10' } },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'path' && datum.end" }],
          mark: { type: 'point', filled: true, size: 40, clip: true },
          encoding: {
            x: { field: 'x1', type: 'quantitative', scale },
            y: { field: 'x2', type: 'quantitative', scale },
            color: { field: 'unit', type: 'nominal', legend: null, scale: { scheme: 'tableau10' } },
          },
        },
      ],
    },
  });
}

/** Fig 3: the final decision regions, test points, and each unit's phi. */
export function bananaBoundaryFigure(result: BananaResult): FigureSpec {
  const values: Record<string, unknown>[] = [];
  const { x1, x2, step } = result.grid;
  for (const m of result.methods) {
    x2.forEach((b, j) =>
      x1.forEach((a, i) => values.push({ kind: 'grid', method: m.label, x1: a - step / 2, x2: b - step / 2, x1e: a + step / 2, x2e: b + step / 2, p: m.gridProbability[j * x1.length + i] })),
    );
    result.test.x.forEach((x, i) => values.push({ kind: 'data', method: m.label, x1: x[0], x2: x[1], label: result.test.y[i] ? 'class 1' : 'class 0' }));
    const last = m.trajectory[m.trajectory.length - 1];
    last?.layers[0]!.location.forEach((phi) => values.push({ kind: 'phi', method: m.label, x1: phi[0], x2: phi[1] }));
  }
  const scale = { domain: [-3, 3], nice: false };
  return facetFigure({
    title: { text: 'Banana: decision regions after training, with each unit’s φ (×)' },
    values,
    column: methodColumns(result.methods),
    panel: {
      width: 220,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'grid'" }],
          mark: { type: 'rect', clip: true },
          encoding: {
            x: { field: 'x1', type: 'quantitative', scale, title: 'x₁' },
            x2: { field: 'x1e' },
            y: { field: 'x2', type: 'quantitative', scale, title: 'x₂' },
            y2: { field: 'x2e' },
            color: { field: 'p', type: 'quantitative', title: 'P(class 1)', scale: { scheme: 'blueorange', domain: [0, 1] } },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'data'" }],
          mark: { type: 'point', size: 10, filled: true, clip: true },
          encoding: {
            x: { field: 'x1', type: 'quantitative', scale },
            y: { field: 'x2', type: 'quantitative', scale },
            shape: { field: 'label', type: 'nominal', title: null },
            fill: { value: '#222222' },
            opacity: { value: 0.55 },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'phi'" }],
          mark: { type: 'point', shape: 'cross', size: 90, filled: true, color: '#2ca02c', clip: true },
          encoding: { x: { field: 'x1', type: 'quantitative', scale }, y: { field: 'x2', type: 'quantitative', scale } },
        },
      ],
    },
    resolve: { scale: { color: 'shared' } },
  });
}

/** Every run's test metric per method (points), their mean ± s.e. (bar) and the paper's number (◆). */
export function seedSpreadFigure(runs: SeedRun[], paper: Partial<Record<ParameterizationName, number>>, o: { metric: string; title: string; subtitle: string[] }): FigureSpec {
  const values: Record<string, unknown>[] = [];
  const labels: string[] = [];
  for (const method of [...new Set(runs.map((r) => r.method))]) {
    const label = methodLabel(method);
    labels.push(label);
    const mine = runs.filter((r) => r.method === method);
    mine.forEach((r) => values.push({ kind: 'run', method: label, value: r.testMetric, draw: r.dataSeed, init: r.initSeed }));
    const { mean, se } = describeSample(mine.map((r) => r.testMetric));
    values.push({ kind: 'mean', method: label, value: mean, lo: mean - se, hi: mean + se });
    const published = paper[method];
    if (published !== undefined) values.push({ kind: 'paper', method: label, value: published });
  }
  const order = labels.sort((a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b));
  const x = { field: 'method', type: 'nominal', sort: order, title: null } as const;
  return {
    title: { text: o.title, subtitle: o.subtitle },
    data: { values },
    width: 70 * order.length + 40,
    height: 240,
    layer: [
      {
        transform: [{ filter: "datum.kind === 'run'" }],
        mark: { type: 'point', opacity: 0.6, size: 30 },
        encoding: { x, y: { field: 'value', type: 'quantitative', title: o.metric, scale: { zero: false } }, color: { field: 'method', type: 'nominal', sort: order, legend: null } },
      },
      {
        transform: [{ filter: "datum.kind === 'mean'" }],
        mark: { type: 'errorbar', ticks: { size: 10 } },
        encoding: { x, y: { field: 'lo', type: 'quantitative', title: o.metric }, y2: { field: 'hi' }, color: { value: '#222222' } },
      },
      {
        transform: [{ filter: "datum.kind === 'mean'" }],
        mark: { type: 'tick', color: '#222222', thickness: 2, size: 18 },
        encoding: { x, y: { field: 'value', type: 'quantitative' } },
      },
      {
        transform: [{ filter: "datum.kind === 'paper'" }],
        mark: { type: 'point', shape: 'diamond', filled: true, size: 60, color: '#d62728' },
        encoding: { x, y: { field: 'value', type: 'quantitative' } },
      },
    ],
  } as FigureSpec;
}
