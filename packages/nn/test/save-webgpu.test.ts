// save() reads tensors back from the GPU; load(path, { device: 'webgpu' }) places them there.
// Skipped with a reason when no WebGPU adapter exists, unless REQUIRE_WEBGPU=1 (CI).
import { registerCpuBackend } from '@fackel/backend-cpu';
import { arange, getDevice, tensor, type Tensor } from '@fackel/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { Linear, SafetensorsError, load, save } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { setupWebGPU } from './webgpu-helpers.js';

registerCpuBackend();
const skip = await setupWebGPU('save/load');

const tmp = scratch('nn');
afterAll(() => tmp.cleanup());

describe.skipIf(skip)('save / load with WebGPU tensors', () => {
  it('reads GPU tensors (views too) back into the file, and loads them onto the GPU', async () => {
    const model = new Linear(4, 3);
    const cpuState = model.stateDict();
    const expected = Object.fromEntries(Object.entries(cpuState).map(([k, t]) => [k, [...t.dataSync()]]));
    await model.to('webgpu');
    const view = (await arange(12).float().reshape([3, 4]).to('webgpu')).t(); // non-contiguous, on the GPU
    const ints = await tensor(
      [
        [1, -2],
        [3, 4],
      ],
      { dtype: 'int32' },
    ).to('webgpu');
    const path = `${tmp.dir}/gpu.safetensors`;
    await save({ model: model.stateDict(), view, ints, step: 7 }, path);

    const onCpu = await load<{ model: Record<string, Tensor>; view: Tensor; ints: Tensor; step: number }>(path, { device: 'cpu' });
    for (const [k, v] of Object.entries(expected)) expect([...onCpu.model[k].dataSync()], k).toEqual(v);
    expect(onCpu.view.tolistSync()).toEqual([
      [0, 4, 8],
      [1, 5, 9],
      [2, 6, 10],
      [3, 7, 11],
    ]);
    expect(onCpu.ints.tolistSync()).toEqual([
      [1, -2],
      [3, 4],
    ]);

    const onGpu = await load<{ model: Record<string, Tensor>; view: Tensor; step: number }>(path, { device: 'webgpu' });
    expect(onGpu.view.device.name).toBe('webgpu');
    expect(await onGpu.view.tolist()).toEqual([
      [0, 4, 8],
      [1, 5, 9],
      [2, 6, 10],
      [3, 7, 11],
    ]);
    expect(onGpu.step).toBe(7);
    const fresh = new Linear(4, 3);
    await fresh.to('webgpu');
    fresh.loadStateDict(onGpu.model);
    expect([...(await fresh.weight.data())]).toEqual(expected.weight);
  });

  it('a float64 tensor cannot be placed on a device without float64: the error says what to do', async () => {
    if (getDevice('webgpu').supports('float64')) return;
    const path = `${tmp.dir}/f64.safetensors`;
    await save({ d: tensor([0.1], { dtype: 'float64' }) }, path);
    const err = await load(path, { device: 'webgpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as Error).message).toMatch(/'d' is float64, which device 'webgpu' does not store; load the file on the CPU/);
  });
});
