import { InvalidArgumentError, UnknownNameError } from '@geoparam/core';

/** Whether a logged quantity gets better going down (losses, errors) or up (accuracy, AUC, ...). */
export type MetricDirection = 'min' | 'max';

const exact = new Map<string, MetricDirection>([
  ['loss', 'min'],
  ['mae', 'min'],
  ['mse', 'min'],
  ['rmse', 'min'],
  ['msle', 'min'],
  ['mape', 'min'],
  ['nll', 'min'],
  ['error', 'min'],
  ['accuracy', 'max'],
  ['acc', 'max'],
  ['auc', 'max'],
  ['precision', 'max'],
  ['recall', 'max'],
  ['f1', 'max'],
  ['r2', 'max'],
]);

/**
 * Families by name, checked after the exact names: `top5`, `top_5_accuracy`, `val_binary_accuracy`,
 * `pr_auc`, ... . Order matters only where a name matches both (`..._error_rate` is an error).
 */
const families: [RegExp, MetricDirection][] = [
  [/(loss|error|crossentropy|hinge|mae|mse|rmse|divergence)/, 'min'],
  [/^top_?\d+|top_?k/, 'max'],
  [/(acc|auc|precision|recall|f1|fmeasure|iou|r2)/, 'max'],
];

/** The key without Keras' `val_` prefix: `val_top5` is better high exactly when `top5` is. */
function baseName(key: string): string {
  return key.startsWith('val_') ? key.slice(4) : key;
}

/**
 * Whether higher or lower `key` is better: `val_` stripped, then registered names, then name
 * families (every top-k, accuracy and AUC-like metric is `max`; losses and errors `min`). A key
 * that matches nothing is an error rather than a guess: pass `mode` explicitly or register it.
 */
export function metricDirection(key: string): MetricDirection {
  const direction = knownDirection(key);
  if (direction) return direction;
  throw new UnknownNameError('metric direction for', key, [...exact.keys(), 'top<k>', '*loss*', '*error*', '*acc*', '*auc*', '(or pass mode, or call registerMetricDirection)']);
}

/** The direction of `key` when the registry knows it, else undefined. */
export function knownDirection(key: string): MetricDirection | undefined {
  const name = baseName(key).toLowerCase();
  const known = exact.get(name);
  if (known) return known;
  for (const [pattern, direction] of families) if (pattern.test(name)) return direction;
  return undefined;
}

/** Registers a custom metric's direction, so `mode: 'auto'` monitors it (with or without `val_`). */
export function registerMetricDirection(name: string, direction: MetricDirection): void {
  if (direction !== 'min' && direction !== 'max') throw new InvalidArgumentError('direction', direction, '"min" or "max"');
  if (typeof name !== 'string' || name.length === 0 || name.startsWith('val_')) throw new InvalidArgumentError('name', name, 'a metric name without the val_ prefix');
  exact.set(name.toLowerCase(), direction);
}
