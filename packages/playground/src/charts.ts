import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { color, label } from './methods';
import type { Lane } from './lane';

/** Points per series on screen; longer runs are max-pooled so single-step spikes stay visible. */
const MAX_POINTS = 600;

export interface SeriesChart {
  update(lanes: Lane[]): void;
  destroy(): void;
}

function pooled(values: number[], bins: number, pool: (a: number, b: number) => number): number[] {
  if (values.length <= bins) return values;
  const out: number[] = [];
  const width = values.length / bins;
  for (let b = 0; b < bins; b++) {
    const from = Math.floor(b * width);
    const to = Math.max(from + 1, Math.floor((b + 1) * width));
    let v = values[from]!;
    for (let i = from + 1; i < to; i++) v = pool(v, values[i]!);
    out.push(v);
  }
  return out;
}

function stepAxis(count: number, bins: number): number[] {
  if (count <= bins) return Array.from({ length: count }, (_, i) => i + 1);
  const width = count / bins;
  return Array.from({ length: bins }, (_, b) => Math.floor((b + 1) * width));
}

export interface ChartSpec {
  title: string;
  log: boolean;
  /** What to plot per lane: per-step values, or (step, value) pairs. */
  values(lane: Lane): number[] | { step: number; value: number }[];
  /** How a bin of steps is summarized (max for spikes, min for losses). */
  pool?: (a: number, b: number) => number;
}

export function createChart(target: HTMLElement, spec: ChartSpec, lanes: Lane[], width: number): SeriesChart {
  const options: uPlot.Options = {
    title: spec.title,
    width,
    height: 180,
    scales: { x: { time: false }, y: spec.log ? { distr: 3 } : {} },
    axes: [{ label: 'step' }, { size: 56 }],
    legend: { live: false },
    series: [{ label: 'step' }, ...lanes.map((lane) => ({ label: label(lane.method), stroke: color(lane.method), width: 1.5, points: { show: false } }))],
  };
  const plot = new uPlot(options, [[], ...lanes.map(() => [])], target);
  const clean = (v: number) => (!Number.isFinite(v) || (spec.log && v <= 0) ? null : v);
  return {
    update(current: Lane[]) {
      const perLane = current.map((lane) => spec.values(lane));
      const first = perLane[0] ?? [];
      if (first.length > 0 && typeof first[0] === 'object') {
        const pairs = perLane as { step: number; value: number }[][];
        const steps = pairs[0]!.map((p) => p.step);
        plot.setData([steps, ...pairs.map((series) => steps.map((_, i) => clean(series[i]?.value ?? NaN)))] as uPlot.AlignedData);
        return;
      }
      const series = perLane as number[][];
      const count = Math.min(...series.map((s) => s.length));
      const pool = spec.pool ?? Math.max;
      plot.setData([stepAxis(count, MAX_POINTS), ...series.map((s) => pooled(s.slice(0, count), MAX_POINTS, pool).map(clean))] as uPlot.AlignedData);
    },
    destroy: () => plot.destroy(),
  };
}
