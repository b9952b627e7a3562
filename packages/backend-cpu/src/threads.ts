import { THREAD_API, threadsUnavailable } from '#threads';
import { getCpuThreads, getMatmulKernel } from './kernels/matmul.js';

/**
 * How the CPU backend's large float32 matmuls are threaded here, from {@link getCpuThreading}.
 *
 * @example
 * ```ts
 * import { getCpuThreading, type CpuThreading } from '@fackel/backend-cpu';
 * const t: CpuThreading = getCpuThreading();
 * console.log(t.threads, t.api, t.reason);
 * ```
 */
export interface CpuThreading {
  /** Threads a large product uses, the calling thread included (1: single-threaded). */
  threads: number;
  /** The platform's threads: `'worker_threads'` (Node.js) or `'web-workers'` (browsers). */
  api: 'worker_threads' | 'web-workers';
  /** The matmul kernel in use (see `getMatmulKernel`). */
  kernel: 'wasm' | 'js';
  /** Why only one thread is used, or null when {@link CpuThreading.threads} > 1. */
  reason: string | null;
}

/**
 * Says whether the CPU backend uses threads here and, if not, why. In Node.js, products run
 * on `worker_threads`; in a browser, on Web Workers sharing the WebAssembly memory, which
 * needs a cross-origin isolated page (`crossOriginIsolated`: the page is served with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`).
 * Elsewhere everything runs on one thread. The count is {@link getCpuThreads}'s (default: the
 * logical processors), or 1.
 *
 * @example
 * ```ts
 * import { getCpuThreading } from '@fackel/backend-cpu';
 * const { threads, api, reason } = getCpuThreading();
 * console.log(threads > 1 ? `${threads} threads (${api})` : `one thread: ${reason}`);
 * ```
 */
export function getCpuThreading(): CpuThreading {
  const requested = getCpuThreads();
  const kernel = getMatmulKernel();
  const unavailable = threadsUnavailable(kernel === 'js');
  let reason: string | null = null;
  if (requested <= 1) reason = 'one thread was requested (setCpuThreads(1), FACKEL_CPU_THREADS=1, or one logical processor)';
  else if (unavailable !== null) reason = unavailable;
  return { threads: reason === null ? requested : 1, api: THREAD_API, kernel, reason };
}
