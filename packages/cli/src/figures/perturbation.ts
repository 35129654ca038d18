import type { PerturbationStudy } from '@geoparam/cab';
import { facetFigure, type FigureSpec } from '@geoparam/plot';
import { methodLabel } from '@geoparam/parameterizations';

/** Two far-apart points on the 2-D line `u . x + lambda = 0`; the plot clips to its domain. */
function boundaryLine(location: number[], direction: number[], reach: number): [number, number][] {
  const [px, py] = location as [number, number];
  const [ux, uy] = direction as [number, number];
  return [
    [px - reach * uy, py + reach * ux],
    [px + reach * uy, py - reach * ux],
  ];
}

/** Figure 1: per method, the unit's boundary before and after perturbing every parameter by delta. */
export function perturbationFigure(study: PerturbationStudy): FigureSpec {
  const radius = Math.min(
    5,
    Math.max(1, 1.25 * Math.max(...study.results.flatMap((r) => [...r.before.location[0]!, ...r.after.location[0]!].map(Math.abs)))),
  );
  const rows: Record<string, unknown>[] = [];
  const methods = [...new Set(study.results.map((r) => r.method))];
  for (const method of methods) {
    const results = study.results.filter((r) => r.method === method);
    const label = methodLabel(method);
    const before = results[0]!.before;
    const series = [{ name: 'before', snapshot: before, order: 0 }, ...results.map((r, i) => ({ name: `δ = ${r.delta}`, snapshot: r.after, order: i + 1 }))];
    for (const { name, snapshot, order } of series) {
      boundaryLine(snapshot.location[0]!, snapshot.direction[0]!, 10 * radius).forEach(([x, y], i) =>
        rows.push({ kind: 'line', method: label, series: name, order, x, y, i }),
      );
      const [x, y] = snapshot.location[0]! as [number, number];
      rows.push({ kind: 'point', method: label, series: name, order, x, y });
    }
  }
  const scale = { domain: [-radius, radius], nice: false };
  const color = { field: 'series', type: 'nominal', sort: { field: 'order' }, title: 'boundary', scale: { scheme: 'viridis' } } as const;
  return facetFigure({
    title: {
      text: 'CAB of one ReLU unit after perturbing every parameter by δ',
      subtitle: `w, b ~ ${study.scale}·N(0, 1), seed ${study.seed}; dots mark φ, the boundary point nearest the origin`,
    },
    values: rows,
    column: { field: 'method', sort: methods.map(methodLabel) },
    panel: {
      width: 220,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'line'" }],
          mark: { type: 'line', clip: true, strokeWidth: 1.6 },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale, title: 'x₁' },
            y: { field: 'y', type: 'quantitative', scale, title: 'x₂' },
            color,
            detail: { field: 'series' },
            order: { field: 'i' },
            strokeDash: { condition: { test: "datum.series === 'before'", value: [5, 3] }, value: [1, 0] },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'point'" }],
          mark: { type: 'point', filled: true, size: 36, clip: true },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale },
            y: { field: 'y', type: 'quantitative', scale },
            color,
          },
        },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  });
}
