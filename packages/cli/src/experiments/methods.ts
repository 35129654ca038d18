import type { ParameterizationName } from '@geoparam/parameterizations';

// The MLP experiments' method facts live in @geoparam/experiments.
export { MLP_METHODS, paperLearningRate, resolveMethods } from '@geoparam/experiments';

/** The method the tables pair every other one against (differences to SP on the same seeds). */
export const BASELINE_METHOD: ParameterizationName = 'standard';
