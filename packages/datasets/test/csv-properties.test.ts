import fc from 'fast-check';
import { DatasetError, assertFiniteDataset, parseNumericCsv, type Dataset } from '@geoparam/datasets';

// Property tests: whatever is wrong with a file or a data set, the user gets a DatasetError that
// says where (row, column), never a crash of another kind and never NaN in a returned data set.
const RUNS = { numRuns: 200, seed: 20261202 };

// `+ 0` turns -0 into 0: String(-0) is "0".
const finite = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((v) => v + 0);
const grid = fc
  .record({ cols: fc.integer({ min: 2, max: 6 }), rows: fc.integer({ min: 1, max: 8 }) })
  .chain(({ cols, rows }) => fc.array(fc.array(finite, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }));

function csvOf(values: number[][], lineEnd = '\n'): string {
  const header = values[0]!.map((_, c) => `c${c}`).join(',');
  return [header, ...values.map((r) => r.map(String).join(','))].join(lineEnd) + lineEnd;
}

const badCell = fc.constantFrom('', 'abc', 'NaN', 'nan', 'inf', '-Infinity', '1e999', '0x10', '1,5'.replace(',', ';'), '--1', '1.2.3', 'TRUE');

describe('parseNumericCsv (property-based)', () => {
  it('reads every well-formed file exactly (float32), with any line ending', () => {
    fc.assert(
      fc.property(grid, fc.constantFrom('\n', '\r\n', '\r'), (values, lineEnd) => {
        const d = parseNumericCsv(csvOf(values, lineEnd), { file: 'gen.csv' });
        expect(d.numExamples).toBe(values.length);
        values.forEach((row, i) => {
          row.slice(0, -1).forEach((v, c) => expect(d.x[i * d.numFeatures + c]).toBe(Math.fround(v)));
          expect(d.y[i]).toBe(Math.fround(row[row.length - 1]!));
        });
      }),
      RUNS,
    );
  });

  it('a bad cell anywhere is a DatasetError naming the file, its line and column', () => {
    fc.assert(
      fc.property(grid, fc.nat(), fc.nat(), badCell, (values, r, c, cell) => {
        const row = r % values.length;
        const col = c % values[0]!.length;
        const lines = csvOf(values).split('\n');
        const cells = lines[row + 1]!.split(',');
        cells[col] = cell;
        lines[row + 1] = cells.join(',');
        let error: unknown;
        try {
          parseNumericCsv(lines.join('\n'), { file: 'gen.csv' });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(DatasetError);
        const e = error as DatasetError;
        expect(e.file).toBe('gen.csv');
        expect(e.row).toBe(row + 2);
        expect(e.columnIndex).toBe(col + 1);
        expect(e.message).toMatch(new RegExp(`^gen\\.csv, row ${row + 2}, column ${col + 1}`));
      }),
      RUNS,
    );
  });

  it('a row with fields missing or extra is a DatasetError naming its line', () => {
    fc.assert(
      fc.property(grid, fc.nat(), fc.boolean(), (values, r, drop) => {
        const row = r % values.length;
        const lines = csvOf(values).split('\n');
        lines[row + 1] = drop ? lines[row + 1]!.split(',').slice(0, -1).join(',') : `${lines[row + 1]},1`;
        expect(() => parseNumericCsv(lines.join('\n'), { file: 'gen.csv' })).toThrow(DatasetError);
        try {
          parseNumericCsv(lines.join('\n'), { file: 'gen.csv' });
        } catch (e) {
          expect((e as DatasetError).row).toBe(row + 2);
          expect((e as DatasetError).message).toMatch(/fields, expected/);
        }
      }),
      RUNS,
    );
  });

  it('a header row of numbers is refused with a hint', () => {
    fc.assert(
      fc.property(grid, (values) => {
        const text = [values[0]!.map(String).join(','), ...values.map((r) => r.join(','))].join('\n');
        expect(() => parseNumericCsv(text, { file: 'gen.csv' })).toThrow(/^gen\.csv, row 1: the header row holds only numbers .*add a first line of column names/);
      }),
      RUNS,
    );
  });

  it('any text at all: a finite data set or a DatasetError, nothing else', () => {
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom('1', '2', '.', ',', '-', 'e', '\n', '\r', '"', ' ', 'a', '\t', ';', '\uFEFF'), maxLength: 60 }),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        let d: Dataset | undefined;
        try {
          d = parseNumericCsv(t, { file: 'gen.csv' });
        } catch (e) {
          expect(e).toBeInstanceOf(DatasetError);
          expect((e as Error).message.startsWith('gen.csv')).toBe(true);
          return;
        }
        expect(d.numExamples).toBeGreaterThan(0);
        expect([...d.x, ...d.y].every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('assertFiniteDataset (property-based)', () => {
  const shape = fc.record({ n: fc.integer({ min: 1, max: 20 }), f: fc.integer({ min: 1, max: 5 }), t: fc.integer({ min: 1, max: 3 }) });

  it('names the set, row and column of the first NaN or Infinity', () => {
    fc.assert(
      fc.property(shape, fc.nat(), fc.boolean(), fc.constantFrom(NaN, Infinity, -Infinity), ({ n, f, t }, at, inTarget, bad) => {
        const d: Dataset = { x: new Float32Array(n * f).fill(0.5), y: new Float32Array(n * t).fill(1), numExamples: n, numFeatures: f, numTargets: t };
        const values = inTarget ? d.y : d.x;
        const width = inTarget ? t : f;
        const index = at % values.length;
        values[index] = bad;
        let error: unknown;
        try {
          assertFiniteDataset('data.train', d);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(DatasetError);
        expect((error as DatasetError).row).toBe(Math.floor(index / width) + 1);
        expect((error as DatasetError).columnIndex).toBe((index % width) + 1);
        expect((error as Error).message).toMatch(new RegExp(`^data\\.train, row \\d+, column \\d+: ${inTarget ? 'target' : 'feature'} value -?(NaN|Infinity) is not finite`));
      }),
      RUNS,
    );
  });

  it('accepts every finite data set', () => {
    fc.assert(
      fc.property(shape, ({ n, f, t }) => {
        assertFiniteDataset('data', { x: new Float32Array(n * f), y: new Float32Array(n * t), numExamples: n, numFeatures: f, numTargets: t });
      }),
      { numRuns: 50, seed: 1 },
    );
  });
});
