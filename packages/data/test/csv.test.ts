import { afterAll, describe, expect, it } from 'vitest';
import { CsvDataset, DataFormatError, iterCsv, readCsv } from '../src/index.js';
import { scratch, sharedData } from '@fackel/testkit';

const tmp = scratch('data');
afterAll(() => tmp.cleanup());

/** The DataFormatError a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<DataFormatError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DataFormatError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('readCsv', () => {
  it('reads a header and rows, selects columns by name or index', async () => {
    const f = tmp.file('people.csv', 'name,age,city\nAda,36,London\nAlan,41,Wilmslow\n');
    const all = await readCsv(f);
    expect(all.columns).toEqual(['name', 'age', 'city']);
    expect(all.rows).toEqual([
      ['Ada', '36', 'London'],
      ['Alan', '41', 'Wilmslow'],
    ]);
    expect(all.lines).toEqual([2, 3]);
    const some = await readCsv(f, { columns: ['city', 0] });
    expect(some.columns).toEqual(['city', 'name']);
    expect(some.rows).toEqual([
      ['London', 'Ada'],
      ['Wilmslow', 'Alan'],
    ]);
    const ages = await readCsv(f, { columns: [-2], numeric: true });
    expect(ages.rows).toEqual([[36], [41]]);
  });

  it('reads a file without a header, with names or indices', async () => {
    const f = tmp.file('nohead.csv', '1,2\n3,4\n');
    expect((await readCsv(f, { header: false, numeric: true })).rows).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const named = await readCsv(f, { header: false, names: ['a', 'b'], columns: ['b'], numeric: true });
    expect(named).toEqual({ columns: ['b'], rows: [[2], [4]], lines: [1, 2] });
  });

  it('handles a byte-order mark and CRLF line endings', async () => {
    const f = tmp.file('bom.csv', '\uFEFFx,y\r\n1.5,-2e3\r\n+.5,7\r\n');
    const t = await readCsv(f, { numeric: true });
    expect(t.columns).toEqual(['x', 'y']);
    expect(t.rows).toEqual([
      [1.5, -2000],
      [0.5, 7],
    ]);
    const text = await readCsv(f);
    expect(text.rows[1]).toEqual(['+.5', '7']); // no stray \r
  });

  it('handles quoted fields, doubled quotes, delimiters and line breaks inside quotes', async () => {
    const f = tmp.file('quoted.csv', 'a,b\n"x, y","say ""hi"""\n"two\nlines",z\nlast,row\n');
    const t = await readCsv(f);
    expect(t.rows).toEqual([
      ['x, y', 'say "hi"'],
      ['two\nlines', 'z'],
      ['last', 'row'],
    ]);
    expect(t.lines).toEqual([2, 3, 5]);
  });

  it('takes another delimiter', async () => {
    const f = tmp.file('semi.tsv', 'a\tb\n1\t2\n');
    expect((await readCsv(f, { delimiter: '\t', numeric: true })).rows).toEqual([[1, 2]]);
    await expect(readCsv(f, { delimiter: ';;' })).rejects.toThrow('delimiter must be a single character');
  });

  it('skips empty lines by default, and counts them in line numbers', async () => {
    const f = tmp.file('gaps.csv', 'a,b\n\n1,2\n   \n3,4\n\n');
    const t = await readCsv(f, { numeric: true });
    expect(t.rows).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(t.lines).toEqual([3, 5]);
    const e = await failure(readCsv(f, { skipEmptyLines: false }));
    expect(e.code).toBe('FIELD_COUNT');
    expect(e.message).toBe(`${f}:2:1: this row has 1 field, but the first row (line 1) has 2; the row ends after column 1`);
  });
});

describe('CSV errors name file, line and column', () => {
  it('a value that is not a number', async () => {
    const f = tmp.file('nan.csv', 'age,glucose\n36,148\n41,high\n');
    const e = await failure(readCsv(f, { numeric: true }));
    expect(e).toMatchObject({ code: 'NOT_A_NUMBER', file: f, line: 3, column: 2 });
    expect(e.message).toBe(`${f}:3:2: expected a number in column 2 ("glucose"), but found "high"`);
  });

  it('an empty field or NaN where a number is expected', async () => {
    const f = tmp.file('blank.csv', '1,,3\n');
    const e = await failure(readCsv(f, { header: false, numeric: true }));
    expect(e.message).toBe(`${f}:1:2: expected a number in column 2, but the field is empty`);
    const g = tmp.file('nan2.csv', '1,NaN\n');
    expect((await failure(readCsv(g, { header: false, numeric: true }))).message).toBe(
      `${g}:1:2: expected a number in column 2, but found "NaN", which is not a finite number`,
    );
  });

  it('a row with too many or too few fields', async () => {
    const f = tmp.file('wide.csv', 'a,b\n1,2\n3,4,5\n');
    const e = await failure(readCsv(f));
    expect(e).toMatchObject({ code: 'FIELD_COUNT', line: 3, column: 3 });
    expect(e.message).toBe(
      `${f}:3:3: this row has 3 fields, but the first row (line 1) has 2; the extra fields start at column 3 (a value containing the delimiter ',' must be quoted)`,
    );
    const g = tmp.file('narrow.csv', 'a,b,c\r\n1,2,3\r\n4,5\r\n');
    const e2 = await failure(readCsv(g));
    expect(e2.message).toBe(`${g}:3:2: this row has 2 fields, but the first row (line 1) has 3; the row ends after column 2`);
  });

  it('an unclosed quote', async () => {
    const f = tmp.file('unclosed.csv', 'a,b\n1,2\n\n3,"4\n5,6\n');
    const e = await failure(readCsv(f));
    expect(e).toMatchObject({ code: 'UNCLOSED_QUOTE', line: 4, column: 2 });
    expect(e.message).toBe(
      `${f}:4:2: the quote that opens column 2 of the row starting on line 4 is never closed; the file ends inside the quoted field (close it with ", and write a quote inside a quoted field as "")`,
    );
  });

  it('a stray quote inside or after a field', async () => {
    const f = tmp.file('stray.csv', 'a,b\n1,x"y\n');
    const e = await failure(readCsv(f));
    expect(e).toMatchObject({ code: 'BAD_QUOTE', line: 2, column: 2 });
    expect(e.message).toContain(`${f}:2:2: a quote appears inside the unquoted field in column 2`);
    const g = tmp.file('after.csv', 'a,b,c\n1,"a"b,2\n');
    const e2 = await failure(readCsv(g));
    expect(e2).toMatchObject({ code: 'BAD_QUOTE', line: 2, column: 2 });
    expect(e2.message).toContain('the quoted field in column 2 is followed by other characters');
  });

  it('an empty file (also one with only a BOM or blank lines)', async () => {
    for (const [name, content] of [
      ['empty.csv', ''],
      ['bomonly.csv', '\uFEFF'],
      ['blank.csv', '\n\n  \n'],
    ] as const) {
      const f = tmp.file(name, content);
      const e = await failure(readCsv(f));
      expect(e.code).toBe('EMPTY_FILE');
      expect(e.message).toBe(`${f}: the file is empty (no CSV rows; expected at least one line of comma-separated values)`);
    }
  });

  it('a missing column name lists the columns', async () => {
    const f = tmp.file('cols.csv', 'name,Gender,births\nAda,f,1\n');
    const e = await failure(readCsv(f, { columns: ['name', 'sex'] }));
    expect(e).toMatchObject({ code: 'MISSING_COLUMN', line: 1 });
    expect(e.message).toBe(`${f}:1: there is no column named "sex"; the columns are: "name", "Gender", "births"`);
    const e2 = await failure(readCsv(f, { columns: ['gender'] }));
    expect(e2.message).toBe(
      `${f}:1: there is no column named "gender" (did you mean "Gender"? names must match exactly); the columns are: "name", "Gender", "births"`,
    );
  });

  it('a column name without a header, an index out of range, a duplicated name', async () => {
    const f = tmp.file('plain.csv', '1,2,3\n');
    const e = await failure(readCsv(f, { header: false, columns: ['x'] }));
    expect(e.message).toContain('cannot find column "x" by name: the file is read without a header (header: false)');
    const e2 = await failure(readCsv(f, { header: false, columns: [3] }));
    expect(e2.message).toBe(`${f}: column index 3 is out of range: the file has 3 columns (indices 0 to 2, or -1 to -3 counting from the end)`);
    const g = tmp.file('dup.csv', 'a,b,a\n1,2,3\n');
    const e3 = await failure(readCsv(g, { columns: ['a'] }));
    expect(e3).toMatchObject({ code: 'AMBIGUOUS_COLUMN', line: 1, column: 3 });
  });

  it('a file that does not exist', async () => {
    await expect(readCsv('no/such/file.csv')).rejects.toThrow('cannot read CSV file no/such/file.csv: no such file');
  });
});

describe('iterCsv', () => {
  it('streams rows and can stop early', async () => {
    const f = tmp.file('many.csv', Array.from({ length: 10000 }, (_, i) => `${i},${i * 2}`).join('\n'));
    let n = 0;
    for await (const row of iterCsv(f)) {
      expect(row.fields).toEqual([String(n), String(n * 2)]);
      expect(row.line).toBe(n + 1);
      if (++n === 5) break;
    }
    expect(n).toBe(5);
  });
});

describe('CsvDataset', () => {
  it('loads the diabetes file: 759 rows, 8 features, 2-D label', async () => {
    const ds = await CsvDataset.load(sharedData('diabetes.csv'), { header: false, label: [-1] });
    expect(ds.length).toBe(759);
    expect(ds.numFeatures).toBe(8);
    expect(ds.numLabels).toBe(1);
    const [x, y] = ds.getItem(0);
    expect(x).toBeInstanceOf(Float32Array);
    expect(Array.from(x)).toEqual([-0.294118, 0.487437, 0.180328, -0.292929, 0, 0.00149028, -0.53117, -0.0333333].map(Math.fround));
    expect(y).toEqual(Float32Array.of(0));
    expect(ds.getItem(758)[1]).toBeInstanceOf(Float32Array);
    let ones = 0;
    for (let i = 0; i < ds.length; i++) ones += ds.labels[i];
    expect(ones).toBe(496);
    expect(() => ds.getItem(759)).toThrow('CsvDataset index 759 is out of range for a CsvDataset of length 759 (valid: 0 to 758)');
  });

  it('picks features and a scalar label by name, maps class words', async () => {
    const f = tmp.file('names.csv', 'name,len,vowels,gender\nAda,3,2,f\nBob,3,1,m\n');
    const ds = await CsvDataset.load(f, { features: ['vowels', 'len'], label: 'gender', labelMap: { m: 0, f: 1 } });
    expect(ds.featureNames).toEqual(['vowels', 'len']);
    expect(ds.labelNames).toEqual(['gender']);
    expect(ds.getItem(0)).toEqual([Float32Array.of(2, 3), 1]);
    expect(ds.getItem(1)).toEqual([Float32Array.of(1, 3), 0]);
    const g = tmp.file('names2.csv', 'len,gender\n3,f\n4,x\n');
    const e = await failure(CsvDataset.load(g, { label: 'gender', labelMap: { m: 0, f: 1 } }));
    expect(e.message).toBe(`${g}:3:2: the label "x" in column 2 ("gender") is not in labelMap (known labels: "m", "f")`);
  });

  it('reports bad values, missing columns and a header without rows', async () => {
    const f = tmp.file('bad.csv', 'a,b,y\n1,2,0\n1,two,1\n');
    const e = await failure(CsvDataset.load(f, { label: 'y' }));
    expect(e.message).toBe(`${f}:3:2: expected a number in column 2 ("b"), but found "two"`);
    const e2 = await failure(CsvDataset.load(f, { label: 'target' }));
    expect(e2.message).toBe(`${f}:1: there is no label column named "target"; the columns are: "a", "b", "y"`);
    const g = tmp.file('headonly.csv', 'a,b,y\n');
    const e3 = await failure(CsvDataset.load(g, { label: 'y' }));
    expect(e3).toMatchObject({ code: 'NO_ROWS' });
    expect(e3.message).toBe(`${g}:1: the file has a header but no data rows`);
    await expect(CsvDataset.load(f, { label: 'y', features: ['a', 'y'] })).rejects.toThrow('is selected both as a feature and as a label');
  });

  it('streams the same items as it loads', async () => {
    const path = sharedData('diabetes.csv');
    const opts = { header: false, label: -1 } as const;
    const loaded = await CsvDataset.load(path, opts);
    let i = 0;
    for await (const [x, y] of CsvDataset.stream(path, opts)) {
      const [lx, ly] = loaded.getItem(i++);
      expect(x).toEqual(lx);
      expect(y).toBe(ly);
    }
    expect(i).toBe(759);
  });
});
