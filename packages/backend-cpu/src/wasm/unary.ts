/**
 * float32 `exp`, `tanh` and `sigmoid` over contiguous arrays in WebAssembly SIMD, with the
 * vectorised functions of `./math.ts` (their maximum errors are stated there), and the
 * arithmetic `add`, `sub`, `mul`, `div` of two contiguous float32 arrays (exact: IEEE float32
 * lane operations give the float32-rounded result of the double-precision operation, as
 * JavaScript's loop does). The module imports the backend's shared memory (`env.mem`) and
 * exports one function per op: `(ptr, vectors)` for the unary ones, which replaces `vectors`
 * groups of four float32 at byte address `ptr` in place, and `(pa, pb, vectors)` for the
 * binary ones, which writes `a op b` over `a`. A call copies its inputs into the scratch
 * region in chunks, runs, and copies the results out (see `./memory.ts`).
 *
 * @module
 */
import type { BinaryOp, UnaryOp } from '@fackel/tensor';
import { WASM_MAX_PAGES } from '../kernels/matmul-wasm.js';
import { Code, I32, V128, functionBody, name, section, sharedMemoryImport, wasmModule } from './emit.js';
import { MATH_TEMPS, emitExp, emitSigmoid, emitTanh } from './math.js';
import { SCRATCH_BASE, lazyWasmKernels, memoryRegion, scratchF32 } from './memory.js';

/** Emits `out = f(x)` over four float32 lanes, with temporaries `tmp` (see `./math.ts`). */
type LaneEmitter = (e: Code, x: number, out: number, tmp: readonly number[]) => Code;

/**
 * The unary ops with a SIMD kernel: a per-op entry keyed by the op table's names (a name that
 * is not a `UnaryOp` does not compile); every other op runs the JavaScript kernel.
 */
const UNARY_LANES = { exp: emitExp, tanh: emitTanh, sigmoid: emitSigmoid } satisfies Partial<Record<UnaryOp, LaneEmitter>>;
type WasmUnaryOp = keyof typeof UNARY_LANES;
/** The binary ops with a SIMD kernel (one f32x4 instruction each). */
const BINARY_LANES = {
  add: (e: Code) => e.f32x4Add(),
  sub: (e: Code) => e.f32x4Sub(),
  mul: (e: Code) => e.f32x4Mul(),
  div: (e: Code) => e.f32x4Div(),
} satisfies Partial<Record<BinaryOp, (e: Code) => Code>>;
type WasmBinaryOp = keyof typeof BINARY_LANES;
/** Export order of the module's functions. */
const OPS = Object.keys(UNARY_LANES) as WasmUnaryOp[];
const BIN_OPS = Object.keys(BINARY_LANES) as WasmBinaryOp[];

/** Elements per chunk copied through the scratch memory (256 KiB, a multiple of 4). */
const CHUNK = 1 << 16;

/** The body of one op's function: `for (; vectors > 0; vectors--, ptr += 16) mem[ptr] = f(mem[ptr])`. */
function body(op: WasmUnaryOp): number[] {
  const ptr = 0;
  const vectors = 1;
  const x = 2;
  const tmp = [3, 4, 5, 6, 7];
  const e = new Code();
  e.block().loop();
  e.get(vectors).eqz().brIf(1);
  e.get(ptr).v128Load(0).set(x);
  UNARY_LANES[op](e, x, x, tmp);
  e.get(ptr).get(x).v128Store(0);
  e.get(ptr).i32(16).add().set(ptr);
  e.get(vectors).i32(1).sub().set(vectors);
  e.br(0).end().end().end(); // loop, block, function
  return functionBody([[1 + MATH_TEMPS, V128]], e);
}

/** The body of one binary op's function: `for (; vectors > 0; vectors--, pa += 16, pb += 16) mem[pa] = mem[pa] op mem[pb]`. */
function binaryBody(op: WasmBinaryOp): number[] {
  const pa = 0;
  const pb = 1;
  const vectors = 2;
  const e = new Code();
  e.block().loop();
  e.get(vectors).eqz().brIf(1);
  e.get(pa).get(pa).v128Load(0).get(pb).v128Load(0);
  BINARY_LANES[op](e);
  e.v128Store(0);
  e.get(pa).i32(16).add().set(pa);
  e.get(pb).i32(16).add().set(pb);
  e.get(vectors).i32(1).sub().set(vectors);
  e.br(0).end().end().end(); // loop, block, function
  return functionBody([], e);
}

