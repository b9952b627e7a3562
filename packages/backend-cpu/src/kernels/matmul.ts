/**
 * Batched matrix multiplication for the CPU backend.
 *
 * float32 (the hot path) runs on one of two kernels:
 * - `wasm` (default): a WebAssembly SIMD micro-kernel assembled in `matmul-wasm.ts`
 *   (2x16 tiles of f32x4 accumulators, ~40 GFLOP/s per core on AVX2 hardware);
 * - `js`: a 4x4 register-blocked scalar kernel in plain JavaScript (`matmul-kernel.ts`,
 *   ~4-5 GFLOP/s per core), used where WebAssembly SIMD or shared memory is unavailable.
 * Operands are first copied into a scratch buffer, packed into panels (which makes any stride
 * pattern — transposed, sliced, broadcast — cost the same); a row-major B of a small product
 * is copied as is. Large products are split across a worker-thread pool
 * (`matmul-pool.ts`); the call stays synchronous. Accumulation is in float32 for `wasm`
 * (as in BLAS) and in float64 for `js`.
 *
 * float64 and int32 use a simple strided i-p-j loop (int32 wraps on overflow, like
 * two's-complement hardware).
 *
 * Configuration: `FACKEL_CPU_THREADS=n` or {@link setCpuThreads} (n = 1 turns the pool off;
 * the default is `os.availableParallelism()`), and `FACKEL_CPU_MATMUL=js` or
 * {@link setMatmulKernel} to force the JavaScript kernel.
 */
import { availableParallelism } from 'node:os';
import type { TypedArray, View } from '@fackel/tensor';
import { gemmPackedF32, makeWasmGemm, type GemmFn } from './matmul-kernel.js';
import { MAX_CHUNKS, MatmulPool, type MatmulJob } from './matmul-pool.js';
import { WASM_MAX_PAGES, WASM_MR, WASM_NR, WASM_RESERVED_BYTES, WASM_TMP_BYTES, getWasmMatmul, type WasmMatmul } from './matmul-wasm.js';

/**
 * Products with fewer multiply-adds (batch·m·n·k) than this stay on the calling thread, per
 * kernel. Waking a worker costs some 10-50 µs; these take about 0.05 ms on one core.
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

/**
 * `out[b] = a[b] @ b[b]` for every batch entry `b`.
 *
 * `a` is `[batch, m, k]`, `b` is `[batch, k, n]`, both with arbitrary strides (a batch
 * stride of 0 broadcasts). `out` is a contiguous `[batch, m, n]` buffer of the operands'
 * dtype (float32, float64 or int32); it is overwritten.
 *
 * @example
 * ```ts
 * import { matmulInto } from './matmul.js';
 * const a = { buffer: new Float32Array([1, 2, 3, 4]), dtype: 'float32', shape: [1, 2, 2], strides: [4, 2, 1], offset: 0 } as const;
 * const out = new Float32Array(4);
 * matmulInto(a, a, out); // [7, 10, 15, 22]
 * ```
 */
