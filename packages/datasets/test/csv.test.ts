import { DatasetError, parseNumericCsv } from '@geoparam/datasets';

const file = 'my-data.csv';

/** Runs `fn`, expects a DatasetError and returns it. */
function datasetError(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).code).toBe('DATASET');
    return error as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

describe('parseNumericCsv', () => {
  it('reads a header, takes the last column as target and keeps names', () => {
    const d = parseNumericCsv('a,b,t\n1,2,3\n4.5,-6e-1,7\n', { file });
    expect(d).toMatchObject({ numExamples: 2, numFeatures: 2, numTargets: 1, featureNames: ['a', 'b'], targetNames: ['t'] });
    expect(d.x).toBeInstanceOf(Float32Array);
    expect(d.y).toBeInstanceOf(Float32Array);
    expect(Array.from(d.x)).toEqual([1, 2, 4.5, Math.fround(-0.6)]);
    expect(Array.from(d.y)).toEqual([3, 7]);
  });

  it('takes the target column by name, 0-based index or negative index', () => {
    const text = 'a,b,c\n1,2,3\n4,5,6\n';
    const byName = parseNumericCsv(text, { file, targetColumn: 'a' });
    expect(byName.featureNames).toEqual(['b', 'c']);
    expect(Array.from(byName.y)).toEqual([1, 4]);
    expect(Array.from(byName.x)).toEqual([2, 3, 5, 6]);
    expect(Array.from(parseNumericCsv(text, { file, targetColumn: 1 }).y)).toEqual([2, 5]);
    expect(Array.from(parseNumericCsv(text, { file, targetColumn: -3 }).y)).toEqual([1, 4]);
    expect(datasetError(() => parseNumericCsv(text, { file, targetColumn: 'z' })).message).toMatch(/no column named "z"; columns: "a", "b", "c"/);
    expect(datasetError(() => parseNumericCsv(text, { file, targetColumn: 3 })).message).toMatch(/targetColumn 3/);
  });

  it('reads files without a header', () => {
    const d = parseNumericCsv('1,2\n3,4\n', { file, header: false });
    expect(d.numExamples).toBe(2);
    expect(d.featureNames).toBeUndefined();
    expect(Array.from(d.y)).toEqual([2, 4]);
  });

  it('strips CR of CRLF (and lone CR / mixed endings), a BOM, blank lines and spaces around cells', () => {
    const crlf = parseNumericCsv('At1,At2,Class\r\n1.14,-0.114,-1\r\n-1.52,-1.15,1\r\n', { file });
    expect(crlf.targetNames).toEqual(['Class']);
    expect(Array.from(crlf.y)).toEqual([-1, 1]);
    const messy = parseNumericCsv('\ufeffx, y\r\n 1 ,2\n\n3,4\r5,6', { file });
    expect(messy.featureNames).toEqual(['x']);
    expect(messy.targetNames).toEqual(['y']);
    expect(Array.from(messy.x)).toEqual([1, 3, 5]);
    expect(Array.from(messy.y)).toEqual([2, 4, 6]);
  });

  it('handles quoted names with spaces and other delimiters', () => {
    const d = parseNumericCsv('"fixed acidity";"quality"\n7.4;5\n', { file, delimiter: ';' });
    expect(d.featureNames).toEqual(['fixed acidity']);
    expect(Array.from(d.y)).toEqual([5]);
  });

  describe('errors name the file, the 1-based row and the column', () => {
    it('empty file', () => {
      for (const text of ['', '\n \r\n']) {
        const e = datasetError(() => parseNumericCsv(text, { file }));
        expect(e.file).toBe(file);
        expect(e.message).toBe(`${file}: the file is empty`);
      }
    });

    it('header only', () => {
      const e = datasetError(() => parseNumericCsv('a,b\r\n', { file }));
      expect(e.message).toBe(`${file}: no data rows after the header`);
    });

    it('ragged rows (short and long)', () => {
      const short = datasetError(() => parseNumericCsv('a,b,c\n1,2,3\n4,5\n', { file }));
      expect(short).toMatchObject({ file, row: 3, column: 'c', columnIndex: 3 });
      expect(short.message).toBe(`${file}, row 3, column 3 ("c"): has 2 fields, expected 3`);
      const long = datasetError(() => parseNumericCsv('a,b\n1,2\n3,4,5\n', { file }));
      expect(long).toMatchObject({ row: 3, column: 3 });
      expect(long.message).toBe(`${file}, row 3, column 3: has 3 fields, expected 2`);
    });

    it('non-numeric cells', () => {
      const e = datasetError(() => parseNumericCsv('a,b\r\n1,2\r\n3,abc\r\n', { file }));
      expect(e).toMatchObject({ file, row: 3, column: 'b', columnIndex: 2, value: 'abc' });
      expect(e.message).toBe(`${file}, row 3, column 2 ("b"): not a number: "abc"`);
      // Number() would accept these; a numeric column must not.
      for (const cell of ['0x10', '1,5', '1e', '.', '--1']) {
        const text = `a,b\n1,"${cell}"\n`;
        expect(datasetError(() => parseNumericCsv(text, { file })).message).toContain(`not a number: ${JSON.stringify(cell)}`);
      }
    });

    it('empty cells', () => {
      const e = datasetError(() => parseNumericCsv('a,b\n1,\n', { file }));
      expect(e.message).toBe(`${file}, row 2, column 2 ("b"): empty cell (missing value)`);
    });

    it('NaN', () => {
      const e = datasetError(() => parseNumericCsv('a,b\n1,2\n\nNaN,4\n', { file }));
      // Row counts file lines, blank ones included, so it matches what an editor shows.
      expect(e).toMatchObject({ row: 4, column: 'a', columnIndex: 1, value: 'NaN' });
      expect(e.message).toBe(`${file}, row 4, column 1 ("a"): non-finite value "NaN"`);
    });

    it('Infinity, inf and values beyond float32', () => {
      expect(datasetError(() => parseNumericCsv('a,b\n1,-Infinity\n', { file })).message).toBe(
        `${file}, row 2, column 2 ("b"): non-finite value "-Infinity"`,
      );
      expect(datasetError(() => parseNumericCsv('a,b\n1,inf\n', { file })).message).toContain('non-finite value "inf"');
      expect(datasetError(() => parseNumericCsv('a,b\n1,1e39\n', { file })).message).toBe(
        `${file}, row 2, column 2 ("b"): value 1e39 is outside the float32 range`,
      );
    });

    it('without a header the column is its 1-based index', () => {
      const e = datasetError(() => parseNumericCsv('1,2\n3,x\n', { file, header: false }));
      expect(e).toMatchObject({ row: 2, column: 2 });
      expect(e.message).toBe(`${file}, row 2, column 2: not a number: "x"`);
    });

    it('malformed CSV and duplicate names', () => {
      const quote = datasetError(() => parseNumericCsv('a,b\n1,"2\n', { file }));
      expect(quote.message).toMatch(/^my-data\.csv, row \d+: malformed CSV: .*[Qq]uote/);
      const dup = datasetError(() => parseNumericCsv('a,a,b\n1,2,3\n', { file }));
      expect(dup.message).toBe(`${file}, row 1, column 2 ("a"): duplicate column name "a" (also column 1)`);
    });

    it('a single column is not a dataset', () => {
      expect(datasetError(() => parseNumericCsv('a\n1\n', { file })).message).toContain('needs at least 2 columns');
    });
  });
});
