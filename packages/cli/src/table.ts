/** Plain aligned text table: the first column left-aligned, the rest right-aligned (numbers) or left (`text`). */
export function formatTable(header: string[], rows: string[][], align: 'numbers' | 'text' = 'numbers'): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || align === 'text' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// Numbers in tables are formatted as the experiments' tables format them.
export { formatNumber } from '@geoparam/experiments';
