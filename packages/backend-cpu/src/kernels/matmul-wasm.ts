/**
 * A WebAssembly SIMD matmul micro-kernel, assembled here byte by byte (no toolchain, no
 * binary blob): V8 compiles `f32x4` arithmetic to SSE/AVX instructions, which plain
 * JavaScript cannot reach, so this runs roughly ten times faster than the scalar kernel.
 *
 * The module imports one shared memory (`env.mem`) and exports the kernel
 *
 * ```
 * gemm(ap, bp, kl, aStride, bStride, bK, c, ldc, mRows, nCols, accumulate, tmp, aK)
 * ```
 *
 * and two packing functions, `packA` and `packB` (see {@link WasmPackFn}), which pack operands
 * copied into the memory several times faster than JavaScript can element by element.
 * All arguments are i32, addresses and strides in BYTES:
 * - A is read in panels of MR rows: element (row r of the panel, depth p) at
 *   `ap + panel * aStride + 4 * r + p * aK`, so both a packed layout (aK = 4·MR,
 *   aStride = 4·MR·k) and a column-major copy (aK = 4·lda, aStride = 4·MR) work.
 * - B is read in panels of NR columns: element (depth p, column c of the panel) at
 *   `bp + panel * bStride + p * bK + 4 * c`, so both a packed layout (bK = 4·NR,
 *   bStride = 4·NR·k) and a plain row-major copy (bK = 4·ldb, bStride = 4·NR) work.
 * - C (row-major, row stride `ldc` bytes) receives the `mRows x nCols` product at `c`:
 *   stored, or added to what is there when `accumulate` is non-zero.
 * - `tmp` is a private scratch area of 4·MR·NR bytes for partial edge tiles.
 * `kl`, `mRows` and `nCols` must be at least 1. Columns of B past `nCols` (up to the next
 * panel boundary) must be readable; their values are ignored. Rows of A past `mRows` are not
 * read: the last rows of a product get a tile of their own height (a code path per height).
 *
 * Each MR x NR tile of C is held in MR·NR/4 `v128` accumulators: per depth step the kernel
 * loads NR/4 vectors of B, splats each of the MR values of A, and does MR·NR/4 vector
 * multiplies and adds, accumulating in float32 (as BLAS does). The generator takes any
 * blocking ({@link WasmTile}); {@link WASM_TILE} is the one measured best (see its comment).
 *
 * The memory: the first {@link WASM_RESERVED_BYTES} hold each thread's edge-tile area, the
 * next {@link WASM_RESIDENT_BYTES} packed weight panels kept between calls; the bytes above are
 * scratch owned by whichever kernel call is running (matmul or another
 * kernel sharing the memory through {@link getWasmMatmul}), so nothing is kept there between
 * calls.
 */

import { Code, F32, I32, V128, functionBody, name, section, sharedMemoryImport, uleb, wasmModule } from '../wasm/emit.js';
import { cpuFeatures } from '../wasm/features.js';

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
/** Minimal typings of the WebAssembly JS API. */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModuleLike;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemoryLike;
  Instance: new (module: WasmModuleLike, imports: object) => { readonly exports: Record<string, unknown> };
}
/** The WebAssembly API, or undefined where the runtime has none. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * A register blocking of the micro-kernel: `mr` rows of A by `4·nv` columns of B held in
 * `mr·nv` f32x4 accumulators.
 */
export interface WasmTile {
  /** Rows per tile (A panel height). */
  mr: number;
  /** f32x4 vectors per tile row (the B panel is `4·nv` columns wide). */
  nv: number;
  /**
   * Multiply-add with `f32x4.relaxed_madd` (fused where the CPU has FMA) instead of an
   * `f32x4.mul` and an `f32x4.add`; needs relaxed SIMD in the runtime (see `wasm/features.ts`).
   */
  fma?: boolean;
}

