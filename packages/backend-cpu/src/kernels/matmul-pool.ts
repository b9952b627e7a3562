/**
 * A lazily created pool of worker threads for large float32 matmuls.
 *
 * Design:
 * - `threads - 1` workers (the main thread is the last one), created on the first threaded
 *   call; in Node.js they are `unref()`ed, so they never keep a process alive.
 * - The workers run an inline script assembled from the source text of the self-contained
 *   kernels in `matmul-kernel.ts`; no worker file has to be resolved, so it works from
 *   TypeScript sources (vitest), from `dist/` and from a bundle alike. The platform part
 *   (`#threads`: `worker_threads` in Node.js, Blob-URL Web Workers in browsers) starts them.
 * - Operands are packed by the main thread into one shared scratch; the result is computed
 *   into the same scratch and copied out. Inputs and outputs therefore need not be shared
 *   memory. With the WebAssembly kernel the scratch is the module's shared memory, which
 *   every worker instantiates the same module over (growth is seen by all automatically).
 *   With the JavaScript kernel it is a SharedArrayBuffer; when it grows, the new buffer is
 *   posted to every worker, which picks it up synchronously with `receiveMessageOnPort`.
 * - Work is split into chunks (output tiles, possibly several batch entries each) claimed
 *   dynamically by compare-exchange, so the main thread starts at once and workers that are
 *   late (still starting, or descheduled) simply take fewer chunks. The main thread then
 *   waits for chunks still in flight with `Atomics.wait` (on a page's main thread, where
 *   blocking is not allowed, by polling `Atomics.load`), keeping the call synchronous.
 * - In browsers only the WebAssembly kernel runs threaded, and only on a cross-origin
 *   isolated page (see `threads-browser.ts`); elsewhere the pool has no workers.
 */
import { canBlock, spawnWorker, threadsUnavailable } from '#threads';
import type { SpawnedWorker } from '../threads-types.js';
import { gemmPackedF32, makeWasmGemm, runMatmulJob, type GemmFn } from './matmul-kernel.js';
import { WASM_MR, WASM_NR, WASM_TMP_BYTES, type WasmMemoryLike, type WasmModuleLike } from './matmul-wasm.js';

/** Indices into the control block; must match the literals in `runMatmulJob`. */
export const CTL = {
  WAKE: 0,
  CLAIM: 1,
  DONE: 2,
  ERROR: 3,
  STOP: 4,
  SCRATCH_VER: 5,
  TOTAL: 6,
  M: 7,
  N: 8,
  K: 9,
  BATCH: 10,
  TM: 11,
  TN: 12,
  NTI: 13,
  NTJ: 14,
  BG: 15,
  A_OFF: 16,
  A_BSTRIDE: 17,
  B_OFF: 18,
  B_BSTRIDE: 19,
  C_OFF: 20,
  B_PANEL: 21,
  B_KSTRIDE: 22,
  /** Workers that have started and passed their self-test (only the pool reads it). */
  READY: 23,
  A_PANEL: 24,
  A_KSTRIDE: 25,
} as const;
const CTL_SIZE = 32;
/** Chunk indices live in the low 16 bits of CLAIM; 0xffff marks a closed job. */
export const MAX_CHUNKS = 0xfff0;

/** One job's layout in the scratch buffer (element offsets) and its tiling. */
export interface MatmulJob {
  m: number;
  n: number;
  k: number;
  batch: number;
  tm: number;
  tn: number;
  nti: number;
  ntj: number;
  bg: number;
  aOff: number;
  aBatchStride: number;
  bOff: number;
  bBatchStride: number;
  cOff: number;
  bPanelStride: number;
  bKStride: number;
  aPanelStride: number;
  aKStride: number;
}

/** The WebAssembly kernel shared with the workers. */
export interface PoolWasm {
  module: WasmModuleLike;
  memory: WasmMemoryLike;
}

/**
 * The text of the worker's main function `(init, poll) => void`: `init` holds the control
 * block and the WebAssembly kernel, `poll()` synchronously returns the next message posted
 * to the worker (a new JavaScript-kernel scratch) or undefined.
 */
