// The backend behind the tensor facade: registration, the README example, device moves and
// memory accounting through `@fackel/tensor`.
import { destroyDevice, initDevice, memory, randn, setDefaultDevice, getDefaultDevice, tensor, tidy, type Tensor } from '@fackel/tensor';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { afterAll, expect, it } from 'vitest';
import { registerWebGPUBackend, WebGPUBackend } from '../src/index.js';
import { describeGpu, tryBackend } from './helpers.js';

// Probe once for an adapter (skip reason: none found and REQUIRE_WEBGPU is not set).
const probe = await tryBackend();
await probe?.destroy();
registerCpuBackend();
registerWebGPUBackend();

describeGpu(probe)('WebGPU through the tensor facade (no adapter: skipped; set REQUIRE_WEBGPU=1 to fail instead)', () => {
  afterAll(async () => {
    await destroyDevice('webgpu');
    expect(getDefaultDevice().name).toBe('cpu');
  });

  it('runs the README example', async () => {
    const gpu = await setDefaultDevice('webgpu');
    expect(gpu.backend).toBeInstanceOf(WebGPUBackend);
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(x.device.name).toBe('webgpu');
    expect(Array.from(await x.matmul(x).data())).toEqual([7, 10, 15, 22]);
    await setDefaultDevice('cpu');
  });

  it('moves tensors between cpu and webgpu and computes the same', async () => {
    await initDevice('webgpu');
    const a = randn([8, 5]);
    const b = randn([5, 3]);
    const ga = await a.to('webgpu');
    const gb = await b.to('webgpu');
    const gc = ga.matmul(gb).relu().sum(1);
    const c = a.matmul(b).relu().sum(1);
    const back = await gc.to('cpu');
    const want = await c.data();
    const got = await back.data();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
  });

  it('tidy returns every webgpu buffer', async () => {
    await initDevice('webgpu');
    const before = memory('webgpu');
    let kept: Tensor | null = null;
    tidy(() => {
      const t = tensor([1, 2, 3], { device: 'webgpu' });
      const u = t.mul(2).add(1).exp().log();
      kept = u.sum();
      return kept;
    });
    expect(await kept!.item()).toBeCloseTo(15, 4);
    kept!.dispose();
    const after = memory('webgpu');
    expect(after.tensors).toBe(before.tensors);
    expect(after.backend.buffers).toBe(before.backend.buffers);
  });
});
