import type { BinaryOp, DType, UnaryOp } from '@fackel/tensor';
import type { RawBuffer } from '../buffer.js';
import type { Runtime } from '../runtime.js';
import { computeType, linearEntry, loadAs, scalarBits, storageDecl, storageType, storeAs, uint, uscalar, uword, type ComputeType, type StorageType } from '../wgsl.js';
import { collapse, contiguousStrides, dot, isContiguous, numel, patternOf, unravel, type GView, type Pattern } from './common.js';

/** One input of an elementwise kernel: a view or a scalar, loaded as compute type `ctype`. @internal */
export type MapInput = { view: GView; ctype: ComputeType } | { scalar: number; ctype: ComputeType };

/** An elementwise kernel over a common shape. @internal */
export interface MapSpec {
  /** Identifies `expr` (with the input compute types) in the pipeline key. */
  name: string;
  inputs: readonly MapInput[];
  /** WGSL of the result, given the inputs as compute-type expressions. */
  expr: (args: readonly string[]) => string;
  /** Compute type of `expr`. */
  rtype: ComputeType;
  outDtype: DType;
  shape: readonly number[];
  /** Write into this view (in place) instead of a new contiguous buffer. */
  outView?: GView;
}

const WG = 64;

/**
 * Records an elementwise kernel. Returns the output buffer (new and contiguous unless
 * `outView` is given, in which case that view's buffer is written).
 * @internal
 */
export function runMap(rt: Runtime, spec: MapSpec, out: RawBuffer): void {
  const n = numel(spec.shape);
  if (n === 0) return;
  // Operand 0 is the output; then the view inputs in order.
  const strides: (readonly number[])[] = [spec.outView ? spec.outView.strides : contiguousStrides(spec.shape)];
  const offsets: number[] = [spec.outView ? spec.outView.offset : 0];
  const bufs: RawBuffer[] = [];
  let access = '';
  let inDesc = '';
  for (const inp of spec.inputs) {
    if ('view' in inp) {
      strides.push(inp.view.strides);
      offsets.push(inp.view.offset);
      bufs.push(inp.view.buffer.raw);
      access += 'r';
      inDesc += `${storageType(inp.view.dtype)}>${inp.ctype},`;
    } else {
      inDesc += `s${inp.ctype},`;
    }
  }
  bufs.push(out);
  access += 'w';

  // Fast path: every operand contiguous or a broadcast scalar needs no index math.
  let pats: Pattern[] = [];
  let colShape: readonly number[] = [n];
  let colStrides: (readonly number[])[] = [];
  let simple = true;
  for (const st of strides) {
    if (isContiguous({ shape: spec.shape, strides: st })) pats.push('c');
    else if (st.every((x) => x === 0)) pats.push('z');
    else {
      simple = false;
      break;
    }
  }
  if (!simple) {
    const col = collapse(spec.shape, strides);
    colShape = col.shape;
    colStrides = col.strides;
    pats = col.strides.map((st) => patternOf(col.shape, st));
  }
  const anyStrided = pats.includes('s');
  const rank = colShape.length;

  // Uniform layout: n, [dims], per operand: offset, [strides], then scalars.
  const w: number[] = [n];
  if (anyStrided) for (const d of colShape) w.push(d);
  for (let k = 0; k < strides.length; k++) {
    w.push(offsets[k]!);
    if (pats[k] === 's') for (const x of colStrides[k]!) w.push(x | 0);
  }
  for (const inp of spec.inputs) if ('scalar' in inp) w.push(scalarBits(inp.scalar, inp.ctype));

  const outSt = storageType(spec.outDtype);
  const key = `map|${spec.name}|${spec.rtype}|${outSt}|${inDesc}|${pats.join('')}|${anyStrided ? rank : 0}`;
  rt.dispatch({ key, access, source: () => mapSource(spec, pats, anyStrided ? rank : 0, outSt) }, bufs, w, rt.groups(n, WG));
}

