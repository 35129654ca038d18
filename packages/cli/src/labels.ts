import { METHODS } from '@geoparam/parameterizations';

/** Method name → the paper's label, derived from the registry in @geoparam/parameterizations. */
export const METHOD_LABELS: Readonly<Record<string, string>> = Object.fromEntries(METHODS.map((m) => [m.name, m.label]));