/**
 * The blocking in use: 2 rows x 16 columns (8 accumulators). Measured against 4x8, 3x16,
 * 4x12, 5x8 and 6x8 at the char-RNN's products and at 512/1024 square (Node 20, no relaxed
 * SIMD, so a multiply and an add per step): 2x16 and 4x8 tie and the larger tiles were 3-10%
 * slower, as V8 has 15 allocatable xmm registers and 12+ accumulators plus the B vectors,
 * the A splat and a product temporary spill. 8 independent accumulators already cover the
 * add latency of two add pipes. With relaxed SIMD (`fma: true`) the ranking holds: 2x16 and
 * 4x8 reach 40-45 GFLOP/s in the kernel alone at 512-1024 square, 5x8/6x8 35-40, 3x16/4x12
 * about 30 (Xeon with AVX-512, Node 20 with the flag).
 */
export const WASM_TILE: Readonly<WasmTile> = { mr: 2, nv: 4 };
/** Rows per A panel. */
export const WASM_MR = WASM_TILE.mr;
/** Columns per B panel (`nv` f32x4 vectors). */
export const WASM_NR = 4 * WASM_TILE.nv;
/** Bytes at the start of the memory reserved for the per-thread edge-tile areas. */
export const WASM_RESERVED_BYTES = 65536;
/**
 * Bytes after the edge-tile areas that hold packed weight panels between calls (see
 * `matmul.ts`, the packed-operand cache): a recurrent weight multiplied at every time step is
 * read there in place instead of being copied into the scratch each time. Untouched pages of
 * the memory cost no physical memory; the scratch starts after this region.
 */
export const WASM_RESIDENT_BYTES = 16 << 20;
/** Bytes of one thread's edge-tile area. */
export const WASM_TMP_BYTES = 4 * WASM_MR * WASM_NR;
/** Maximum memory (2 GiB, so that every byte address is a non-negative i32). */
export const WASM_MAX_PAGES = 32768;
/** Parameters of the exported `gemm` (all i32). */
const GEMM_PARAMS = 13;