function mapSource(spec: MapSpec, pats: readonly Pattern[], rank: number, outSt: StorageType): string {
  // Word indices, in the order runMap writes them.
  let wi = 1;
  const dims: string[] = [];
  for (let d = 0; d < rank; d++) dims.push(uword(wi++));
  const offs: string[] = [];
  const strideRefs: string[][] = [];
  for (const p of pats) {
    offs.push(uword(wi++));
    const sr: string[] = [];
    if (p === 's') for (let d = 0; d < rank; d++) sr.push(uint(wi++));
    strideRefs.push(sr);
  }
  const coords = dims.map((_, k) => `c${k}`);
  const index = (k: number): string => {
    const p = pats[k]!;
    if (p === 'c') return `${offs[k]} + gid`;
    if (p === 'z') return offs[k]!;
    return dot(offs[k]!, coords, strideRefs[k]!);
  };
  const decls: string[] = [];
  let body = '';
  let vi = 1;
  const args: string[] = [];
  spec.inputs.forEach((inp, j) => {
    if ('view' in inp) {
      const st = storageType(inp.view.dtype);
      decls.push(storageDecl(decls.length + 1, `in${j}`, st, 'read'));
      body += `  let x${j} = ${loadAs(`in${j}[${index(vi)}]`, st, inp.ctype)};\n`;
      vi++;
    } else {
      body += `  let x${j} = ${uscalar(wi++, inp.ctype)};\n`;
    }
    args.push(`x${j}`);
  });
  decls.push(storageDecl(decls.length + 1, 'out', outSt, 'read_write'));
  return `${decls.join('\n')}
fn body(gid: u32) {
${rank > 0 ? unravel('gid', dims, 'c') : ''}${body}  out[${index(0)}] = ${storeAs(spec.expr(args), spec.rtype, outSt)};
}
${linearEntry(WG, uword(0))}`;
}

// ------------------------------------------------------------------------------- op tables

const FLOAT_ONLY = new Set<UnaryOp>(['exp', 'log', 'sqrt', 'rsqrt', 'reciprocal', 'tanh', 'sigmoid', 'erf', 'sin', 'cos', 'log1p', 'expm1']);

/** Compute type, result type and WGSL of a unary op. @internal */
export function unaryExpr(op: UnaryOp, inDtype: DType, outDtype: DType): { ctype: ComputeType; rtype: ComputeType; expr: (x: string) => string } {
  if (op === 'logicalNot') return { ctype: 'bool', rtype: 'bool', expr: (x) => `!${x}` };
  if (op === 'isnan') {
    return inDtype === 'float32'
      ? { ctype: 'f32', rtype: 'bool', expr: (x) => `is_nan(${x})` }
      : { ctype: 'i32', rtype: 'bool', expr: () => 'false' };
  }
  let c: ComputeType;
  if (FLOAT_ONLY.has(op)) c = 'f32';
  else if (outDtype === 'bool') c = inDtype === 'float32' ? 'f32' : 'i32';
  else c = computeType(outDtype) === 'bool' ? 'i32' : computeType(outDtype);
  const f = c === 'f32';
  const e = (g: (x: string) => string): { ctype: ComputeType; rtype: ComputeType; expr: (x: string) => string } => ({ ctype: c, rtype: c, expr: g });
  switch (op) {
    case 'neg':
      return e((x) => `(-${x})`);
    case 'abs':
      return e((x) => `abs(${x})`);
    case 'sign':
      return f ? e((x) => `select(select(select(0.0, 1.0, ${x} > 0.0), -1.0, ${x} < 0.0), ${x}, is_nan(${x}))`) : e((x) => `sign(${x})`);
    case 'exp':
      return e((x) => `f_exp(${x})`);
    case 'log':
      return e((x) => `f_log(${x})`);
    case 'sqrt':
      return e((x) => `select(sqrt(${x}), f_nan(), ${x} < 0.0)`);
    case 'rsqrt':
      return e((x) => `select(1.0 / sqrt(${x}), f_nan(), ${x} < 0.0)`);
    case 'reciprocal':
      return e((x) => `(1.0 / ${x})`);
    case 'square':
      return e((x) => `(${x} * ${x})`);
    case 'tanh':
      return e((x) => `f_tanh(${x})`);
    case 'sigmoid':
      return e((x) => `f_sigmoid(${x})`);
    case 'relu':
      return f ? e((x) => `select(select(0.0, ${x}, ${x} > 0.0), ${x}, is_nan(${x}))`) : e((x) => `max(${x}, 0i)`);
    case 'erf':
      return e((x) => `f_erf(${x})`);
    case 'sin':
      return e((x) => `sin(${x})`);
    case 'cos':
      return e((x) => `cos(${x})`);
    case 'floor':
      return f ? e((x) => `floor(${x})`) : e((x) => x);
    case 'ceil':
      return f ? e((x) => `ceil(${x})`) : e((x) => x);
    case 'round':
      return f ? e((x) => `f_round(${x})`) : e((x) => x);
    case 'log1p':
      return e((x) => `f_log1p(${x})`);
    case 'expm1':
      return e((x) => `f_expm1(${x})`);
    default:
      throw new Error(`webgpu: unknown unary op '${String(op)}'`);
  }
}

