import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPORA, DIABETES_SHA256, DataFormatError, DownloadError, defaultCacheDir, diabetes, names, textCorpus } from '../src/index.js';
import { scratch, sharedData } from '@fackel/testkit';

const tmp = scratch('data');
afterAll(() => tmp.cleanup());

const csv = readFileSync(sharedData('diabetes.csv'));
const gz = gzipSync(csv);

// A local server standing in for GitHub: nothing in these tests reaches the network.
let server: Server;
let base = '';
const hits: Record<string, number> = {};
beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    switch (path) {
      case '/diabetes.csv.gz':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': gz.length });
        res.end(gz);
        return;
      case '/diabetes.csv':
        res.writeHead(200, { 'content-type': 'text/csv', 'content-length': csv.length });
        res.end(csv);
        return;
      case '/tampered.csv.gz': {
        const bad = Buffer.from(csv);
        bad[100] = bad[100] === 0x31 ? 0x32 : 0x31;
        const body = gzipSync(bad);
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
        return;
      }
      case '/interrupted.csv.gz':
        res.writeHead(200, { 'content-length': gz.length });
        res.write(gz.subarray(0, 1000), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      case '/silent.csv.gz':
        return; // never answers
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

function cacheFiles(cacheDir: string): string[] {
  const d = join(cacheDir, 'datasets');
  return existsSync(d) ? readdirSync(d) : [];
}

describe('diabetes', () => {
  it('reads the shared copy in place from root (a directory or the file)', async () => {
    const ds = await diabetes({ root: sharedData(), download: false, cacheDir: join(tmp.dir, 'unused') });
    expect(ds.length).toBe(759);
    expect(ds.numFeatures).toBe(8);
    expect(ds.file).toBe(join(sharedData(), 'diabetes.csv'));
    for (const v of ds.features) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    const again = await diabetes({ root: sharedData('diabetes.csv'), download: false, cacheDir: join(tmp.dir, 'unused') });
    expect(again.getItem(5)).toEqual(ds.getItem(5));
    expect(existsSync(join(tmp.dir, 'unused'))).toBe(false);
  });

  it('refuses a copy under root with the wrong checksum unless verify is false', async () => {
    const dir = join(tmp.dir, 'wrong');
    mkdirSync(dir);
    writeFileSync(join(dir, 'diabetes.csv'), '0.5,1\n');
    const e = await rejection(diabetes({ root: dir, download: false }));
    expect(e.message).toContain(`${join(dir, 'diabetes.csv')} is not hunkim's diabetes.csv: its sha256 is`);
    expect(e.message).toContain('pass verify: false to read it anyway');
    const ds = await diabetes({ root: dir, download: false, verify: false });
    expect(ds.length).toBe(1);
  });

  it('downloads once into the cache, gunzips, verifies and reuses it', async () => {
    const cacheDir = join(tmp.dir, 'cache-ok');
    const url = `${base}/diabetes.csv.gz`;
    const ds = await diabetes({ url, cacheDir });
    expect(ds.length).toBe(759);
    expect(cacheFiles(cacheDir)).toEqual(['diabetes.csv']);
    expect(readFileSync(join(cacheDir, 'datasets', 'diabetes.csv')).equals(csv)).toBe(true);
    const before = hits['/diabetes.csv.gz'];
    await diabetes({ url, cacheDir });
    await diabetes({ url, cacheDir, download: false });
    expect(hits['/diabetes.csv.gz']).toBe(before);
  });

  it('accepts an uncompressed .csv URL and replaces a damaged cache entry', async () => {
    const cacheDir = join(tmp.dir, 'cache-plain');
    mkdirSync(join(cacheDir, 'datasets'), { recursive: true });
    writeFileSync(join(cacheDir, 'datasets', 'diabetes.csv'), 'half a file');
    const e = await rejection(diabetes({ url: `${base}/diabetes.csv`, cacheDir, download: false }));
    expect(e.message).toContain('is damaged');
    const ds = await diabetes({ url: `${base}/diabetes.csv`, cacheDir });
    expect(ds.length).toBe(759);
    expect(readFileSync(join(cacheDir, 'datasets', 'diabetes.csv')).equals(csv)).toBe(true);
  });

  it('rejects a download with the wrong checksum and saves nothing', async () => {
    const cacheDir = join(tmp.dir, 'cache-tampered');
    const e = await rejection(diabetes({ url: `${base}/tampered.csv.gz`, cacheDir }));
    expect(e).toBeInstanceOf(DownloadError);
    expect((e as DownloadError).reason).toBe('checksum');
    expect(e.message).toContain(`the file from ${base}/tampered.csv.gz has the wrong checksum`);
    expect(e.message).toContain(`expected ${DIABETES_SHA256}; it was not saved`);
    expect(cacheFiles(cacheDir)).toEqual([]);
  });

  it('reports an interrupted transfer and leaves no partial file', async () => {
    const cacheDir = join(tmp.dir, 'cache-interrupted');
    const e = await rejection(diabetes({ url: `${base}/interrupted.csv.gz`, cacheDir }));
    expect(e).toBeInstanceOf(DownloadError);
    expect((e as DownloadError).reason).toBe('interrupted');
    expect(e.message).toMatch(new RegExp(`was interrupted after \\d+ of ${gz.length} bytes`));
    expect(cacheFiles(cacheDir)).toEqual([]);
  });

  it('without network and without a copy, says what to download and where to put it', async () => {
    const cacheDir = join(tmp.dir, 'cache-offline');
    const url = `http://127.0.0.1:${await closedPort()}/data/diabetes.csv.gz`;
    const e = await rejection(diabetes({ url, cacheDir, timeoutMs: 5000 }));
    expect(e).toBeInstanceOf(DownloadError);
    expect((e as DownloadError).reason).toBe('network');
    const target = join(cacheDir, 'datasets', 'diabetes.csv');
    expect(e.message).toContain(`could not download the diabetes data set: cannot connect to ${url} (ECONNREFUSED`);
    expect(e.message).toContain(
      `To fix this, download ${url}, unpack it (gunzip) and put the file diabetes.csv (53438 bytes, sha256 ${DIABETES_SHA256}) at ${target}, or pass { root } naming a directory that holds diabetes.csv.`,
    );
    expect(cacheFiles(cacheDir)).toEqual([]);
  });

  it('times out, reports HTTP errors, and honours download: false', async () => {
    const cacheDir = join(tmp.dir, 'cache-misc');
    const t = await rejection(diabetes({ url: `${base}/silent.csv.gz`, cacheDir, timeoutMs: 300 }));
    expect((t as DownloadError).reason).toBe('timeout');
    expect(t.message).toContain(`no response from ${base}/silent.csv.gz within 300 ms`);
    const h = await rejection(diabetes({ url: `${base}/missing.csv.gz`, cacheDir }));
    expect((h as DownloadError).reason).toBe('http');
    expect(h.message).toContain(`the server answered 404 Not Found for ${base}/missing.csv.gz`);
    const n = await rejection(diabetes({ cacheDir, download: false, root: join(tmp.dir, 'nowhere') }));
    expect(n.message).toContain('the diabetes data set was not found (looked at ');
    for (const e of [t, h, n]) expect(e.message).not.toContain('\n'); // one line each
    expect(n.message).toContain(join(tmp.dir, 'nowhere'));
    expect(n.message).toContain('raw.githubusercontent.com/hunkim/PyTorchZeroToAll/');
    expect(cacheFiles(cacheDir)).toEqual([]);
  });

  it('uses $FACKEL_CACHE as the default cache directory', () => {
    const old = process.env.FACKEL_CACHE;
    try {
      process.env.FACKEL_CACHE = join(tmp.dir, 'env-cache');
      expect(defaultCacheDir()).toBe(join(tmp.dir, 'env-cache'));
      delete process.env.FACKEL_CACHE;
      expect(defaultCacheDir()).toMatch(/[/\\]\.cache[/\\]fackel$/);
    } finally {
      if (old === undefined) delete process.env.FACKEL_CACHE;
      else process.env.FACKEL_CACHE = old;
    }
  });
});

describe('names', () => {
  it('comes from the stdlib lists without names that are in both', async () => {
    const list = await names();
    // 4951 female entries (4944 distinct) and 3898 male (3897 distinct); 419 names are in both
    expect(list.length).toBe(4944 - 419 + (3897 - 419));
    expect(list.filter((r) => r.gender === 'f').length).toBe(4944 - 419);
    expect(list.find((r) => r.name === 'Alexis' || r.name === 'Abbey')).toBeUndefined(); // in both lists
    expect(list.filter((r) => r.name === 'Dee')).toEqual([{ name: 'Dee', gender: 'f' }]); // listed three times
    const seen = new Set(list.map((r) => r.name));
    expect(seen.size).toBe(list.length);
    expect(list.map((r) => r.name)).toEqual([...list.map((r) => r.name)].sort());
    expect(list[0]).toEqual({ name: 'Aaren', gender: 'f' });
    expect(list.every((r) => typeof r.name === 'string' && r.name.length > 0)).toBe(true);
  });

  it('reads the SSA names.csv with births', async () => {
    const list = await names({ source: sharedData('names.csv') });
    expect(list.length).toBe(10287);
    expect(list.filter((r) => r.gender === 'm').length).toBe(3973);
    expect(list.find((r) => r.name === 'Quentin')).toEqual({ name: 'Quentin', gender: 'm', births: 43416 });
  });

  it('reports bad genders and missing columns with file, line and column', async () => {
    const f = tmp.file('badnames.csv', 'name,gender\nAda,f\nBob,x\n');
    const e = await rejection(names({ source: f }));
    expect(e).toBeInstanceOf(DataFormatError);
    expect(e.message).toBe(`${f}:3:2: expected the gender in column 2 ("gender") to be m or f (or male/female), found "x"`);
    const g = tmp.file('nogender.csv', 'name,sex\nAda,f\n');
    expect((await rejection(names({ source: g }))).message).toBe(`${g}:1: there is no column named "gender"; the columns are: "name", "sex"`);
  });
});

describe('textCorpus', () => {
  it('knows Moby Dick from npm, as one plain string', async () => {
    expect(CORPORA).toEqual(['moby-dick']);
    const text = await textCorpus('moby-dick');
    expect(typeof text).toBe('string');
    expect(text.startsWith('CONTENTS')).toBe(true);
    expect(text).toContain('CHAPTER 1. Loomings.\n\nCall me Ishmael.');
    expect(text.length).toBeGreaterThan(1_200_000);
    expect(text).not.toContain('\r');
  });

  it('reads any UTF-8 file', async () => {
    const text = await textCorpus(sharedData('tinyshakespeare.txt'));
    expect(text.length).toBe(1115394);
    expect(text.startsWith('First Citizen:')).toBe(true);
    const erl = await textCorpus(sharedData('tx_DE_3_Der_Erlkoenig.txt'));
    expect(erl.length).toBe(1307);
  });

  it('drops a BOM, normalises line endings unless asked not to', async () => {
    const f = tmp.file('crlf.txt', '\uFEFFone\r\ntwo\rthree\n');
    expect(await textCorpus(f)).toBe('one\ntwo\nthree\n');
    expect(await textCorpus(f, { newlines: 'keep' })).toBe('one\r\ntwo\rthree\n');
  });

  it('names the line and column of invalid UTF-8, and rejects empty or missing files', async () => {
    const f = tmp.file('latin1.txt', Buffer.from([0x61, 0x0a, 0x62, 0x63, 0xe4, 0x64, 0x0a]));
    const e = await rejection(textCorpus(f));
    expect(e).toMatchObject({ code: 'INVALID_UTF8', line: 2, column: 3 });
    expect(e.message).toBe(
      `${f}:2:3: the file is not valid UTF-8: byte 0xe4 at offset 4 (column counts bytes); convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8)`,
    );
    const empty = tmp.file('empty.txt', '');
    expect((await rejection(textCorpus(empty))).message).toBe(`${empty}: the text is empty`);
    expect((await rejection(textCorpus('moby-dik'))).message).toContain('it is not a known corpus either (known: moby-dick)');
  });
});
