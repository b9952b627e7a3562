/**
 * A WebAssembly SIMD matmul micro-kernel, assembled here byte by byte (no toolchain, no
 * binary blob): V8 compiles `f32x4` arithmetic to SSE/AVX instructions, which plain
 * JavaScript cannot reach, so this runs roughly ten times faster than the scalar kernel.
 *
 * The module imports one shared memory (`env.mem`) and exports a single function:
 *
 * ```
 * gemm(ap, bp, kl, aStride, bStride, bK, c, ldc, mRows, nCols, accumulate, tmp)
 * ```
 *
 * all arguments i32, addresses and strides in BYTES:
 * - A is packed in panels of MR rows: element (row r of the panel, depth p) at
 *   `ap + panel * aStride + 4 * (MR * p + r)`.
 * - B is read in panels of NR columns: element (depth p, column c of the panel) at
 *   `bp + panel * bStride + p * bK + 4 * c`, so both a packed layout (bK = 4·NR,
 *   bStride = 4·NR·k) and a plain row-major copy (bK = 4·ldb, bStride = 4·NR) work.
 * - C (row-major, row stride `ldc` bytes) receives the `mRows x nCols` product at `c`:
 *   stored, or added to what is there when `accumulate` is non-zero.
 * - `tmp` is a private scratch area of 4·MR·NR bytes for partial edge tiles.
 * `kl`, `mRows` and `nCols` must be at least 1. Rows of A past `mRows` and columns of B past
 * `nCols` (up to the next panel boundary) must be readable; their values are ignored.
 *
 * Each MR x NR tile of C is held in MR·NR/4 `v128` accumulators: per depth step the kernel
 * loads NR/4 vectors of B, splats each of the MR values of A, and does MR·NR/4 vector
 * multiply-adds, accumulating in float32 (as BLAS does).
 */

import { Code, F32, I32, V128, functionBody, name, section, uleb } from '../wasm/emit.js';

// Minimal typings for the WebAssembly JS API (the project's `lib` has no DOM and this
// @types/node version does not declare the global).
/** A compiled module (opaque). */
export interface WasmModuleLike {
  readonly __wasmModule?: never;
}
/** A WebAssembly.Memory. */
export interface WasmMemoryLike {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModuleLike;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemoryLike;
  Instance: new (module: WasmModuleLike, imports: object) => { readonly exports: Record<string, unknown> };
}
const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Rows per A panel. */
export const WASM_MR = 2;
/** Columns per B panel (four f32x4 vectors). */
export const WASM_NR = 16;
/** Bytes at the start of the memory reserved for the per-thread edge-tile areas. */
export const WASM_RESERVED_BYTES = 65536;
/** Bytes of one thread's edge-tile area. */
export const WASM_TMP_BYTES = 4 * WASM_MR * WASM_NR;
/** Maximum memory (2 GiB, so that every byte address is a non-negative i32). */
export const WASM_MAX_PAGES = 32768;

function gemmFunctionBody(MR: number, NV: number): number[] {
  const NR = 4 * NV;
  // parameters
  const ap = 0, bp = 1, kl = 2, aStride = 3, bStride = 4, bK = 5, c = 6, ldc = 7, mRows = 8, nCols = 9, accum = 10, tmp = 11;
  const nParams = 12;
  // i32 locals
  let next = nParams;
  const jj = next++, ii = next++, aPan = next++, bPan = next++, aP = next++, bP = next++, aEnd = next++;
  const cP = next++, r = next++, cc = next++, mv = next++, nv = next++, addr = next++, tAddr = next++;
  const nI32 = next - nParams;
  // v128 locals
  const acc: number[] = [];
  for (let i = 0; i < MR * NV; i++) acc.push(next++);
  const bv: number[] = [];
  for (let v = 0; v < NV; v++) bv.push(next++);
  const av = next++;
  const nV128 = next - nParams - nI32;

  const e = new Code();
  e.i32(0).set(jj).get(bp).set(bPan);
  e.block().loop(); // column panels
  {
    e.get(jj).get(nCols).geS().brIf(1);
    e.i32(0).set(ii).get(ap).set(aPan);
    e.block().loop(); // row panels
    {
      e.get(ii).get(mRows).geS().brIf(1);
      for (const x of acc) e.v128Zero().set(x);
      e.get(aPan).set(aP).get(bPan).set(bP);
      e.get(aPan).get(kl).i32(4 * MR).mul().add().set(aEnd);
      e.loop(); // depth
      {
        for (let v = 0; v < NV; v++) e.get(bP).v128Load(16 * v).set(bv[v]!);
        for (let rr = 0; rr < MR; rr++) {
          e.get(aP).v128Load32Splat(4 * rr).set(av);
          for (let v = 0; v < NV; v++) {
            const x = acc[rr * NV + v]!;
            e.get(x).get(av).get(bv[v]!).f32x4Mul().f32x4Add().set(x);
          }
        }
        e.get(bP).get(bK).add().set(bP);
        e.get(aP).i32(4 * MR).add().tee(aP).get(aEnd).ltS().brIf(0);
      }
      e.end();
      // store the tile
      e.get(mRows).get(ii).sub().set(mv);
      e.get(nCols).get(jj).sub().set(nv);
      e.get(c).get(ii).get(ldc).mul().add().get(jj).i32(4).mul().add().set(cP);
      e.get(mv).i32(MR).geS().get(nv).i32(NR).geS().and().if();
      {
        e.get(accum).if();
        for (let rr = 0; rr < MR; rr++) {
          for (let v = 0; v < NV; v++) e.get(cP).get(acc[rr * NV + v]!).get(cP).v128Load(16 * v).f32x4Add().v128Store(16 * v);
          if (rr < MR - 1) e.get(cP).get(ldc).add().set(cP);
        }
        e.else();
        for (let rr = 0; rr < MR; rr++) {
          for (let v = 0; v < NV; v++) e.get(cP).get(acc[rr * NV + v]!).v128Store(16 * v);
          if (rr < MR - 1) e.get(cP).get(ldc).add().set(cP);
        }
        e.end();
      }
      e.else();
      {
        // partial tile: spill to tmp, then copy the valid mv x nv corner element by element
        for (let i = 0; i < MR * NV; i++) e.get(tmp).get(acc[i]!).v128Store(16 * i);
        e.get(mv).i32(MR).geS().if().i32(MR).set(mv).end();
        e.get(nv).i32(NR).geS().if().i32(NR).set(nv).end();
        e.i32(0).set(r);
        e.block().loop();
        {
          e.get(r).get(mv).geS().brIf(1);
          e.i32(0).set(cc);
          e.block().loop();
          {
            e.get(cc).get(nv).geS().brIf(1);
            e.get(cP).get(cc).i32(4).mul().add().set(addr);
            e.get(tmp).get(r).i32(4 * NR).mul().add().get(cc).i32(4).mul().add().set(tAddr);
            e.get(addr);
            e.get(accum).if(F32);
            e.get(addr).f32Load(0).get(tAddr).f32Load(0).f32Add();
            e.else();
            e.get(tAddr).f32Load(0);
            e.end();
            e.f32Store(0);
            e.get(cc).i32(1).add().set(cc).br(0);
          }
          e.end().end();
          e.get(cP).get(ldc).add().set(cP);
          e.get(r).i32(1).add().set(r).br(0);
        }
        e.end().end();
      }
      e.end();
      e.get(ii).i32(MR).add().set(ii);
      e.get(aPan).get(aStride).add().set(aPan);
      e.br(0);
    }
    e.end().end();
    e.get(jj).i32(NR).add().set(jj);
    e.get(bPan).get(bStride).add().set(bPan);
    e.br(0);
  }
  e.end().end();
  e.end(); // function

  return functionBody([[nI32, I32], [nV128, V128]], e);
}

