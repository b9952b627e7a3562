/**
 * Batched matrix multiplication for the CPU backend.
 *
 * float32 (the hot path): both operands are packed into 4-wide panels (which also makes any
 * stride pattern — transposed, sliced, broadcast — cost the same), then a 4x4
 * register-blocked kernel computes the product (`matmul-kernel.ts`). Products of at least
 * {@link THREAD_MIN_MACS} multiply-adds are split across a worker-thread pool
 * (`matmul-pool.ts`); the call stays synchronous.
 *
 * float64 and int32 use a simple strided i-p-j loop (int32 wraps on overflow, like
 * two's-complement hardware).
 *
 * Threads: `FACKEL_CPU_THREADS=n` in the environment or {@link setCpuThreads} (n = 1 turns
 * the pool off). The default is `os.availableParallelism()`.
 */
import { availableParallelism } from 'node:os';
import type { TypedArray, View } from '@fackel/tensor';
import { gemmPackedF32 } from './matmul-kernel.js';
import { MAX_CHUNKS, MatmulPool, type MatmulJob } from './matmul-pool.js';

/**
 * Products with fewer multiply-adds (batch·m·n·k) than this stay on the calling thread.
 * Waking a worker costs tens of microseconds; 2^18 MACs take ~0.1 ms on one core.
 */
export const THREAD_MIN_MACS = 1 << 18;
/** Smallest chunk of work (multiply-adds) handed to one thread. */
const CHUNK_MIN_MACS = 1 << 16;

function envThreads(): number | undefined {
  const raw = typeof process !== 'undefined' ? process.env.FACKEL_CPU_THREADS : undefined;
  if (raw === undefined || raw === '') return undefined;
  const v = Number(raw);
  return Number.isInteger(v) && v >= 1 ? v : undefined;
}

let threads = envThreads() ?? Math.max(1, availableParallelism());
let pool: MatmulPool | null = null;

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
  if (pool !== null) {
    pool.destroy();
    pool = null;
  }
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

