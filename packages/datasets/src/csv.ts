import { CsvError, parse } from '#csv-parse';
import type { Dataset } from './dataset';
import { DatasetError } from './errors';

export interface NumericCsvOptions {
  /** Named in every error message (a path or a display name). */
  file: string;
  /** Header name, or 0-based index (negative counts from the end). Default: the last column. */
  targetColumn?: string | number;
  /** Whether the first record holds column names (default true). */
  header?: boolean;
  /** Field separator (default ","). */
  delimiter?: string;
}

export interface ParsedCsv {
  dataset: Dataset;
  /** 1-based line in the file of each example, for error messages about values found later. */
  lines: Int32Array;
}

type CsvRecord = { record: string[]; info: { lines: number } };

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * A CSV of numbers (any line endings, CRLF included) as a float32 Dataset with one target column.
 * Every problem is a DatasetError naming the file, the 1-based row (line) and the column.
 */
export function parseNumericCsv(text: string, o: NumericCsvOptions): Dataset {
  return parseNumericCsvWithLines(text, o).dataset;
}

export function parseNumericCsvWithLines(text: string, o: NumericCsvOptions): ParsedCsv {
  const file = o.file;
  const header = o.header ?? true;
  if (text.trim() === '') throw new DatasetError('the file is empty', { file });

  let records: CsvRecord[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: o.delimiter ?? ',',
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      info: true,
    }) as unknown as CsvRecord[]; // `info: true` wraps each record
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new DatasetError(`malformed CSV: ${error.message}`, { file, row: line }, { cause: error });
    }
    throw error;
  }

  const first = records[0];
  if (!first) throw new DatasetError('the file holds no records', { file });
  const names = header ? first.record : undefined;
  const body = header ? records.slice(1) : records;
  const width = first.record.length;
  if (names) checkHeader(names, file, first.info.lines);
  if (width < 2) {
    throw new DatasetError(`needs at least 2 columns (features and a target), found ${width}`, { file, row: first.info.lines });
  }
  if (body.length === 0) throw new DatasetError('no data rows after the header', { file });

  const target = resolveTarget(o.targetColumn, names, width, file);
  const numFeatures = width - 1;
  const x = new Float32Array(body.length * numFeatures);
  const y = new Float32Array(body.length);
  const lines = new Int32Array(body.length);

  body.forEach(({ record, info }, i) => {
    const row = info.lines;
    lines[i] = row;
    if (record.length !== width) {
      const col = Math.min(record.length, width);
      throw new DatasetError(`has ${record.length} fields, expected ${width}`, {
        file,
        row,
        column: names?.[col] ?? col + 1,
        columnIndex: col + 1,
      });
    }
    let f = 0;
    for (let c = 0; c < width; c++) {
      const cell = record[c]!;
      const value = parseCell(cell);
      if (typeof value === 'string') {
        throw new DatasetError(value, { file, row, column: names?.[c] ?? c + 1, columnIndex: c + 1, value: cell });
      }
      if (c === target) y[i] = value;
      else x[i * numFeatures + f++] = value;
    }
  });

  const dataset: Dataset = { x, y, numExamples: body.length, numFeatures, numTargets: 1 };
  if (names) {
    dataset.featureNames = names.filter((_, c) => c !== target);
    dataset.targetNames = [names[target]!];
  }
  return { dataset, lines };
}

/** The cell's float32 value, or why it has none. */
function parseCell(cell: string): number | string {
  const value = Math.fround(Number(cell));
  // Number() also accepts "", " ", "0x10", "Infinity": only plain decimals pass.
  if (Number.isFinite(value) && NUMBER.test(cell)) return value;
  if (cell === '') return 'empty cell (missing value)';
  if (NON_FINITE.test(cell)) return `non-finite value ${JSON.stringify(cell)}`;
  if (!NUMBER.test(cell)) return `not a number: ${JSON.stringify(cell)}`;
  return `value ${cell} is outside the float32 range`;
}

function checkHeader(names: string[], file: string, row: number): void {
  // A first line of numbers is data, not names: reading it as a header would drop an example and
  // give columns names like "0.5".
  if (names.every((name) => NUMBER.test(name))) {
    throw new DatasetError(
      `the header row holds only numbers (${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''}); the file seems to have no header: add a first line of column names (e.g. ${names.length > 4 ? `x1,...,x${names.length - 1},y` : [...names.slice(1).map((_, c) => `x${c + 1}`), 'y'].join(',')})`,
      { file, row, value: names.join(',') },
    );
  }
  const seen = new Map<string, number>();
  names.forEach((name, c) => {
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new DatasetError(`duplicate column name ${JSON.stringify(name)} (also column ${earlier + 1})`, {
        file,
        row,
        column: name,
        columnIndex: c + 1,
        value: name,
      });
    }
    seen.set(name, c);
  });
}

function resolveTarget(target: string | number | undefined, names: string[] | undefined, width: number, file: string): number {
  if (target === undefined) return width - 1;
  if (typeof target === 'string') {
    if (!names) throw new DatasetError(`targetColumn ${JSON.stringify(target)} is a name, but the file is read without a header`, { file });
    const index = names.indexOf(target);
    if (index < 0) {
      throw new DatasetError(`no column named ${JSON.stringify(target)}; columns: ${names.map((n) => JSON.stringify(n)).join(', ')}`, {
        file,
      });
    }
    return index;
  }
  const index = target < 0 ? width + target : target;
  if (!Number.isInteger(target) || index < 0 || index >= width) {
    throw new DatasetError(`targetColumn ${target} is not a column index for ${width} columns (0-based, negative from the end)`, { file });
  }
  return index;
}
