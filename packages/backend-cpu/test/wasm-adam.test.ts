// The WebAssembly SIMD Adam step (src/wasm/adam.ts) against a double-precision evaluation of
// PyTorch's formulation, through `adamStepKernel` (which picks it for float32 without amsgrad):
// plain Adam, an L2 penalty, decoupled weight decay (AdamW), lengths that are not a multiple of
// four and that span several chunks, and nothing written past the operands.
import { describe, expect, it } from 'vitest';
import { adamStepKernel } from '../src/fused.js';
import { wasmAdamStep, type AdamOptions } from '../src/wasm/adam.js';

function reference(p: Float64Array, g: Float32Array, m: Float64Array, v: Float64Array, o: AdamOptions): void {
  const bc1 = 1 - o.beta1 ** o.step,
    bc2 = 1 - o.beta2 ** o.step;
  for (let i = 0; i < p.length; i++) {
    let gi = g[i];
    if (o.weightDecay !== 0) {
      if (o.decoupled) p[i] = p[i] * (1 - o.lr * o.weightDecay);
      else gi += o.weightDecay * p[i];
    }
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
    p[i] = p[i] - ((o.lr / bc1) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(bc2) + o.eps);
  }
}

const CASES: [string, Partial<AdamOptions>][] = [
  ['Adam', {}],
  ['Adam with an L2 penalty', { weightDecay: 0.05 }],
  ['AdamW', { weightDecay: 0.05, decoupled: true }],
];

describe('WebAssembly SIMD Adam step', () => {
  it('is available here', () => {
    const one = new Float32Array([1]);
    expect(
      wasmAdamStep(one, new Float32Array([0.5]), new Float32Array(1), new Float32Array(1), 1, {
        lr: 0.1,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0,
        decoupled: false,
        step: 1,
      }),
    ).toBe(true);
    expect(one[0]).toBeCloseTo(0.9, 6); // the first step moves by lr·sign(g)
  });

  for (const [label, extra] of CASES) {
    it.each([1, 7, 16, 16384 + 5, 40001])(`${label}: %i elements over 5 steps match double precision`, (n) => {
      const p = new Float32Array(n + 4).fill(123),
        m = new Float32Array(n + 4).fill(123),
        v = new Float32Array(n + 4).fill(123);
      const g = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        p[i] = Math.sin(0.37 * i);
        m[i] = 0;
        v[i] = 0;
      }
      const rp = Float64Array.from(p.subarray(0, n)),
        rm = new Float64Array(n),
        rv = new Float64Array(n);
      for (let step = 1; step <= 5; step++) {
        for (let i = 0; i < n; i++) g[i] = Math.cos(1.7 * i + step) * (i % 3 === 0 ? 1e-3 : 1);
        const o: AdamOptions = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step, ...extra };
        adamStepKernel(p.subarray(0, n), g, m.subarray(0, n), v.subarray(0, n), null, n, o);
        reference(rp, g, rm, rv, o);
      }
      // errors relative to each buffer's largest magnitude (m crosses zero where g flips sign)
      const maxAbs = (x: Float64Array): number => x.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      const mScale = maxAbs(rm),
        vScale = maxAbs(rv);
      let errP = 0,
        errM = 0,
        errV = 0;
      for (let i = 0; i < n; i++) {
        errP = Math.max(errP, Math.abs(p[i] - rp[i]));
        errM = Math.max(errM, Math.abs(m[i] - rm[i]) / mScale);
        errV = Math.max(errV, Math.abs(v[i] - rv[i]) / vScale);
      }
      expect(errP).toBeLessThan(1e-6);
      expect(errM).toBeLessThan(1e-6);
      expect(errV).toBeLessThan(1e-6);
      // the parameters moved (a test that cannot pass without a step)
      let moved = 0;
      for (let i = 0; i < n; i++) moved = Math.max(moved, Math.abs(p[i] - Math.fround(Math.sin(0.37 * i))));
      expect(moved).toBeGreaterThan(0.002);
      expect([p[n], m[n], v[n]]).toEqual([123, 123, 123]);
    });
  }

  it('an infinite parameter does not spoil the moments without weight decay (as in PyTorch)', () => {
    const n = 8;
    const p = new Float32Array(n).fill(1),
      g = new Float32Array(n).fill(0.5),
      m = new Float32Array(n),
      v = new Float32Array(n);
    p[2] = Infinity;
    p[5] = NaN;
    adamStepKernel(p, g, m, v, null, n, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 });
    for (let i = 0; i < n; i++) {
      expect(m[i]).toBeCloseTo(0.05, 7);
      expect(v[i]).toBeCloseTo(0.00025, 9);
    }
    expect(p[2]).toBe(Infinity);
    expect(p[5]).toBeNaN();
    expect(p[0]).toBeCloseTo(0.9, 6);
  });

  it('amsgrad (a max buffer) takes the JavaScript kernel and still steps', () => {
    const n = 9;
    const p = new Float32Array(n).fill(1),
      g = new Float32Array(n).fill(0.5),
      m = new Float32Array(n),
      v = new Float32Array(n),
      vMax = new Float32Array(n);
    adamStepKernel(p, g, m, v, vMax, n, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 });
    expect(p[8]).toBeCloseTo(0.9, 6);
    expect(vMax[8]).toBeCloseTo(0.00025, 9);
  });
});
