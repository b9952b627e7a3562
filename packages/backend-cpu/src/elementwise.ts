// Elementwise kernels, generated per (op, operand layouts and dtypes, output dtype) and cached,
// so the hot loops contain the op's expression inline instead of a function call per element,
// and each generated function sees one typed-array type per argument (monomorphic). The cache
// keys are numbers computed without allocation; offset tables exist only for strided views.
import type { BinaryOp, BinaryOpInfo, DType, TypedArray, UnaryOp, View } from '@fackel/tensor';
import { BINARY_OPS, UNARY_OPS, ZeroDivisionError, isContiguousLayout, layoutKind } from '@fackel/tensor';
import { relativeOffsets } from './strided.js';
import { isWasmBinaryOp, isWasmUnaryOp, wasmBinary, wasmBinaryRow, wasmUnary } from './wasm/unary.js';

/**
 * Smallest float32 length for which exp/tanh/sigmoid run in WebAssembly SIMD (copying through
 * its memory) instead of the JavaScript loop with `Math.*`; `Infinity` turns that off.
 * @internal
 */
export let wasmUnaryMinLength = 32;

/**
 * Smallest float32 length for which add/sub/mul/div of two contiguous operands run in
 * WebAssembly SIMD; `Infinity` turns that off.
 * @internal
 */
export let wasmBinaryMinLength = 256;

/** @internal Sets {@link wasmBinaryMinLength} (for measurements); returns the previous value. */
export function setWasmBinaryMinLength(n: number): number {
  const prev = wasmBinaryMinLength;
  wasmBinaryMinLength = n;
  return prev;
}

/** @internal Sets {@link wasmUnaryMinLength} (for measurements); returns the previous value. */
export function setWasmUnaryMinLength(n: number): number {
  const prev = wasmUnaryMinLength;
  wasmUnaryMinLength = n;
  return prev;
}

/**
 * How a kernel reads one operand: contiguous from offset 0, contiguous from an offset, a
 * constant (a JS number or a broadcast scalar, read once by the caller), a contiguous row
 * repeated along broadcast leading dims (a bias), or through an offset table (any other view).
 */
const CONTIG0 = 0;
const CONTIG = 1;
const CONST = 2;
const ROW = 3;
const STRIDED = 4;

/** Index of each dtype in kernel cache keys (so that a generated kernel sees one array type per argument). */
const DT: Readonly<Record<DType, number>> = { float32: 0, int32: 1, bool: 2, float64: 3 };
/** Radix of one operand's code in a kernel key: layout × 4 + dtype. */
const CODE = 20;

/** Row length m when the view reads `row[i % m]` (leading dims broadcast, trailing dims contiguous), else 0. Allocation-free. */
function rowPeriod(shape: readonly number[], strides: readonly number[]): number {
  let expected = 1;
  let d = shape.length - 1;
  for (; d >= 0; d--) {
    const size = shape[d];
    if (size === 1) continue;
    if (strides[d] !== expected) break;
    expected *= size;
  }
  if (expected === 1) return 0;
  for (; d >= 0; d--) if (shape[d] !== 1 && strides[d] !== 0) return 0;
  return expected;
}

// Per-call scratch (one call at a time; kernels never re-enter): each operand's layout, buffer,
// offset and extra argument (a constant's value, a row's length, or an offset table).
const sLayout = [0, 0, 0];
const sBuf: (TypedArray | null)[] = [null, null, null];
const sOff = [0, 0, 0];
const sExtra: (number | Int32Array)[] = [0, 0, 0];

/** Classifies operand `k` into the scratch slots and returns its code (layout × 4 + dtype). */
function classify(x: View | number, k: number): number {
  if (typeof x === 'number') {
    sLayout[k] = CONST;
    sBuf[k] = null;
    sOff[k] = 0;
    sExtra[k] = x;
    return CONST * 4;
  }
  const buffer = x.buffer as TypedArray;
  const { shape, strides, offset } = x;
  sBuf[k] = buffer;
  sOff[k] = offset;
  sExtra[k] = 0;
  let layout: number;
  const kind = layoutKind(shape, strides);
  if (kind === 'contiguous') layout = offset === 0 ? CONTIG0 : CONTIG;
  else if (kind === 'scalar') {
    layout = CONST;
    sExtra[k] = buffer[offset];
    sBuf[k] = null;
  } else {
    const m = rowPeriod(shape, strides);
    if (m > 0) {
      layout = ROW;
      sExtra[k] = m;
    } else {
      layout = STRIDED;
      sExtra[k] = relativeOffsets(shape, strides);
    }
  }
  sLayout[k] = layout;
  return layout === CONST ? CONST * 4 : layout * 4 + DT[x.dtype];
}

