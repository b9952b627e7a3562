// The CPU's im2col/col2im kernels against the reference composition (strided slices of the
// padded input, run on a CPU device without fused kernels): float32 and float64, symmetric and
// per-side padding, stride, dilation, −∞ padding, strided (non-contiguous) inputs.
import { col2im, Generator, im2col, randn, registerBackend, type FusedKernels, type Im2colOptions, type Tensor, type TypedArray } from '@fackel/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend, registerCpuBackend } from '../src/index.js';

/** A CPU backend without fused kernels: im2col and col2im take their reference composition. */
class ReferenceCpu extends CpuBackend {
  override readonly fused: FusedKernels<TypedArray> = {};
}

beforeAll(() => {
  registerCpuBackend();
  registerBackend('cpu-ref', () => new ReferenceCpu());
});

const GEOMETRIES: [number[], Im2colOptions][] = [
  [[2, 3, 6, 5], { kernelSize: [3, 3] }],
  [[1, 2, 7, 6], { kernelSize: [3, 2], stride: [2, 3], padding: [1, 2], dilation: [2, 1] }],
  [[2, 1, 5, 5], { kernelSize: [4, 4], padding: [1, 2, 2, 1], padValue: -Infinity }],
  [[1, 2, 3, 9], { kernelSize: [1, 3], stride: [1, 4], padding: [0, 3] }],
  [[1, 1, 2, 2], { kernelSize: [5, 5], padding: [2, 2] }],
];

async function onRef(t: Tensor): Promise<Tensor> {
  return t.to('cpu-ref');
}

describe('im2col / col2im kernels (cpu) = reference composition', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [i, [shape, o]] of GEOMETRIES.entries()) {
      it(`${dtype}, geometry ${i}`, async () => {
        const x = randn(shape, { dtype, generator: new Generator(i) });
        const k = im2col(x, o);
        const r = im2col(await onRef(x), o);
        expect(k.shape).toEqual(r.shape);
        expect(Array.from(k.dataSync())).toEqual(Array.from(r.dataSync()));
        const cols = randn(k.shape, { dtype, generator: new Generator(10 + i) });
        const size: [number, number] = [shape[2], shape[3]];
        const a = col2im(cols, size, o).dataSync();
        const b = col2im(await onRef(cols), size, o).dataSync();
        expect(a.length).toBe(b.length);
        for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[j])));
      });
    }
  }

  it('reads strided inputs (a transposed view) and an offset', async () => {
    const base = randn([2, 3, 7, 6], { generator: new Generator(5) });
    const x = base.transpose(2, 3).narrow(0, 1, 1); // non-contiguous, non-zero offset
    const o: Im2colOptions = { kernelSize: [2, 3], stride: [2, 1], padding: [1, 0] };
    expect(Array.from(im2col(x, o).dataSync())).toEqual(Array.from(im2col(await onRef(x.contiguous()), o).dataSync()));
  });
});
