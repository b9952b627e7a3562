/**
 * The Node.js side of the CPU backend's thread pool: `worker_threads` and `os`. Selected by
 * the `node` condition of the package's `#threads` import (see package.json `imports`);
 * `threads-browser.ts` is the same interface over Web Workers.
 */
import { availableParallelism as osParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { SpawnedWorker, WorkerInit } from './threads-types.js';

/** Which threads this platform offers (`'worker_threads'` in Node.js). @internal */
export const THREAD_API = 'worker_threads' as const;

/**
 * Logical processors available to this process (Node's `os.availableParallelism()`).
 * @internal
 */
export function availableParallelism(): number {
  return osParallelism();
}

/**
 * Why the pool cannot run here, or null when it can. Node.js always has shared memory,
 * blocking waits and synchronous messages, so both kernels may use threads.
 * @internal
 */
export function threadsUnavailable(_jsKernel: boolean): string | null {
  return typeof SharedArrayBuffer === 'function' ? null : 'SharedArrayBuffer is not available';
}

/** Whether the calling thread may block in `Atomics.wait` (always, in Node.js). @internal */
export function canBlock(): boolean {
  return true;
}

/**
 * Starts one worker running `body` (the text of a function `(init, poll) => void`), with a
 * `poll()` that synchronously takes the next message posted to it (`receiveMessageOnPort`).
 * The worker is `unref()`ed, so it never keeps the process alive.
 * @internal
 */
export function spawnWorker(body: string, name: string, init: WorkerInit, onExit: () => void): SpawnedWorker {
  const { port1, port2 } = new MessageChannel();
  const src = `'use strict';
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
(${body})(workerData, () => { const r = receiveMessageOnPort(workerData.port); return r === undefined ? undefined : r.message; });
`;
  const worker = new Worker(src, {
    eval: true,
    name,
    workerData: { ...init, port: port2 },
    transferList: [port2],
    stdout: false,
    stderr: false,
  });
  worker.on('error', onExit);
  worker.on('exit', onExit);
  worker.unref();
  port1.unref();
  return {
    post: (message) => port1.postMessage(message),
    terminate: () => {
      port1.close();
      void worker.terminate();
    },
  };
}
