/**
 * Batched matrix multiplication for the CPU backend.
 *
 * float32 (the hot path) runs on one of two kernels:
 * - `wasm` (default): a WebAssembly SIMD micro-kernel assembled in `matmul-wasm.ts`
 *   (2x16 tiles of f32x4 accumulators, ~25 GFLOP/s per core on an AVX-512 Xeon, whose two
 *   vector FP ports it saturates with a multiply and an add per step; ~40 GFLOP/s with a
 *   fused `f32x4.relaxed_madd` where the runtime has relaxed SIMD, see `wasm/features.ts`);
 * - `js`: a 4x4 register-blocked scalar kernel in plain JavaScript (`matmul-kernel.ts`,
 *   ~4-5 GFLOP/s per core), used where WebAssembly SIMD or shared memory is unavailable.
 * Operands are first copied into a scratch buffer, packed into panels (which makes any stride
 * pattern — transposed, sliced, broadcast — cost the same); for `wasm`, an operand whose
 * elements lie densely is copied as a block and packed by WebAssembly packers, a row-major B
 * of a small product and a transposed A are copied as they are and read in place. Packed B
 * panels can be kept and reused by later products with the same unchanged operand (the
 * weights of a recurrent network, multiplied at every time step; see {@link invalidatePacked}).
 * Products of at most a few hundred multiply-adds take a plain loop.
 * Large products are split across a worker-thread pool (`matmul-pool.ts`) while that pays off
 * on the machine as it is loaded now (see the thread policy); the call stays synchronous.
 * Accumulation is in float32 for `wasm` (as in BLAS) and in float64 for `js` and tiny products.
 *
 * float64 and int32 use a simple strided i-p-j loop (int32 wraps on overflow, like
 * two's-complement hardware).
 *
 * Configuration: `FACKEL_CPU_THREADS=n` or {@link setCpuThreads} (n = 1 turns the pool off;
 * the default is `os.availableParallelism()`), and `FACKEL_CPU_MATMUL=js` or
 * {@link setMatmulKernel} to force the JavaScript kernel.
 */
import { availableParallelism } from '#threads';
import type { TypedArray, View } from '@fackel/tensor';
import { gemmPackedF32, makeWasmGemm, type GemmFn } from './matmul-kernel.js';
import { MAX_CHUNKS, MatmulPool, type MatmulJob } from './matmul-pool.js';
import { RESIDENT_BASE, SCRATCH_BASE, memoryF32 } from '../wasm/memory.js';
import { WASM_MR, WASM_NR, WASM_RESERVED_BYTES, WASM_RESIDENT_BYTES, WASM_TMP_BYTES, getWasmMatmul, type WasmMatmul } from './matmul-wasm.js';

/**
 * Products with fewer multiply-adds (batch·m·n·k) than this stay on the calling thread, per
 * kernel. Waking a worker costs some 10-50 µs on an idle machine; these take about 0.15 ms on
 * one core. Larger products use the threads while they measurably pay off: after a threaded
 * product that saved less than 15% (a busy machine, where a woken worker may not run for
 * milliseconds), products of that size stay on the calling thread for a while.
 *
 * @example
 * ```ts
 * import { THREAD_MIN_MACS } from '@fackel/backend-cpu';
 * console.log(THREAD_MIN_MACS.wasm); // 2097152
 * ```
 */
export const THREAD_MIN_MACS = {
  /** Threshold for the WebAssembly SIMD kernel. */
  wasm: 1 << 21,
  /** Threshold for the JavaScript kernel. */
  js: 1 << 18,
} as const;
/** Smallest chunk of work (multiply-adds) handed to one thread. */
const CHUNK_MIN_MACS = { wasm: 1 << 18, js: 1 << 16 } as const;
/** A row-major B is copied as is (not packed) when A has at most this many rows. */
const DIRECT_B_MAX_M = 128;
/** A transposed A is copied as is (not packed) when it has at least this many rows. */
const DIRECT_A_MIN_M = 16;

/**
 * The float32 matmul kernels, see {@link setMatmulKernel}.
 * @example
 * ```ts
 * import { setMatmulKernel, type MatmulKernel } from '@fackel/backend-cpu';
 * const k: MatmulKernel = 'js';
 * setMatmulKernel(k);
 * ```
 */
export type MatmulKernel = 'wasm' | 'js';

function envThreads(): number | undefined {
  const raw = typeof process !== 'undefined' ? process.env.FACKEL_CPU_THREADS : undefined;
  if (raw === undefined || raw === '') return undefined;
  const v = Number(raw);
  return Number.isInteger(v) && v >= 1 ? v : undefined;
}

let threads = envThreads() ?? Math.max(1, availableParallelism());
let kernelChoice: MatmulKernel = typeof process !== 'undefined' && process.env.FACKEL_CPU_MATMUL === 'js' ? 'js' : 'wasm';
let pool: MatmulPool | null = null;

function dropPool(): void {
  if (pool !== null) {
    pool.destroy();
    pool = null;
  }
}

/**
 * Sets how many threads (the calling thread included) large float32 matmuls use; `1`
 * disables the worker pool. Existing workers are stopped if the count changes.
 *
 * @example
 * ```ts
 * import { setCpuThreads } from '@fackel/backend-cpu';
 * setCpuThreads(1); // deterministic single-threaded timing
 * ```
 */