function workerMain(): string {
  return `(init, poll) => {
const gemmJs = (${gemmPackedF32.toString()});
const makeWasmGemm = (${makeWasmGemm.toString()});
const runJob = (${runMatmulJob.toString()});
const ctl = new Int32Array(init.ctl);
let scratch = new Float32Array(0);
let version = -1;
function getScratch(v) {
  if (wasm !== null) return scratch;
  while (version !== v) {
    const r = poll();
    if (r === undefined) throw new Error('fackel matmul worker: scratch ' + v + ' not received');
    version = r.version;
    scratch = new Float32Array(r.buffer);
  }
  return scratch;
}
// Self-test before taking any work: a 5x6 by 6x7 product against a direct loop.
{
  const m = 5, k = 6, n = 7, mp = 8, np = 8;
  const ap = new Float32Array(mp * k), bp = new Float32Array(np * k), c = new Float32Array(m * n);
  const A = (i, p) => ((i * 7 + p * 3) % 5) - 2, B = (p, j) => ((p * 5 + j * 2) % 7) - 3;
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) ap[(i >> 2) * 4 * k + 4 * p + (i & 3)] = A(i, p);
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) bp[(j >> 2) * 4 * k + 4 * p + (j & 3)] = B(p, j);
  gemmJs(ap, 0, bp, 0, k, c, 0, n, 0, m, 0, n, 4 * k, 4);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
    if (c[i * n + j] !== s) throw new Error('fackel matmul worker: self-test failed');
  }
}
const wasm = init.wasm;
let gemm = gemmJs;
if (wasm !== null) {
  const instance = new WebAssembly.Instance(wasm.module, { env: { mem: wasm.memory } });
  gemm = makeWasmGemm(instance.exports.gemm, wasm.tmp, wasm.mr, wasm.nr);
}
Atomics.add(ctl, ${CTL.READY}, 1);
let seen = Atomics.load(ctl, ${CTL.WAKE});
while (Atomics.load(ctl, ${CTL.STOP}) === 0) {
  runJob(ctl, getScratch, gemm, true);
  Atomics.wait(ctl, ${CTL.WAKE}, seen);
  seen = Atomics.load(ctl, ${CTL.WAKE});
}
}`;
}

interface PoolWorker {
  worker: SpawnedWorker;
  alive: boolean;
}

