// Reuse of packed weight panels across matmul calls (kernels/matmul.ts): a product with an
// unchanged operand skips the packing; every way of changing that operand in place (the
// tensor API's in-place ops, the fused Adam step, the backend's write, a recycled pooled
// buffer) must show in the next product.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { enableAutograd } from '@fackel/autograd';
import { adamStep_, matmul, noGrad, randn, registerBackend, tensor, tidy, zeros, type Tensor, type TypedArray, type View } from '@fackel/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend, registerCpuBackend } from '../src/index.js';
import { getCpuThreads, getMatmulKernel, matmulInto, packCacheStats, setCpuThreads } from '../src/kernels/matmul.js';
import { WASM_RESIDENT_BYTES } from '../src/kernels/matmul-wasm.js';
import { wasmLstmForward } from '../src/wasm/lstm.js';

/** A CPU backend whose matmul never reuses packed panels: the oracle for bit-identical results. */
class NoReuseCpu extends CpuBackend {
  override matmul(a: View<TypedArray>, b: View<TypedArray>): TypedArray {
    const out = this.alloc(a.dtype, a.shape[0] * a.shape[1] * b.shape[2]);
    matmulInto(a, b, out as Float32Array, false);
    return out;
  }
}

const initialThreads = getCpuThreads();
beforeAll(() => {
  registerCpuBackend();
  registerBackend('cpu-noreuse', () => new NoReuseCpu());
  enableAutograd();
  setCpuThreads(1); // the counters below assume products on the calling thread only
});
afterAll(() => setCpuThreads(initialThreads));

/** `a @ b` in float64 from the tensors' values (2-D). */
function reference(a: Tensor, b: Tensor): Float64Array {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1];
  const A = a.contiguous().dataSync(),
    B = b.contiguous().dataSync();
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[i * n + j] += A[i * k + p] * B[p * n + j];
  return out;
}

function expectClose(actual: TypedArray, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  expect(worst).toBeLessThan(1e-4);
}

/** Runs `x @ wT` three times (the second stores the packed panels, the third reuses them) and checks each. */
function productsMatch(x: Tensor, wT: Tensor): void {
  const expected = reference(x, wT);
  for (let i = 0; i < 3; i++) tidy(() => expectClose(matmul(x, wT).dataSync(), expected));
}

