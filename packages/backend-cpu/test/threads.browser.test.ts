// The CPU backend in headless Chromium (the `chromium` project): the WebAssembly kernels run,
// and large matmuls run on Web Workers sharing the WebAssembly memory when the page is
// cross-origin isolated (vitest.browser.config.ts serves it with COOP/COEP), and on one thread
// when it is not, with getCpuThreading() saying which and why.
import { afterAll, describe, expect, it } from 'vitest';
import { getCpuThreading, registerCpuBackend } from '@fackel/backend-cpu';
import { manualSeed, randn, tidy } from '@fackel/tensor';
import { getMatmulKernel, matmulPoolStats, setCpuThreads, getCpuThreads, threadPolicy } from '../src/kernels/matmul.js';
import { MatmulPool } from '../src/kernels/matmul-pool.js';
import { getWasmMatmul } from '../src/kernels/matmul-wasm.js';

registerCpuBackend();
/** The page's globals (the type check runs without the DOM library). */
const page = globalThis as unknown as { window?: object; process?: unknown; crossOriginIsolated?: boolean };
const initialThreads = getCpuThreads();
afterAll(() => setCpuThreads(initialThreads));

/** A 256×384 @ 384×320 product (well above the threading threshold), as numbers. */
async function product(): Promise<Float32Array> {
  manualSeed(7);
  const a = randn([256, 384]);
  const b = randn([384, 320]);
  const c = tidy(() => a.matmul(b));
  const out = (await c.data()) as Float32Array;
  a.dispose();
  b.dispose();
  c.dispose();
  return out;
}

describe('CPU backend in Chromium', () => {
  it('runs in a browser page (no Node.js) with the WebAssembly matmul kernel', () => {
    expect(page.window).toBe(globalThis);
    expect(page.process).toBeUndefined();
    expect(getMatmulKernel()).toBe('wasm');
  });

  it('uses Web Workers on a cross-origin isolated page, and they compute the same product', async () => {
    expect(page.crossOriginIsolated).toBe(true);
    setCpuThreads(2);
    const t = getCpuThreading();
    expect(t).toEqual({ threads: 2, api: 'web-workers', kernel: 'wasm', reason: null });
    setCpuThreads(1);
    expect(getCpuThreading().reason).toMatch(/one thread was requested/);
    const single = await product();
    setCpuThreads(2);
    const before = matmulPoolStats().workerChunks;
    const deadline = Date.now() + 20_000;
    let threaded = await product();
    // Workers start asynchronously (a page's event loop must run): repeat until one helped.
    while (matmulPoolStats().workerChunks === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      threadPolicy(256 * 384 * 320, true);
      threaded = await product();
    }
    expect(matmulPoolStats().workers).toBe(1);
    expect(matmulPoolStats().workerChunks).toBeGreaterThan(before);
    expect(threaded).toEqual(single); // every chunk is computed the same way by every thread
  });

  it('falls back to one thread, saying why, when the page is not cross-origin isolated', () => {
    // Replaces the window's `crossOriginIsolated` getter for the test, then restores it.
    const g = page;
    const original = Object.getOwnPropertyDescriptor(g, 'crossOriginIsolated')!;
    expect(original).toBeDefined();
    Object.defineProperty(g, 'crossOriginIsolated', { value: false, configurable: true });
    try {
      setCpuThreads(2);
      const t = getCpuThreading();
      expect(t.threads).toBe(1);
      expect(t.api).toBe('web-workers');
      expect(t.reason).toMatch(/not cross-origin isolated/);
      const wasm = getWasmMatmul()!;
      const pool = new MatmulPool(1, { module: wasm.module, memory: wasm.memory });
      expect(pool.workers.length).toBe(0);
      expect(pool.usable).toBe(false);
    } finally {
      Object.defineProperty(g, 'crossOriginIsolated', original);
    }
    expect(page.crossOriginIsolated).toBe(true);
  });

  it('keeps the JavaScript kernel on one thread (Web Workers cannot take messages synchronously)', () => {
    const pool = new MatmulPool(1, null);
    expect(pool.workers.length).toBe(0);
  });
});