export function setCpuThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setCpuThreads: expected an integer >= 1, got ${n}`);
  if (n === threads) return;
  threads = n;
  threadBackoff.fill(0);
  threadPenalty.fill(1);
  dropPool();
}

/**
 * The number of threads large float32 matmuls use (see {@link setCpuThreads}).
 *
 * @example
 * ```ts
 * import { getCpuThreads } from '@fackel/backend-cpu';
 * console.log(getCpuThreads()); // e.g. 8
 * ```
 */
export function getCpuThreads(): number {
  return threads;
}

/**
 * Chooses the float32 matmul kernel: `'wasm'` (WebAssembly SIMD, the default, falls back to
 * `'js'` where unavailable) or `'js'` (plain JavaScript). Mainly for testing and benchmarks.
 *
 * @example
 * ```ts
 * import { setMatmulKernel } from '@fackel/backend-cpu';
 * setMatmulKernel('js');
 * ```
 */
export function setMatmulKernel(kind: MatmulKernel): void {
  if (kind !== 'wasm' && kind !== 'js') throw new RangeError(`setMatmulKernel: expected 'wasm' or 'js', got ${String(kind)}`);
  if (kind === kernelChoice) return;
  kernelChoice = kind;
  dropPool();
}

/**
 * The float32 matmul kernel in use: `'wasm'` only when chosen and available.
 *
 * @example
 * ```ts
 * import { getMatmulKernel } from '@fackel/backend-cpu';
 * console.log(getMatmulKernel()); // 'wasm'
 * ```
 */
export function getMatmulKernel(): MatmulKernel {
  return activeWasm() !== null ? 'wasm' : 'js';
}

/**
 * Whether the float32 matmul kernel in use multiplies and adds in one fused step
 * (`f32x4.relaxed_madd` from WebAssembly relaxed SIMD: Node 22+, or Node 20 with
 * `--experimental-wasm-relaxed-simd`; see `cpuFeatures()`). False for the JavaScript kernel
 * and for the plain-SIMD one.
 *
 * @example
 * ```ts
 * import { getMatmulFma } from '@fackel/backend-cpu';
 * console.log(getMatmulFma()); // true on Node 22+ (on a CPU with FMA, about twice as fast)
 * ```
 */
export function getMatmulFma(): boolean {
  return activeWasm()?.fma === true;
}

/**
 * Counters for tests and benchmarks: the pool's worker count and the chunks that worker
 * threads (not the calling thread) have computed so far.
 *
 * @example
 * ```ts
 * import { matmulPoolStats } from '@fackel/backend-cpu';
 * console.log(matmulPoolStats()); // { workers: 0, workerChunks: 0 } until a large matmul ran
 * ```
 */
export function matmulPoolStats(): {
  /** Worker threads in the pool. */
  workers: number;
  /** Chunks of products the workers have computed so far. */
  workerChunks: number;
} {
  return { workers: pool?.workers.length ?? 0, workerChunks: pool?.workerChunks ?? 0 };
}

function activeWasm(): WasmMatmul | null {
  return kernelChoice === 'wasm' ? getWasmMatmul() : null;
}

function getPool(wasm: WasmMatmul | null): MatmulPool | null {
  if (threads <= 1) return null;
  if (pool !== null && (pool.wasm === null) !== (wasm === null)) dropPool();
  if (pool === null) {
    // Each wasm thread needs its own edge-tile area in the reserved start of the memory.
    const workers = wasm === null ? threads - 1 : Math.min(threads - 1, WASM_RESERVED_BYTES / WASM_TMP_BYTES - 1);
    pool = new MatmulPool(workers, wasm === null ? null : { module: wasm.module, memory: wasm.memory });
  }
  return pool.usable ? pool : null;
}

// Threads only where they pay off on this machine now. On a busy machine a woken worker may
// not run for milliseconds, and the calling thread then waits for the chunk that worker has
// claimed. After each threaded product the calling thread compares the time it took with an
// estimate of the single-threaded time (its own compute rate times all chunks); when threads
// did not save at least 15%, the next products of that size class (a power of two of
// multiply-adds) stay on the calling thread, for a number of calls that doubles with each
// unhelpful try (up to THREAD_BACKOFF_MAX) and resets when a try helps. Nothing spins: a
// waiting thread sleeps in `Atomics.wait`.
const THREAD_BACKOFF_MAX = 4096;
const SIZE_CLASSES = 48;
const threadBackoff = new Int32Array(SIZE_CLASSES);
const threadPenalty = new Int32Array(SIZE_CLASSES).fill(1);

const sizeClass = (macs: number): number => Math.min(SIZE_CLASSES - 1, Math.floor(Math.log2(macs)));

function threadsWorthTrying(macs: number): boolean {
  if (threads <= 1) return false;
  const c = sizeClass(macs);
  if (threadBackoff[c] === 0) return true;
  threadBackoff[c]--;
  return false;
}

function judgeThreadedRun(p: MatmulPool, macs: number): void {
  if (!p.ready) return; // workers still starting: no verdict yet
  const { computeMs, waitMs, mine, total } = p.last;
  const single = (computeMs * total) / Math.max(mine, 1);
  const c = sizeClass(macs);
  if (mine >= total || computeMs + waitMs > 0.85 * single) {
    threadBackoff[c] = threadPenalty[c];
    threadPenalty[c] = Math.min(2 * threadPenalty[c], THREAD_BACKOFF_MAX);
  } else {
    threadPenalty[c] = 1;
  }
}

/**
 * For tests: the thread policy's state for products of `macs` multiply-adds (`backoff`:
 * products left to run on the calling thread; `penalty`: the next back-off); `reset` first
 * forgets every past verdict.
 *
 * @example
 * ```ts
 * import { threadPolicy } from './matmul.js';
 * threadPolicy(1 << 22, true); // { backoff: 0, penalty: 1 }
 * ```
 */
export function threadPolicy(macs: number, reset = false): { backoff: number; penalty: number } {
  if (reset) {
    threadBackoff.fill(0);
    threadPenalty.fill(1);
  }
  const c = sizeClass(macs);
  return { backoff: threadBackoff[c], penalty: threadPenalty[c] };
}

/**
 * `out[b] = a[b] @ b[b]` for every batch entry `b`.
 *
 * `a` is `[batch, m, k]`, `b` is `[batch, k, n]`, both with arbitrary strides (a batch
 * stride of 0 broadcasts). `out` is a contiguous `[batch, m, n]` buffer of the operands'
 * dtype (float32, float64 or int32); it is overwritten.
 *
 * With `reusePacked`, the packed panels of a float32 `b` may be kept and reused by later
 * calls with the same buffer and layout (see {@link invalidatePacked}): only for callers
 * that report every write into their buffers, as the CPU backend does.
 *
 * @example
 * ```ts
 * import { matmulInto } from './matmul.js';
 * const a = { buffer: new Float32Array([1, 2, 3, 4]), dtype: 'float32', shape: [1, 2, 2], strides: [4, 2, 1], offset: 0 } as const;
 * const out = new Float32Array(4);
 * matmulInto(a, a, out); // [7, 10, 15, 22]
 * ```
 */
export function matmulInto(a: View<TypedArray>, b: View<TypedArray>, out: Float32Array | Float64Array | Int32Array, reusePacked = false): void {
  const batch = a.shape[0],
    m = a.shape[1],
    k = a.shape[2],
    n = b.shape[2];
  const size = batch * m * n;
  if (size === 0) return;
  if (k === 0) {
    out.fill(0, 0, size);
    return;
  }
  if (out instanceof Float32Array && a.buffer instanceof Float32Array && b.buffer instanceof Float32Array) {
    matmulF32(a as View<Float32Array>, b as View<Float32Array>, out, batch, m, k, n, reusePacked);
  } else if (out instanceof Int32Array && a.buffer instanceof Int32Array && b.buffer instanceof Int32Array) {
    matmulI32(a as View<Int32Array>, b as View<Int32Array>, out, batch, m, k, n);
  } else {
    matmulF64(a, b, out, batch, m, k, n);
  }
}

// ---------------------------------------------------------------------------------------
// float32

const roundUp = (x: number, w: number): number => Math.ceil(x / w) * w;

/**
 * Packs `rows` x `depth` elements of `src` (element (r, d) at `off + r*sRow + d*sDepth`)
 * into panels of `w` rows: (r, d) goes to `dOff + floor(r / w) * w * depth + w * d + r % w`.
 * Rows past `rows` (up to the next multiple of `w`) are zero-filled. A is packed with its
 * rows, B with its columns as "rows".
 */
function packPanels(
  src: Float32Array,
  off: number,
  sRow: number,
  sDepth: number,
  rows: number,
  depth: number,
  w: number,
  dst: Float32Array,
  dOff: number,
): void {
  const depthInner = Math.abs(sDepth) <= Math.abs(sRow);
  for (let r0 = 0; r0 < rows; r0 += w) {
    const base = dOff + r0 * depth;
    const rv = rows - r0 < w ? rows - r0 : w;
    if (depthInner) {
      // Walk each row along the depth (contiguous reads for row-major A / transposed B).
      for (let r = 0; r < w; r++) {
        let d = base + r;
        if (r < rv) {
          let s = off + (r0 + r) * sRow;
          if (sDepth === 1) {
            for (let p = 0; p < depth; p++, d += w) dst[d] = src[s + p];
          } else {
            for (let p = 0; p < depth; p++, d += w, s += sDepth) dst[d] = src[s];
          }
        } else {
          for (let p = 0; p < depth; p++, d += w) dst[d] = 0;
        }
      }
    } else if (sRow === 1) {
      // Contiguous rows along the panel (row-major B / transposed A).
      let s = off + r0;
      let d = base;
      for (let p = 0; p < depth; p++, d += w, s += sDepth) {
        for (let r = 0; r < rv; r++) dst[d + r] = src[s + r];
        for (let r = rv; r < w; r++) dst[d + r] = 0;
      }
    } else {
      let s = off + r0 * sRow;
      let d = base;
      for (let p = 0; p < depth; p++, d += w, s += sDepth) {
        for (let r = 0; r < rv; r++) dst[d + r] = src[s + r * sRow];
        for (let r = rv; r < w; r++) dst[d + r] = 0;
      }
    }
  }
}

/** {@link packPanels} for 4-wide panels (the JavaScript kernel's A), unrolled like {@link packPanels16}. */
function packPanels4(src: Float32Array, off: number, sRow: number, sDepth: number, rows: number, depth: number, dst: Float32Array, dOff: number): void {
  const full = rows - (rows % 4);
  const r2 = 2 * sRow,
    r3 = 3 * sRow;
  for (let r0 = 0; r0 < full; r0 += 4) {
    let d = dOff + r0 * depth;
    let s = off + r0 * sRow;
    for (let p = 0; p < depth; p++, d += 4, s += sDepth) {
      dst[d] = src[s];
      dst[d + 1] = src[s + sRow];
      dst[d + 2] = src[s + r2];
      dst[d + 3] = src[s + r3];
    }
  }
  if (full < rows) packPanels(src, off + full * sRow, sRow, sDepth, rows - full, depth, 4, dst, dOff + full * depth);
}

/** {@link packPanels} for 2-wide panels (the wasm kernel's A), unrolled like {@link packPanels16}. */
function packPanels2(src: Float32Array, off: number, sRow: number, sDepth: number, rows: number, depth: number, dst: Float32Array, dOff: number): void {
  const full = rows - (rows % 2);
  for (let r0 = 0; r0 < full; r0 += 2) {
    let d = dOff + r0 * depth;
    let s = off + r0 * sRow;
    for (let p = 0; p < depth; p++, d += 2, s += sDepth) {
      dst[d] = src[s];
      dst[d + 1] = src[s + sRow];
    }
  }
  if (full < rows) packPanels(src, off + full * sRow, sRow, sDepth, rows - full, depth, 2, dst, dOff + full * depth);
}

/**
 * {@link packPanels} for 16-wide panels (the wasm kernel's B), unrolled: for each depth step
 * it gathers the 16 rows (columns of B) with one stride, so a row-major B (sRow = 1) and a
 * transposed one (sRow = k) cost about the same.
 */
function packPanels16(src: Float32Array, off: number, sRow: number, sDepth: number, rows: number, depth: number, dst: Float32Array, dOff: number): void {
  const full = rows - (rows % 16);
  const r2 = 2 * sRow,
    r3 = 3 * sRow,
    r4 = 4 * sRow,
    r5 = 5 * sRow,
    r6 = 6 * sRow,
    r7 = 7 * sRow,
    r8 = 8 * sRow;
  const r9 = 9 * sRow,
    r10 = 10 * sRow,
    r11 = 11 * sRow,
    r12 = 12 * sRow,
    r13 = 13 * sRow,
    r14 = 14 * sRow,
    r15 = 15 * sRow;
  for (let r0 = 0; r0 < full; r0 += 16) {
    let d = dOff + r0 * depth;
    let s = off + r0 * sRow;
    for (let p = 0; p < depth; p++, d += 16, s += sDepth) {
      dst[d] = src[s];
      dst[d + 1] = src[s + sRow];
      dst[d + 2] = src[s + r2];
      dst[d + 3] = src[s + r3];
      dst[d + 4] = src[s + r4];
      dst[d + 5] = src[s + r5];
      dst[d + 6] = src[s + r6];
      dst[d + 7] = src[s + r7];
      dst[d + 8] = src[s + r8];
      dst[d + 9] = src[s + r9];
      dst[d + 10] = src[s + r10];
      dst[d + 11] = src[s + r11];
      dst[d + 12] = src[s + r12];
      dst[d + 13] = src[s + r13];
      dst[d + 14] = src[s + r14];
      dst[d + 15] = src[s + r15];
    }
  }
  if (full < rows) packPanels(src, off + full * sRow, sRow, sDepth, rows - full, depth, 16, dst, dOff + full * depth);
}

/** Packs A's batch entries (see {@link Layout}) with the panel width `L.mr`. */
function packA(a: View<Float32Array>, L: Layout, m: number, k: number, aBs: number, dst: Float32Array): void {
  for (let bi = 0; bi < L.aCount; bi++) {
    const o = L.aOff + bi * L.aPanel;
    if (L.mr === 4) packPanels4(a.buffer, a.offset + bi * aBs, a.strides[1], a.strides[2], m, k, dst, o);
    else if (L.mr === 2) packPanels2(a.buffer, a.offset + bi * aBs, a.strides[1], a.strides[2], m, k, dst, o);
    else packPanels(a.buffer, a.offset + bi * aBs, a.strides[1], a.strides[2], m, k, L.mr, dst, o);
  }
}

/** Packs (or, when `L.bLd > 0`, copies as is) B's batch entries with the panel width `L.nr`. */
function packB(b: View<Float32Array>, L: Layout, k: number, n: number, bBs: number, dst: Float32Array): void {
  for (let bi = 0; bi < L.bCount; bi++) {
    const o = L.bOff + bi * L.bRegion;
    if (L.bLd > 0) copyRows(b.buffer, b.offset + bi * bBs, b.strides[1], k, n, dst, o, L.bLd);
    else if (L.nr === 16) packPanels16(b.buffer, b.offset + bi * bBs, b.strides[2], b.strides[1], n, k, dst, o);
    else packPanels(b.buffer, b.offset + bi * bBs, b.strides[2], b.strides[1], n, k, L.nr, dst, o);
  }
}

/**
 * Copies a [rows, cols] view with unit column stride into `dst` row by row, with row stride
 * `ld` (see {@link directLd}).
 */
function copyRows(src: Float32Array, off: number, sRow: number, rows: number, cols: number, dst: Float32Array, dOff: number, ld: number): void {
  if (sRow === cols && ld === cols) {
    dst.set(src.subarray(off, off + rows * cols), dOff);
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(off + r * sRow, off + r * sRow + cols), dOff + r * ld);
}

/**
 * Row stride for a B copied as is. With few rows of A (each B panel is read only a few
 * times) it is `n`, so that a contiguous B is one block copy. Otherwise a multiple of 16
 * elements (each 16-column panel row is one 64-byte cache line), nudged off multiples of
 * 128 elements so that successive depth steps do not all map to the same L1 cache sets.
 */
function directLd(n: number, m: number): number {
  return m <= 16 ? n : paddedLd(n);
}

/**
 * A row stride of at least `n` elements that is a multiple of 16 (one 64-byte cache line) and
 * not of 128, so that successive rows do not all map to the same L1 cache sets.
 */
function paddedLd(n: number): number {
  const ld = roundUp(n, 16);
  return ld % 128 === 0 ? ld + 16 : ld;
}

/** Where the operands and the result live in the scratch, in float32 elements. */
interface Layout {
  mr: number;
  nr: number;
  /** Elements per batch entry of A (packed, or copied as is). */
  aPanel: number;
  aCount: number;
  /** Depth stride of an A copied as is column by column (a transposed A); 0 when A is packed. */
  aLd: number;
  bRegion: number;
  bCount: number;
  /** Row stride of a B copied as is; 0 when B is packed. */
  bLd: number;
  aOff: number;
  bOff: number;
  cOff: number;
  end: number;
}

function layoutFor(
  base: number,
  mr: number,
  nr: number,
  batch: number,
  m: number,
  k: number,
  n: number,
  aBs: number,
  bBs: number,
  bDirect: boolean,
  aDirect = false,
): Layout {
  const align = (x: number): number => roundUp(x, 16);
  const aLd = aDirect ? paddedLd(m) : 0;
  const aPanel = align(aDirect ? k * aLd : roundUp(m, mr) * k);
  const aCount = aBs === 0 ? 1 : batch;
  const bCount = bBs === 0 ? 1 : batch;
  const bLd = bDirect ? directLd(n, m) : 0;
  // A direct B is read up to the next panel boundary past each row's end: pad by one panel.
  const bRegion = align(bDirect ? k * bLd + nr : roundUp(n, nr) * k);
  const aOff = base;
  const bOff = aOff + aCount * aPanel;
  const cOff = bOff + bCount * bRegion;
  return { mr, nr, aPanel, aCount, aLd, bRegion, bCount, bLd, aOff, bOff, cOff, end: cOff + align(batch * m * n) };
}

function matmulF32(
  a: View<Float32Array>,
  b: View<Float32Array>,
  out: Float32Array,
  batch: number,
  m: number,
  k: number,
  n: number,
  reusePacked: boolean,
): void {
  if (m * n * k <= SMALL_MACS) {
    matmulSmallF32(a, b, out, batch, m, k, n);
    return;
  }
  if (n === 1 && m > 1) {
    // Matrix-vector: compute the [1, m] row (b^T a^T) instead of the [m, 1] column (same
    // memory), so that the wide output dimension fills the kernel's column panels.
    const at: View<Float32Array> = { ...b, shape: [batch, 1, k], strides: [b.strides[0], b.strides[2], b.strides[1]] };
    const bt: View<Float32Array> = { ...a, shape: [batch, k, m], strides: [a.strides[0], a.strides[2], a.strides[1]] };
    matmulF32(at, bt, out, batch, 1, k, m, reusePacked);
    return;
  }
  // A batch of one never advances, so treat its stride as a broadcast.
  const aBs = batch === 1 ? 0 : a.strides[0];
  const bBs = batch === 1 ? 0 : b.strides[0];
  const wasm = activeWasm();
  if (wasm !== null && matmulWasm(wasm, a, b, out, batch, m, k, n, aBs, bBs, reusePacked)) return;
  matmulJs(a, b, out, batch, m, k, n, aBs, bBs);
}

/**
 * Products of at most this many multiply-adds per batch entry take a plain loop: packing,
 * the copies into and out of the wasm memory and the kernel call cost more than they save.
 */
const SMALL_MACS = 256;

/** A strided i-p-j loop for tiny float32 products (accumulates in float64). */
function matmulSmallF32(a: View<Float32Array>, b: View<Float32Array>, out: Float32Array, batch: number, m: number, k: number, n: number): void {
  const A = a.buffer,
    B = b.buffer;
  const as0 = a.strides[0],
    as1 = a.strides[1],
    as2 = a.strides[2];
  const bs0 = b.strides[0],
    bs1 = b.strides[1],
    bs2 = b.strides[2];
  for (let bi = 0; bi < batch; bi++) {
    const aB = a.offset + bi * as0,
      bB = b.offset + bi * bs0;
    for (let i = 0; i < m; i++) {
      const o = (bi * m + i) * n;
      const aRow = aB + i * as1;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0, ai = aRow, bj = bB + j * bs2; p < k; p++, ai += as2, bj += bs1) s += A[ai] * B[bj];
        out[o + j] = s;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Reuse of packed B panels across calls (the weights of a recurrent network are multiplied
// by every time step with the same layout).
//
// Soundness: an entry is keyed by the memory of its source (the ArrayBuffer, so that typed
// arrays aliasing the same bytes share it) and its exact layout, and is dropped by
// `invalidatePacked` whenever the owner of the buffer writes into it: the CPU backend calls
// it from every method that writes into an existing buffer (`write`, `assign`, the fused
// in-place kernels) and from `release` (a released buffer is recycled by later allocations).
// As a second line of defence against writes that bypass the backend, a few sampled source
// elements are compared before every reuse. Entries hold a copy of the packed panels, never
// the source buffer (the WeakMap key), so the cache keeps no tensor memory alive; the copies
// are bounded by an LRU list (`PACK_CACHE_MAX_*`).

/** A packed-B cache entry: a layout seen at least once, and its packed panels once reused. */
interface PackEntry {
  byteOffset: number;
  offset: number;
  sRow: number;
  sDepth: number;
  sBatch: number;
  n: number;
  k: number;
  count: number;
  nr: number;
  /** Row stride of a B copied as is (0: packed panels), see {@link Layout}. */
  ld: number;
  /** Calls that asked for this layout. */
  uses: number;
  /** The packed region (`count` B regions of the layout), or null until packed for reuse. */
  packed: Float32Array | null;
  /** Source element offsets sampled before each reuse, and their values at packing time. */
  sampleAt: Int32Array | null;
  sampled: Float32Array | null;
  /**
   * Where a copy of `packed` sits in the WebAssembly memory's resident region (a float32
   * index), valid while `residentGen` equals the region's generation; -1 when none.
   */
  resident: number;
  residentGen: number;
}

const packCache = new WeakMap<ArrayBufferLike, PackEntry[]>();
/** Entries holding packed panels, most recently used last. */
let packLru: PackEntry[] = [];
let packBytes = 0;
/** Bound on the packed copies kept, in bytes and in entries. */
const PACK_CACHE_MAX_BYTES = 64 << 20;
const PACK_CACHE_MAX_ENTRIES = 32;
/** Smallest B (elements) worth caching; layouts per source buffer kept. */
const PACK_CACHE_MIN_ELEMENTS = 4096;
const PACK_CACHE_LAYOUTS = 4;
const PACK_SAMPLES = 16;

const packCounts = { stored: 0, reused: 0, invalidated: 0, resident: 0 };

// The resident region of the WebAssembly memory (see WASM_RESIDENT_BYTES): packed copies are
// placed there one after another when reused; when the next one does not fit, the region starts
// over empty (a new generation, which invalidates every placement). Copies larger than a quarter
// of the region stay in the cache only.
let residentUsed = 0;
let residentGen = 0;

function resetResident(): void {
  residentUsed = 0;
  residentGen++;
}

/**
 * The float32 index of `e`'s packed panels in the resident region of `view` (the whole
 * memory), placing them there when they are not; -1 when they are too large for it.
 */
function residentB(e: PackEntry, packed: Float32Array, view: Float32Array<ArrayBufferLike>): number {
  if (e.resident >= 0 && e.residentGen === residentGen) {
    packCounts.resident++;
    return e.resident;
  }
  const bytes = roundUp(packed.byteLength, 64);
  if (bytes > WASM_RESIDENT_BYTES / 4) return -1;
  if (residentUsed + bytes > WASM_RESIDENT_BYTES) resetResident();
  const at = (RESIDENT_BASE + residentUsed) / 4;
  view.set(packed, at);
  residentUsed += bytes;
  e.resident = at;
  e.residentGen = residentGen;
  return at;
}

/**
 * Counters for tests and benchmarks: packed copies stored, reused (`resident`: of those, the
 * reuses read in place from the WebAssembly memory, without a copy) and dropped by invalidation
 * so far, and the copies (entries, bytes) held now.
 *
 * @example
 * ```ts
 * import { packCacheStats } from './matmul.js';
 * console.log(packCacheStats()); // { stored: 0, reused: 0, invalidated: 0, resident: 0, entries: 0, bytes: 0 }
 * ```
 */
export function packCacheStats(): { stored: number; reused: number; invalidated: number; resident: number; entries: number; bytes: number } {
  return { ...packCounts, entries: packLru.length, bytes: packBytes };
}

function dropPacked(e: PackEntry): void {
  e.resident = -1;
  if (e.packed === null) return;
  packBytes -= e.packed.byteLength;
  e.packed = null;
  e.sampled = null;
  const i = packLru.indexOf(e);
  if (i >= 0) packLru.splice(i, 1);
}

/**
 * Forgets every packed copy made from `buffer`'s memory. The CPU backend calls this before it
 * writes into an existing buffer and when a buffer is released; anything else that writes
 * into a buffer passed to {@link matmulInto} with `reusePacked` must call it too.
 *
 * @example
 * ```ts
 * import { invalidatePacked } from './matmul.js';
 * const w = new Float32Array(16);
 * w[0] = 1;
 * invalidatePacked(w);
 * ```
 */
export function invalidatePacked(buffer: TypedArray): void {
  const list = packCache.get(buffer.buffer);
  if (list === undefined) return;
  packCache.delete(buffer.buffer);
  for (const e of list) {
    if (e.packed !== null) packCounts.invalidated++;
    dropPacked(e);
  }
}

/** Drops every packed copy (e.g. to release memory). */
export function clearPackedCache(): void {
  resetResident();
  for (const e of packLru) {
    e.packed = null;
    e.sampled = null;
  }
  packLru = [];
  packBytes = 0;
}

/** The cache entry of B's layout (created on first sight), or null if B is not cacheable. */
function packEntryFor(b: View<Float32Array>, L: Layout, k: number, n: number, bBs: number): PackEntry | null {
  const size = L.bCount * L.bRegion;
  if (k * n < PACK_CACHE_MIN_ELEMENTS || size * 4 > PACK_CACHE_MAX_BYTES / 4) return null;
  const src = b.buffer;
  const sRow = b.strides[2],
    sDepth = b.strides[1];
  let list = packCache.get(src.buffer);
  if (list === undefined) {
    list = [];
    packCache.set(src.buffer, list);
  }
  for (const e of list) {
    if (
      e.offset === b.offset &&
      e.sRow === sRow &&
      e.sDepth === sDepth &&
      e.sBatch === bBs &&
      e.n === n &&
      e.k === k &&
      e.count === L.bCount &&
      e.nr === L.nr &&
      e.ld === L.bLd &&
      e.byteOffset === src.byteOffset
    ) {
      e.uses++;
      return e;
    }
  }
  const e: PackEntry = {
    byteOffset: src.byteOffset,
    offset: b.offset,
    sRow,
    sDepth,
    sBatch: bBs,
    n,
    k,
    count: L.bCount,
    nr: L.nr,
    ld: L.bLd,
    uses: 1,
    packed: null,
    sampleAt: null,
    sampled: null,
    resident: -1,
    residentGen: -1,
  };
  if (list.length >= PACK_CACHE_LAYOUTS) dropPacked(list.shift()!);
  list.push(e);
  return e;
}

/** Whether the sampled source elements still hold the values they had when packed. */
function samplesMatch(e: PackEntry, src: Float32Array): boolean {
  const at = e.sampleAt!,
    was = e.sampled!;
  for (let i = 0; i < at.length; i++) {
    const x = src[at[i]],
      y = was[i];
    if (x !== y && (x === x || y === y)) return false;
  }
  return true;
}

/** Keeps a copy of the packed region for reuse, evicting the least recently used copies. */
function storePacked(e: PackEntry, region: Float32Array, src: Float32Array): void {
  const count = Math.min(PACK_SAMPLES, e.count * e.n * e.k);
  const at = new Int32Array(count),
    was = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    // spread over the batch entries, rows and depth (a fixed, irregular pattern)
    const q = Math.floor(((i + 0.5) / count) * e.count * e.n * e.k);
    const bi = Math.floor(q / (e.n * e.k)),
      r = Math.floor(q / e.k) % e.n,
      p = (q * 7919) % e.k;
    at[i] = e.offset + bi * e.sBatch + r * e.sRow + p * e.sDepth;
    was[i] = src[at[i]];
  }
  e.packed = region.slice();
  e.resident = -1;
  e.sampleAt = at;
  e.sampled = was;
  packBytes += e.packed.byteLength;
  packLru.push(e);
  packCounts.stored++;
  while (packLru.length > PACK_CACHE_MAX_ENTRIES || packBytes > PACK_CACHE_MAX_BYTES) dropPacked(packLru[0]);
}

/** The cached packed panels of B if still valid (then marked as used), else null. */
function cachedB(e: PackEntry | null, src: Float32Array): Float32Array | null {
  if (e === null || e.packed === null) return null;
  if (!samplesMatch(e, src)) {
    dropPacked(e);
    return null;
  }
  packCounts.reused++;
  if (packLru[packLru.length - 1] !== e) {
    packLru.splice(packLru.indexOf(e), 1);
    packLru.push(e);
  }
  return e.packed;
}

/**
 * The elements a [count, rows, depth] view (strides `s0`, `sRow`, `sDepth`) can touch, as
 * `[first, length]`, when they are dense enough to copy as a block (at most about twice the
 * view's elements) and the strides are not negative; else null.
 */
function denseSpan(offset: number, s0: number, sRow: number, sDepth: number, count: number, rows: number, depth: number): [number, number] | null {
  if (s0 < 0 || sRow < 0 || sDepth < 0) return null;
  const len = (count - 1) * s0 + (rows - 1) * sRow + (depth - 1) * sDepth + 1;
  return len <= 2 * count * rows * depth + 4096 ? [offset, len] : null;
}

// The main thread's wasm GEMM (edge-tile area 0).
let mainWasmGemm: GemmFn | null = null;

function matmulWasm(
  wasm: WasmMatmul,
  a: View<Float32Array>,
  b: View<Float32Array>,
  out: Float32Array,
  batch: number,
  m: number,
  k: number,
  n: number,
  aBs: number,
  bBs: number,
  reusePacked: boolean,
): boolean {
  const mr = WASM_MR,
    nr = WASM_NR;
  const bDirect = b.strides[2] === 1 && m <= DIRECT_B_MAX_M;
  // A transposed A (its rows contiguous) is copied as is, column by column, and read in place
  // by the kernel: packing it would gather a few elements from each cache line.
  const aDirect = a.strides[1] === 1 && a.strides[2] !== 1 && m >= DIRECT_A_MIN_M;
  const L = layoutFor(SCRATCH_BASE / 4, mr, nr, batch, m, k, n, aBs, bBs, bDirect, aDirect);
  // B's packed panels (or its copy as is, for a direct B: a row-major weight multiplied at
  // every time step, the backward `dG · W`) from the cache, or B to be packed or copied
  const entry = reusePacked ? packEntryFor(b, L, k, n, bBs) : null;
  const bPacked = cachedB(entry, b.buffer);
  // Operands whose elements lie densely are copied into the scratch as a block and packed
  // there by the WebAssembly packers (several times faster than packing element by element in
  // JavaScript); others are packed by the JavaScript packers.
  const aSpan = aDirect ? null : denseSpan(a.offset, aBs, a.strides[1], a.strides[2], L.aCount, m, k);
  const bSpan = bDirect || bPacked !== null ? null : denseSpan(b.offset, bBs, b.strides[2], b.strides[1], L.bCount, n, k);
  const aSrc = L.end;
  const bSrc = aSrc + (aSpan === null ? 0 : roundUp(aSpan[1], 16));
  const end = bSrc + (bSpan === null ? 0 : bSpan[1]);
  const view = memoryF32(wasm.memory, 4 * end);
  if (view === null) return false;
  if (aDirect) {
    for (let bi = 0; bi < L.aCount; bi++) copyRows(a.buffer, a.offset + bi * aBs, a.strides[2], k, m, view, L.aOff + bi * L.aPanel, L.aLd);
  } else if (aSpan !== null) {
    view.set(a.buffer.subarray(aSpan[0], aSpan[0] + aSpan[1]), aSrc);
    for (let bi = 0; bi < L.aCount; bi++) wasm.packA(4 * (aSrc + bi * aBs), 4 * a.strides[1], 4 * a.strides[2], m, k, 4 * (L.aOff + bi * L.aPanel));
  } else {
    packA(a, L, m, k, aBs, view);
  }
  // B's panels: read in place from the resident region where they are (or now fit), else
  // copied into the scratch
  let bOff = L.bOff;
  if (bPacked !== null) {
    const at = residentB(entry!, bPacked, view);
    if (at >= 0) bOff = at;
    else view.set(bPacked, L.bOff);
  } else {
    if (bSpan !== null) {
      view.set(b.buffer.subarray(bSpan[0], bSpan[0] + bSpan[1]), bSrc);
      for (let bi = 0; bi < L.bCount; bi++) wasm.packB(4 * (bSrc + bi * bBs), 4 * b.strides[2], 4 * b.strides[1], n, k, 4 * (L.bOff + bi * L.bRegion));
    } else {
      packB(b, L, k, n, bBs, view);
    }
    if (entry !== null && entry.uses >= 2) storePacked(entry, view.subarray(L.bOff, L.bOff + L.bCount * L.bRegion), b.buffer);
  }
  const bPanelStride = bDirect ? nr : nr * k;
  const bKStride = bDirect ? L.bLd : nr;
  const aPanelStride = aDirect ? mr : mr * k;
  const aKStride = aDirect ? L.aLd : mr;
  mainWasmGemm ??= makeWasmGemm(wasm.kernel, 0, WASM_MR, WASM_NR);
  const gemm = mainWasmGemm;

  const macs = batch * m * n * k;
  let done = false;
  if (macs >= THREAD_MIN_MACS.wasm && threadsWorthTrying(macs)) {
    const p = getPool(wasm);
    if (p !== null) {
      done = p.run(jobFor(L, batch, m, n, k, mr, nr, CHUNK_MIN_MACS.wasm, bPanelStride, bKStride, aPanelStride, aKStride, bOff), gemm, view);
      judgeThreadedRun(p, macs);
    }
  }
  if (!done) {
    for (let bi = 0; bi < batch; bi++) {
      const aO = L.aOff + (L.aCount === 1 ? 0 : bi * L.aPanel);
      const bO = bOff + (L.bCount === 1 ? 0 : bi * L.bRegion);
      gemm(view, aO, view, bO, k, view, L.cOff + bi * m * n, n, 0, m, 0, n, bPanelStride, bKStride, aPanelStride, aKStride);
    }
  }
  out.set(view.subarray(L.cOff, L.cOff + batch * m * n));
  return true;
}

/** Non-shared scratch for single-threaded JavaScript-kernel products. */
let localScratch: Float32Array = new Float32Array(0);

function matmulJs(
  a: View<Float32Array>,
  b: View<Float32Array>,
  out: Float32Array,
  batch: number,
  m: number,
  k: number,
  n: number,
  aBs: number,
  bBs: number,
): void {
  const mr = 4,
    nr = 4;
  const macs = batch * m * n * k;
  if (macs >= THREAD_MIN_MACS.js && threadsWorthTrying(macs)) {
    const p = getPool(null);
    if (p !== null) {
      const L = layoutFor(0, mr, nr, batch, m, k, n, aBs, bBs, false);
      const scratch = p.scratchFor(L.end);
      packA(a, L, m, k, aBs, scratch);
      packB(b, L, k, n, bBs, scratch);
      const ok = p.run(jobFor(L, batch, m, n, k, mr, nr, CHUNK_MIN_MACS.js, nr * k, nr, mr * k, mr), gemmPackedF32, scratch);
      judgeThreadedRun(p, macs);
      if (ok) {
        out.set(scratch.subarray(L.cOff, L.cOff + batch * m * n));
        return;
      }
    }
  }
  // Single-threaded: pack one batch entry at a time (a broadcast operand only once) and
  // write straight into the output.
  const aPanel = roundUp(m, mr) * k,
    bPanel = roundUp(n, nr) * k;
  if (localScratch.length < aPanel + bPanel) localScratch = new Float32Array(Math.max(aPanel + bPanel, Math.ceil(localScratch.length * 1.5)));
  const scratch = localScratch;
  for (let bi = 0; bi < batch; bi++) {
    if (bi === 0 || aBs !== 0) packPanels(a.buffer, a.offset + bi * aBs, a.strides[1], a.strides[2], m, k, mr, scratch, 0);
    if (bi === 0 || bBs !== 0) packPanels(b.buffer, b.offset + bi * bBs, b.strides[2], b.strides[1], n, k, nr, scratch, aPanel);
    gemmPackedF32(scratch, 0, scratch, aPanel, k, out, bi * m * n, n, 0, m, 0, n, nr * k, nr, mr * k, mr);
  }
}

/**
 * Splits the output into about `4 × threads` chunks of at least `minMacs` each (tiles whose
 * corners are multiples of the panel sizes), grouping batch entries when tiles are small.
 */
function jobFor(
  L: Layout,
  batch: number,
  m: number,
  n: number,
  k: number,
  mr: number,
  nr: number,
  minMacs: number,
  bPanelStride: number,
  bKStride: number,
  aPanelStride: number,
  aKStride: number,
  bOff = L.bOff,
): MatmulJob {
  let tm = roundUp(m, mr),
    tn = roundUp(n, nr);
  const target = 4 * threads;
  const tiles = (): number => Math.ceil(m / tm) * Math.ceil(n / tn);
  while (batch * tiles() < target) {
    const halfM = roundUp(Math.ceil(tm / 2), mr),
      halfN = roundUp(Math.ceil(tn / 2), nr);
    const canM = halfM < tm && halfM * tn * k >= minMacs;
    const canN = halfN < tn && tm * halfN * k >= minMacs;
    if (canM && (tm >= tn || !canN)) tm = halfM;
    else if (canN) tn = halfN;
    else break;
  }
  const nti = Math.ceil(m / tm),
    ntj = Math.ceil(n / tn);
  const perEntry = nti * ntj;
  const tileMacs = Math.min(tm, m) * Math.min(tn, n) * k;
  let bg = Math.max(1, Math.min(Math.floor(minMacs / tileMacs), Math.floor(batch / target)));
  bg = Math.max(bg, Math.ceil((batch * perEntry) / MAX_CHUNKS));
  return {
    m,
    n,
    k,
    batch,
    tm,
    tn,
    nti,
    ntj,
    bg,
    aOff: L.aOff,
    aBatchStride: L.aCount === 1 ? 0 : L.aPanel,
    bOff,
    bBatchStride: L.bCount === 1 ? 0 : L.bRegion,
    cOff: L.cOff,
    bPanelStride,
    bKStride,
    aPanelStride,
    aKStride,
  };
}

// ---------------------------------------------------------------------------------------
// float64 (and any other floating combination) and int32: simple strided loops

function matmulF64(
  a: View<TypedArray>,
  b: View<TypedArray>,
  out: Float32Array | Float64Array | Int32Array,
  batch: number,
  m: number,
  k: number,
  n: number,
): void {
  const A = a.buffer,
    B = b.buffer;
  const [as0, as1, as2] = a.strides;
  const [bs0, bs1, bs2] = b.strides;
  const row = new Float64Array(n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      row.fill(0);
      const aRow = a.offset + bi * as0 + i * as1;
      for (let p = 0; p < k; p++) {
        const av = A[aRow + p * as2];
        let bj = b.offset + bi * bs0 + p * bs1;
        for (let j = 0; j < n; j++, bj += bs2) row[j] += av * B[bj];
      }
      out.set(row, (bi * m + i) * n);
    }
  }
}

function matmulI32(a: View<Int32Array>, b: View<Int32Array>, out: Int32Array, batch: number, m: number, k: number, n: number): void {
  const A = a.buffer,
    B = b.buffer;
  const [as0, as1, as2] = a.strides;
  const [bs0, bs1, bs2] = b.strides;
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      const o = (bi * m + i) * n;
      for (let j = 0; j < n; j++) out[o + j] = 0;
      const aRow = a.offset + bi * as0 + i * as1;
      for (let p = 0; p < k; p++) {
        const av = A[aRow + p * as2];
        let bj = b.offset + bi * bs0 + p * bs1;
        for (let j = 0; j < n; j++, bj += bs2) out[o + j] = (out[o + j] + Math.imul(av, B[bj])) | 0;
      }
    }
  }
}
