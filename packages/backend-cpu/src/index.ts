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
export { setCpuThreads, getCpuThreads } from './kernels/matmul.js';
