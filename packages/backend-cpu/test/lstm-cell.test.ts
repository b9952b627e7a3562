// The CPU's WebAssembly SIMD LSTM cell (src/wasm/lstm.ts) against its JavaScript kernel
// (src/fused.ts): forward (h, c and the saved activations) and backward, over hidden sizes
// with and without a partial last vector, batches that take several scratch chunks, large
// and special inputs; float64 stays on the exact JavaScript kernel.
import { enableAutograd } from '@fackel/autograd';
import { Generator, lstmCell, lstmCellBackward, memory, randn, tensor, tidy, type DType, type Tensor } from '@fackel/tensor';
import { expectArrayClose } from '@fackel/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '../src/index.js';
import { getLstmCellKernel, setLstmCellKernel, type LstmCellKernel } from '../src/fused.js';
import { wasmLstmAvailable } from '../src/wasm/lstm.js';

beforeAll(() => {
  registerCpuBackend();
  enableAutograd();
});
afterEach(() => setLstmCellKernel('wasm'));

const hasWasm = (globalThis as { WebAssembly?: unknown }).WebAssembly !== undefined && typeof SharedArrayBuffer === 'function';

interface Out {
  hc: Float32Array | Float64Array;
  act: Float32Array | Float64Array;
  dG: Float32Array | Float64Array;
  dC: Float32Array | Float64Array;
}

function run(kind: LstmCellKernel, gates: Tensor, c: Tensor, dHc: Tensor): Out {
  setLstmCellKernel(kind);
  return tidy(() => {
    const [hc, act] = lstmCell(gates, c, { activations: true });
    const [dG, dC] = lstmCellBackward(dHc, act, c, hc);
    return { hc: hc.dataSync(), act: act.dataSync(), dG: dG.dataSync(), dC: dC.dataSync() } as Out;
  });
}

/** The WebAssembly kernel's `a` within `atol + rtol·|b|` of the JavaScript kernel's `b` (NaN matches NaN). */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  expectArrayClose(a, b, { rtol, atol, label: `${what} (wasm vs js)` });
}

describe('LSTM cell: WebAssembly SIMD kernel vs the JavaScript kernel', () => {
  it.skipIf(!hasWasm)('is the float32 kernel where WebAssembly SIMD and shared memory exist', () => {
    expect(wasmLstmAvailable()).toBe(true);
    expect(getLstmCellKernel()).toBe('wasm');
    setLstmCellKernel('js');
    expect(getLstmCellKernel()).toBe('js');
    expect(() => setLstmCellKernel('simd' as LstmCellKernel)).toThrow(/expected 'wasm' or 'js'/);
  });

  for (const [n, h, scale] of [
    [1, 1, 1],
    [3, 3, 2],
    [7, 4, 1],
    [5, 5, 3],
    [50, 128, 2],
    [200, 130, 1],
    [2, 4099, 1],
    [4, 16, 40],
  ] as const) {
    it.skipIf(!hasWasm)(`agrees with it to float32 rounding: n ${n}, h ${h}, gates ~ N(0, ${scale}²)`, () => {
      const g = new Generator(n * 1000 + h);
      const gates = randn([n, 4 * h], { generator: g }).mul(scale);
      const c = randn([n, h], { generator: g }).mul(scale);
      const dHc = randn([n, 2 * h], { generator: g });
      const w = run('wasm', gates, c, dHc);
      const j = run('js', gates, c, dHc);
      // the activations within a few ulp; h, c and gradients accumulate a few roundings more,
      // and a saturated gate's 1 − σ is a difference of nearby float32s in both kernels
      expectClose(w.act, j.act, 1e-7, 4e-7, 'act');
      expectClose(w.hc, j.hc, 1e-6 * scale, 1e-6, 'hc');
      expectClose(w.dG, j.dG, 1e-6 * scale, 1e-5, 'dGates');
      expectClose(w.dC, j.dC, 1e-6 * scale, 1e-5, 'dC');
    });
  }

  it.skipIf(!hasWasm)('handles infinite and NaN gate pre-activations like the JavaScript kernel', () => {
    const v = [Infinity, -Infinity, NaN, 0, -0, 100, -100, 1e-30, 88.8, -88.8, 1e38, -1e38];
    const h = v.length;
    const gates = tensor([[...v, ...v.slice(1), v[0], ...v.slice(2), ...v.slice(0, 2), ...v.slice(3), ...v.slice(0, 3)]]);
    const c = tensor([v.map((x, i) => (Number.isFinite(x) ? x : i - 5))]);
    const dHc = tensor([Array.from({ length: 2 * h }, (_, i) => Math.sin(i))]);
    const w = run('wasm', gates, c, dHc);
    const j = run('js', gates, c, dHc);
    expectClose(w.act, j.act, 1e-7, 4e-7, 'act');
    expectClose(w.hc, j.hc, 1e-6, 1e-6, 'hc');
    expectClose(w.dG, j.dG, 1e-6, 1e-5, 'dGates');
    expectClose(w.dC, j.dC, 1e-6, 1e-5, 'dC');
  });

  it('runs float64 on the exact JavaScript kernel whatever is chosen', () => {
    const g = new Generator(3);
    const o = { generator: g, dtype: 'float64' as DType };
    const gates = randn([6, 20], o);
    const c = randn([6, 5], o);
    const dHc = randn([6, 10], o);
    const w = run('wasm', gates, c, dHc);
    const j = run('js', gates, c, dHc);
    for (const k of ['hc', 'act', 'dG', 'dC'] as const) expect(Array.from(w[k]), k).toEqual(Array.from(j[k]));
    const sig = (x: number): number => 1 / (1 + Math.exp(-x));
    const g0 = gates.dataSync();
    expect(w.act[0]).toBe(sig(g0[0]));
  });

  it('allocates nothing that outlives the call', () => {
    const gates = randn([9, 36]);
    const c = randn([9, 9]);
    const dHc = randn([9, 18]);
    run('wasm', gates, c, dHc);
    const before = memory('cpu');
    run('wasm', gates, c, dHc);
    expect(memory('cpu').bytes).toBe(before.bytes);
    expect(memory('cpu').tensors).toBe(before.tensors);
  });
});
