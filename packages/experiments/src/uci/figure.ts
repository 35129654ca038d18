import { methodLabel, type ParameterizationName } from '@geoparam/parameterizations';
import type { FigureSpec } from '@geoparam/plot';

/** Per data set: every split's test RMSE per method, with mean ± s.e. (and the paper's mean). */
export function uciFigure(table: Record<string, Record<string, { rmse: number[]; mean: number; se: number; paper: [number, number] | null }>>, methods: ParameterizationName[]): FigureSpec {
  const values: Record<string, unknown>[] = [];
  for (const [dataset, byMethod] of Object.entries(table)) {
    for (const method of methods) {
      const cell = byMethod[method];
      if (!cell) continue;
      const label = methodLabel(method);
      cell.rmse.forEach((v) => values.push({ kind: 'split', dataset, method: label, rmse: v }));
      values.push({ kind: 'mean', dataset, method: label, rmse: cell.mean, lo: cell.mean - cell.se, hi: cell.mean + cell.se });
      if (cell.paper) values.push({ kind: 'paper', dataset, method: label, rmse: cell.paper[0] });
    }
  }
  const order = methods.map(methodLabel);
  return {
    title: { text: 'UCI regression: test RMSE per split, mean ± s.e. (bars) and the paper’s mean (◆)' },
    data: { values },
    facet: { field: 'dataset', type: 'nominal', title: null },
    columns: 4,
    spec: {
      width: 150,
      height: 150,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'split'" }],
          mark: { type: 'point', opacity: 0.5, size: 20 },
          encoding: { x: { field: 'method', type: 'nominal', sort: order, title: null }, y: { field: 'rmse', type: 'quantitative', title: 'test RMSE', scale: { zero: false } }, color: { field: 'method', type: 'nominal', sort: order, legend: null } },
        },
        {
          transform: [{ filter: "datum.kind === 'mean'" }],
          mark: { type: 'errorbar', ticks: true },
          encoding: { x: { field: 'method', type: 'nominal', sort: order }, y: { field: 'lo', type: 'quantitative', title: 'test RMSE' }, y2: { field: 'hi' }, color: { value: '#222222' } },
        },
        {
          transform: [{ filter: "datum.kind === 'paper'" }],
          mark: { type: 'point', shape: 'diamond', filled: true, size: 50, color: '#d62728' },
          encoding: { x: { field: 'method', type: 'nominal', sort: order }, y: { field: 'rmse', type: 'quantitative' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as FigureSpec;
}
