// CSV and text corpora from sources other than paths, in Node.js: { text }, Blob, Response and
// http URLs (the browser's ways, which Node.js has too); paths and file: URLs are unchanged.
import { createServer, type Server } from 'node:http';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { readCsv, textCorpus } from '../src/index.js';
import * as browserEntry from '../src/browser.js';
import * as nodeEntry from '../src/index.js';

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/a.csv') res.end('x,y\n1,2\n');
    else if (req.url === '/t.txt') res.end('Hallo\r\nWelt');
    else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('CSV and text from any source', () => {
  it('reads { text }, a Blob, a Response and an http URL', async () => {
    expect((await readCsv({ text: 'x,y\n1,2\n' }, { numeric: true })).rows).toEqual([[1, 2]]);
    expect((await readCsv(new Blob(['x,y\n1,2\n']))).rows).toEqual([['1', '2']]);
    expect((await readCsv(new Response('x,y\n1,2\n'))).columns).toEqual(['x', 'y']);
    expect((await readCsv(new URL('/a.csv', base), { numeric: true })).rows).toEqual([[1, 2]]);
    await expect(readCsv(new URL('/missing.csv', base))).rejects.toThrow(/cannot fetch http:\/\/127\.0\.0\.1:\d+\/missing\.csv: HTTP 404 Not Found/);
    expect(await textCorpus(new URL('/t.txt', base))).toBe('Hallo\nWelt');
    expect(await textCorpus(new Blob(['a\r\nb']))).toBe('a\nb');
  });

  it('refuses other values with a message listing what works', async () => {
    await expect(readCsv(42 as never)).rejects.toThrow(/expected a file path, a URL, a Blob or File, a Response, or \{ text \}, got number/);
  });

  it('the browser entry is the Node.js entry without exactly the Node-only data sets and downloads', () => {
    const missing = Object.keys(nodeEntry)
      .filter((k) => !(k in browserEntry))
      .sort();
    expect(missing).toEqual(['DIABETES_SHA256', 'DIABETES_URL', 'DownloadError', 'defaultCacheDir', 'diabetes', 'names']);
    expect(Object.keys(browserEntry).filter((k) => !(k in nodeEntry))).toEqual([]);
  });
});
