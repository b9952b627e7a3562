/**
 * The float32 matmul compute kernels, shared by the main thread and the matmul worker pool.
 *
 * Every function in this file is SELF-CONTAINED: it references nothing outside its own
 * body except globals (`Math`, `Atomics`). The worker pool embeds their source text
 * (`Function.prototype.toString`) into an inline worker script, so the same code runs on
 * the main thread (from TypeScript sources or from `dist/`) and in the workers, with no
 * worker file to resolve. Do not call helpers or use module-level constants in here.
 *
 * Contents: {@link gemmPackedF32} (the plain-JavaScript 4x4 kernel), {@link makeWasmGemm}
 * (blocking around the WebAssembly SIMD kernel of `matmul-wasm.ts`) and
 * {@link runMatmulJob} (the chunk loop every thread runs).
 *
 * Packed layouts of the JavaScript kernel (see `matmul.ts` for the packers), MR = NR = 4:
 * - packed A: for row panel `ip` (rows `4ip .. 4ip+3`), element (row `4ip + r`, depth `p`)
 *   sits at `ip * 4k + 4p + r`; rows past `m` are zero.
 * - packed B: for column panel `jp`, element (depth `p`, column `4jp + c`) sits at
 *   `jp * 4k + 4p + c`; columns past `n` are zero.
 */

// A type-only import: erased at compile time, so the functions here stay self-contained.
import type { WasmGemmKernel } from './matmul-wasm.js';

/**
 * `C[i0:i1, j0:j1] = A[i0:i1, :] @ B[:, j0:j1]` over packed operands, overwriting C.
 *
 * `i0` and `j0` must be multiples of 4. C element (i, j) lives at `cOff + i * ldc + j`.
 * B must be packed 4-wide (the last two arguments exist for {@link GemmFn} compatibility
 * with the WebAssembly kernel, which can also read an unpacked row-major B).
 * The depth is processed in blocks of `KC` so that one packed B panel block stays in L1
 * and the A block in L2; each 4x4 tile of C is held in 16 local variables (doubles in V8,
 * rounded to float32 only when stored).
 */
export const gemmPackedF32: GemmFn = function gemmPackedF32(
  ap,
  apOff,
  bp,
  bpOff,
  k,
  c,
  cOff,
  ldc,
  i0,
  i1,
  j0,
  j1,
  _bPanelStride,
  _bKStride,
  _aPanelStride,
  _aKStride,
) {
  const KC = 256;
  const panelStride = 4 * k;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kl = k - k0 < KC ? k - k0 : KC;
    const first = k0 === 0;
    for (let j = j0; j < j1; j += 4) {
      const bStart = bpOff + (j >> 2) * panelStride + 4 * k0;
      const nv = j1 - j < 4 ? j1 - j : 4;
      for (let i = i0; i < i1; i += 4) {
        let ai = apOff + (i >> 2) * panelStride + 4 * k0;
        const aEnd = ai + 4 * kl;
        let bi = bStart;
        let c00 = 0,
          c01 = 0,
          c02 = 0,
          c03 = 0;
        let c10 = 0,
          c11 = 0,
          c12 = 0,
          c13 = 0;
        let c20 = 0,
          c21 = 0,
          c22 = 0,
          c23 = 0;
        let c30 = 0,
          c31 = 0,
          c32 = 0,
          c33 = 0;
        for (; ai < aEnd; ai += 4, bi += 4) {
          const a0 = ap[ai],
            a1 = ap[ai + 1],
            a2 = ap[ai + 2],
            a3 = ap[ai + 3];
          let b = bp[bi];
          c00 += a0 * b;
          c10 += a1 * b;
          c20 += a2 * b;
          c30 += a3 * b;
          b = bp[bi + 1];
          c01 += a0 * b;
          c11 += a1 * b;
          c21 += a2 * b;
          c31 += a3 * b;
          b = bp[bi + 2];
          c02 += a0 * b;
          c12 += a1 * b;
          c22 += a2 * b;
          c32 += a3 * b;
          b = bp[bi + 3];
          c03 += a0 * b;
          c13 += a1 * b;
          c23 += a2 * b;
          c33 += a3 * b;
        }
        const mv = i1 - i < 4 ? i1 - i : 4;
        let o = cOff + i * ldc + j;
        if (mv === 4 && nv === 4) {
          if (first) {
            c[o] = c00;
            c[o + 1] = c01;
            c[o + 2] = c02;
            c[o + 3] = c03;
            o += ldc;
            c[o] = c10;
            c[o + 1] = c11;
            c[o + 2] = c12;
            c[o + 3] = c13;
            o += ldc;
            c[o] = c20;
            c[o + 1] = c21;
            c[o + 2] = c22;
            c[o + 3] = c23;
            o += ldc;
            c[o] = c30;
            c[o + 1] = c31;
            c[o + 2] = c32;
            c[o + 3] = c33;
          } else {
            c[o] += c00;
            c[o + 1] += c01;
            c[o + 2] += c02;
            c[o + 3] += c03;
            o += ldc;
            c[o] += c10;
            c[o + 1] += c11;
            c[o + 2] += c12;
            c[o + 3] += c13;
            o += ldc;
            c[o] += c20;
            c[o + 1] += c21;
            c[o + 2] += c22;
            c[o + 3] += c23;
            o += ldc;
            c[o] += c30;
            c[o + 1] += c31;
            c[o + 2] += c32;
            c[o + 3] += c33;
          }
        } else {
          // Edge tile: store only the valid mv x nv corner.
          for (let r = 0; r < mv; r++, o += ldc) {
            const v0 = r === 0 ? c00 : r === 1 ? c10 : r === 2 ? c20 : c30;
            const v1 = r === 0 ? c01 : r === 1 ? c11 : r === 2 ? c21 : c31;
            const v2 = r === 0 ? c02 : r === 1 ? c12 : r === 2 ? c22 : c32;
            const v3 = r === 0 ? c03 : r === 1 ? c13 : r === 2 ? c23 : c33;
            if (first) {
              c[o] = v0;
              if (nv > 1) c[o + 1] = v1;
              if (nv > 2) c[o + 2] = v2;
              if (nv > 3) c[o + 3] = v3;
            } else {
              c[o] += v0;
              if (nv > 1) c[o + 1] += v1;
              if (nv > 2) c[o + 2] += v2;
              if (nv > 3) c[o + 3] += v3;
            }
          }
        }
      }
    }
  }
};