function gemmFunctionBody(tile: WasmTile): number[] {
  const MR = tile.mr,
    NV = tile.nv,
    NR = 4 * NV;
  // parameters
  const ap = 0,
    bp = 1,
    kl = 2,
    aPanel = 3,
    bPanel = 4,
    bK = 5;
  const c = 6,
    ldc = 7,
    mRows = 8,
    nCols = 9,
    accum = 10,
    tmp = 11,
    aK = 12;
  // i32 locals
  let next = GEMM_PARAMS;
  const jj = next++,
    ii = next++,
    aPan = next++,
    bPan = next++,
    aP = next++,
    bP = next++,
    aEnd = next++;
  const cP = next++,
    r = next++,
    cc = next++,
    mv = next++,
    nv = next++,
    addr = next++,
    tAddr = next++;
  const nI32 = next - GEMM_PARAMS;
  // v128 locals
  const acc: number[] = [];
  for (let i = 0; i < MR * NV; i++) acc.push(next++);
  const bv: number[] = [];
  for (let v = 0; v < NV; v++) bv.push(next++);
  const av = next++;
  const nV128 = next - GEMM_PARAMS - nI32;

  const e = new Code();

  /** One depth step of an R-row tile: acc[q][v] += A[q, p] · B[p, v]. */
  const step = (R: number): void => {
    for (let v = 0; v < NV; v++)
      e.get(bP)
        .v128Load(16 * v)
        .set(bv[v]);
    for (let q = 0; q < R; q++) {
      e.get(aP)
        .v128Load32Splat(4 * q)
        .set(av);
      for (let v = 0; v < NV; v++) {
        const x = acc[q * NV + v];
        if (tile.fma === true) e.get(av).get(bv[v]).get(x).f32x4RelaxedMadd().set(x);
        else e.get(x).get(av).get(bv[v]).f32x4Mul().f32x4Add().set(x);
      }
    }
    e.get(bP).get(bK).add().set(bP);
    e.get(aP).get(aK).add().set(aP);
  };

  /** The tile of R rows (R <= MR) at (ii, jj): depth loop, then store. */
  const tileCode = (R: number): void => {
    for (let i = 0; i < R * NV; i++) e.v128Zero().set(acc[i]);
    e.get(aPan).set(aP).get(bPan).set(bP);
    // the loop runs while aP < aEnd (A advances by aK bytes per depth step)
    e.get(aPan).get(kl).get(aK).mul().add().set(aEnd);
    e.loop();
    step(R);
    e.get(aP).get(aEnd).ltU().brIf(0);
    e.end();
    // store the tile
    e.get(nCols).get(jj).sub().set(nv);
    e.get(c).get(ii).get(ldc).mul().add().get(jj).i32(4).mul().add().set(cP);
    e.get(nv).i32(NR).geS().if();
    e.get(accum).if();
    for (let q = 0; q < R; q++) {
      for (let v = 0; v < NV; v++)
        e.get(cP)
          .get(acc[q * NV + v])
          .get(cP)
          .v128Load(16 * v)
          .f32x4Add()
          .v128Store(16 * v);
      if (q < R - 1) e.get(cP).get(ldc).add().set(cP);
    }
    e.else();
    for (let q = 0; q < R; q++) {
      for (let v = 0; v < NV; v++)
        e.get(cP)
          .get(acc[q * NV + v])
          .v128Store(16 * v);
      if (q < R - 1) e.get(cP).get(ldc).add().set(cP);
    }
    e.end();
    e.else();
    // partial columns: spill to tmp, then copy the valid R x nv corner element by element
    for (let i = 0; i < R * NV; i++)
      e.get(tmp)
        .get(acc[i])
        .v128Store(16 * i);
    e.i32(0).set(r);
    e.loop();
    e.i32(0).set(cc);
    e.loop();
    e.get(cP).get(cc).i32(4).mul().add().set(addr);
    e.get(tmp)
      .get(r)
      .i32(4 * NR)
      .mul()
      .add()
      .get(cc)
      .i32(4)
      .mul()
      .add()
      .set(tAddr);
    e.get(addr);
    e.get(accum).if(F32);
    e.get(addr).f32Load(0).get(tAddr).f32Load(0).f32Add();
    e.else();
    e.get(tAddr).f32Load(0);
    e.end();
    e.f32Store(0);
    e.get(cc).i32(1).add().tee(cc).get(nv).ltS().brIf(0);
    e.end();
    e.get(cP).get(ldc).add().set(cP);
    e.get(r).i32(1).add().tee(r).i32(R).ltS().brIf(0);
    e.end();
    e.end();
  };

  e.i32(0).set(jj).get(bp).set(bPan);
  e.block().loop(); // column panels
  e.get(jj).get(nCols).geS().brIf(1);
  e.i32(0).set(ii).get(ap).set(aPan);
  e.block().loop(); // row panels
  e.get(ii).get(mRows).geS().brIf(1);
  e.get(mRows).get(ii).sub().set(mv);
  // a full tile, or the last rows with a tile of their own height
  e.get(mv).i32(MR).geS().if();
  tileCode(MR);
  for (let R = MR - 1; R >= 1; R--) {
    e.else();
    if (R > 1) e.get(mv).i32(R).eq().if();
    tileCode(R);
  }
  for (let R = MR - 1; R >= 2; R--) e.end();
  e.end();
  e.get(ii).i32(MR).add().set(ii);
  e.get(aPan).get(aPanel).add().set(aPan);
  e.br(0);
  e.end().end();
  e.get(jj).i32(NR).add().set(jj);
  e.get(bPan).get(bPanel).add().set(bPan);
  e.br(0);
  e.end().end();
  e.end(); // function

  return functionBody(
    [
      [nI32, I32],
      [nV128, V128],
    ],
    e,
  );
}

/** Parameters of the exported `packA` / `packB` (all i32). */
const PACK_PARAMS = 6;

/**
 * A packing function for panels of `w` rows: `pack(src, sRow, sDepth, rows, depth, dst)`,
 * addresses and strides in bytes. Element (r, p) at `src + r·sRow + p·sDepth` goes to
 * `dst + 4·(floor(r / w)·w·depth + w·p + r % w)`; rows past `rows`, up to the next multiple of
 * `w`, are zero. Full panels are packed in groups spanning 16 rows, so that rows lying next to
 * each other in memory (a transposed A, a row-major B) use every loaded cache line; with
 * `sRow = 4` the loads take immediate offsets (and v128 copies when `w` is a multiple of 4).
 */
