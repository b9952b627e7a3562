// @fackel/data's browser entry in headless Chromium (the `chromium` project): CSV from text, a
// Blob or File, a Response and a URL; text corpora from a URL; paths refused with a message.
import { describe, expect, it } from 'vitest';
import * as data from '@fackel/data';
import { CsvDataset, DataFormatError, readCsv, textCorpus } from '@fackel/data';

const web = globalThis as unknown as { URL: typeof URL & { createObjectURL(b: Blob): string; revokeObjectURL(u: string): void } };
const CSV = 'name,gender,age\nAnna,F,31\n"Meier, Otto",M,45\n';

describe('@fackel/data in Chromium', () => {
  it('is the browser entry: the Node-only data sets are not in it', () => {
    expect('readCsv' in data).toBe(true);
    expect('diabetes' in data).toBe(false);
    expect('names' in data).toBe(false);
    expect('defaultCacheDir' in data).toBe(false);
  });

  it('reads CSV from { text }, a Blob, a File, a Response and an object URL alike', async () => {
    const want = [
      ['Anna', 'F', '31'],
      ['Meier, Otto', 'M', '45'],
    ];
    expect((await readCsv({ text: CSV })).rows).toEqual(want);
    expect((await readCsv(new Blob([CSV]))).rows).toEqual(want);
    expect((await readCsv(new File([CSV], 'people.csv'))).columns).toEqual(['name', 'gender', 'age']);
    expect((await readCsv(new Response(CSV))).rows).toEqual(want);
    const url = web.URL.createObjectURL(new Blob([CSV]));
    try {
      expect((await readCsv(url, { columns: ['age'], numeric: true })).rows).toEqual([[31], [45]]);
    } finally {
      web.URL.revokeObjectURL(url);
    }
  });

  it('gives the same file:line:column errors as in Node.js, naming the File', async () => {
    const bad = new File(['a,b\n1,2\n3\n'], 'bad.csv');
    const err = await readCsv(bad).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toMatch(/^bad\.csv:3:1: this row has 1 field, but the first row \(line 1\) has 2/);
    await expect(readCsv({ text: 'a,b\n"x,1\n', name: 'inline.csv' })).rejects.toThrow(/^inline\.csv:2/);
  });

  it('builds a CsvDataset from a Blob', async () => {
    const ds = await CsvDataset.load(new Blob(['x1,x2,y\n1,2,0\n3,4,1\n']), { features: ['x1', 'x2'], label: 'y' });
    expect(ds.length).toBe(2);
    expect(Array.from(ds.getItem(1)[0])).toEqual([3, 4]);
  });

  it('loads a text corpus from a URL and refuses file paths', async () => {
    const url = web.URL.createObjectURL(new Blob(['Über allen Gipfeln\r\nist Ruh\n']));
    try {
      expect(await textCorpus(new URL(url))).toBe('Über allen Gipfeln\nist Ruh\n');
    } finally {
      web.URL.revokeObjectURL(url);
    }
    await expect(readCsv('/no-such.csv')).rejects.toThrow(/cannot fetch \/no-such\.csv: HTTP 404/);
  });
});
