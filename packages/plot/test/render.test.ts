import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FigureSpec } from '@geoparam/plot';

// vega is ESM-only with top-level await, which jest's module sandbox cannot load; render in a
// real Node process against the built package, exactly as the CLI does.
const dist = path.join(__dirname, '..', 'dist', 'index.js');

function inNode<T>(body: string, input: unknown): T {
  const script = `const plot = require(${JSON.stringify(dist)});
const input = JSON.parse(process.argv[1]);
(async () => { const out = await (async () => { ${body} })(); process.stdout.write(JSON.stringify(out)); })()
  .catch((e) => { process.stdout.write(JSON.stringify({ error: String(e && e.message || e) })); });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, JSON.stringify(input)], { encoding: 'utf8' })) as T;
}

const spec: FigureSpec = {
  title: 'two lines',
  data: { values: [{ x: 0, y: 0, s: 'a' }, { x: 1, y: 2, s: 'a' }, { x: 0, y: 1, s: 'b' }, { x: 1, y: -1, s: 'b' }] },
  mark: 'line',
  encoding: {
    x: { field: 'x', type: 'quantitative' },
    y: { field: 'y', type: 'quantitative' },
    color: { field: 's', type: 'nominal' },
  },
};

describe('figure rendering', () => {
  it('renders a Vega-Lite spec to an SVG with every series drawn', () => {
    const { svg } = inNode<{ svg: string }>('return { svg: await plot.renderSvg(input) };', spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('two lines');
    expect((svg.match(/<path[^>]*aria-roledescription="line mark"/g) ?? []).length).toBe(2);
  });

  it('rasterizes to a real PNG of the scaled size', () => {
    const out = inNode<{ signature: string; width: number; svgWidth: number }>(
      `const svg = await plot.renderSvg(input); const png = await plot.svgToPng(svg, { pngScale: 2 });
       return { signature: png.subarray(1, 4).toString(), width: png.readUInt32BE(16), svgWidth: Number(/width="([0-9.]+)"/.exec(svg)[1]) };`,
      spec,
    );
    expect(out.signature).toBe('PNG');
    expect(out.width).toBe(Math.round(out.svgWidth * 2));
  });

  it('writes both files, creating directories', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-plot-'));
    const files = inNode<{ svg: string; png: string }>('return plot.writeFigure(input.spec, input.base);', { spec, base: path.join(dir, 'nested', 'figure') });
    expect(fs.statSync(files.svg).size).toBeGreaterThan(1000);
    expect(fs.statSync(files.png).size).toBeGreaterThan(1000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('facetFigure draws one panel per column value, in the given order', () => {
    const out = inNode<{ svg: string }>(
      `const spec = plot.facetFigure({
         title: 'panels',
         values: input.values,
         column: { field: 's', sort: ['b', 'a'] },
         panel: { width: 80, height: 60, mark: 'line', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
       });
       return { svg: await plot.renderSvg(spec) };`,
      { values: (spec as { data: { values: unknown[] } }).data.values },
    );
    expect((out.svg.match(/aria-roledescription="line mark"/g) ?? []).length).toBe(2);
    const headers = [...out.svg.matchAll(/<text[^>]*>([ab])<\/text>/g)].map((m) => m[1]);
    expect(headers).toEqual(['b', 'a']);
  });

  it('reports an invalid spec instead of drawing nothing', () => {
    const out = inNode<{ error?: string }>('return { svg: await plot.renderSvg(input) };', { mark: 'nonsense', data: { values: [] } });
    expect(out.error).toMatch(/invalid Vega-Lite spec: .*\(mark: "nonsense"\)/);
  });
});