function packFunctionBody(w: number): number[] {
  const src = 0,
    sRow = 1,
    sDepth = 2,
    rows = 3,
    depth = 4,
    dst = 5;
  const G = Math.max(1, Math.floor(16 / w)); // panels per group
  const Q = G * w; // rows per group
  let next = PACK_PARAMS;
  const r0 = next++,
    sp = next++,
    dp = next++,
    pEnd = next++,
    panel = next++,
    t = next++,
    rv = next++,
    q = next++;
  const off: number[] = [-1];
  for (let x = 1; x < Q; x++) off.push(next++);
  const nI32 = next - PACK_PARAMS;
  const e = new Code();
  for (let x = 1; x < Q; x++) e.get(sRow).i32(x).mul().set(off[x]);
  e.get(depth)
    .i32(4 * w)
    .mul()
    .set(panel); // bytes per panel

  /** One depth step of `nPanels` full panels from sp to dp (panel g at dp + g·panel). */
  const step = (nPanels: number, contiguous: boolean): void => {
    for (let g = 0; g < nPanels; g++) {
      if (g === 0) e.get(dp).set(t);
      else e.get(t).get(panel).add().set(t);
      if (contiguous && w % 4 === 0) {
        for (let v = 0; v < w / 4; v++)
          e.get(t)
            .get(sp)
            .v128Load(4 * (g * w + 4 * v))
            .v128Store(16 * v);
        continue;
      }
      for (let i = 0; i < w; i++) {
        const x = g * w + i;
        e.get(t);
        if (contiguous) e.get(sp).f32Load(4 * x);
        else if (x === 0) e.get(sp).f32Load(0);
        else e.get(sp).get(off[x]).add().f32Load(0);
        e.f32Store(4 * i);
      }
    }
  };
  /**
   * Packs full groups of `nPanels` panels while `r0 + nPanels·w <= rows`; with `contigOnly`,
   * only when the rows are contiguous (sRow = 4).
   */
  const groups = (nPanels: number, contigOnly: boolean): void => {
    const n = nPanels * w;
    const depthLoop = (contiguous: boolean): void => {
      e.loop();
      step(nPanels, contiguous);
      e.get(sp).get(sDepth).add().set(sp);
      e.get(dp)
        .i32(4 * w)
        .add()
        .tee(dp)
        .get(pEnd)
        .ltU()
        .brIf(0);
      e.end();
    };
    if (contigOnly) e.get(sRow).i32(4).eq().if();
    e.block().loop();
    e.get(rows).get(r0).i32(n).add().ltS().brIf(1);
    e.get(src).get(r0).get(sRow).mul().add().set(sp);
    e.get(dst).get(r0).get(depth).mul().i32(4).mul().add().set(dp); // panel r0 / w
    e.get(dp)
      .get(depth)
      .i32(4 * w)
      .mul()
      .add()
      .set(pEnd);
    if (contigOnly) {
      depthLoop(true);
    } else {
      e.get(sRow).i32(4).eq().if();
      depthLoop(true);
      e.else();
      depthLoop(false);
      e.end();
    }
    e.get(r0).i32(n).add().set(r0);
    e.br(0);
    e.end().end();
    if (contigOnly) e.end();
  };
  e.i32(0).set(r0);
  e.get(depth).eqz().if().return().end();
  // Contiguous rows (a transposed A, a row-major B): 128 rows per depth step, so that each
  // step reads a run of adjacent cache lines (the next step is a whole row stride away).
  const wide = Math.floor(128 / w);
  if (wide > G) groups(wide, true);
  groups(G, false);
  if (G > 1) groups(1, false);
  // the last, partial panel: rv = rows - r0 rows (0 < rv < w), zeros after them
  e.get(rows).get(r0).sub().set(rv);
  e.i32(0).get(rv).ltS().if();
  e.get(src).get(r0).get(sRow).mul().add().set(sp);
  e.get(dst).get(r0).get(depth).mul().i32(4).mul().add().set(dp);
  e.get(dp)
    .get(depth)
    .i32(4 * w)
    .mul()
    .add()
    .set(pEnd);
  e.loop();
  e.i32(0).set(q).get(sp).set(t);
  e.loop();
  e.get(dp).get(q).i32(4).mul().add();
  e.get(q).get(rv).ltS().if(F32);
  e.get(t).f32Load(0);
  e.else();
  e.f32(0);
  e.end();
  e.f32Store(0);
  e.get(t).get(sRow).add().set(t);
  e.get(q).i32(1).add().tee(q).i32(w).ltS().brIf(0);
  e.end();
  e.get(sp).get(sDepth).add().set(sp);
  e.get(dp)
    .i32(4 * w)
    .add()
    .tee(dp)
    .get(pEnd)
    .ltU()
    .brIf(0);
  e.end();
  e.end();
  e.end(); // function
  return functionBody([[nI32, I32]], e);
}

