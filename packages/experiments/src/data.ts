import * as fs from 'node:fs';
import * as path from 'node:path';
import { GeoparamError, sha256Hex } from '@geoparam/core';
import { DatasetError, assertDataset, loadCsv, loadUci, type Dataset } from '@geoparam/datasets';

/**
 * How a job names its data: a name any worker can resolve from its own data directory or cache,
 * and the sha256 of the values, so a worker holding other data refuses instead of training on it.
 * Never a path: paths differ between machines.
 */
export interface DataRef {
  readonly name: string;
  readonly sha256: string;
}

/** Where a process finds data by name: a directory of CSVs, and named CSV files of the user's. */
export interface DataSource {
  /** UCI CSVs (`<name>.csv`) and, for `csv:<file>` names, the user's CSVs. Default: the UCI cache. */
  dataDir?: string;
  /** `csv:` names resolved to local paths (the submitting machine's files). */
  files?: Readonly<Record<string, string>>;
}

/** A worker's data is not what the job was planned on. */
export class DataMismatchError extends GeoparamError {
  constructor(
    readonly dataset: string,
    readonly expected: string,
    readonly found: string,
    where: string,
  ) {
    super('DATA_MISMATCH', `data set "${dataset}" from ${where} has values with sha256 ${found}, but the job was planned on ${expected}; give this worker the same data (--data-dir)`);
  }
}

/** sha256 of a data set's shape and float32 values (features then targets), independent of file formatting. */
export function datasetSha256(d: Dataset): string {
  assertDataset('dataset', d);
  const header = new TextEncoder().encode(`${d.numExamples}x${d.numFeatures}+${d.numTargets}\n`);
  const x = new Uint8Array(d.x.buffer, d.x.byteOffset, d.x.byteLength);
  const y = new Uint8Array(d.y.buffer, d.y.byteOffset, d.y.byteLength);
  const all = new Uint8Array(header.length + x.length + y.length);
  all.set(header, 0);
  all.set(x, header.length);
  all.set(y, header.length + x.length);
  return sha256Hex(all);
}

/** The name a user's CSV runs under: its file name (never the directory) and the target column. */
export function userCsvName(file: string, target?: string): string {
  return `csv:${path.basename(file)}${target !== undefined ? `#${target}` : ''}`;
}

function parseCsvName(name: string): { file: string; target?: string | number } {
  const [file, target] = name.slice(4).split('#') as [string, string | undefined];
  return { file, ...(target !== undefined ? { target: /^-?\d+$/.test(target) ? Number(target) : target } : {}) };
}

function where(name: string, source: DataSource): string {
  if (name.startsWith('csv:')) return source.files?.[name] ?? path.join(source.dataDir ?? '.', parseCsvName(name).file);
  return source.dataDir ?? 'the UCI cache';
}

/** Loads a data set by name: `csv:<file>[#target]` from `files` or `dataDir`, else a UCI set. */
export async function loadNamedDataset(name: string, source: DataSource = {}): Promise<Dataset> {
  let data: Dataset;
  if (name.startsWith('csv:')) {
    const { target } = parseCsvName(name);
    data = await loadCsv({ path: where(name, source), ...(target !== undefined ? { targetColumn: target } : {}) });
  } else {
    data = await loadUci(name, source.dataDir ? { path: source.dataDir } : {});
  }
  assertFiniteDataset(data, where(name, source));
  return data;
}

/** Training on NaN/Inf gives NaN runs: refused up front, naming the row and column. */
function assertFiniteDataset(d: Dataset, file: string): void {
  if (d.numExamples < 2) throw new DatasetError(`has ${d.numExamples} examples; a train/test split needs at least 2`, { file });
  const check = (values: Float32Array, width: number, names: string[] | undefined, offset: number) => {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        const col = i % width;
        throw new DatasetError(`holds a non-finite value ${values[i]}`, { file, row: Math.floor(i / width) + 1, column: names?.[col] ?? offset + col + 1 });
      }
    }
  };
  check(d.x, d.numFeatures, d.featureNames, 0);
  check(d.y, d.numTargets, d.targetNames, d.numFeatures);
}

/** Loads and checks every data set once (before any worker starts) and names each by its values' hash. */
export async function prepareData(names: readonly string[], source: DataSource = {}): Promise<{ ref: DataRef; dataset: Dataset }[]> {
  const out: { ref: DataRef; dataset: Dataset }[] = [];
  for (const name of names) {
    const dataset = await loadNamedDataset(name, source);
    out.push({ ref: { name, sha256: datasetSha256(dataset) }, dataset });
  }
  return out;
}

/** A worker's data: loaded once per name, refused when its values are not the ones a job names. */
export function dataResolver(source: DataSource = {}): (ref: DataRef) => Promise<Dataset> {
  const cache = new Map<string, Promise<{ dataset: Dataset; sha256: string }>>();
  return async (ref) => {
    let loaded = cache.get(ref.name);
    if (!loaded) {
      loaded = loadNamedDataset(ref.name, source).then((dataset) => ({ dataset, sha256: datasetSha256(dataset) }));
      cache.set(ref.name, loaded);
    }
    const { dataset, sha256 } = await loaded;
    if (sha256 !== ref.sha256) throw new DataMismatchError(ref.name, ref.sha256, sha256, where(ref.name, source));
    return dataset;
  };
}

/**
 * Where a worker finds a data set kept as a directory or file of its own (image sets, banana.csv):
 * `<dataDir>/<name>` when that directory exists, else `dataDir` itself (a directory of that one
 * set); without a `dataDir`, undefined: the loaders' download cache.
 */
export function dataSetDir(name: string, source: DataSource = {}): string | undefined {
  if (source.dataDir === undefined) return undefined;
  const own = path.join(source.dataDir, name);
  return fs.existsSync(own) && fs.statSync(own).isDirectory() ? own : source.dataDir;
}
