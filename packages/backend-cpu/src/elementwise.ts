// Elementwise kernels, generated per (op, operand layouts, output dtype) and cached, so the
// hot loops contain the op's expression inline instead of a function call per element.
import type { BinaryOp, DType, TypedArray, UnaryOp, View } from '@fackel/tensor';
import { BINARY_OPS, UNARY_OPS, ZeroDivisionError } from '@fackel/tensor';
import { coalesce, isBroadcastScalar, isContiguous, relativeOffsets } from './strided.js';

/** JavaScript expressions of the unary ops in `x`; `R` is the op table's scalar reference. */
const UNARY_EXPR: Partial<Record<UnaryOp, string>> = {
  neg: '-x',
  abs: 'Math.abs(x)',
  exp: 'Math.exp(x)',
  log: 'Math.log(x)',
  sqrt: 'Math.sqrt(x)',
  rsqrt: '1 / Math.sqrt(x)',
  reciprocal: '1 / x',
  square: 'x * x',
  tanh: 'Math.tanh(x)',
  sigmoid: '1 / (1 + Math.exp(-x))',
  relu: '(x > 0 ? x : x === x ? 0 : x)',
  sin: 'Math.sin(x)',
  cos: 'Math.cos(x)',
  floor: 'Math.floor(x)',
  ceil: 'Math.ceil(x)',
  log1p: 'Math.log1p(x)',
  expm1: 'Math.expm1(x)',
  logicalNot: '(x === 0 ? 1 : 0)',
  isnan: '(x !== x ? 1 : 0)',
};

/** JavaScript expressions of the binary ops in `a`, `b`. */
const BINARY_EXPR: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'R(a, b)',
  maximum: '(a !== a || b !== b ? NaN : a > b ? a : b)',
  minimum: '(a !== a || b !== b ? NaN : a < b ? a : b)',
  fmod: 'a % b',
  eq: '(a === b ? 1 : 0)',
  ne: '(a !== b ? 1 : 0)',
  lt: '(a < b ? 1 : 0)',
  le: '(a <= b ? 1 : 0)',
  gt: '(a > b ? 1 : 0)',
  ge: '(a >= b ? 1 : 0)',
  logicalAnd: '(a !== 0 && b !== 0 ? 1 : 0)',
  logicalOr: '(a !== 0 || b !== 0 ? 1 : 0)',
};

/**
 * How a kernel reads one operand: contiguous, one broadcast element, a contiguous row
 * repeated along broadcast leading dims (a bias), an offset table, or a JS number.
 */
type Layout = 'c' | 's' | 'r' | 'o' | 'k';

function layoutOf(x: View | number): Layout {
  if (typeof x === 'number') return 'k';
  if (isBroadcastScalar(x.shape, x.strides)) return 's';
  if (isContiguous(x.shape, x.strides)) return 'c';
  return rowPeriod(x) > 0 ? 'r' : 'o';
}

/** The row length m when the view reads `row[i % m]` (leading dims broadcast, last run contiguous), else 0. */
function rowPeriod(x: View): number {
  const c = coalesce(x.shape, [x.strides]);
  const st = c.strides[0]!;
  return c.shape.length === 2 && st[0] === 0 && st[1] === 1 ? c.shape[1]! : 0;
}

function readExpr(name: string, layout: Layout): string {
  switch (layout) {
    case 'c':
      return `${name}[${name}Off + i]`;
    case 's':
      return `${name}S`;
    case 'r':
      return `${name}[${name}Off + (i % ${name}K)]`;
    case 'o':
      return `${name}[${name}Off + ${name}Idx[i]]`;
    default:
      return `${name}K`;
  }
}

function storeExpr(expr: string, outDtype: DType, producesBool: boolean): string {
  return outDtype === 'bool' && !producesBool ? `((${expr}) !== 0 ? 1 : 0)` : expr;
}

type Kernel = (out: TypedArray, n: number, ...operands: unknown[]) => void;
const cache = new Map<string, Kernel>();

function compile(key: string, names: string[], layouts: Layout[], expr: string, ref: unknown): Kernel {
  let k = cache.get(key);
  if (k) return k;
  const params: string[] = [];
  const pre: string[] = [];
  names.forEach((name, i) => {
    params.push(name, `${name}Off`, `${name}Idx`, `${name}K`);
    if (layouts[i] === 's') pre.push(`const ${name}S = ${name}[${name}Off];`);
  });
  const lets = names.map((name, i) => `const ${name.toLowerCase()} = ${readExpr(name, layouts[i]!)};`).join(' ');
  const src = `return function kernel(out, n, ${params.join(', ')}) {
    ${pre.join('\n')}
    for (let i = 0; i < n; i++) { ${lets} out[i] = ${expr}; }
  };`;
  k = new Function('R', src)(ref) as Kernel;
  cache.set(key, k);
  return k;
}

/** The four kernel arguments of one operand: buffer, offset, offset table, constant. */
function buf(x: View | number): TypedArray | null {
  return typeof x === 'number' ? null : (x.buffer as TypedArray);
}
function off(x: View | number): number {
  return typeof x === 'number' ? 0 : x.offset;
}
function idx(x: View | number, layout: Layout): Int32Array | null {
  return layout === 'o' ? relativeOffsets((x as View).shape, (x as View).strides) : null;
}
/** The constant slot: a number operand's value, or the row length of an 'r' operand. */
function konst(x: View | number, layout: Layout): number {
  return typeof x === 'number' ? x : layout === 'r' ? rowPeriod(x) : 0;
}

