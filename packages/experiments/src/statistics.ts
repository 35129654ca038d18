/**
 * The statistics every reproduction table reports over seeds or splits, in one place: Levy and
 * Banana over initialization seeds and data draws, UCI over splits.
 */

export interface SampleSummary {
  n: number;
  mean: number;
  /** Standard error of the mean: sample standard deviation (n - 1) / sqrt(n); 0 for one value. */
  se: number;
  median: number;
  min: number;
  max: number;
}

/** Mean ± s.e., median and range of a sample; NaN everywhere for an empty one. */
export function describeSample(values: readonly number[]): SampleSummary {
  const n = values.length;
  if (n === 0) return { n: 0, mean: Number.NaN, se: Number.NaN, median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { n, mean, se: Math.sqrt(variance / n), median, min: sorted[0]!, max: sorted[n - 1]! };
}

/**
 * `value − reference` over the keys both samples have (the same seed, split or draw), described
 * as a sample: pairing removes what the runs share, so its s.e. is the one to judge a difference by.
 * `pairs` lists the keys used, in `values`' order.
 */
export function pairedDifferences(values: ReadonlyMap<string, number>, reference: ReadonlyMap<string, number>): SampleSummary & { pairs: string[] } {
  const pairs = [...values.keys()].filter((key) => reference.has(key));
  return { ...describeSample(pairs.map((key) => values.get(key)! - reference.get(key)!)), pairs };
}

/** `mean ± se` with a fixed number of decimals (`-` for an empty sample). */
export function formatMeanSe(s: Pick<SampleSummary, 'n' | 'mean' | 'se'>, digits = 3): string {
  return s.n === 0 ? '-' : `${s.mean.toFixed(digits)} ± ${s.se.toFixed(digits)}`;
}

/** `min–max` with a fixed number of decimals. */
export function formatRange(s: Pick<SampleSummary, 'n' | 'min' | 'max'>, digits = 3): string {
  return s.n === 0 ? '-' : `${s.min.toFixed(digits)}–${s.max.toFixed(digits)}`;
}

/** A number for a table: fixed decimals, or 2-digit scientific notation when very small or large. */
export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5)) return value.toExponential(2);
  return value.toFixed(digits);
}
