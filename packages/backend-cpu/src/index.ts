/**
 * `@fackel/backend-cpu`: Fackel's CPU backend, kernels in plain TypeScript.
 *
 * @example
 * ```ts
 * import { registerCpuBackend } from '@fackel/backend-cpu';
 * registerCpuBackend();
 * ```
 * @packageDocumentation
 */
export { CpuBackend, registerCpuBackend } from './cpu-backend.js';
export { getCpuThreading, type CpuThreading } from './threads.js';
export {
  setCpuThreads,
  getCpuThreads,
  setMatmulKernel,
  getMatmulKernel,
  getMatmulFma,
  matmulPoolStats,
  THREAD_MIN_MACS,
  type MatmulKernel,
} from './kernels/matmul.js';
export { cpuFeatures, type CpuFeatures } from './wasm/features.js';
