// The CPU's fused softmax-with-cross-entropy kernels against the reference composition
// (logSoftmax + gather, run on a CPU device without fused kernels): values and gradients,
// ignored rows, large logits, strided operands, float64 gradcheck.
import { enableAutograd, gradcheck } from '@fackel/autograd';
import {
  FackelError,
  Generator,
  memory,
  randn,
  registerBackend,
  softmaxCrossEntropy,
  softmaxCrossEntropyBackward,
  tensor,
  tidy,
  type DType,
  type FusedKernels,
  type Tensor,
  type TypedArray,
} from '@fackel/tensor';
import { expectArrayClose } from '@fackel/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend, registerCpuBackend } from '../src/index.js';

/** A CPU backend without fused kernels: every fused op takes its reference composition. */
class ReferenceCpu extends CpuBackend {
  override readonly fused: FusedKernels<TypedArray> = {};
}

beforeAll(() => {
  registerCpuBackend();
  registerBackend('cpu-ref', () => new ReferenceCpu());
  enableAutograd();
});

/** `actual` within `atol + rtol·|expected|` of `expected`, element by element (NaN matches NaN). */
function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  expectArrayClose(actual, expected, { rtol, atol, label: what });
}

interface Case {
  logits: Float64Array;
  target: Int32Array;
  weights: Float64Array; // per-row upstream gradient, so g varies by row
  n: number;
  c: number;
}

function makeCase(seed: number, n: number, c: number, scale: number, ignoreIndex: number): Case {
  const g = new Generator(seed);
  const logits = Float64Array.from(randn([n * c], { generator: g, dtype: 'float64' }).dataSync() as Float64Array, (x) => x * scale);
  const u = randn([n], { generator: g }).dataSync();
  const target = Int32Array.from(u, (x, i) => (i % 5 === 2 ? ignoreIndex : Math.abs(Math.floor(x * 1000)) % c));
  const weights = Float64Array.from(randn([n], { generator: g, dtype: 'float64' }).dataSync());
  return { logits, target, weights, n, c };
}

/** Loss, and gradient of Σ w·loss, on a device. */
function run(k: Case, device: string, dtype: DType, ignoreIndex: number): { loss: TypedArray; grad: TypedArray } {
  return tidy(() => {
    const x = tensor(k.logits, { dtype, device }).reshape([k.n, k.c]).detach();
    x.requiresGrad = true;
    const loss = softmaxCrossEntropy(x, tensor(k.target, { device }), { ignoreIndex });
    expect(loss.gradFn).not.toBeNull();
    loss.mul(tensor(k.weights, { dtype, device })).sum().backward();
    const out = { loss: loss.dataSync(), grad: x.grad!.dataSync() };
    x.grad!.dispose();
    return out;
  });
}