/** The binary module (see the file comment). */
export function matmulWasmBytes(): Uint8Array {
  const nParams = 12;
  const type = section(1, [1, 0x60, ...uleb(nParams), ...new Array<number>(nParams).fill(I32), 0]);
  // memory import, limits flag 0x03 = shared with maximum
  const imports = section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x03, ...uleb(1), ...uleb(WASM_MAX_PAGES)]);
  const funcs = section(3, [1, 0]);
  const exports = section(7, [1, ...name('gemm'), 0x00, 0]);
  const code = section(10, [1, ...gemmFunctionBody(WASM_MR, WASM_NR / 4)]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...imports, ...funcs, ...exports, ...code]);
}

/** The raw exported kernel. */
export type WasmGemmKernel = (
  ap: number, bp: number, kl: number, aStride: number, bStride: number, bK: number,
  c: number, ldc: number, mRows: number, nCols: number, accumulate: number, tmp: number,
) => void;

/** A compiled module and the shared memory its instances use. */
export interface WasmMatmul {
  module: WasmModuleLike;
  memory: WasmMemoryLike;
  /** The main thread's instance. */
  kernel: WasmGemmKernel;
}

let state: WasmMatmul | null | undefined;

/**
 * Compiles the module and creates the shared memory (once). Returns null where
 * WebAssembly SIMD or shared memory is unavailable, or the kernel fails its self-check.
 */
export function getWasmMatmul(): WasmMatmul | null {
  if (state !== undefined) return state;
  state = null;
  try {
    if (wasmApi === undefined || typeof SharedArrayBuffer !== 'function') return null;
    const bytes = matmulWasmBytes();
    if (!wasmApi.validate(bytes)) return null;
    const module = new wasmApi.Module(bytes);
    const memory = new wasmApi.Memory({ initial: 2, maximum: WASM_MAX_PAGES, shared: true });
    const instance = new wasmApi.Instance(module, { env: { mem: memory } });
    const kernel = instance.exports.gemm as WasmGemmKernel;
    if (!selfCheck(kernel, memory)) return null;
    state = { module, memory, kernel };
  } catch {
    state = null;
  }
  return state;
}

/** A 3x5 by 5x17 product (one full and several partial tiles, both store modes) in page 2. */
function selfCheck(kernel: WasmGemmKernel, memory: WasmMemoryLike): boolean {
  const m = 3, k = 5, n = 17;
  const mp = 4, np = 32;
  const base = WASM_RESERVED_BYTES;
  const f = new Float32Array(memory.buffer, base, mp * k + np * k + m * n);
  const apE = 0, bpE = mp * k, cE = bpE + np * k;
  const A = (i: number, p: number): number => ((i * 7 + p * 3) % 5) - 2;
  const B = (p: number, j: number): number => ((p * 5 + j * 2) % 7) - 3;
  f.fill(0);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) f[apE + (i >> 1) * 2 * k + 2 * p + (i & 1)] = A(i, p);
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) f[bpE + (j >> 4) * 16 * k + 16 * p + (j & 15)] = B(p, j);
  // depth 0..2 stored, depth 3..4 accumulated
  const call = (k0: number, kl: number, accumulate: number): void =>
    kernel(base + 4 * (apE + 2 * k0), base + 4 * (bpE + 16 * k0), kl, 4 * 2 * k, 4 * 16 * k, 4 * 16, base + 4 * cE, 4 * n, m, n, accumulate, 0);
  call(0, 3, 0);
  call(3, 2, 1);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
      if (f[cE + i * n + j] !== s) return false;
    }
  }
  return true;
}