/**
 * Row operands of one kernel share the inner loop, so they must have one row length: a row
 * operand whose length differs from the first one's is read through an offset table instead.
 * Updates `codes` for the operands it demotes.
 */
function settleRows(x: readonly (View | number)[], codes: number[], count: number): void {
  let m = 0;
  for (let k = 0; k < count; k++) {
    if (sLayout[k] !== ROW) continue;
    if (m === 0) m = sExtra[k] as number;
    else if (sExtra[k] !== m) {
      const v = x[k] as View;
      sLayout[k] = STRIDED;
      sExtra[k] = relativeOffsets(v.shape, v.strides);
      codes[k] = STRIDED * 4 + DT[v.dtype];
    }
  }
}

function storeExpr(expr: string, outDtype: DType, producesBool: boolean): string {
  return outDtype === 'bool' && !producesBool ? `((${expr}) !== 0 ? 1 : 0)` : expr;
}

/** A generated kernel: `out`, the element count, then buffer, offset and extra argument of each operand. */
type Kernel = (out: TypedArray, n: number, ...operands: unknown[]) => void;

/**
 * Generates the loop for operands `names` with the given layouts (named `${label}_${layouts}` in profiles). With a row operand the loop
 * runs over rows of its length (`K`), so rows are read at `j` without a modulo per element.
 */
function generate(label: string, names: readonly string[], layouts: readonly number[], expr: string, ref: unknown): Kernel {
  const params: string[] = [];
  const pre: string[] = [];
  const reads: string[] = [];
  const rowIdx = layouts.indexOf(ROW);
  names.forEach((name, i) => {
    params.push(name, `${name}Off`, `${name}X`);
    const v = name.toLowerCase();
    switch (layouts[i]) {
      case CONTIG0:
        reads.push(`const ${v} = ${name}[i];`);
        break;
      case CONTIG:
        reads.push(`const ${v} = ${name}[${name}Off + i];`);
        break;
      case CONST:
        pre.push(`const ${v} = ${name}X;`);
        break;
      case ROW:
        reads.push(`const ${v} = ${name}[${name}Off + j];`);
        break;
      default:
        reads.push(`const ${v} = ${name}[${name}Off + ${name}X[i]];`);
    }
  });
  const body = `${reads.join(' ')} out[i] = ${expr};`;
  const loop =
    rowIdx < 0
      ? `for (let i = 0; i < n; i++) { ${body} }`
      : `const K = ${names[rowIdx]}X; for (let base = 0; base < n; base += K) { for (let j = 0; j < K; j++) { const i = base + j; ${body} } }`;
  const src = `return function ${label}_${layouts.join('')}(out, n, ${params.join(', ')}) { ${pre.join(' ')} ${loop} };`;
  return new Function('R', src)(ref) as Kernel;
}

/** The layouts of the operands now in the scratch slots. */
function layoutsOf(count: number): number[] {
  return sLayout.slice(0, count);
}

const unaryCache = new Map<UnaryOp, Map<number, Kernel>>();
const binaryCache = new Map<BinaryOp, Map<number, Kernel>>();
const whereCache = new Map<number, Kernel>();
const scratchCodes = [0, 0, 0];
const TWO_VIEWS: (View | number)[] = [0, 0];
const THREE_VIEWS: (View | number)[] = [0, 0, 0];

/** `out[i] = op(x[i])`; `outDtype` is the dtype `out` stores. */
export function unaryKernel(op: UnaryOp, x: View, out: TypedArray, outDtype: DType = outDtypeOf(out)): void {
  const n = out.length;
  if (n === 0) return;
  if (n >= wasmUnaryMinLength && outDtype === 'float32' && x.dtype === 'float32' && isWasmUnaryOp(op) && isContiguousLayout(x.shape, x.strides)) {
    const src = x.buffer as Float32Array;
    if (wasmUnary(op, x.offset === 0 && src.length === n ? src : src.subarray(x.offset, x.offset + n), out as Float32Array)) return;
  }
  const key = classify(x, 0) * 4 + DT[outDtype];
  let cache = unaryCache.get(op);
  if (cache === undefined) unaryCache.set(op, (cache = new Map()));
  let k = cache.get(key);
  if (k === undefined) {
    const info = UNARY_OPS[op];
    k = generate(op, ['X'], layoutsOf(1), storeExpr(info.js, outDtype, info.dtype === 'bool'), info.ref);
    cache.set(key, k);
  }
  try {
    k(out, n, sBuf[0], sOff[0], sExtra[0]);
  } finally {
    clearScratch(1);
  }
}