const COMPARE = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

function operandIsFloat(x: GView | number): boolean {
  return typeof x === 'number' ? !Number.isInteger(x) : x.dtype === 'float32';
}

/** Compute type, result type and WGSL of a binary op. @internal */
export function binaryExpr(op: BinaryOp, a: GView | number, b: GView | number, outDtype: DType): { ctype: ComputeType; rtype: ComputeType; expr: (a: string, b: string) => string } {
  if (op === 'logicalAnd') return { ctype: 'bool', rtype: 'bool', expr: (x, y) => `(${x} && ${y})` };
  if (op === 'logicalOr') return { ctype: 'bool', rtype: 'bool', expr: (x, y) => `(${x} || ${y})` };
  if (COMPARE.has(op)) {
    const c: ComputeType = operandIsFloat(a) || operandIsFloat(b) ? 'f32' : 'i32';
    if (op === 'ne') return { ctype: c, rtype: 'bool', expr: (x, y) => `!(${x} == ${y})` }; // NaN != x is true
    const sym = { eq: '==', lt: '<', le: '<=', gt: '>', ge: '>=' }[op as 'eq'];
    return { ctype: c, rtype: 'bool', expr: (x, y) => `(${x} ${sym} ${y})` };
  }
  const c: ComputeType = outDtype === 'float32' ? 'f32' : 'i32';
  const f = c === 'f32';
  const r = (expr: (x: string, y: string) => string): { ctype: ComputeType; rtype: ComputeType; expr: (a: string, b: string) => string } => ({ ctype: c, rtype: c, expr });
  switch (op) {
    case 'add':
      return r((x, y) => `(${x} + ${y})`);
    case 'sub':
      return r((x, y) => `(${x} - ${y})`);
    case 'mul':
      return r((x, y) => `(${x} * ${y})`);
    case 'div':
      return f ? r((x, y) => `(${x} / ${y})`) : r((x, y) => `select(${x} / ${y}, 0i, ${y} == 0i)`);
    case 'pow':
      return f ? r((x, y) => `f_pow(${x}, ${y})`) : r((x, y) => `i_pow(${x}, ${y})`);
    case 'maximum':
      return f ? r((x, y) => `select(max(${x}, ${y}), f_nan(), is_nan(${x}) || is_nan(${y}))`) : r((x, y) => `max(${x}, ${y})`);
    case 'minimum':
      return f ? r((x, y) => `select(min(${x}, ${y}), f_nan(), is_nan(${x}) || is_nan(${y}))`) : r((x, y) => `min(${x}, ${y})`);
    case 'fmod':
      return f ? r((x, y) => `f_fmod(${x}, ${y})`) : r((x, y) => `select(${x} % ${y}, 0i, ${y} == 0i)`);
    default:
      throw new Error(`webgpu: unknown binary op '${String(op)}'`);
  }
}