/** `out[i] = op(x[i])`. */
export function unaryKernel(op: UnaryOp, x: View, out: TypedArray): void {
  const n = out.length;
  if (n === 0) return;
  const lx = layoutOf(x);
  const info = UNARY_OPS[op];
  const outDtype = outDtypeOf(out);
  const expr = storeExpr(UNARY_EXPR[op] ?? 'R(x)', outDtype, info.dtype === 'bool');
  const k = compile(`u|${op}|${lx}|${outDtype}`, ['X'], [lx], expr, info.ref);
  k(out, n, buf(x), off(x), idx(x, lx), konst(x, lx));
}

/** `out[i] = op(a[i], b[i])` over equal-shaped views or numbers. */
export function binaryKernel(op: BinaryOp, a: View | number, b: View | number, out: TypedArray): void {
  const n = out.length;
  if (n === 0) return;
  const la = layoutOf(a);
  const lb = layoutOf(b);
  const outDtype = outDtypeOf(out);
  let expr = BINARY_EXPR[op];
  let ref: unknown = BINARY_OPS[op].ref;
  if (op === 'mul' && outDtype === 'int32') expr = 'Math.imul(a, b)';
  if (op === 'fmod' && (outDtype === 'int32' || outDtype === 'bool')) {
    // Integer fmod by zero raises, as in PyTorch (a float divisor gives NaN instead).
    expr = '(b === 0 ? R() : a % b)';
    ref = integerDivisionByZero;
  }
  expr = storeExpr(expr, outDtype, BINARY_OPS[op].dtype === 'bool');
  const k = compile(`b|${op}|${la}|${lb}|${outDtype}`, ['A', 'B'], [la, lb], expr, ref);
  k(out, n, buf(a), off(a), idx(a, la), konst(a, la), buf(b), off(b), idx(b, lb), konst(b, lb));
}

function integerDivisionByZero(): never {
  throw new ZeroDivisionError('fmod: integer division by zero (the integer divisor tensor holds a 0); use float operands to get NaN instead');
}

/** `out[i] = cond[i] ? a[i] : b[i]`. */
export function whereKernel(cond: View, a: View | number, b: View | number, out: TypedArray): void {
  const n = out.length;
  if (n === 0) return;
  const lc = layoutOf(cond);
  const la = layoutOf(a);
  const lb = layoutOf(b);
  const outDtype = outDtypeOf(out);
  const expr = storeExpr('c !== 0 ? a : b', outDtype, false);
  const k = compile(`w|${lc}|${la}|${lb}|${outDtype}`, ['C', 'A', 'B'], [lc, la, lb], expr, null);
  k(out, n, buf(cond), off(cond), idx(cond, lc), konst(cond, lc), buf(a), off(a), idx(a, la), konst(a, la), buf(b), off(b), idx(b, lb), konst(b, lb));
}

/** Copies a view into a contiguous array, converting to the destination's dtype. */
export function copyKernel(x: View, out: TypedArray): void {
  const n = out.length;
  if (n === 0) return;
  const lx = layoutOf(x);
  const src = x.buffer as TypedArray;
  if (lx === 'c' && src.constructor === out.constructor) {
    out.set(src.subarray(x.offset, x.offset + n));
    return;
  }
  const toBool = outDtypeOf(out) === 'bool';
  const k = compile(`copy|${lx}|${toBool}`, ['X'], [lx], toBool ? '(x !== 0 ? 1 : 0)' : 'x', null);
  k(out, n, buf(x), off(x), idx(x, lx), konst(x, lx));
}

/** Writes `src` (a view of dst's shape, or a number) into the elements of `dst`, converting. */
export function assignKernel(dst: View, src: View | number): void {
  const target = dst.buffer as TypedArray;
  const toBool = dst.dtype === 'bool';
  const n = dst.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const value = (v: number): number => (toBool ? (v !== 0 ? 1 : 0) : v);
  const dstContig = isContiguous(dst.shape, dst.strides);
  if (typeof src === 'number') {
    if (dstContig) target.fill(value(src), dst.offset, dst.offset + n);
    else {
      const o = relativeOffsets(dst.shape, dst.strides);
      const v = value(src);
      for (let i = 0; i < n; i++) target[dst.offset + o[i]!] = v;
    }
    return;
  }
  const sameDtype = (src.buffer as TypedArray).constructor === target.constructor;
  if (src.buffer !== dst.buffer && (sameDtype || !toBool)) {
    // No overlap possible: write straight into the destination.
    const so = isContiguous(src.shape, src.strides) ? null : relativeOffsets(src.shape, src.strides);
    const s = src.buffer as TypedArray;
    const sOff = src.offset;
    if (dstContig) {
      if (so === null) {
        if (sameDtype) target.set(s.subarray(sOff, sOff + n), dst.offset);
        else for (let i = 0; i < n; i++) target[dst.offset + i] = s[sOff + i]!;
      } else for (let i = 0; i < n; i++) target[dst.offset + i] = s[sOff + so[i]!]!;
    } else {
      const d = relativeOffsets(dst.shape, dst.strides);
      const dOff = dst.offset;
      if (so === null) for (let i = 0; i < n; i++) target[dOff + d[i]!] = s[sOff + i]!;
      else for (let i = 0; i < n; i++) target[dOff + d[i]!] = s[sOff + so[i]!]!;
    }
    return;
  }
  // Same buffer (the views may overlap) or a conversion to bool: read first, then scatter.
  const tmp = new (target.constructor as { new (n: number): TypedArray })(n);
  copyKernel(src, tmp);
  if (dstContig) target.set(tmp, dst.offset);
  else {
    const o = relativeOffsets(dst.shape, dst.strides);
    for (let i = 0; i < n; i++) target[dst.offset + o[i]!] = tmp[i]!;
  }
}

/** The dtype a typed array stores. */
export function outDtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  return 'float64';
}