/** `out[i] = op(a[i], b[i])` over equal-shaped views or numbers; `outDtype` is the dtype `out` stores. */
export function binaryKernel(op: BinaryOp, a: View | number, b: View | number, out: TypedArray, outDtype: DType = outDtypeOf(out)): void {
  const n = out.length;
  if (n === 0) return;
  if (
    n >= wasmBinaryMinLength &&
    outDtype === 'float32' &&
    typeof a !== 'number' &&
    typeof b !== 'number' &&
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    isWasmBinaryOp(op) &&
    isContiguousLayout(a.shape, a.strides) &&
    isContiguousLayout(b.shape, b.strides)
  ) {
    const ab = a.buffer as Float32Array;
    const bb = b.buffer as Float32Array;
    const av = a.offset === 0 && ab.length === n ? ab : ab.subarray(a.offset, a.offset + n);
    const bv = b.offset === 0 && bb.length === n ? bb : bb.subarray(b.offset, b.offset + n);
    if (wasmBinary(op, av, bv, out as Float32Array)) return;
  }
  const codes = scratchCodes;
  codes[0] = classify(a, 0);
  codes[1] = classify(b, 1);
  if (n >= wasmBinaryMinLength && outDtype === 'float32' && isWasmBinaryOp(op) && rowBroadcast(op, a, b, out as Float32Array)) {
    clearScratch(2);
    return;
  }
  if (sLayout[0] === ROW && sLayout[1] === ROW) {
    TWO_VIEWS[0] = a;
    TWO_VIEWS[1] = b;
    settleRows(TWO_VIEWS, codes, 2);
  }
  const key = (codes[0] * CODE + codes[1]) * 4 + DT[outDtype];
  let cache = binaryCache.get(op);
  if (cache === undefined) binaryCache.set(op, (cache = new Map()));
  let k = cache.get(key);
  if (k === undefined) {
    const info: BinaryOpInfo = BINARY_OPS[op];
    let expr = (outDtype === 'int32' ? info.jsInt32 : undefined) ?? info.js;
    let ref: unknown = info.ref;
    if (op === 'fmod' && (outDtype === 'int32' || outDtype === 'bool')) {
      // Integer fmod by zero raises, as in PyTorch (a float divisor gives NaN instead).
      expr = '(b === 0 ? R() : a % b)';
      ref = integerDivisionByZero;
    }
    k = generate(op, ['A', 'B'], layoutsOf(2), storeExpr(expr, outDtype, info.dtype === 'bool'), ref);
    cache.set(key, k);
  }
  try {
    k(out, n, sBuf[0], sOff[0], sExtra[0], sBuf[1], sOff[1], sExtra[1]);
  } finally {
    clearScratch(2);
  }
}

/**
 * A contiguous float32 operand with a row broadcast over it (`[r, k] op [k]`, a bias or a
 * scale) or a float32 scalar (a row of one); for `add` and `mul` either way round. With the
 * operands in the scratch slots as classified: runs the WebAssembly kernel and returns true,
 * else false.
 */
function rowBroadcast(op: BinaryOp & Parameters<typeof wasmBinaryRow>[0], a: View | number, b: View | number, out: Float32Array): boolean {
  const isRow = (k: number): boolean => sLayout[k] === ROW || (sLayout[k] === CONST && Math.fround(sExtra[k] as number) === sExtra[k]);
  const isFull = (k: number, x: View | number): boolean => (sLayout[k] === CONTIG0 || sLayout[k] === CONTIG) && (x as View).dtype === 'float32';
  let full = 0;
  if (isFull(0, a) && isRow(1) && (typeof b === 'number' || b.dtype === 'float32')) full = 0;
  else if (isFull(1, b) && isRow(0) && (typeof a === 'number' || a.dtype === 'float32') && (op === 'add' || op === 'mul')) full = 1;
  else return false;
  const n = out.length;
  const r = 1 - full;
  const fb = sBuf[full] as Float32Array;
  const fo = sOff[full];
  // a scalar (a number, or a one-element view) is a row of length 1
  const row = sLayout[r] === CONST ? Float32Array.of(sExtra[r] as number) : (sBuf[r] as Float32Array).subarray(sOff[r], sOff[r] + (sExtra[r] as number));
  return wasmBinaryRow(op, fo === 0 && fb.length === n ? fb : fb.subarray(fo, fo + n), row, out);
}

/** Drops the scratch slots' references to buffers and offset tables. */
function clearScratch(count: number): void {
  for (let k = 0; k < count; k++) {
    sBuf[k] = null;
    sExtra[k] = 0;
  }
  TWO_VIEWS[0] = TWO_VIEWS[1] = 0;
  THREE_VIEWS[0] = THREE_VIEWS[1] = THREE_VIEWS[2] = 0;
}

function integerDivisionByZero(): never {
  throw new ZeroDivisionError('fmod: integer division by zero (the integer divisor tensor holds a 0); use float operands to get NaN instead');
}

