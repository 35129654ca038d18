// The browser entry (export condition `browser`): everything that needs no file system, so a
// bundled page gets generators, splits, scaling and CSV parsing without Node's I/O modules.
// File and download loaders (UCI, images, `loadBanana`, `fetchVerified`) are Node only.
export * from './errors';
export { take, assertDataset, assertFiniteDataset, type Dataset } from './dataset';
export * from './splits';
export * from './standardizer';
export * from './batches';
export { parseNumericCsv, type NumericCsvOptions } from './csv';
export * from './levy';
export { BANANA, parseBanana, bananaExperiment, type BananaExperimentOptions } from './banana';
export { NumpyRandomState, assertNumpySeed, type MutableSequence } from './numpy-random';
export { sklearnTrainTestSplit, type SklearnSplitOptions } from './sklearn-split';
export * from './data-draw';