function getPool(): MatmulPool | null {
  if (threads <= 1) return null;
  if (pool === null) pool = new MatmulPool(threads - 1);
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

/** Non-shared scratch for single-threaded products. */
let localScratch = new Float32Array(0);

function localScratchFor(size: number): Float32Array {
  if (localScratch.length < size) localScratch = new Float32Array(Math.max(size, Math.ceil(localScratch.length * 1.5)));
  return localScratch;
}

const roundUp4 = (x: number): number => (x + 3) & ~3;

/**
 * Packs `rows` x `depth` elements of `src` (element (r, d) at `off + r*sRow + d*sDepth`)
 * into 4-row panels: (r, d) goes to `dOff + (r >> 2) * 4 * depth + 4 * d + (r & 3)`.
 * Rows past `rows` (up to the next multiple of 4) are zero-filled. A is packed with its
 * rows, B with its columns as "rows".
 */
function packPanels(
  src: Float32Array, off: number, sRow: number, sDepth: number,
  rows: number, depth: number, dst: Float32Array, dOff: number,
): void {
  const depthInner = Math.abs(sDepth) <= Math.abs(sRow);
  for (let r0 = 0; r0 < rows; r0 += 4) {
    const base = dOff + r0 * depth;
    const rv = rows - r0 < 4 ? rows - r0 : 4;
    if (depthInner) {
      // Walk each row along the depth (contiguous reads for row-major A / transposed B).
      for (let r = 0; r < 4; r++) {
        let d = base + r;
        if (r < rv) {
          let s = off + (r0 + r) * sRow;
          if (sDepth === 1) {
            for (let p = 0; p < depth; p++, d += 4) dst[d] = src[s + p];
          } else {
            for (let p = 0; p < depth; p++, d += 4, s += sDepth) dst[d] = src[s];
          }
        } else {
          for (let p = 0; p < depth; p++, d += 4) dst[d] = 0;
        }
      }
    } else {
      // Walk the depth, reading 4 neighbouring rows at each step (row-major B / transposed A).
      let s = off + r0 * sRow;
      let d = base;
      if (rv === 4) {
        const s1 = sRow, s2 = 2 * sRow, s3 = 3 * sRow;
        for (let p = 0; p < depth; p++, d += 4, s += sDepth) {
          dst[d] = src[s];
          dst[d + 1] = src[s + s1];
          dst[d + 2] = src[s + s2];
          dst[d + 3] = src[s + s3];
        }
      } else {
        for (let p = 0; p < depth; p++, d += 4, s += sDepth) {
          for (let r = 0; r < 4; r++) dst[d + r] = r < rv ? src[s + r * sRow] : 0;
        }
      }
    }
  }
}

function matmulF32(
  a: View<Float32Array>, b: View<Float32Array>, out: Float32Array,
  batch: number, m: number, k: number, n: number,
): void {
  // A batch of one never advances, so treat its stride as a broadcast.
  const aBs = batch === 1 ? 0 : a.strides[0];
  const bBs = batch === 1 ? 0 : b.strides[0];
  const mp = roundUp4(m), np = roundUp4(n);
  const aPanel = mp * k, bPanel = np * k;
  const macs = batch * m * n * k;

  if (macs >= THREAD_MIN_MACS) {
    const p = getPool();
    if (p !== null && runThreaded(p, a, b, out, batch, m, k, n, aBs, bBs)) return;
  }

  // Single-threaded: pack one batch entry at a time (a broadcast operand only once).
  const scratch = localScratchFor(aPanel + bPanel);
  for (let bi = 0; bi < batch; bi++) {
    if (bi === 0 || aBs !== 0) packPanels(a.buffer, a.offset + bi * aBs, a.strides[1], a.strides[2], m, k, scratch, 0);
    if (bi === 0 || bBs !== 0) packPanels(b.buffer, b.offset + bi * bBs, b.strides[2], b.strides[1], n, k, scratch, aPanel);
    gemmPackedF32(scratch, 0, scratch, aPanel, k, out, bi * m * n, n, 0, m, 0, n);
  }
}

/** Splits the output into about `4 × threads` chunks of at least CHUNK_MIN_MACS each. */
function planJob(batch: number, m: number, n: number, k: number, nThreads: number): Pick<MatmulJob, 'tm' | 'tn' | 'nti' | 'ntj' | 'bg'> {
  let tm = roundUp4(m), tn = roundUp4(n);
  const target = 4 * nThreads;
  const tiles = (): number => Math.ceil(m / tm) * Math.ceil(n / tn);
  while (batch * tiles() < target) {
    const halfM = roundUp4(Math.ceil(tm / 2)), halfN = roundUp4(Math.ceil(tn / 2));
    const canM = tm > 4 && halfM * tn * k >= CHUNK_MIN_MACS;
    const canN = tn > 4 && tm * halfN * k >= CHUNK_MIN_MACS;
    if (canM && (tm >= tn || !canN)) tm = halfM;
    else if (canN) tn = halfN;
    else break;
  }
  const nti = Math.ceil(m / tm), ntj = Math.ceil(n / tn);
  // Group batch entries so that chunks are neither tiny nor too many.
  const perEntry = nti * ntj;
  const tileMacs = Math.min(tm, m) * Math.min(tn, n) * k;
  let bg = Math.max(1, Math.min(Math.floor(CHUNK_MIN_MACS / tileMacs), Math.floor(batch / target)));
  bg = Math.max(bg, Math.ceil((batch * perEntry) / MAX_CHUNKS));
  return { tm, tn, nti, ntj, bg };
}

function runThreaded(
  pool: MatmulPool, a: View<Float32Array>, b: View<Float32Array>, out: Float32Array,
  batch: number, m: number, k: number, n: number, aBs: number, bBs: number,
): boolean {
  const mp = roundUp4(m), np = roundUp4(n);
  const aPanel = mp * k, bPanel = np * k;
  const aCount = aBs === 0 ? 1 : batch, bCount = bBs === 0 ? 1 : batch;
  const aOff = 0, bOff = aCount * aPanel, cOff = bOff + bCount * bPanel;
  const size = batch * m * n;
  const scratch = pool.scratchFor(cOff + size);
  for (let bi = 0; bi < aCount; bi++) {
    packPanels(a.buffer, a.offset + bi * aBs, a.strides[1], a.strides[2], m, k, scratch, aOff + bi * aPanel);
  }
  for (let bi = 0; bi < bCount; bi++) {
    packPanels(b.buffer, b.offset + bi * bBs, b.strides[2], b.strides[1], n, k, scratch, bOff + bi * bPanel);
  }
  const plan = planJob(batch, m, n, k, threads);
  const ok = pool.run({
    m, n, k, batch, ...plan,
    aOff, aBatchStride: aCount === 1 ? 0 : aPanel,
    bOff, bBatchStride: bCount === 1 ? 0 : bPanel,
    cOff,
  });
  if (!ok) return false;
  out.set(scratch.subarray(cOff, cOff + size));
  return true;
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