/** `out[i] = cond[i] ? a[i] : b[i]`; `outDtype` is the dtype `out` stores. */
export function whereKernel(cond: View, a: View | number, b: View | number, out: TypedArray, outDtype: DType = outDtypeOf(out)): void {
  const n = out.length;
  if (n === 0) return;
  const codes = scratchCodes;
  codes[0] = classify(cond, 0);
  codes[1] = classify(a, 1);
  codes[2] = classify(b, 2);
  THREE_VIEWS[0] = cond;
  THREE_VIEWS[1] = a;
  THREE_VIEWS[2] = b;
  settleRows(THREE_VIEWS, codes, 3);
  const key = ((codes[0] * CODE + codes[1]) * CODE + codes[2]) * 4 + DT[outDtype];
  let k = whereCache.get(key);
  if (k === undefined) {
    k = generate('where', ['C', 'A', 'B'], layoutsOf(3), storeExpr('c !== 0 ? a : b', outDtype, false), null);
    whereCache.set(key, k);
  }
  try {
    k(out, n, sBuf[0], sOff[0], sExtra[0], sBuf[1], sOff[1], sExtra[1], sBuf[2], sOff[2], sExtra[2]);
  } finally {
    clearScratch(3);
  }
}

const copyCache = new Map<number, Kernel>();

/** Copies a view into a contiguous array, converting to the destination's dtype. */
export function copyKernel(x: View, out: TypedArray): void {
  const n = out.length;
  if (n === 0) return;
  const src = x.buffer as TypedArray;
  if (src.constructor === out.constructor && isContiguousLayout(x.shape, x.strides)) {
    out.set(src.subarray(x.offset, x.offset + n));
    return;
  }
  const outDtype = outDtypeOf(out);
  const key = classify(x, 0) * 4 + DT[outDtype];
  let k = copyCache.get(key);
  if (k === undefined) {
    k = generate('copy', ['X'], layoutsOf(1), outDtype === 'bool' ? '(x !== 0 ? 1 : 0)' : 'x', null);
    copyCache.set(key, k);
  }
  try {
    k(out, n, sBuf[0], sOff[0], sExtra[0]);
  } finally {
    clearScratch(1);
  }
}

/** Writes `src` (a view of dst's shape, or a number) into the elements of `dst`, converting. */
export function assignKernel(dst: View, src: View | number): void {
  const target = dst.buffer as TypedArray;
  const toBool = dst.dtype === 'bool';
  const n = dst.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const value = (v: number): number => (toBool ? (v !== 0 ? 1 : 0) : v);
  const dstContig = isContiguousLayout(dst.shape, dst.strides);
  if (typeof src === 'number') {
    if (dstContig) target.fill(value(src), dst.offset, dst.offset + n);
    else {
      const o = relativeOffsets(dst.shape, dst.strides);
      const v = value(src);
      for (let i = 0; i < n; i++) target[dst.offset + o[i]] = v;
    }
    return;
  }
  const sameDtype = (src.buffer as TypedArray).constructor === target.constructor;
  if (src.buffer !== dst.buffer && (sameDtype || !toBool)) {
    // No overlap possible: write straight into the destination.
    const so = isContiguousLayout(src.shape, src.strides) ? null : relativeOffsets(src.shape, src.strides);
    const s = src.buffer as TypedArray;
    const sOff = src.offset;
    if (dstContig) {
      if (so === null) {
        if (sameDtype) target.set(s.subarray(sOff, sOff + n), dst.offset);
        else for (let i = 0; i < n; i++) target[dst.offset + i] = s[sOff + i];
      } else for (let i = 0; i < n; i++) target[dst.offset + i] = s[sOff + so[i]];
    } else {
      const d = relativeOffsets(dst.shape, dst.strides);
      const dOff = dst.offset;
      if (so === null) for (let i = 0; i < n; i++) target[dOff + d[i]] = s[sOff + i];
      else for (let i = 0; i < n; i++) target[dOff + d[i]] = s[sOff + so[i]];
    }
    return;
  }
  // Same buffer (the views may overlap) or a conversion to bool: read first, then scatter.
  const tmp = new (target.constructor as { new (n: number): TypedArray })(n);
  copyKernel(src, tmp);
  if (dstContig) target.set(tmp, dst.offset);
  else {
    const o = relativeOffsets(dst.shape, dst.strides);
    for (let i = 0; i < n; i++) target[dst.offset + o[i]] = tmp[i];
  }
}

/** The dtype a typed array stores. */
export function outDtypeOf(a: TypedArray): DType {
  const c = a.constructor;
  if (c === Float32Array) return 'float32';
  if (c === Int32Array) return 'int32';
  if (c === Uint8Array) return 'bool';
  return 'float64';
}
