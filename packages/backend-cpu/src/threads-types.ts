/** Types shared by `threads-node.ts` and `threads-browser.ts`. @internal */

/** What a pool worker receives when it starts. @internal */
export interface WorkerInit {
  /** The pool's control block (an `Int32Array`'s shared buffer). */
  ctl: SharedArrayBuffer;
  /** The WebAssembly kernel (module, shared memory, this worker's edge-tile area), or null. */
  wasm: { module: unknown; memory: unknown; tmp: number; mr: number; nr: number } | null;
}

/** A started pool worker. @internal */
export interface SpawnedWorker {
  /** Posts a message that the worker's `poll()` takes synchronously. */
  post(message: unknown): void;
  /** Stops the worker. */
  terminate(): void;
}
