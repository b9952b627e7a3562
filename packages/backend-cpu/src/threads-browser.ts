/**
 * The web side of the CPU backend's thread pool: dedicated Web Workers started from a Blob
 * URL, sharing `SharedArrayBuffer`s and the WebAssembly memory. Selected by the `#threads`
 * import everywhere but Node.js (see package.json `imports`); it imports no `node:` module.
 *
 * Browsers hand shared memory to workers only on a cross-origin isolated page (served with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`),
 * so elsewhere the pool stays off and products run on the calling thread. Workers cannot take
 * messages synchronously, so only the WebAssembly kernel (whose scratch is the shared memory
 * every worker already holds) runs threaded; the JavaScript kernel stays on one thread.
 */
import type { SpawnedWorker, WorkerInit } from './threads-types.js';

/** Which threads this platform offers (`'web-workers'` in browsers). @internal */
export const THREAD_API = 'web-workers' as const;

interface WebGlobals {
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
  Worker?: new (
    url: string,
    options?: { name?: string },
  ) => {
    postMessage(message: unknown): void;
    terminate(): void;
    onerror: ((ev: unknown) => void) | null;
  };
  Blob?: new (parts: string[], options?: { type?: string }) => object;
  URL: { createObjectURL?(blob: object): string; revokeObjectURL?(url: string): void };
  WorkerGlobalScope?: abstract new () => object;
}

const web = globalThis as unknown as WebGlobals;

/** Logical processors the browser reports (`navigator.hardwareConcurrency`). @internal */
export function availableParallelism(): number {
  const n = web.navigator?.hardwareConcurrency;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : 1;
}

/** Why the pool cannot run here, or null when it can. @internal */
export function threadsUnavailable(jsKernel: boolean): string | null {
  if (typeof web.Worker !== 'function' || typeof web.Blob !== 'function' || typeof web.URL.createObjectURL !== 'function') {
    return 'this environment has no Web Workers';
  }
  if (typeof SharedArrayBuffer !== 'function' || web.crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so it has no SharedArrayBuffer';
  }
  if (jsKernel) return "the JavaScript matmul kernel runs threaded only in Node.js (Web Workers cannot take messages synchronously); use the 'wasm' kernel";
  return null;
}

/**
 * Whether the calling thread may block in `Atomics.wait`: in a worker, yes; on a page's main
 * thread, no (it then spins on `Atomics.load` for the chunks still in flight).
 * @internal
 */
export function canBlock(): boolean {
  const scope = web.WorkerGlobalScope;
  return typeof scope === 'function' && globalThis instanceof scope;
}

/**
 * Starts one Web Worker running `body` (the text of a function `(init, poll) => void`) once its
 * first message, `init`, arrives. `poll()` returns undefined: a blocked worker cannot take
 * messages, which is why only the WebAssembly kernel runs threaded here.
 * @internal
 */
export function spawnWorker(body: string, name: string, init: WorkerInit, onExit: () => void): SpawnedWorker {
  const src = `'use strict';
self.onmessage = (e) => { self.onmessage = null; (${body})(e.data, () => undefined); };
`;
  const url = web.URL.createObjectURL!(new web.Blob!([src], { type: 'text/javascript' }));
  const worker = new web.Worker!(url, { name });
  worker.onerror = () => onExit();
  worker.postMessage(init);
  return {
    post: (message) => worker.postMessage(message),
    terminate: () => {
      worker.terminate();
      web.URL.revokeObjectURL?.(url);
    },
  };
}