/** The binary module (see the file comment). */
export function unaryWasmBytes(): Uint8Array {
  const all = OPS.length + BIN_OPS.length;
  const type = section(1, [2, 0x60, 2, I32, I32, 0, 0x60, 3, I32, I32, I32, 0]);
  const imports = sharedMemoryImport(WASM_MAX_PAGES);
  const funcs = section(3, [all, ...OPS.map(() => 0), ...BIN_OPS.map(() => 1)]);
  const exports = section(7, [all, ...[...OPS, ...BIN_OPS].flatMap((op, i) => [...name(op), 0x00, i])]);
  const code = section(10, [all, ...OPS.flatMap((op) => body(op)), ...BIN_OPS.flatMap((op) => binaryBody(op))]);
  return wasmModule(type, imports, funcs, exports, code);
}

type Fn = (ptr: number, vectors: number) => void;
type Fn2 = (pa: number, pb: number, vectors: number) => void;
/** Compiles and instantiates the module (once); null where unavailable. */
const getFns = lazyWasmKernels(unaryWasmBytes, (ex) => ex as unknown as Record<WasmUnaryOp, Fn> & Record<WasmBinaryOp, Fn2>);

/** Whether `op` has a WebAssembly float32 kernel here. */
export function isWasmUnaryOp(op: UnaryOp): op is WasmUnaryOp {
  return Object.hasOwn(UNARY_LANES, op);
}

/**
 * `out[i] = op(x[i])` for float32 arrays of equal length through WebAssembly SIMD; returns
 * false (having written nothing) where the module or the scratch memory is unavailable.
 */
export function wasmUnary(op: WasmUnaryOp, x: Float32Array, out: Float32Array): boolean {
  const f = getFns();
  if (f === null) return false;
  const n = x.length;
  const chunk = Math.min(CHUNK, (n + 3) & ~3);
  const mem = scratchF32(4 * chunk);
  if (mem === null) return false;
  const fn = f[op];
  const base = SCRATCH_BASE >> 2;
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    mem.set(m === n ? x : x.subarray(i, i + m), base);
    fn(SCRATCH_BASE, (m + 3) >> 2); // the lanes past m compute garbage that is not copied out
    out.set(memoryRegion(mem, base, m), i);
  }
  return true;
}

/** Whether `op` has a WebAssembly float32 kernel here. */
export function isWasmBinaryOp(op: BinaryOp): op is WasmBinaryOp {
  return Object.hasOwn(BINARY_LANES, op);
}

/**
 * `out[i] = a[i] op b[i]` for float32 arrays of equal length through WebAssembly SIMD; returns
 * false (having written nothing) where the module or the scratch memory is unavailable.
 */
export function wasmBinary(op: WasmBinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): boolean {
  const f = getFns();
  if (f === null) return false;
  const n = a.length;
  const chunk = Math.min(CHUNK, (n + 3) & ~3);
  const mem = scratchF32(8 * chunk);
  if (mem === null) return false;
  const fn = f[op];
  const baseA = SCRATCH_BASE >> 2;
  const baseB = baseA + chunk;
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    mem.set(m === n ? a : a.subarray(i, i + m), baseA);
    mem.set(m === n ? b : b.subarray(i, i + m), baseB);
    fn(SCRATCH_BASE, SCRATCH_BASE + 4 * chunk, (m + 3) >> 2);
    out.set(memoryRegion(mem, baseA, m), i);
  }
  return true;
}

/**
 * `out[r·k + j] = a[r·k + j] op row[j]` for a contiguous float32 `a` of whole rows of length
 * `k = row.length` (a bias or a scale broadcast over the rows) through WebAssembly SIMD: the
 * row is tiled once across a chunk of the scratch memory (by doubling copies), then each chunk
 * of `a` runs through the same kernel as {@link wasmBinary}. Returns false (having written
 * nothing) where the module or the scratch memory is unavailable, or `a` is not whole rows.
 */
export function wasmBinaryRow(op: WasmBinaryOp, a: Float32Array, row: Float32Array, out: Float32Array): boolean {
  const f = getFns();
  const n = a.length;
  const k = row.length;
  if (f === null || k === 0 || n % k !== 0 || k > CHUNK) return false;
  // chunks of whole rows; the tile is one chunk of repeated rows
  const chunk = Math.min(Math.floor(CHUNK / k) * k, n);
  const padded = (chunk + 3) & ~3;
  const mem = scratchF32(8 * padded);
  if (mem === null) return false;
  const fn = f[op];
  const baseA = SCRATCH_BASE >> 2;
  const baseB = baseA + padded;
  mem.set(row, baseB);
  for (let have = k; have < chunk; have *= 2) mem.copyWithin(baseB + have, baseB, baseB + Math.min(have, chunk - have));
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    mem.set(m === n ? a : a.subarray(i, i + m), baseA);
    fn(SCRATCH_BASE, SCRATCH_BASE + 4 * padded, (m + 3) >> 2);
    out.set(memoryRegion(mem, baseA, m), i);
  }
  return true;
}
