import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, diabetes } from '../src/index.js';
import { downloadVerified, sha256Hex } from '../src/download.js';
import { scratch } from '@fackel/testkit';

const tmp = scratch('data');
afterAll(() => tmp.cleanup());

const MiB = 1024 * 1024;

/** gzip data (one member) of `size` zero bytes, compressed as a stream: ~1 KB per MiB, without holding the zeros. */
async function gzipBomb(size: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const zeros = Buffer.alloc(MiB);
  for (let done = 0; done < size; done += MiB) {
    if (!gz.write(zeros.subarray(0, Math.min(MiB, size - done)))) await once(gz, 'drain');
  }
  gz.end();
  await once(gz, 'end');
  return Buffer.concat(out);
}

/** Peak resident memory of this process so far, in bytes. */
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

const text = Buffer.from('0.5,1\n'.repeat(20_000)); // 120 000 bytes
const textGz = gzipSync(text);
let bomb: Buffer; // 200 MiB of zeros in one gzip member
let multi: Buffer; // 80 MiB of zeros as 80 concatenated gzip members

let server: Server;
let base = '';
beforeAll(async () => {
  bomb = await gzipBomb(200 * MiB);
  multi = Buffer.concat(Array.from({ length: 80 }, () => gzipSync(Buffer.alloc(MiB))));
  const files: Record<string, Buffer> = { '/bomb.gz': bomb, '/multi.gz': multi, '/text.gz': textGz, '/truncated.gz': textGz.subarray(0, textGz.length - 20) };
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const body = files[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function rejection(p: Promise<unknown>): Promise<DownloadError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DownloadError);
    return e as DownloadError;
  }
  throw new Error('expected the download to fail');
}

describe('downloads: the unpacked size is limited (gzip bombs)', () => {
  it('stops a 200 MiB gzip bomb (200 KB on the wire) at the default limit, with bounded memory', async () => {
    expect(bomb.length).toBeLessThan(MiB);
    const dest = join(tmp.dir, 'bomb.csv');
    const before = peakRss();
    const e = await rejection(downloadVerified(`${base}/bomb.gz`, { dest, sha256: '0'.repeat(64) }));
    const grown = peakRss() - before;
    expect(e.reason).toBe('too-large');
    expect(e.message).toBe(
      `the gzip data from ${base}/bomb.gz (${bomb.length} bytes) unpacks to more than the limit of ${64 * MiB} bytes (maxUnpackedBytes): likely a gzip bomb; nothing was saved to ${dest}`,
    );
    expect(existsSync(dest)).toBe(false);
    expect(grown).toBeLessThan(200 * MiB); // the old code unpacked all 200 MiB (and copied it once more)
  });

  it('counts every member of concatenated gzip data', async () => {
    const dest = join(tmp.dir, 'multi.csv');
    const e = await rejection(downloadVerified(`${base}/multi.gz`, { dest, sha256: '0'.repeat(64) }));
    expect(e.reason).toBe('too-large');
    expect(e.message).toContain(`unpacks to more than the limit of ${64 * MiB} bytes`);
    expect(existsSync(dest)).toBe(false);
    const f = await rejection(downloadVerified(`${base}/multi.gz`, { dest, sha256: '0'.repeat(64), maxUnpackedBytes: 10 * MiB }));
    expect(f.message).toContain(`unpacks to more than the limit of ${10 * MiB} bytes (maxUnpackedBytes)`);
  });

  it('maxUnpackedBytes defaults to maxBytes and can be set on its own', async () => {
    const dest = join(tmp.dir, 'text.csv');
    const sha256 = sha256Hex(text);
    const small = await rejection(downloadVerified(`${base}/text.gz`, { dest, sha256, maxBytes: 100_000 }));
    expect(small.reason).toBe('too-large');
    expect(small.message).toContain('unpacks to more than the limit of 100000 bytes');
    expect(existsSync(dest)).toBe(false);
    const exact = await downloadVerified(`${base}/text.gz`, { dest, sha256, maxBytes: 100_000, maxUnpackedBytes: text.length });
    expect(Buffer.from(exact).equals(text)).toBe(true);
    expect(existsSync(dest)).toBe(true);
    await expect(downloadVerified(`${base}/text.gz`, { dest, sha256, maxUnpackedBytes: 0 })).rejects.toThrow(TypeError);
  });

  it('still reports truncated gzip data as such', async () => {
    const dest = join(tmp.dir, 'truncated.csv');
    const e = await rejection(downloadVerified(`${base}/truncated.gz`, { dest, sha256: sha256Hex(text) }));
    expect(e.reason).toBe('gzip');
    expect(e.message).toMatch(/looks like gzip data but cannot be unpacked \(.*\): it may be truncated or corrupt; nothing was saved to /);
    expect(e.message).not.toContain('\n');
  });

  it('protects the data sets too', async () => {
    const cacheDir = join(tmp.dir, 'cache');
    const e = await rejection(diabetes({ url: `${base}/bomb.gz`, cacheDir }));
    expect(e.reason).toBe('too-large');
    expect(e.message).toContain('likely a gzip bomb');
    expect(existsSync(join(cacheDir, 'datasets', 'diabetes.csv'))).toBe(false);
  });
});
