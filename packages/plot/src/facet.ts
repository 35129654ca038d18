import type { FigureSpec } from './render';

/** A row of small multiples over one data set: one panel per value of a nominal field. */
export interface FacetFigure {
  title: FigureSpec['title'];
  values: Record<string, unknown>[];
  /** The field whose values get a panel each, left to right in `sort` order, untitled. */
  column: { field: string; sort: string[] };
  /** What each panel draws, with its size: `{ width, height, layer: [...] }` or `{ width, height, mark, encoding }`. */
  panel: { width: number; height: number } & Record<string, unknown>;
  /** Vega-Lite's `resolve` (e.g. shared or independent scales across panels). */
  resolve?: Record<string, unknown>;
}

/**
 * The Vega-Lite spec of a facetted figure: the skeleton every per-method figure shares. Panels
 * are plain objects, checked when Vega-Lite compiles them (`renderSvg` throws `FigureSpecError`).
 */
export function facetFigure(figure: FacetFigure): FigureSpec {
  const spec = {
    title: figure.title,
    data: { values: figure.values },
    facet: { column: { field: figure.column.field, type: 'nominal', sort: figure.column.sort, title: null } },
    spec: figure.panel,
    ...(figure.resolve ? { resolve: figure.resolve } : {}),
  };
  return spec as unknown as FigureSpec;
}