describe('packed weight panels are reused', () => {
  it('skips the packing of an unchanged weight (forward of a recurrent step)', () => {
    expect(getMatmulKernel()).toBe('wasm');
    const w = randn([512, 128]); // PyTorch layout [4H, H], multiplied as W^T
    const x = randn([50, 128]);
    const before = packCacheStats();
    const wT = w.t();
    productsMatch(x, wT);
    const after = packCacheStats();
    expect(after.stored - before.stored).toBe(1);
    expect(after.reused - before.reused).toBe(1);
    for (let s = 0; s < 10; s++) tidy(() => matmul(x, wT));
    expect(packCacheStats().reused - after.reused).toBe(10);
    wT.dispose();
    w.dispose();
    x.dispose();
  });

  it('sees add_, mul_, copy_, fill_ and zero_ inside noGrad', () => {
    const w = randn([256, 64]);
    const x = randn([20, 64]);
    const wT = w.t();
    productsMatch(x, wT);
    const other = randn([256, 64]);
    const changes: [string, () => void][] = [
      ['add_', () => w.add_(1)],
      ['mul_', () => w.mul_(-0.5)],
      ['copy_', () => w.copy_(other)],
      ['narrow add_', () => w.narrow(0, 3, 1).add_(7)], // one row of W, through a view
      ['fill_', () => w.fill_(0.25)],
      ['zero_', () => w.zero_()],
    ];
    for (const [name, change] of changes) {
      const inv = packCacheStats().invalidated;
      noGrad(change);
      expect(packCacheStats().invalidated - inv, name).toBe(1);
      productsMatch(x, wT);
    }
    for (const t of [wT, w, x, other]) t.dispose();
  });

  it('sees the fused Adam step (the optimizer update) between training steps', () => {
    const w = randn([128, 96]);
    const grad = randn([128, 96]);
    const m1 = zeros([128, 96]),
      m2 = zeros([128, 96]);
    const x = randn([10, 96]);
    const wT = w.t();
    for (let step = 1; step <= 3; step++) {
      productsMatch(x, wT);
      const inv = packCacheStats().invalidated;
      noGrad(() => adamStep_(w, grad, m1, m2, null, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step }));
      expect(packCacheStats().invalidated - inv).toBe(1);
    }
    productsMatch(x, wT);
    for (const t of [wT, w, grad, m1, m2, x]) t.dispose();
  });

  it('sees writes through the backend (write, assign) and recycled pooled buffers', () => {
    const be = new CpuBackend();
    const k = 64,
      n = 96,
      m = 8;
    const view = (buffer: TypedArray, rows: number, cols: number, transposed = false): View<TypedArray> => ({
      buffer,
      dtype: 'float32',
      shape: [1, rows, cols],
      strides: transposed ? [0, 1, rows] : [0, cols, 1],
      offset: 0,
    });
    const aBuf = be.alloc('float32', m * k);
    be.write(
      aBuf,
      'float32',
      Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 11) - 5),
      0,
    );
    const wBuf = be.alloc('float32', n * k); // W [n, k], used as W^T [k, n]
    const product = (): Float32Array => be.matmul(view(aBuf, m, k), view(wBuf, k, n, true)) as Float32Array;
    const expected = (wOf: (j: number, p: number) => number): Float64Array => {
      const out = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[i * n + j] += aBuf[i * k + p] * wOf(j, p);
      return out;
    };
    const check = (wOf: (j: number, p: number) => number): void => {
      const e = expected(wOf);
      for (let r = 0; r < 3; r++) expectClose(product(), e);
    };

    be.write(
      wBuf,
      'float32',
      Float32Array.from({ length: n * k }, (_, i) => (i % 13) - 6),
      0,
    );
    check((j, p) => ((j * k + p) % 13) - 6);
    be.write(wBuf, 'float32', new Float32Array([100, 200]), 5); // a partial write
    check((j, p) => (j * k + p === 5 ? 100 : j * k + p === 6 ? 200 : ((j * k + p) % 13) - 6));
    be.assign(view(wBuf, n, k), 2);
    check(() => 2);

    // A released buffer returns to the pool; the next allocation of that size recycles it.
    be.release(wBuf, 'float32');
    const again = be.fill('float32', n * k, -3);
    expect(again).toBe(wBuf);
    const recycled = (): Float32Array => be.matmul(view(aBuf, m, k), view(again, k, n, true)) as Float32Array;
    for (let r = 0; r < 3; r++)
      expectClose(
        recycled(),
        expected(() => -3),
      );
  });

  it('reads reused panels in place from the WebAssembly memory (resident), also a row-major weight', () => {
    const w = randn([512, 128]);
    const x = randn([50, 128]),
      g = randn([50, 512]);
    const wT = w.t();
    const before = packCacheStats();
    productsMatch(x, wT); // [50,128]·Wᵀ: packed panels
    productsMatch(g, w); // [50,512]·W: W copied as is (row-major, few rows)
    const mid = packCacheStats();
    expect(mid.reused - before.reused).toBe(2);
    productsMatch(x, wT);
    productsMatch(g, w);
    const after = packCacheStats();
    expect(after.reused - mid.reused).toBe(6);
    expect(after.resident - mid.resident).toBe(6); // every reuse after the first placement
    for (const t of [wT, w, x, g]) t.dispose();
  });

  it('stays correct when the resident region starts over, and other kernels use the scratch between products', () => {
    // 24 weights of 1 MiB (copied as is): more than the region holds, so it starts over
    const count = Math.ceil((1.5 * WASM_RESIDENT_BYTES) / (1 << 20));
    const ws = Array.from({ length: count }, () => randn([512, 512]));
    const x = randn([16, 512]);
    const expected = ws.map((w) => reference(x, w));
    const gates = new Float32Array(64 * 4 * 256).map((_, i) => Math.sin(i));
    const c = new Float32Array(64 * 256),
      hc = new Float32Array(64 * 2 * 256),
      act = new Float32Array(64 * 4 * 256);
    const before = packCacheStats();
    // rounds 1-2: first sight, then packed and cached; 3-4: placed in the region, which starts
    // over on the way (a cycle longer than the region never finds its panels there); then a
    // few of them only: placed again, then read in place
    const rounds = [ws.length, ws.length, ws.length, ws.length, 4, 4, 4];
    for (const used of rounds) {
      for (let i = 0; i < used; i++) {
        tidy(() => expectClose(matmul(x, ws[i]).dataSync(), expected[i]));
        // the LSTM kernel fills the scratch, which begins after the resident region
        expect(wasmLstmForward(gates, c, 64, 256, hc, act)).toBe(true);
      }
    }
    const after = packCacheStats();
    expect(after.reused - before.reused).toBe(2 * count + 12);
    const inPlace = after.resident - before.resident;
    expect(inPlace).toBeGreaterThanOrEqual(8); // the last two rounds at least
    expect(inPlace).toBeLessThanOrEqual(12);
    for (const t of [...ws, x]) t.dispose();
  });

  it('detects a direct overwrite that bypasses the backend (sampled check)', () => {
    const k = 128,
      n = 64,
      m = 4;
    const a = { buffer: new Float32Array(m * k).fill(1), dtype: 'float32', shape: [1, m, k], strides: [0, k, 1], offset: 0 } as const;
    const wBuf = new Float32Array(n * k).fill(1);
    const b = { buffer: wBuf, dtype: 'float32', shape: [1, k, n], strides: [0, 1, k], offset: 0 } as const;
    const out = new Float32Array(m * n);
    for (let r = 0; r < 3; r++) matmulInto(a, b, out, true);
    expect(out[0]).toBe(k);
    wBuf.fill(2); // no invalidation: only the sampled values can tell
    matmulInto(a, b, out, true);
    expect(Array.from(new Set(out))).toEqual([2 * k]);
  });

  it('keys entries by layout: transposed and plain uses of one buffer, offsets, batched operands', () => {
    const w = randn([96, 96]);
    const x = randn([130, 96]); // more than 128 rows: a row-major B is packed too
    productsMatch(x, w);
    productsMatch(x, w.t());
    productsMatch(x, w.narrow(1, 0, 80)); // same buffer, other shape
    productsMatch(x, w.narrow(0, 16, 80).t()); // same buffer, other offset
    // batched: one weight broadcast over the batch, and a batch of distinct (transposed) weights
    const xb = randn([3, 20, 96]);
    const wb = randn([3, 72, 96]);
    const wbT = wb.transpose(1, 2); // [3, 96, 72], packed (not copied as is)
    const ref = (i: number, bw: Tensor): Float64Array => tidy(() => reference(xb.select(0, i), bw));
    const checkBatched = (): void => {
      tidy(() => {
        const y1 = matmul(xb, w.t()).dataSync(); // W^T broadcast: batch stride 0
        const y2 = matmul(xb, wbT).dataSync();
        for (let i = 0; i < 3; i++) {
          expectClose(y1.subarray(i * 20 * 96, (i + 1) * 20 * 96), ref(i, w.t()));
          expectClose(y2.subarray(i * 20 * 72, (i + 1) * 20 * 72), ref(i, wbT.select(0, i)));
        }
      });
    };
    for (let r = 0; r < 3; r++) checkBatched();
    noGrad(() => wb.select(0, 1).add_(1)); // change one batch entry in place
    checkBatched();
    for (const t of [w, x, xb, wbT, wb]) t.dispose();
  });

  it('bounds the memory of the packed copies', () => {
    const x = randn([8, 256]);
    const ws = Array.from({ length: 40 }, () => randn([512, 256])); // 512 KiB packed each
    for (const w of ws) for (let r = 0; r < 2; r++) tidy(() => matmul(x, w.t()));
    const s = packCacheStats();
    expect(s.entries).toBeLessThanOrEqual(32);
    expect(s.bytes).toBeLessThanOrEqual(64 << 20);
    for (const w of ws) w.dispose();
    x.dispose();
    expect(packCacheStats().bytes).toBeLessThanOrEqual(s.bytes);
  });

  it('keeps no source buffer alive', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let collected = false;
    const registry = new FinalizationRegistry(() => {
      collected = true;
    });
    (() => {
      const k = 64,
        n = 128;
      const buf = new Float32Array(k * n).fill(1);
      registry.register(buf, 'w');
      const a = { buffer: new Float32Array(2 * k).fill(1), dtype: 'float32', shape: [1, 2, k], strides: [0, k, 1], offset: 0 } as const;
      const b = { buffer: buf, dtype: 'float32', shape: [1, k, n], strides: [0, 1, k], offset: 0 } as const;
      for (let r = 0; r < 3; r++) matmulInto(a, b, new Float32Array(2 * n), true);
    })();
    for (let i = 0; i < 50 && !collected; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(collected).toBe(true);
  });

  it('gives bit-identical training steps with and without reuse (recurrent loop, backward, Adam)', () => {
    const H = 32,
      N = 5,
      T = 6;
    const init = randn([4 * H, H])
      .mul(0.2)
      .dataSync();
    const xs = randn([T, N, 4 * H]).dataSync();
    const run = (device: string): Float32Array[] => {
      const w = tensor(init, { device })
        .reshape([4 * H, H])
        .detach();
      w.requiresGrad = true;
      const m1 = zeros([4 * H, H], { device }),
        m2 = zeros([4 * H, H], { device });
      const x = tensor(xs, { device }).reshape([T, N, 4 * H]);
      const losses: Float32Array[] = [];
      for (let step = 1; step <= 3; step++) {
        tidy(() => {
          const wT = w.t();
          let h = zeros([N, H], { device });
          for (let t = 0; t < T; t++) h = x.select(0, t).add(h.matmul(wT)).narrow(1, 0, H).tanh();
          const loss = h.square().sum();
          loss.backward();
          losses.push(loss.dataSync() as Float32Array);
        });
        noGrad(() => adamStep_(w, w.grad!, m1, m2, null, { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step }));
        w.grad!.dispose();
        w.grad = null;
      }
      losses.push(w.dataSync() as Float32Array);
      for (const t of [w, m1, m2, x]) t.dispose();
      return losses;
    };
    const reused = run('cpu');
    const plain = run('cpu-noreuse');
    expect(reused.map((a) => Array.from(a))).toEqual(plain.map((a) => Array.from(a)));
  });
});
