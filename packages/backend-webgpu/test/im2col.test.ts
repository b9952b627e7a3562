// The WGSL im2col/col2im kernels against the CPU (the oracle): symmetric and per-side padding,
// stride, dilation, −∞ padding, strided inputs. Skipped without an adapter (REQUIRE_WEBGPU=1 fails instead).
import { registerCpuBackend } from '@fackel/backend-cpu';
import { col2im, destroyDevice, Generator, im2col, initDevice, randn, type Im2colOptions } from '@fackel/tensor';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerWebGPUBackend } from '../src/index.js';
import { describeGpu, tryBackend } from './helpers.js';

const probe = await tryBackend();
await probe?.destroy();

const GEOMETRIES: [number[], Im2colOptions][] = [
  [[2, 3, 6, 5], { kernelSize: [3, 3] }],
  [[1, 2, 7, 6], { kernelSize: [3, 2], stride: [2, 3], padding: [1, 2], dilation: [2, 1] }],
  [[2, 1, 5, 5], { kernelSize: [4, 4], padding: [1, 2, 2, 1], padValue: -Infinity }],
  [[1, 2, 3, 9], { kernelSize: [1, 3], stride: [1, 4], padding: [0, 3] }],
  [[3, 4, 9, 8], { kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 2] }],
];

describeGpu(probe)('im2col / col2im on WebGPU vs CPU (no adapter: skipped; set REQUIRE_WEBGPU=1 to fail instead)', () => {
  beforeAll(async () => {
    registerCpuBackend();
    registerWebGPUBackend();
    await initDevice('webgpu');
  });
  afterAll(async () => {
    await destroyDevice('webgpu');
  });

  for (const [i, [shape, o]] of GEOMETRIES.entries()) {
    it(`geometry ${i}`, async () => {
      const x = randn(shape, { generator: new Generator(i) });
      const want = im2col(x, o);
      const got = await im2col(await x.to('webgpu'), o).to('cpu');
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      const cols = randn(want.shape, { generator: new Generator(20 + i) });
      const size: [number, number] = [shape[2], shape[3]];
      const a = col2im(cols, size, o).dataSync();
      const b = (await col2im(await cols.to('webgpu'), size, o).to('cpu')).dataSync();
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(a[j])));
    });
  }

  it('reads a strided view (copied contiguous first) with an offset', async () => {
    const base = await randn([2, 3, 7, 6], { generator: new Generator(9) }).to('webgpu');
    const x = base.transpose(2, 3).narrow(0, 1, 1);
    const o: Im2colOptions = { kernelSize: [2, 3], stride: [2, 1], padding: [1, 0] };
    const want = im2col(await x.to('cpu'), o);
    expect(Array.from((await im2col(x, o).to('cpu')).dataSync())).toEqual(Array.from(want.dataSync()));
  });
});