/** The binary module (see the file comment), for the blocking in use or another one (benchmarks). */
export function matmulWasmBytes(tile: Readonly<WasmTile> = WASM_TILE): Uint8Array {
  const type = section(1, [
    2,
    0x60,
    ...uleb(GEMM_PARAMS),
    ...new Array<number>(GEMM_PARAMS).fill(I32),
    0,
    0x60,
    ...uleb(PACK_PARAMS),
    ...new Array<number>(PACK_PARAMS).fill(I32),
    0,
  ]);
  const imports = sharedMemoryImport(WASM_MAX_PAGES);
  const funcs = section(3, [3, 0, 1, 1]);
  const exports = section(7, [3, ...name('gemm'), 0x00, 0, ...name('packA'), 0x00, 1, ...name('packB'), 0x00, 2]);
  const code = section(10, [3, ...gemmFunctionBody(tile), ...packFunctionBody(tile.mr), ...packFunctionBody(4 * tile.nv)]);
  return wasmModule(type, imports, funcs, exports, code);
}

/** The raw exported kernel (see the file comment; all addresses and strides in bytes). */
export type WasmGemmKernel = (
  ap: number,
  bp: number,
  kl: number,
  aPanel: number,
  bPanel: number,
  bK: number,
  c: number,
  ldc: number,
  mRows: number,
  nCols: number,
  accumulate: number,
  tmp: number,
  aK: number,
) => void;

/**
 * An exported packing function (see the file comment): `rows` x `depth` elements at
 * `src + r·sRow + p·sDepth` into panels of MR (`packA`) or NR (`packB`) rows at `dst`; all
 * addresses and strides in bytes.
 */
export type WasmPackFn = (src: number, sRow: number, sDepth: number, rows: number, depth: number, dst: number) => void;

/** A compiled module and the shared memory its instances use. */
export interface WasmMatmul {
  module: WasmModuleLike;
  memory: WasmMemoryLike;
  /** The main thread's instance. */
  kernel: WasmGemmKernel;
  /** The main thread's packing of A into MR-row panels. */
  packA: WasmPackFn;
  /** The main thread's packing of B (its columns as rows) into NR-column panels. */
  packB: WasmPackFn;
  /** Whether the kernel multiplies and adds with `f32x4.relaxed_madd` (relaxed SIMD). */
  fma: boolean;
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
    const features = cpuFeatures();
    if (wasmApi === undefined || !features.simd || !features.sharedMemory) return null;
    // With relaxed SIMD, the same blocking with fused multiply-adds (measured best with FMA
    // too: 2x16 and 4x8 tie, 12+ accumulators spill); else, or if that fails its self-check,
    // separate multiplies and adds.
    state = (features.useRelaxedSimd ? tryInstantiate({ ...WASM_TILE, fma: true }) : null) ?? tryInstantiate(WASM_TILE);
  } catch {
    state = null;
  }
  return state;
}

function tryInstantiate(tile: Readonly<WasmTile>): WasmMatmul | null {
  try {
    return instantiateWasmGemm(tile, null);
  } catch {
    return null;
  }
}

/**
 * Compiles the kernel for `tile` and instantiates it over `memory` (a new shared memory when
 * null), after a self-check. For {@link getWasmMatmul} and for benchmarks of other blockings.
 * The self-checks write into the first bytes after the edge-tile areas (the resident region):
 * pass only a memory that holds nothing yet.
 */
