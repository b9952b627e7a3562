// The CPU's WebAssembly SIMD elementwise path (src/wasm/unary.ts, used by src/elementwise.ts
// from a length threshold on) against the JavaScript kernels: add/sub/mul/div bit for bit,
// exp/tanh/sigmoid within the maximum errors stated in src/wasm/math.ts, over lengths with a
// partial last vector and across the 64K-element scratch chunks, and on offset views; rows
// broadcast over a matrix (`[r, k] op [k]`) likewise.
import { Generator, randn, tidy, type Tensor } from '@fackel/tensor';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '../src/index.js';
import { setWasmBinaryMinLength, setWasmUnaryMinLength, wasmBinaryMinLength, wasmUnaryMinLength } from '../src/elementwise.js';

const hasWasm = (globalThis as { WebAssembly?: unknown }).WebAssembly !== undefined && typeof SharedArrayBuffer === 'function';
const defaults = { unary: wasmUnaryMinLength, binary: wasmBinaryMinLength };

beforeAll(() => registerCpuBackend());
afterEach(() => {
  setWasmUnaryMinLength(defaults.unary);
  setWasmBinaryMinLength(defaults.binary);
});

/** Runs `fn` on the WebAssembly path (thresholds 1) or the JavaScript path (thresholds off). */
function on(path: 'wasm' | 'js', fn: () => Tensor): Float32Array {
  setWasmUnaryMinLength(path === 'wasm' ? 1 : Infinity);
  setWasmBinaryMinLength(path === 'wasm' ? 1 : Infinity);
  return tidy(() => fn().dataSync() as Float32Array);
}

const LENGTHS = [1, 3, 4, 33, 257, 65536 + 7];
// src/wasm/math.ts's stated maximum errors against Math.* in double (wasm-math.test.ts)
const BOUNDS = {
  exp: { rel: 9.4e-8, abs: 1.2e-7, ref: Math.exp },
  tanh: { rel: 1.4e-7, abs: 7.9e-8, ref: Math.tanh },
  sigmoid: { rel: 1.9e-7, abs: 8.9e-8, ref: (x: number) => 1 / (1 + Math.exp(-x)) },
} as const;

describe.skipIf(!hasWasm)('WebAssembly SIMD elementwise kernels', () => {
  it.each(LENGTHS)('add, sub, mul, div of %i floats equal the JavaScript kernels bit for bit (also on offset views)', (n) => {
    const g = new Generator(n);
    const a = randn([n + 2], { generator: g }).mul(3);
    const b = randn([n + 2], { generator: g }).add(0.5);
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      for (const [x, y] of [
        [a.narrow(0, 0, n), b.narrow(0, 0, n)],
        [a.narrow(0, 2, n), b.narrow(0, 1, n)],
      ] as const) {
        const w = on('wasm', () => x[op](y));
        const j = on('js', () => x[op](y));
        expect(w).toEqual(j);
      }
    }
    a.dispose();
    b.dispose();
  });

  it.each([
    [1, 1],
    [3, 5],
    [759, 6],
    [17, 33],
    [2, 65536 + 3],
    [40000, 3],
  ])(
    'a row or a scalar broadcast over %i rows of %i (bias, scale) equals the JavaScript kernels bit for bit, either way round and on offset views',
    (rows, k) => {
      const g = new Generator(rows * 7 + k);
      const m = randn([rows + 1, k], { generator: g }).mul(3);
      const r = randn([k + 1], { generator: g }).add(0.5);
      const full = m.narrow(0, 1, rows);
      const row = r.narrow(0, 1, k);
      for (const op of ['add', 'sub', 'mul', 'div'] as const) {
        const scalar = r.select(0, 0); // a 0-d view: a scalar operand
        for (const [x, y] of [
          [full, row],
          [row, full],
          [full, r.narrow(0, 0, k).reshape([1, k])],
          [full, scalar],
          [scalar, full],
          [full, 1.7],
        ] as const) {
          const w = on('wasm', () => x[op](y as Tensor));
          const j = on('js', () => x[op](y as Tensor));
          expect(w.length).toBe(rows * k);
          expect(w).toEqual(j);
        }
      }
      m.dispose();
      r.dispose();
    },
  );

  it.each(LENGTHS)('exp, tanh, sigmoid of %i floats are within the stated maximum errors', (n) => {
    const x = randn([n + 1], { generator: new Generator(7 * n) }).mul(6);
    const view = x.narrow(0, 1, n);
    const input = view.dataSync();
    for (const op of ['exp', 'tanh', 'sigmoid'] as const) {
      const { rel, abs, ref } = BOUNDS[op];
      const w = on('wasm', () => view[op]());
      for (let i = 0; i < n; i++) {
        const r = ref(input[i]);
        const err = Math.abs(w[i] - r);
        if (err > Math.max(abs, rel * Math.abs(r))) throw new Error(`${op}(${input[i]}) = ${w[i]}, expected ${r} (error ${err})`);
      }
    }
    if (n > 1000) {
      // the WebAssembly path really ran: its polynomial exp differs from Math.exp in the last bit somewhere
      const j = on('js', () => view.exp());
      const w = on('wasm', () => view.exp());
      expect(w.some((v, i) => v !== j[i])).toBe(true);
    }
    x.dispose();
  });
});