/**
 * A float32 GEMM over operands in one scratch: `C[i0:i1, j0:j1] = A[i0:i1, :] @ B[:, j0:j1]`
 * with element offsets. A is packed in row panels (see the kernel for the width); B is read
 * at `bpOff + panel * bPanelStride + p * bKStride + c` (packed or a row-major copy).
 */
export type GemmFn = (
  ap: Float32Array,
  apOff: number,
  bp: Float32Array,
  bpOff: number,
  k: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  bPanelStride: number,
  bKStride: number,
  aPanelStride: number,
  aKStride: number,
) => void;

/**
 * Wraps the WebAssembly kernel as a {@link GemmFn} over the wasm memory (the typed-array
 * arguments are ignored; offsets are float32 indices into the memory). Blocks the depth
 * (KC) so that a B panel block stays in L1, and the rows (MC) so that the A block stays in L2.
 * `tmp` is this thread's private edge-tile area; `mr`/`nr` are the kernel's panel sizes.
 */
export function makeWasmGemm(kernel: WasmGemmKernel, tmp: number, mr: number, nr: number): GemmFn {
  const KC = 256;
  return function wasmGemm(_ap, apOff, _bp, bpOff, k, _c, cOff, ldc, i0, i1, j0, j1, bPanelStride, bKStride, aPanelStride, aKStride) {
    // Row blocks of about 128 rows, equal multiples of mr (no thin last block that would
    // stream all of B again for a few rows).
    const rows = i1 - i0;
    const blocks = Math.ceil(rows / 128);
    const MC = Math.ceil(Math.ceil(rows / blocks) / mr) * mr;
    const aStride = 4 * aPanelStride;
    const aK = 4 * aKStride;
    const bStride = 4 * bPanelStride;
    const bK = 4 * bKStride;
    const aBase = 4 * apOff + (i0 / mr) * aStride;
    const bBase = 4 * bpOff + (j0 / nr) * bStride;
    const nCols = j1 - j0;
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kl = k - k0 < KC ? k - k0 : KC;
      const accumulate = k0 === 0 ? 0 : 1;
      for (let i = i0; i < i1; i += MC) {
        const mRows = i1 - i < MC ? i1 - i : MC;
        kernel(
          aBase + ((i - i0) / mr) * aStride + k0 * aK,
          bBase + k0 * bK,
          kl,
          aStride,
          bStride,
          bK,
          4 * (cOff + i * ldc + j0),
          4 * ldc,
          mRows,
          nCols,
          accumulate,
          tmp,
          aK,
        );
      }
    }
  };
}

