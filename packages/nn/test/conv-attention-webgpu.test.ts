// The convolution, pooling, normalisation, attention and activation fixtures on WebGPU (the
// WGSL im2col/col2im kernels), and those kernels against the CPU's. Skipped with a reason when
// no WebGPU adapter exists, unless REQUIRE_WEBGPU=1 (CI), where that fails.
import { describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd } from '@fackel/autograd';
import { Generator, col2im, im2col, randn, type Im2colOptions } from '@fackel/tensor';
import { defineFixtureTests } from './conv-attention-cases.js';
import { setupWebGPU } from './webgpu-helpers.js';

registerCpuBackend();
enableAutograd();
const skip = await setupWebGPU('conv/attention layers');

describe.skipIf(skip)('conv, pooling, norms, attention: PyTorch fixtures (webgpu)', () => {
  defineFixtureTests('webgpu', { atol: 1e-4, rtol: 1e-4 }, { atol: 5e-4, rtol: 5e-4 });
});

describe.skipIf(skip)('im2col / col2im on webgpu', () => {
  const geometries: [number[], Im2colOptions][] = [
    [[2, 3, 6, 5], { kernelSize: [3, 3] }],
    [[1, 2, 7, 6], { kernelSize: [3, 2], stride: [2, 3], padding: [1, 2], dilation: [2, 1] }],
    [[2, 1, 5, 5], { kernelSize: [4, 4], padding: [1, 2, 2, 1], padValue: -Infinity }],
  ];
  for (const [i, [shape, o]] of geometries.entries()) {
    it(`gives the CPU's columns and images (geometry ${i})`, async () => {
      const x = randn(shape, { generator: new Generator(i) });
      const xg = await x.to('webgpu');
      const want = im2col(x, o);
      const got = await im2col(xg, o).to('cpu');
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      const cols = randn(want.shape, { generator: new Generator(20 + i) });
      const size: [number, number] = [shape[2], shape[3]];
      const a = col2im(cols, size, o).dataSync();
      const b = (await col2im(await cols.to('webgpu'), size, o).to('cpu')).dataSync();
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThan(1e-5);
    });
  }
});
