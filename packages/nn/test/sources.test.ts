// Loading safetensors and checkpoints from bytes, Blobs, Responses and URLs (the way a browser
// page loads weights), and saving to a Blob; in Node.js, paths and file: URLs keep working.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { tensor } from '@fackel/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Linear, SafetensorsError, load, loadSafetensors, saveToBlob, saveToBytes, serializeSafetensors } from '../src/index.js';

registerCpuBackend();

let server: Server;
let base = '';
let dir = '';
let bytes: Uint8Array;

beforeAll(async () => {
  bytes = await serializeSafetensors(
    {
      w: tensor([
        [1, 2],
        [3, 4],
      ]),
      b: tensor([0.5, -0.5]),
    },
    { note: 'hello' },
  );
  dir = mkdtempSync(join(tmpdir(), 'fackel-sources-'));
  writeFileSync(join(dir, 'w.safetensors'), bytes);
  server = createServer((req, res) => {
    if (req.url === '/w.safetensors') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(bytes);
    } else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function expectContents(c: Awaited<ReturnType<typeof loadSafetensors>>): Promise<void> {
  expect(c.metadata).toEqual({ note: 'hello' });
  expect(await c.tensors.w!.tolist()).toEqual([
    [1, 2],
    [3, 4],
  ]);
  expect(await c.tensors.b!.tolist()).toEqual([0.5, -0.5]);
}

describe('loadSafetensors sources', () => {
  it('reads an ArrayBuffer, a Uint8Array view, a Blob and a Response', async () => {
    const copy = new Uint8Array(bytes.length + 3);
    copy.set(bytes, 3);
    await expectContents(await loadSafetensors(bytes.slice().buffer));
    await expectContents(await loadSafetensors(copy.subarray(3)));
    await expectContents(await loadSafetensors(new Blob([bytes as Uint8Array<ArrayBuffer>])));
    await expectContents(await loadSafetensors(new Response(bytes as Uint8Array<ArrayBuffer>)));
  });

  it('fetches an http URL, and a failed request names the URL and the status', async () => {
    await expectContents(await loadSafetensors(new URL('/w.safetensors', base)));
    await expect(loadSafetensors(new URL('/missing.safetensors', base))).rejects.toThrow(
      /loadSafetensors http:\/\/127\.0\.0\.1:\d+\/missing\.safetensors: HTTP 404 Not Found/,
    );
    await expect(loadSafetensors(new URL('/missing.safetensors', base))).rejects.toBeInstanceOf(SafetensorsError);
  });

  it('still reads paths and file: URLs from disk in Node.js (a string is a path, not a URL)', async () => {
    await expectContents(await loadSafetensors(join(dir, 'w.safetensors')));
    await expectContents(await loadSafetensors(pathToFileURL(join(dir, 'w.safetensors'))));
    await expect(loadSafetensors(`${base}/w.safetensors`)).rejects.toThrow(/ENOENT|no such file/);
  });

  it('names the bad source: a used Response, a value of the wrong type, a malformed Blob', async () => {
    const res = new Response(bytes as Uint8Array<ArrayBuffer>);
    await res.arrayBuffer();
    await expect(loadSafetensors(res)).rejects.toThrow(/the response body has already been read/);
    await expect(loadSafetensors(42 as never)).rejects.toThrow(/expected a path, URL, ArrayBuffer, Uint8Array, Blob or Response, got number/);
    const file = new File([new Uint8Array([1, 2, 3])], 'broken.safetensors');
    await expect(loadSafetensors(file)).rejects.toThrow(/safetensors broken\.safetensors:/);
  });
});

describe('save to a Blob, load from anything', () => {
  it('saveToBlob and load(blob) round-trip a checkpoint bit for bit', async () => {
    const model = new Linear(3, 2);
    const blob = await saveToBlob({ model: model.stateDict(), step: 7, lr: -0 });
    expect(blob.type).toBe('application/octet-stream');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(await saveToBytes({ model: model.stateDict(), step: 7, lr: -0 }));
    const back = await load<{ model: Record<string, ReturnType<typeof tensor>>; step: number; lr: number }>(blob);
    expect(back.step).toBe(7);
    expect(Object.is(back.lr, -0)).toBe(true);
    expect(await back.model.weight!.tolist()).toEqual(await model.weight.tolist());
    const viaHttp = await load<Record<string, unknown>>(new URL('/w.safetensors', base));
    expect(Object.keys(viaHttp).sort()).toEqual(['b', 'w']);
  });

  it('load refuses an empty path and a non-source', async () => {
    await expect(load('')).rejects.toThrow(/the path must be a non-empty string/);
    await expect(load(null as never)).rejects.toThrow(/expected a path, URL, ArrayBuffer, Uint8Array, Blob or Response/);
  });
});
