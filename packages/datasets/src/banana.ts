import { InvalidArgumentError, SeedStream, assertFiniteNumber, assertPositiveInteger } from '@geoparam/core';
import { take, type Dataset } from './dataset';
import { parseNumericCsvWithLines } from './csv';
import { DatasetError } from './errors';
import { assertDataDraw, type DataDraw } from './data-draw';
import { NumpyRandomState, assertNumpySeed } from './numpy-random';
import { sklearnTrainTestSplit } from './sklearn-split';
import { carveValidation, shuffledIndices, trainTestSplit } from './splits';
import { Standardizer } from './standardizer';

/**
 * The 2-D Banana set as used by the paper's official code (`2d_banana/2d_banana.csv`, CRLF line
 * endings, columns At1,At2,Class with Class in {-1, 1}; 2924 of -1, 2376 of 1).
 */
export const BANANA = {
  url: 'https://raw.githubusercontent.com/Wenlin-Chen/geometric-parameterization/master/2d_banana/2d_banana.csv',
  sha256: 'c76502bdf63e4f74e0290bd98da2c425aab247c919cee6dfbfe856694c484e55',
  fileName: 'banana.csv',
  rows: 5300,
} as const;

const FEATURES = ['At1', 'At2'];

/**
 * Parses the text of `banana.csv` (e.g. fetched by a browser page; verify it against
 * `BANANA.sha256` first). `file` only names the source in errors.
 */
export function parseBanana(text: string, file: string = BANANA.fileName): Dataset {
  const { dataset, lines } = parseNumericCsvWithLines(text, { file, targetColumn: 'Class' });
  if (dataset.featureNames?.join(',') !== FEATURES.join(',')) {
    throw new DatasetError(`expected the columns At1,At2,Class, got ${[...(dataset.featureNames ?? []), 'Class'].join(',')}`, {
      file,
      row: 1,
    });
  }
  const y = dataset.y;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === -1) y[i] = 0;
    else if (y[i] !== 1) {
      throw new DatasetError(`Class must be -1 or 1, got ${y[i]}`, { file, row: lines[i], column: 'Class', columnIndex: 3, value: String(y[i]) });
    }
  }
  return dataset;
}

export interface BananaExperimentOptions {
  /** Seeds the subsample, the split and the validation carve (default 0). */
  seed?: number;
  /**
   * `reference`: `np.random.seed(seed)`, `np.random.choice(n, subsample, replace=False)`, then
   * `train_test_split(test_size=testFraction, random_state=seed)` (and the validation carve, when
   * asked for, the same way out of the training split); `own` (default): the project's SeedStream.
   */
  draw?: DataDraw;
  /** Points drawn without replacement from the full set (default 1000, as in the paper). */
  subsample?: number;
  /** Share of the subsample held out for testing (default 0.2: 800 train / 200 test). */
  testFraction?: number;
  /** Share of the *training* split held out for validation (default 0: none). */
  validationFraction?: number;
}

/**
 * Figure 3's data: draw `subsample` points, split train/test, optionally carve a validation set
 * out of train, and standardize the features with statistics of the (final) training set only.
 *
 * Reference notebook (`2d_banana/2d_banana.ipynb`): `np.random.choice(5300, 1000, replace=False)`
 * after `np.random.seed(0)`, then sklearn `train_test_split(test_size=0.2, random_state=0)`, then
 * `(x - mean) / std` with `tf.reduce_mean` / `tf.math.reduce_std` of x_train (population std).
 * With `draw: 'reference'` the 1000 points and the split are the notebook's, row for row (the
 * notebook standardizes in float64, we in float32 from float32 data: values agree to ~1e-7);
 * with `draw: 'own'` they come from the project's SeedStream (same sizes and distribution).
 * The notebook early-stops on the test set (`validation_data=(x_test, y_test)`); here a
 * validation set, when wanted, is carved out of the training split so the test set stays unseen.
 */
export function bananaExperiment(
  full: Dataset,
  o: BananaExperimentOptions = {},
): { train: Dataset; validation?: Dataset; test: Dataset; standardizer: Standardizer } {
  const seed = o.seed ?? 0;
  assertFiniteNumber('seed', seed);
  const subsample = o.subsample ?? 1000;
  assertPositiveInteger('subsample', subsample);
  if (subsample > full.numExamples) {
    throw new InvalidArgumentError('subsample', subsample, `at most the ${full.numExamples} examples of the dataset`);
  }
  const validationFraction = o.validationFraction ?? 0;
  if (typeof validationFraction !== 'number' || !(validationFraction >= 0 && validationFraction < 1)) {
    throw new InvalidArgumentError('validationFraction', validationFraction, 'a number in [0, 1)');
  }
  const draw = o.draw ?? 'own';
  assertDataDraw('draw', draw);
  const testFraction = o.testFraction ?? 0.2;
  let split: { train: Dataset; test: Dataset };
  let carve: (d: Dataset) => { train: Dataset; validation: Dataset };
  if (draw === 'reference') {
    assertNumpySeed('seed', seed);
    const points = take(full, new NumpyRandomState(seed).choice(full.numExamples, subsample, { replace: false }));
    const sklearnSplit = (d: Dataset, testSize: number) => {
      const { train, test } = sklearnTrainTestSplit(d.numExamples, { testSize, randomState: seed });
      return { train: take(d, train), test: take(d, test) };
    };
    split = sklearnSplit(points, testFraction);
    carve = (d) => {
      const { train, test } = sklearnSplit(d, validationFraction);
      return { train, validation: test };
    };
  } else {
    const seeds = new SeedStream(seed);
    const points = take(full, shuffledIndices(full.numExamples, seeds.next()).subarray(0, subsample));
    split = trainTestSplit(points, { testFraction, seed: seeds.next() });
    const carveSeed = seeds.next();
    carve = (d) => carveValidation(d, { validationFraction, seed: carveSeed });
  }
  const { train, validation } = validationFraction > 0 ? carve(split.train) : { train: split.train, validation: undefined };
  const standardizer = Standardizer.fit(train);
  const result: { train: Dataset; validation?: Dataset; test: Dataset; standardizer: Standardizer } = {
    train: standardizer.transform(train),
    test: standardizer.transform(split.test),
    standardizer,
  };
  if (validation) result.validation = standardizer.transform(validation);
  return result;
}