export function instantiateWasmGemm(tile: Readonly<WasmTile>, memory: WasmMemoryLike | null): WasmMatmul | null {
  if (wasmApi === undefined) return null;
  const bytes = matmulWasmBytes(tile);
  if (!wasmApi.validate(bytes)) return null;
  const module = new wasmApi.Module(bytes);
  const mem = memory ?? new wasmApi.Memory({ initial: 2, maximum: WASM_MAX_PAGES, shared: true });
  const instance = new wasmApi.Instance(module, { env: { mem } });
  const kernel = instance.exports.gemm as WasmGemmKernel;
  const packA = instance.exports.packA as WasmPackFn,
    packB = instance.exports.packB as WasmPackFn;
  if (!selfCheck(kernel, mem, tile) || !packCheck(packA, tile.mr, mem) || !packCheck(packB, 4 * tile.nv, mem)) return null;
  return { module, memory: mem, kernel, packA, packB, fma: tile.fma === true };
}

/**
 * Packs 37 rows (full groups, single panels, a partial panel) by 3 deep with contiguous rows,
 * contiguous depth and a gap between rows, against the definition.
 */
function packCheck(pack: WasmPackFn, w: number, memory: WasmMemoryLike): boolean {
  const rows = 37,
    depth = 3,
    base = WASM_RESERVED_BYTES;
  const padded = Math.ceil(rows / w) * w;
  for (const [sRow, sDepth] of [
    [1, rows],
    [depth, 1],
    [2 * depth + 1, 2],
  ] as const) {
    const srcLen = (rows - 1) * sRow + (depth - 1) * sDepth + 1;
    const f = new Float32Array(memory.buffer, base, srcLen + padded * depth);
    for (let i = 0; i < srcLen; i++) f[i] = i + 1;
    f.fill(-1, srcLen);
    pack(base, 4 * sRow, 4 * sDepth, rows, depth, base + 4 * srcLen);
    for (let r = 0; r < padded; r++) {
      for (let p = 0; p < depth; p++) {
        const want = r < rows ? r * sRow + p * sDepth + 1 : 0;
        if (f[srcLen + Math.floor(r / w) * w * depth + w * p + (r % w)] !== want) return false;
      }
    }
  }
  return true;
}

/**
 * Products of MR … 2·MR − 1 rows by 5 deep by NR + 3 columns in page 2: full and partial
 * tiles in both directions (every row-remainder height), both store modes.
 */
function selfCheck(kernel: WasmGemmKernel, memory: WasmMemoryLike, tile: Readonly<WasmTile>): boolean {
  const MR = tile.mr,
    NR = 4 * tile.nv;
  const base = WASM_RESERVED_BYTES;
  const A = (i: number, p: number): number => ((i * 7 + p * 3) % 5) - 2;
  const B = (p: number, j: number): number => ((p * 5 + j * 2) % 7) - 3;
  const k = 5,
    n = NR + 3,
    np = 2 * NR,
    mp = 2 * MR;
  for (let m = MR; m < 2 * MR; m++) {
    const f = new Float32Array(memory.buffer, base, mp * k + np * k + m * n);
    const apE = 0,
      bpE = mp * k,
      cE = bpE + np * k;
    f.fill(0);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) f[apE + Math.floor(i / MR) * MR * k + MR * p + (i % MR)] = A(i, p);
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) f[bpE + Math.floor(j / NR) * NR * k + NR * p + (j % NR)] = B(p, j);
    // depth 0..2 stored, depth 3..4 accumulated
    // A packed (m even) or read in place column-major (m odd), whose rows past m are not read
    const colMajor = m % 2 === 1;
    if (colMajor) {
      f.fill(NaN, apE, bpE);
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) f[apE + p * m + i] = A(i, p);
    }
    const call = (k0: number, kl: number, accumulate: number): void =>
      colMajor
        ? kernel(base + 4 * (apE + m * k0), base + 4 * (bpE + NR * k0), kl, 4 * MR, 4 * NR * k, 4 * NR, base + 4 * cE, 4 * n, m, n, accumulate, 0, 4 * m)
        : kernel(base + 4 * (apE + MR * k0), base + 4 * (bpE + NR * k0), kl, 4 * MR * k, 4 * NR * k, 4 * NR, base + 4 * cE, 4 * n, m, n, accumulate, 0, 4 * MR);
    call(0, 3, 0);
    call(3, 2, 1);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
        if (f[cE + i * n + j] !== s) return false;
      }
    }
  }
  return true;
}