export function matmulInto(
  a: View<TypedArray>,
  b: View<TypedArray>,
  out: Float32Array | Float64Array | Int32Array,
): void {
  const batch = a.shape[0], m = a.shape[1], k = a.shape[2], n = b.shape[2];
  const size = batch * m * n;
  if (size === 0) return;
  if (k === 0) {
    out.fill(0, 0, size);
    return;
  }
  if (out instanceof Float32Array && a.buffer instanceof Float32Array && b.buffer instanceof Float32Array) {
    matmulF32(a as View<Float32Array>, b as View<Float32Array>, out, batch, m, k, n);
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
  src: Float32Array, off: number, sRow: number, sDepth: number,
  rows: number, depth: number, w: number, dst: Float32Array, dOff: number,
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

/**
 * {@link packPanels} for 16-wide panels (the wasm kernel's B), unrolled: for each depth step
 * it gathers the 16 rows (columns of B) with one stride, so a row-major B (sRow = 1) and a
 * transposed one (sRow = k) are both about 0.5 ns per element.
 */
function packPanels16(
  src: Float32Array, off: number, sRow: number, sDepth: number,
  rows: number, depth: number, dst: Float32Array, dOff: number,
): void {
  const full = rows - (rows % 16);
  const r2 = 2 * sRow, r3 = 3 * sRow, r4 = 4 * sRow, r5 = 5 * sRow, r6 = 6 * sRow, r7 = 7 * sRow, r8 = 8 * sRow;
  const r9 = 9 * sRow, r10 = 10 * sRow, r11 = 11 * sRow, r12 = 12 * sRow, r13 = 13 * sRow, r14 = 14 * sRow, r15 = 15 * sRow;
  for (let r0 = 0; r0 < full; r0 += 16) {
    let d = dOff + r0 * depth;
    let s = off + r0 * sRow;
    for (let p = 0; p < depth; p++, d += 16, s += sDepth) {
      dst[d] = src[s]; dst[d + 1] = src[s + sRow]; dst[d + 2] = src[s + r2]; dst[d + 3] = src[s + r3];
      dst[d + 4] = src[s + r4]; dst[d + 5] = src[s + r5]; dst[d + 6] = src[s + r6]; dst[d + 7] = src[s + r7];
      dst[d + 8] = src[s + r8]; dst[d + 9] = src[s + r9]; dst[d + 10] = src[s + r10]; dst[d + 11] = src[s + r11];
      dst[d + 12] = src[s + r12]; dst[d + 13] = src[s + r13]; dst[d + 14] = src[s + r14]; dst[d + 15] = src[s + r15];
    }
  }
  if (full < rows) packPanels(src, off + full * sRow, sRow, sDepth, rows - full, depth, 16, dst, dOff + full * depth);
}

/** {@link packPanels} for 2-wide panels (the wasm kernel's A): both rows in one pass. */
function packPanels2(
  src: Float32Array, off: number, sRow: number, sDepth: number,
  rows: number, depth: number, dst: Float32Array, dOff: number,
): void {
  for (let r0 = 0; r0 < rows; r0 += 2) {
    let d = dOff + r0 * depth;
    let s = off + r0 * sRow;
    if (r0 + 1 < rows) {
      const s1 = sRow;
      for (let p = 0; p < depth; p++, d += 2, s += sDepth) {
        dst[d] = src[s];
        dst[d + 1] = src[s + s1];
      }
    } else {
      for (let p = 0; p < depth; p++, d += 2, s += sDepth) {
        dst[d] = src[s];
        dst[d + 1] = 0;
      }
    }
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
  if (m <= 16) return n;
  const ld = roundUp(n, 16);
  return ld % 128 === 0 ? ld + 16 : ld;
}

/** Where the operands and the result live in the scratch, in float32 elements. */
interface Layout {
  mr: number;
  nr: number;
  aPanel: number;
  aCount: number;
  bRegion: number;
  bCount: number;
  /** Row stride of a B copied as is; 0 when B is packed. */
  bLd: number;
  aOff: number;
  bOff: number;
  cOff: number;
  end: number;
}

function layoutFor(base: number, mr: number, nr: number, batch: number, m: number, k: number, n: number, aBs: number, bBs: number, bDirect: boolean): Layout {
  const align = (x: number): number => roundUp(x, 16);
  const aPanel = align(roundUp(m, mr) * k);
  const aCount = aBs === 0 ? 1 : batch;
  const bCount = bBs === 0 ? 1 : batch;
  const bLd = bDirect ? directLd(n, m) : 0;
  // A direct B is read up to the next panel boundary past each row's end: pad by one panel.
  const bRegion = align(bDirect ? k * bLd + nr : roundUp(n, nr) * k);
  const aOff = base;
  const bOff = aOff + aCount * aPanel;
  const cOff = bOff + bCount * bRegion;
  return { mr, nr, aPanel, aCount, bRegion, bCount, bLd, aOff, bOff, cOff, end: cOff + align(batch * m * n) };
}

function packOperands(
  a: View<Float32Array>, b: View<Float32Array>, L: Layout,
  m: number, k: number, n: number, aBs: number, bBs: number, dst: Float32Array,
): void {
  for (let bi = 0; bi < L.aCount; bi++) {
    const o = L.aOff + bi * L.aPanel;
    if (L.mr === 2) packPanels2(a.buffer, a.offset + bi * aBs, a.strides[1], a.strides[2], m, k, dst, o);
    else packPanels(a.buffer, a.offset + bi * aBs, a.strides[1], a.strides[2], m, k, L.mr, dst, o);
  }
  for (let bi = 0; bi < L.bCount; bi++) {
    const o = L.bOff + bi * L.bRegion;
    if (L.bLd > 0) copyRows(b.buffer, b.offset + bi * bBs, b.strides[1], k, n, dst, o, L.bLd);
    else if (L.nr === 16) packPanels16(b.buffer, b.offset + bi * bBs, b.strides[2], b.strides[1], n, k, dst, o);
    else packPanels(b.buffer, b.offset + bi * bBs, b.strides[2], b.strides[1], n, k, L.nr, dst, o);
  }
}

function matmulF32(
  a: View<Float32Array>, b: View<Float32Array>, out: Float32Array,
  batch: number, m: number, k: number, n: number,
): void {
  if (n === 1 && m > 1) {
    // Matrix-vector: compute the [1, m] row (b^T a^T) instead of the [m, 1] column (same
    // memory), so that the wide output dimension fills the kernel's 16-column panels.
    const at: View<Float32Array> = { ...b, shape: [batch, 1, k], strides: [b.strides[0], b.strides[2], b.strides[1]] };
    const bt: View<Float32Array> = { ...a, shape: [batch, k, m], strides: [a.strides[0], a.strides[2], a.strides[1]] };
    matmulF32(at, bt, out, batch, 1, k, m);
    return;
  }
  // A batch of one never advances, so treat its stride as a broadcast.
  const aBs = batch === 1 ? 0 : a.strides[0];
  const bBs = batch === 1 ? 0 : b.strides[0];
  const wasm = activeWasm();
  if (wasm !== null && matmulWasm(wasm, a, b, out, batch, m, k, n, aBs, bBs)) return;
  matmulJs(a, b, out, batch, m, k, n, aBs, bBs);
}

// The main thread's wasm GEMM (edge-tile area 0) and its view of the memory.
let mainWasmGemm: GemmFn | null = null;
let wasmView: Float32Array = new Float32Array(0);

/** A view of the wasm memory holding at least `end` elements, or null if it cannot grow. */
function wasmScratch(wasm: WasmMatmul, end: number): Float32Array | null {
  const bytes = end * 4;
  const have = wasm.memory.buffer.byteLength;
  if (bytes > have) {
    const maxBytes = WASM_MAX_PAGES * 65536;
    if (bytes > maxBytes) return null;
    const want = Math.min(maxBytes, Math.max(bytes, Math.ceil(have * 1.25)));
    try {
      wasm.memory.grow(Math.ceil((want - have) / 65536));
    } catch {
      return null;
    }
  }
  // The memory's buffer object changes (only) when it grows.
  if (wasmView.buffer !== wasm.memory.buffer) wasmView = new Float32Array(wasm.memory.buffer);
  return wasmView;
}

function matmulWasm(
  wasm: WasmMatmul, a: View<Float32Array>, b: View<Float32Array>, out: Float32Array,
  batch: number, m: number, k: number, n: number, aBs: number, bBs: number,
): boolean {
  const mr = WASM_MR, nr = WASM_NR;
  const bDirect = b.strides[2] === 1 && m <= DIRECT_B_MAX_M;
  const L = layoutFor(WASM_RESERVED_BYTES / 4, mr, nr, batch, m, k, n, aBs, bBs, bDirect);
  const view = wasmScratch(wasm, L.end);
  if (view === null) return false;
  packOperands(a, b, L, m, k, n, aBs, bBs, view);
  const bPanelStride = bDirect ? nr : nr * k;
  const bKStride = bDirect ? L.bLd : nr;
  mainWasmGemm ??= makeWasmGemm(wasm.kernel, 0, WASM_MR, WASM_NR);
  const gemm = mainWasmGemm;

  const macs = batch * m * n * k;
  let done = false;
  if (macs >= THREAD_MIN_MACS.wasm) {
    const p = getPool(wasm);
    if (p !== null) done = p.run(jobFor(L, batch, m, n, k, mr, nr, CHUNK_MIN_MACS.wasm, bPanelStride, bKStride), gemm, view);
  }
  if (!done) {
    for (let bi = 0; bi < batch; bi++) {
      const aO = L.aOff + (L.aCount === 1 ? 0 : bi * L.aPanel);
      const bO = L.bOff + (L.bCount === 1 ? 0 : bi * L.bRegion);
      gemm(view, aO, view, bO, k, view, L.cOff + bi * m * n, n, 0, m, 0, n, bPanelStride, bKStride);
    }
  }
  out.set(view.subarray(L.cOff, L.cOff + batch * m * n));
  return true;
}

/** Non-shared scratch for single-threaded JavaScript-kernel products. */
let localScratch: Float32Array = new Float32Array(0);

function matmulJs(
  a: View<Float32Array>, b: View<Float32Array>, out: Float32Array,
  batch: number, m: number, k: number, n: number, aBs: number, bBs: number,
): void {
  const mr = 4, nr = 4;
  const macs = batch * m * n * k;
  if (macs >= THREAD_MIN_MACS.js) {
    const p = getPool(null);
    if (p !== null) {
      const L = layoutFor(0, mr, nr, batch, m, k, n, aBs, bBs, false);
      const scratch = p.scratchFor(L.end);
      packOperands(a, b, L, m, k, n, aBs, bBs, scratch);
      if (p.run(jobFor(L, batch, m, n, k, mr, nr, CHUNK_MIN_MACS.js, nr * k, nr), gemmPackedF32, scratch)) {
        out.set(scratch.subarray(L.cOff, L.cOff + batch * m * n));
        return;
      }
    }
  }
  // Single-threaded: pack one batch entry at a time (a broadcast operand only once) and
  // write straight into the output.
  const aPanel = roundUp(m, mr) * k, bPanel = roundUp(n, nr) * k;
  if (localScratch.length < aPanel + bPanel) localScratch = new Float32Array(Math.max(aPanel + bPanel, Math.ceil(localScratch.length * 1.5)));
  const scratch = localScratch;
  for (let bi = 0; bi < batch; bi++) {
    if (bi === 0 || aBs !== 0) packPanels(a.buffer, a.offset + bi * aBs, a.strides[1], a.strides[2], m, k, mr, scratch, 0);
    if (bi === 0 || bBs !== 0) packPanels(b.buffer, b.offset + bi * bBs, b.strides[2], b.strides[1], n, k, nr, scratch, aPanel);
    gemmPackedF32(scratch, 0, scratch, aPanel, k, out, bi * m * n, n, 0, m, 0, n, nr * k, nr);
  }
}

/**
 * Splits the output into about `4 × threads` chunks of at least `minMacs` each (tiles whose
 * corners are multiples of the panel sizes), grouping batch entries when tiles are small.
 */
function jobFor(
  L: Layout, batch: number, m: number, n: number, k: number, mr: number, nr: number,
  minMacs: number, bPanelStride: number, bKStride: number,
): MatmulJob {
  let tm = roundUp(m, mr), tn = roundUp(n, nr);
  const target = 4 * threads;
  const tiles = (): number => Math.ceil(m / tm) * Math.ceil(n / tn);
  while (batch * tiles() < target) {
    const halfM = roundUp(Math.ceil(tm / 2), mr), halfN = roundUp(Math.ceil(tn / 2), nr);
    const canM = halfM < tm && halfM * tn * k >= minMacs;
    const canN = halfN < tn && tm * halfN * k >= minMacs;
    if (canM && (tm >= tn || !canN)) tm = halfM;
    else if (canN) tn = halfN;
    else break;
  }
  const nti = Math.ceil(m / tm), ntj = Math.ceil(n / tn);
  const perEntry = nti * ntj;
  const tileMacs = Math.min(tm, m) * Math.min(tn, n) * k;
  let bg = Math.max(1, Math.min(Math.floor(minMacs / tileMacs), Math.floor(batch / target)));
  bg = Math.max(bg, Math.ceil((batch * perEntry) / MAX_CHUNKS));
  return {
    m, n, k, batch, tm, tn, nti, ntj, bg,
    aOff: L.aOff, aBatchStride: L.aCount === 1 ? 0 : L.aPanel,
    bOff: L.bOff, bBatchStride: L.bCount === 1 ? 0 : L.bRegion,
    cOff: L.cOff, bPanelStride, bKStride,
  };
}

// ---------------------------------------------------------------------------------------
// float64 (and any other floating combination) and int32: simple strided loops

function matmulF64(
  a: View<TypedArray>, b: View<TypedArray>, out: Float32Array | Float64Array | Int32Array,
  batch: number, m: number, k: number, n: number,
): void {
  const A = a.buffer, B = b.buffer;
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

function matmulI32(
  a: View<Int32Array>, b: View<Int32Array>, out: Int32Array,
  batch: number, m: number, k: number, n: number,
): void {
  const A = a.buffer, B = b.buffer;
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
