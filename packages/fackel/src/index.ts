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
 * What it exports (each documented in its own package):
 *
 * - everything of {@link "@fackel/tensor"! | @fackel/tensor}: `Tensor`, the creation functions,
 *   the ops, devices, `noGrad`, `tidy`, …;
 * - from {@link "@fackel/autograd"! | @fackel/autograd}: `enableAutograd`, `grad`, `defineFunction`,
 *   `gradcheck`, `sumTo` and their types;
 * - from {@link "@fackel/backend-cpu"! | @fackel/backend-cpu}: `CpuBackend`, `setCpuThreads`,
 *   `getCpuThreads`;
 * - {@link "@fackel/data"! | @fackel/data} as the namespace `data` (`data.DataLoader`, …).
 *
 * Layers, losses and optimizers are in {@link "@fackel/nn"! | @fackel/nn} and
 * {@link "@fackel/optim"! | @fackel/optim}. The small packages stay usable on their own; this
 * package is the only one whose import has side effects. The WebGPU device is registered
 * lazily: `await setDefaultDevice('webgpu')` loads {@link "@fackel/backend-webgpu"! | @fackel/backend-webgpu}
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
