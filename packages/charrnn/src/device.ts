import { registerCpuBackend, setCpuThreads } from '@fackel/backend-cpu';
import { enableAutograd } from '@fackel/autograd';
import { initDevice, registeredBackends, type Device } from '@fackel/tensor';
import { UsageError } from './args.js';

/**
 * The devices `fackel-charrnn` can run on.
 *
 * @example
 * ```ts
 * import type { DeviceName } from '@fackel/charrnn';
 * const d: DeviceName = 'webgpu';
 * ```
 */
export type DeviceName = 'cpu' | 'webgpu';

/**
 * Gets a device ready and enables autograd. `'cpu'` registers the CPU backend (once);
 * `'webgpu'` loads `@fackel/backend-webgpu` with a dynamic import (an optional peer dependency:
 * a clear error says how to install it when it is missing). `threads` sets the CPU
 * backend's worker threads for matmul.
 *
 * @example
 * ```ts
 * import { setupDevice } from '@fackel/charrnn';
 * const device = await setupDevice('cpu');
 * ```
 */
export async function setupDevice(name: DeviceName = 'cpu', options: { threads?: number } = {}): Promise<Device> {
  enableAutograd();
  if (!registeredBackends().includes('cpu')) registerCpuBackend();
  if (options.threads !== undefined) setCpuThreads(options.threads);
  if (name === 'webgpu' && !registeredBackends().includes('webgpu')) {
    const specifier = '@fackel/backend-webgpu';
    let mod: { registerWebGPUBackend: () => void };
    try {
      mod = (await import(specifier)) as typeof mod;
    } catch (e) {
      throw new UsageError(
        `--device webgpu needs the package @fackel/backend-webgpu: install it next to @fackel/charrnn (npm install @fackel/backend-webgpu). (${(e as Error).message})`,
      );
    }
    mod.registerWebGPUBackend();
  } else if (name !== 'cpu' && name !== 'webgpu') {
    throw new UsageError(`unknown device '${String(name)}' (use cpu or webgpu)`);
  }
  try {
    return await initDevice(name);
  } catch (e) {
    if (name === 'webgpu') {
      throw new UsageError(
        `cannot start the WebGPU device: ${(e as Error).message}. Use --device cpu, or install a Vulkan driver (on Debian: mesa-vulkan-drivers).`,
      );
    }
    throw e;
  }
}
