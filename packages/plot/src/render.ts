import { writeFileAtomic } from '@geoparam/core/node';
import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };

export type FigureSpec = TopLevelSpec;

export interface RenderOptions {
  /** PNG pixels per SVG unit (2 gives crisp figures on high-density screens and in papers). */
  pngScale?: number;
}

export interface WrittenFigure {
  svg: string;
  png: string;
}

// vega and vega-lite are ESM-only (vega has top-level await), so they load through import().
async function loadVega() {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  return { vega, vegaLite };
}

/** A figure spec that Vega-Lite cannot compile; the message keeps Vega-Lite's reason. */
export class FigureSpecError extends Error {
  readonly code = 'FIGURE_SPEC';
  constructor(reason: string) {
    super(`invalid Vega-Lite spec: ${reason}`);
    this.name = 'FigureSpecError';
  }
}

/** Compiles a Vega-Lite spec and renders it headlessly to an SVG string (no browser, no canvas). */
export async function renderSvg(spec: FigureSpec): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  let compiled;
  try {
    compiled = vegaLite.compile(spec).spec;
  } catch (error) {
    const mark = (spec as { mark?: unknown }).mark;
    throw new FigureSpecError(`${error instanceof Error ? error.message : String(error)} (mark: ${JSON.stringify(mark)})`);
  }
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes an SVG with resvg (system fonts; DejaVu/Liberation on Debian). */
export async function svgToPng(svg: string, options: RenderOptions = {}): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const renderer = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.pngScale ?? 2 },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return renderer.render().asPng();
}

/** Writes `<basePath>.svg` and `<basePath>.png`, creating the directory. */
export async function writeFigure(spec: FigureSpec, basePath: string, options: RenderOptions = {}): Promise<WrittenFigure> {
  const svg = await renderSvg(spec);
  const png = await svgToPng(svg, options);
  const files = { svg: `${basePath}.svg`, png: `${basePath}.png` };
  await Promise.all([writeFileAtomic(files.svg, svg), writeFileAtomic(files.png, png)]);
  return files;
}
