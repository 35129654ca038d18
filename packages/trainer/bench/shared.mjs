// What every bench script shares: interleaving order, statistics, and the regression rule.
import * as fs from 'node:fs';

// Each round visits the variants in a fresh seeded order: in a fixed order the variant right
// after BN (whose working set evicts the caches) ran ~7% slower than the same variant elsewhere.
export const shuffler = (items) => {
  let state = 1;
  const order = [...items];
  return () => {
    for (let k = order.length - 1; k > 0; k--) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const j = Math.floor((state / 4294967296) * (k + 1));
      [order[k], order[j]] = [order[j], order[k]];
    }
    return order;
  };
};
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

// The regression rule: only ratios are compared (absolute times on these machines move with load),
// and a ratio more than `tolerance` above the one in the last committed results fails the run.

/** `ratios`: name -> current ratio; `baselineRatios`: the same names read from the committed file. */
export function ratioRegressions(ratios, baselineRatios, tolerance) {
  const regressions = [];
  for (const [name, ratio] of Object.entries(ratios)) {
    const before = baselineRatios[name];
    if (before && ratio > before * (1 + tolerance)) regressions.push(`${name}: ${ratio.toFixed(2)}, baseline ${before.toFixed(2)}`);
  }
  return regressions;
}

export function readBaseline(file) {
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
}
