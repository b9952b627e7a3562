/**
 * `fackel`: the whole library behind one import, the way `torch` is. Importing it registers
 * the CPU backend as the default device and enables autograd, so this just works:
 *
 * @example
 * ```ts
 * import { tensor } from 'fackel';
 * const w = tensor([1], { requiresGrad: true });
 * w.mul(3).sub(6).pow(2).sum().backward();
 * console.log(w.grad?.tolistSync()); // [-18]
 * ```
 *
 * The small packages (`@fackel/tensor`, `@fackel/autograd`, …) stay usable on their own;
 * this package is the only one whose import has side effects. The WebGPU device is
 * registered lazily: `await setDefaultDevice('webgpu')` loads `@fackel/backend-webgpu`
 * when it is installed.
 * @packageDocumentation
 */
import { registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd } from '@fackel/autograd';
import { FackelError, registerBackend, registeredBackends, type Backend } from '@fackel/tensor';

registerCpuBackend();
enableAutograd();
if (!registeredBackends().includes('webgpu')) {
  registerBackend('webgpu', async (): Promise<Backend> => {
    const specifier = '@fackel/backend-webgpu';
    let mod: { createWebGPUBackend: () => Promise<Backend> };
    try {
      mod = (await import(specifier)) as typeof mod;
    } catch (e) {
      throw new FackelError(`device 'webgpu' needs the package @fackel/backend-webgpu: install it with \`npm install @fackel/backend-webgpu\` (${(e as Error).message})`);
    }
    return mod.createWebGPUBackend();
  });
}

export * from '@fackel/tensor';
export { enableAutograd, grad, defineFunction, gradcheck, sumTo, type FunctionContext, type FunctionDefinition, type GradcheckResult } from '@fackel/autograd';
export { CpuBackend, setCpuThreads, getCpuThreads } from '@fackel/backend-cpu';
/** `torch.utils.data`'s counterpart: datasets, loaders, CSV, vocabularies. */
export * as data from '@fackel/data';
