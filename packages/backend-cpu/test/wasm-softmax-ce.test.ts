// The WebAssembly SIMD softmax-with-cross-entropy forward (src/wasm/softmax-ce.ts), through
// `softmaxCrossEntropyKernel` (float32 takes it), against the same kernel on float64 data (the
// double-precision JavaScript loop): class counts that are and are not multiples of four,
// several chunks of rows, ignored rows, NaN, −∞ and large logits, bad targets.
import { FackelError } from '@fackel/tensor';
import { describe, expect, it } from 'vitest';
import { softmaxCrossEntropyKernel } from '../src/fused.js';
import { wasmSoftmaxCrossEntropy } from '../src/wasm/softmax-ce.js';

const IGNORE = -100;

function run(logits: Float32Array, target: Int32Array, n: number, c: number) {
  const loss = new Float32Array(n + 1).fill(5),
    probs = new Float32Array(n * c + 1).fill(5);
  softmaxCrossEntropyKernel(logits, target, n, c, IGNORE, loss.subarray(0, n), probs.subarray(0, n * c));
  const loss64 = new Float64Array(n),
    probs64 = new Float64Array(n * c);
  softmaxCrossEntropyKernel(Float64Array.from(logits), target, n, c, IGNORE, loss64, probs64);
  return { loss, probs, loss64, probs64 };
}

describe('WebAssembly SIMD softmax with cross-entropy', () => {
  it('is available here', () => {
    const probs = new Float32Array(4),
      stats = new Float32Array(2);
    expect(wasmSoftmaxCrossEntropy(new Float32Array([0, 0, 0, 0]), 1, 4, probs, stats)).toBe(true);
    expect(Array.from(probs)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(stats)).toEqual([0, 4]);
  });

  it.each([
    [64, 1],
    [20, 3],
    [30, 4],
    [11, 7],
    [2500, 65],
    [7, 1000],
  ])('%i rows of %i classes match double precision (loss, probabilities), nothing written past them', (n, c) => {
    const logits = Float32Array.from({ length: n * c }, (_, i) => Math.sin(i * 0.731) * 6 + (i % 5));
    const target = Int32Array.from({ length: n }, (_, r) => (r % 9 === 4 ? IGNORE : (r * 7) % c));
    const { loss, probs, loss64, probs64 } = run(logits, target, n, c);
    let errL = 0,
      errP = 0;
    for (let r = 0; r < n; r++) errL = Math.max(errL, Math.abs(loss[r] - loss64[r]) / (1 + Math.abs(loss64[r])));
    for (let i = 0; i < n * c; i++) errP = Math.max(errP, Math.abs(probs[i] - probs64[i]));
    expect(errL).toBeLessThan(1e-6);
    expect(errP).toBeLessThan(1e-6);
    for (let r = 0; r < n; r++) if (target[r] === IGNORE) expect(loss[r]).toBe(0);
    expect(loss[n]).toBe(5);
    expect(probs[n * c]).toBe(5);
  });

  it('NaN rows, −∞ logits and large logits behave as in double precision', () => {
    const c = 6;
    const rows = [
      [1, 2, NaN, 3, 4, 5],
      [-Infinity, 0, -Infinity, 1, -Infinity, 2],
      [1e4, -1e4, 9990, 0, 1e4, 3],
      [80, 81, 82, 83, 84, 85],
      [-80, -81, -82, -83, -84, -85],
      [0, 0, 0, 0, 0, 0],
      [1, 1, 1, 1, 1, 1],
      [2, 4, 8, 16, 32, 64],
      [0, 1, 2, 3, 4, 5],
      [5, 4, 3, 2, 1, 0],
      [3, 3, 3, 3, 3, 3],
    ];
    const n = rows.length;
    const logits = Float32Array.from(rows.flat());
    const target = Int32Array.from({ length: n }, (_, r) => (r === 1 ? 1 : r % c));
    const { loss, probs, loss64, probs64 } = run(logits, target, n, c);
    expect(loss[0]).toBeNaN();
    for (let j = 0; j < c; j++) expect(probs[j]).toBeNaN();
    expect(probs[c]).toBe(0); // exp(−∞) = 0
    for (let r = 1; r < n; r++) {
      expect(loss[r]).toBeCloseTo(loss64[r], 4);
      for (let j = 0; j < c; j++) expect(Math.abs(probs[r * c + j] - probs64[r * c + j])).toBeLessThan(1e-6);
    }
  });

  it('a NaN anywhere in a row (a full vector or the partial last one) makes that row NaN only', () => {
    for (const c of [6, 9, 13]) {
      for (let at = 0; at < c; at++) {
        const n = 3;
        const logits = Float32Array.from({ length: n * c }, (_, i) => Math.cos(i));
        logits[c + at] = NaN;
        const { loss, probs, loss64 } = run(logits, new Int32Array(n), n, c);
        expect(loss[1], `c ${c}, NaN at ${at}`).toBeNaN();
        for (let j = 0; j < c; j++) expect(probs[c + j]).toBeNaN();
        expect(loss[0]).toBeCloseTo(loss64[0], 5);
        expect(loss[2]).toBeCloseTo(loss64[2], 5);
      }
    }
  });

  it('throws on a target out of bounds, naming the row and the classes', () => {
    const logits = new Float32Array(4 * 20);
    const target = Int32Array.from({ length: 4 }, (_, r) => (r === 2 ? 20 : 0));
    expect(() => softmaxCrossEntropyKernel(logits, target, 4, 20, IGNORE, new Float32Array(4), new Float32Array(80))).toThrow(FackelError);
    expect(() => softmaxCrossEntropyKernel(logits, target, 4, 20, IGNORE, new Float32Array(4), new Float32Array(80))).toThrow(
      /target 20 \(row 2\) is out of bounds for 20 classes/,
    );
  });
});
