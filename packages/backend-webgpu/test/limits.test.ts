// Buffers larger than the adapter can bind are refused when they are allocated, with a
// FackelError, instead of failing later as an asynchronous device error (issue 12, item 9).
import { FackelError, MAX_NUMEL, destroyDevice, initDevice, memory, ones, registerBackend, zeros } from '@fackel/tensor';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWebGPUBackend } from '../src/index.js';
import { describeGpu, tryBackend } from './helpers.js';

const probe = await tryBackend();
await probe?.destroy();

describeGpu(probe)('webgpu allocation limits', () => {
  beforeAll(async () => {
    registerBackend('webgpu-limits', () => createWebGPUBackend());
    await initDevice('webgpu-limits');
  });
  afterAll(async () => {
    await destroyDevice('webgpu-limits');
  });

  it('refuses a buffer larger than maxStorageBufferBindingSize synchronously, and keeps working', async () => {
    const device = 'webgpu-limits';
    const before = memory(device);
    // 2^31-1 float32 elements (8.6 GB) pass the facade's shape check but exceed any adapter's binding limit.
    expect(() => zeros([MAX_NUMEL], { device })).toThrow(FackelError);
    expect(() => ones([MAX_NUMEL], { device, dtype: 'int32' })).toThrow(
      /^webgpu: a tensor of 2147483647 int32 elements needs 8589\.9 MB, more than the \d+\.\d MB this adapter can bind as one storage buffer \(maxStorageBufferBindingSize\)/,
    );
    expect(memory(device)).toMatchObject({ tensors: before.tensors, storages: before.storages, bytes: before.bytes });
    const x = ones([4], { device });
    expect(Array.from(await x.mul(2).data())).toEqual([2, 2, 2, 2]);
    x.dispose();
  });
});