/** The worker pool; see the module comment. */
export class MatmulPool {
  readonly workers: PoolWorker[] = [];
  /** Chunks computed by workers (not the calling thread) since the pool started. */
  workerChunks = 0;
  /**
   * Timing of the last {@link run}: milliseconds the calling thread spent computing and then
   * waiting for chunks still in flight, and the chunks it computed out of the total.
   */
  readonly last = { computeMs: 0, waitMs: 0, mine: 0, total: 0 };
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CTL_SIZE * 4));
  private scratch: Float32Array = new Float32Array(new SharedArrayBuffer(0));
  private scratchVersion = 0;
  private gen = 0;
  private destroyed = false;

  /**
   * @param workerCount workers to start (the calling thread is the extra one)
   * @param wasm the WebAssembly kernel and memory, or null for the JavaScript kernel over a
   *   SharedArrayBuffer scratch (see {@link scratchFor})
   */
  constructor(
    workerCount: number,
    readonly wasm: PoolWasm | null,
  ) {
    // Where this platform cannot run the pool (a browser page that is not cross-origin
    // isolated, or the JavaScript kernel in a browser), the pool has no workers: not usable.
    if (threadsUnavailable(wasm === null) !== null) return;
    const body = workerMain();
    for (let i = 0; i < workerCount; i++) {
      const entry = { alive: true } as PoolWorker;
      entry.worker = spawnWorker(
        body,
        `fackel-matmul-${i}`,
        {
          ctl: this.ctl.buffer as SharedArrayBuffer,
          // thread 0 (the caller) uses the first edge-tile area
          wasm: wasm === null ? null : { ...wasm, tmp: (i + 1) * WASM_TMP_BYTES, mr: WASM_MR, nr: WASM_NR },
        },
        () => {
          entry.alive = false;
        },
      );
      this.workers.push(entry);
    }
  }

  /** True once every worker has started and is waiting for work. */
  get ready(): boolean {
    let alive = 0;
    for (const w of this.workers) if (w.alive) alive++;
    return Atomics.load(this.ctl, CTL.READY) >= alive;
  }

  /** True while at least one worker may still take work. */
  get usable(): boolean {
    return !this.destroyed && this.workers.some((w) => w.alive);
  }

  /**
   * JavaScript-kernel mode: a shared scratch of at least `size` float32 elements (contents
   * unspecified), known to the workers.
   */
  scratchFor(size: number): Float32Array {
    if (this.scratch.length < size) {
      const grown = Math.max(size, Math.ceil(this.scratch.length * 1.5), 1 << 16);
      this.scratch = new Float32Array(new SharedArrayBuffer(grown * 4));
      this.scratchVersion = (this.scratchVersion + 1) | 0;
      for (const w of this.workers) {
        if (w.alive) w.worker.post({ version: this.scratchVersion, buffer: this.scratch.buffer });
      }
    }
    return this.scratch;
  }

  /**
   * Runs one job with the workers and the calling thread, which computes with `gemm` over
   * `scratch` (the pool's {@link scratchFor} array, or the wasm memory view).
   * Returns false when a worker reported an error (the caller then recomputes alone).
   */
  run(job: MatmulJob, gemm: GemmFn, scratch: Float32Array): boolean {
    const ctl = this.ctl;
    const total = Math.ceil(job.batch / job.bg) * job.nti * job.ntj;
    if (total > MAX_CHUNKS) throw new Error(`matmul: ${total} chunks exceed ${MAX_CHUNKS}`);
    this.gen = (this.gen + 1) & 0x7fff;
    const base = this.gen << 16;
    Atomics.store(ctl, CTL.CLAIM, base | 0xffff); // closed: no stale claim can succeed
    ctl[CTL.SCRATCH_VER] = this.scratchVersion;
    ctl[CTL.M] = job.m;
    ctl[CTL.N] = job.n;
    ctl[CTL.K] = job.k;
    ctl[CTL.BATCH] = job.batch;
    ctl[CTL.TM] = job.tm;
    ctl[CTL.TN] = job.tn;
    ctl[CTL.NTI] = job.nti;
    ctl[CTL.NTJ] = job.ntj;
    ctl[CTL.BG] = job.bg;
    ctl[CTL.A_OFF] = job.aOff;
    ctl[CTL.A_BSTRIDE] = job.aBatchStride;
    ctl[CTL.B_OFF] = job.bOff;
    ctl[CTL.B_BSTRIDE] = job.bBatchStride;
    ctl[CTL.C_OFF] = job.cOff;
    ctl[CTL.B_PANEL] = job.bPanelStride;
    ctl[CTL.B_KSTRIDE] = job.bKStride;
    ctl[CTL.A_PANEL] = job.aPanelStride;
    ctl[CTL.A_KSTRIDE] = job.aKStride;
    Atomics.store(ctl, CTL.ERROR, 0);
    Atomics.store(ctl, CTL.DONE, 0);
    Atomics.store(ctl, CTL.TOTAL, total);
    Atomics.store(ctl, CTL.CLAIM, base); // open
    Atomics.add(ctl, CTL.WAKE, 1);
    Atomics.notify(ctl, CTL.WAKE, Math.min(this.workers.length, total - 1));

    const t0 = performance.now();
    const mine = runMatmulJob(ctl, () => scratch, gemm, false);
    const t1 = performance.now();
    this.workerChunks += total - mine;
    const block = canBlock();
    for (;;) {
      const done = Atomics.load(ctl, CTL.DONE);
      if (done >= total) break;
      if (block) Atomics.wait(ctl, CTL.DONE, done, 50);
    }
    const last = this.last;
    last.computeMs = t1 - t0;
    last.waitMs = performance.now() - t1;
    last.mine = mine;
    last.total = total;
    return Atomics.load(ctl, CTL.ERROR) === 0;
  }

  /** Stops the workers (they exit at their next wake-up) and terminates them. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    Atomics.store(this.ctl, CTL.STOP, 1);
    Atomics.add(this.ctl, CTL.WAKE, 1);
    Atomics.notify(this.ctl, CTL.WAKE);
    for (const w of this.workers) {
      w.alive = false;
      w.worker.terminate();
    }
  }
}
