/**
 * `@fackel/backend-webgpu`: Fackel's WebGPU backend, WGSL compute kernels run by Dawn (the npm
 * `webgpu` package) in Node. On Linux it needs a Vulkan driver; without a GPU, Mesa's lavapipe
 * (`mesa-vulkan-drivers` 25 or newer) runs it on the CPU.
 *
 * @example
 * ```ts
 * import { registerWebGPUBackend } from '@fackel/backend-webgpu';
 * import { setDefaultDevice, tensor, destroyDevice } from '@fackel/tensor';
 * registerWebGPUBackend();
 * await setDefaultDevice('webgpu');
 * const x = tensor([1, 2, 3]);
 * console.log(await x.mul(2).data()); // Float32Array [2, 4, 6]
 * await destroyDevice('webgpu');
 * ```
 * @packageDocumentation
 */
export { WebGPUBackend, createWebGPUBackend, type WebGPUBackendOptions } from './backend.js';
export { GPUTensorBuffer } from './buffer.js';
export type { MatmulVariant } from './kernels/matmul.js';
export { registerWebGPUBackend } from './register.js';