/**
 * Claims and computes chunks of the current job until none is left. Runs on the main
 * thread and in every worker. Returns the number of chunks this caller computed.
 *
 * Control block (`ctl`, an Int32Array over a SharedArrayBuffer), see `matmul-pool.ts`:
 *  0 WAKE   bumped by the main thread to wake the workers
 *  1 CLAIM  `(gen << 16) | nextChunk`, advanced by compare-exchange
 *  2 DONE   chunks finished in the current job
 *  3 ERROR  set when a worker threw
 *  4 STOP   asks workers to exit
 *  5 SCRATCH_VER  version of the scratch buffer the job's offsets refer to
 *  6 TOTAL  chunks in the job
 *  7 M, 8 N, 9 K, 10 BATCH
 *  11 TM, 12 TN (tile sizes, multiples of the kernel's panel sizes), 13 NTI, 14 NTJ (tiles
 *     along rows / cols),
 *  15 BG (batches per chunk)
 *  16 A_OFF, 17 A_BSTRIDE, 18 B_OFF, 19 B_BSTRIDE, 20 C_OFF (scratch element offsets;
 *     a batch stride of 0 broadcasts one packed operand over the batch)
 *  21 B_PANEL, 22 B_KSTRIDE (B's layout, see {@link GemmFn})
 *  23 READY  workers that have started (each adds 1 before taking work)
 *  24 A_PANEL, 25 A_KSTRIDE (A's layout, see {@link GemmFn})
 *
 * Publishing a job: the main thread first closes CLAIM (`(gen << 16) | 0xffff`, an index
 * past any TOTAL), then writes the parameters and resets DONE, then opens CLAIM at
 * `(gen << 16) | 0`. It starts a job only after every chunk of the previous one is DONE.
 * A claim succeeds only while CLAIM still holds the value read, so parameters read after
 * a successful claim always belong to the claimed chunk's job.
 */
export function runMatmulJob(ctl: Int32Array, getScratch: (version: number) => Float32Array, gemm: GemmFn, notifyDone: boolean): number {
  let computed = 0;
  for (;;) {
    const cur = Atomics.load(ctl, 1);
    const idx = cur & 0xffff;
    const total = Atomics.load(ctl, 6);
    if (idx >= total) return computed;
    if (Atomics.compareExchange(ctl, 1, cur, cur + 1) !== cur) continue;
    // Re-read the total: it belongs to the claimed job (the one read above may be stale).
    const jobTotal = ctl[6];
    try {
      const s = getScratch(ctl[5]);
      const m = ctl[7],
        n = ctl[8],
        k = ctl[9],
        batch = ctl[10];
      const tm = ctl[11],
        tn = ctl[12],
        nti = ctl[13],
        ntj = ctl[14],
        bg = ctl[15];
      const aOff = ctl[16],
        aBs = ctl[17],
        bOff = ctl[18],
        bBs = ctl[19],
        cOff = ctl[20];
      const bPanel = ctl[21],
        bKs = ctl[22],
        aPanel = ctl[24],
        aKs = ctl[25];
      const tiles = nti * ntj;
      const group = (idx / tiles) | 0;
      const tile = idx - group * tiles;
      const ti = (tile / ntj) | 0;
      const tj = tile - ti * ntj;
      const i0 = ti * tm,
        j0 = tj * tn;
      const i1 = i0 + tm < m ? i0 + tm : m;
      const j1 = j0 + tn < n ? j0 + tn : n;
      const bEnd = (group + 1) * bg < batch ? (group + 1) * bg : batch;
      for (let bi = group * bg; bi < bEnd; bi++) {
        gemm(s, aOff + bi * aBs, s, bOff + bi * bBs, k, s, cOff + bi * m * n, n, i0, i1, j0, j1, bPanel, bKs, aPanel, aKs);
      }
    } catch {
      // Counted as done all the same so that nobody waits forever; the main thread sees
      // ERROR and recomputes the product on its own.
      Atomics.store(ctl, 3, 1);
    }
    computed++;
    if (Atomics.add(ctl, 2, 1) + 1 === jobTotal && notifyDone) Atomics.notify(ctl, 2);
  }
}