describe('softmaxCrossEntropy: fused CPU kernel vs reference composition', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const [rtol, atol] = dtype === 'float32' ? [2e-5, 1e-6] : [1e-12, 1e-14];
    for (const [label, scale] of [
      ['ordinary logits', 3],
      ['large logits (±1e4)', 1e4],
    ] as const) {
      for (const ignoreIndex of [-100, 3]) {
        it(`${dtype}, ${label}, ignoreIndex ${ignoreIndex}`, () => {
          const k = makeCase(7, 37, 11, scale, ignoreIndex);
          const fused = run(k, 'cpu', dtype, ignoreIndex);
          const ref = run(k, 'cpu-ref', dtype, ignoreIndex);
          closeTo(fused.loss, ref.loss, rtol, atol * scale, 'loss');
          closeTo(fused.grad, ref.grad, rtol, atol, 'grad');
          for (let r = 0; r < k.n; r++) {
            expect(Number.isFinite(fused.loss[r])).toBe(true);
            if (k.target[r] === ignoreIndex) {
              expect(fused.loss[r]).toBe(0);
              for (let j = 0; j < k.c; j++) expect(fused.grad[r * k.c + j]).toBe(0);
            }
          }
        });
      }
    }
  }

  it('matches hand-computed values, and rows of the softmax minus the one-hot sum to zero', () => {
    const logits = tensor(
      [
        [2, 0, -1],
        [0, 0, 0],
        [1e4, -1e4, 0],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const loss = softmaxCrossEntropy(logits, tensor([0, 2, 1], { dtype: 'int32' }));
    const l = loss.dataSync();
    expect(l[0]).toBeCloseTo(Math.log(Math.exp(2) + 1 + Math.exp(-1)) - 2, 12);
    expect(l[1]).toBeCloseTo(Math.log(3), 12);
    expect(l[2]).toBe(2e4);
    loss.sum().backward();
    const g = logits.grad!.tolistSync() as number[][];
    for (const row of g) expect(Math.abs(row.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
    expect(g[2]).toEqual([1, -1, 0]);
  });

  it('takes strided logits and targets (transposed, sliced) like contiguous ones', () => {
    const g = new Generator(11);
    const stored = randn([6, 9], { generator: g }); // logits are its transpose [9, 6]
    const logits = stored.t();
    const tAll = tensor([0, 9, 1, 9, 2, 9, 3, 9, 4, 9, 5, 9, 0, 9, 1, 9, 2, 9], { dtype: 'int32' });
    const target = tAll.slice(0, 0, 18, 2); // [0, 1, 2, 3, 4, 5, 0, 1, 2]
    const a = softmaxCrossEntropy(logits, target).dataSync();
    const b = softmaxCrossEntropy(logits.contiguous(), target.contiguous()).dataSync();
    closeTo(a, b, 0, 0, 'strided vs contiguous');
    const probs = logits.softmax(1);
    const up = randn([18], { generator: g }).slice(0, 0, 18, 2);
    const d1 = softmaxCrossEntropyBackward(up, probs.t().contiguous().t().contiguous(), target).dataSync();
    const d2 = softmaxCrossEntropyBackward(up.contiguous(), probs, target.contiguous()).dataSync();
    closeTo(d1, d2, 0, 0, 'backward strided vs contiguous');
  });

  it('the backward with a broadcast (stride-0) upstream gradient matches the reference', () => {
    const g = new Generator(5);
    const probs = randn([4, 3], { generator: g }).softmax(1);
    const target = tensor([2, -100, 0, 1], { dtype: 'int32' });
    const up = tensor([0.5]).expand([4]);
    const fused = softmaxCrossEntropyBackward(up, probs, target).tolistSync() as number[][];
    expect(fused[1]).toEqual([0, 0, 0]);
    const p = probs.tolistSync() as number[][];
    closeTo(
      fused.flat(),
      p.flatMap((row, r) => row.map((v, j) => (r === 1 ? 0 : (v - (j === [2, -100, 0, 1][r] ? 1 : 0)) * 0.5))),
      1e-6,
      1e-7,
      'expanded g',
    );
  });

  it('throws a clear error on an out-of-range target, without leaking buffers', () => {
    const before = memory('cpu');
    const logits = randn([3, 4]);
    const target = tensor([0, 4, 1], { dtype: 'int32' });
    expect(() => softmaxCrossEntropy(logits, target)).toThrow(FackelError);
    expect(() => softmaxCrossEntropy(logits, target)).toThrow(/target 4 \(row 1\) is out of bounds for 4 classes/);
    logits.dispose();
    target.dispose();
    expect(memory('cpu').bytes).toBe(before.bytes);
  });

  it('checks shapes and dtypes, and handles empty batches', () => {
    expect(() => softmaxCrossEntropy(randn([3]), tensor([0], { dtype: 'int32' }))).toThrow(/expected logits \[N, C\]/);
    expect(() => softmaxCrossEntropy(randn([2, 3]), tensor([0, 1]))).toThrow(/int32 class indices/);
    expect(() => softmaxCrossEntropy(randn([2, 3]), tensor([0, 1], { dtype: 'int32' }), { ignoreIndex: 0.5 })).toThrow(/ignoreIndex/);
    expect(softmaxCrossEntropy(randn([0, 3]), tensor(new Int32Array(0))).shape).toEqual([0]);
  });

  it('frees the saved softmax after backward (no leak over a forward+backward)', () => {
    const x = randn([8, 5], { requiresGrad: true });
    const t = tensor([0, 1, 2, 3, 4, 0, 1, -100], { dtype: 'int32' });
    const before = memory('cpu');
    tidy(() => softmaxCrossEntropy(x, t).sum().backward());
    x.grad!.dispose();
    x.grad = null;
    expect(memory('cpu').bytes).toBe(before.bytes);
  });

  it('passes gradcheck in float64 (fused kernels and reference composition)', async () => {
    for (const device of ['cpu', 'cpu-ref']) {
      const g = new Generator(23);
      const x = randn([5, 4], { dtype: 'float64', generator: g, device }).mul(2).detach();
      x.requiresGrad = true;
      const t = tensor([3, -100, 0, 2, 1], { dtype: 'int32', device });
      const r = await gradcheck((a: Tensor) => softmaxCrossEntropy(a, t), [x]);
      expect(r.passed, device).toBe(true);
      const t2 = tensor([3, 2, 0, 2, 1], { dtype: 'int32', device });
      const r2 = await gradcheck((a: Tensor) => softmaxCrossEntropy(a, t2, { ignoreIndex: 2 }).mul(a.sum(1)), [x]);
      expect(r2.passed, device).toBe(true);
    }
  });
});
