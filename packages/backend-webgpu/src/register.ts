import { registerBackend } from '@fackel/tensor';
import { createWebGPUBackend, type WebGPUBackendOptions } from './backend.js';

/**
 * Registers the WebGPU backend under the device name `'webgpu'`. The device is created on
 * `await initDevice('webgpu')` (or `setDefaultDevice('webgpu')`), which fails with an error
 * naming the missing Vulkan driver when no GPU adapter is found.
 *
 * @example
 * ```ts
 * import { initDevice, destroyDevice } from '@fackel/tensor';
 * import { registerWebGPUBackend } from '@fackel/backend-webgpu';
 * registerWebGPUBackend();
 * const gpu = await initDevice('webgpu');
 * console.log(gpu.backend.name); // 'webgpu'
 * await destroyDevice('webgpu'); // lets Node exit
 * ```
 */
export function registerWebGPUBackend(options: WebGPUBackendOptions = {}): void {
  registerBackend('webgpu', () => createWebGPUBackend(options));
}
