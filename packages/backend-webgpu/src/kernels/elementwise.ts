import {
  BINARY_OPS,
  UNARY_OPS,
  coalesce,
  contiguousStrides,
  layoutKind,
  shapeSize,
  type BinaryOp,
  type DType,
  type LayoutKind,
  type UnaryOp,
  type WgslType,
} from '@fackel/tensor';
import type { RawBuffer } from '../buffer.js';
import type { Runtime } from '../runtime.js';
import {
  computeType,
  linearEntry,
  loadAs,
  scalarBits,
  storageDecl,
  storageType,
  storeAs,
  uint,
  uscalar,
  uword,
  type ComputeType,
  type StorageType,
} from '../wgsl.js';
import { dot, unravel, type GView } from './common.js';

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
  const n = shapeSize(spec.shape);
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
  let kinds: LayoutKind[] = strides.map((st) => layoutKind(spec.shape, st));
  let colShape: readonly number[] = [n];
  let colStrides: (readonly number[])[] = [];
  if (kinds.includes('strided')) {
    const col = coalesce(spec.shape, strides);
    colShape = col.shape;
    colStrides = col.strides;
    kinds = col.strides.map((st) => layoutKind(col.shape, st));
  }
  const anyStrided = kinds.includes('strided');
  const rank = colShape.length;

  // Uniform layout: n, [dims], per operand: offset, [strides], then scalars.
  const w: number[] = [n];
  if (anyStrided) for (const d of colShape) w.push(d);
  for (let k = 0; k < strides.length; k++) {
    w.push(offsets[k]);
    if (kinds[k] === 'strided') for (const x of colStrides[k]) w.push(x | 0);
  }
  for (const inp of spec.inputs) if ('scalar' in inp) w.push(scalarBits(inp.scalar, inp.ctype));

  const outSt = storageType(spec.outDtype);
  const key = `map|${spec.name}|${spec.rtype}|${outSt}|${inDesc}|${kinds.join(',')}|${anyStrided ? rank : 0}`;
  rt.dispatch({ key, access, source: () => mapSource(spec, kinds, anyStrided ? rank : 0, outSt) }, bufs, w, rt.groups(n, WG));
}

function mapSource(spec: MapSpec, kinds: readonly LayoutKind[], rank: number, outSt: StorageType): string {
  // Word indices, in the order runMap writes them.
  let wi = 1;
  const dims: string[] = [];
  for (let d = 0; d < rank; d++) dims.push(uword(wi++));
  const offs: string[] = [];
  const strideRefs: string[][] = [];
  for (const kind of kinds) {
    offs.push(uword(wi++));
    const sr: string[] = [];
    if (kind === 'strided') for (let d = 0; d < rank; d++) sr.push(uint(wi++));
    strideRefs.push(sr);
  }
  const coords = dims.map((_, k) => `c${k}`);
  const index = (k: number): string => {
    const kind = kinds[k];
    if (kind === 'contiguous') return `${offs[k]} + gid`;
    if (kind === 'scalar') return offs[k];
    return dot(offs[k], coords, strideRefs[k]);
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
// The WGSL of each op is its entry in the op table of @fackel/tensor; here only the types it
// computes in are chosen.

/** Compute type, result type and WGSL of a unary op. @internal */
export function unaryExpr(op: UnaryOp, inDtype: DType, outDtype: DType): { ctype: ComputeType; rtype: ComputeType; expr: (x: string) => string } {
  const info = UNARY_OPS[op];
  let c: WgslType;
  if (info.dtype === 'float') c = 'f32';
  else if (info.dtype === 'bool' || outDtype === 'bool') c = inDtype === 'float32' ? 'f32' : 'i32';
  else c = computeType(outDtype) === 'f32' ? 'f32' : 'i32';
  return { ctype: c, rtype: info.dtype === 'bool' ? 'bool' : c, expr: (x) => info.wgsl(x, c) };
}

function operandIsFloat(x: GView | number): boolean {
  return typeof x === 'number' ? !Number.isInteger(x) : x.dtype === 'float32';
}

/** Compute type, result type and WGSL of a binary op. @internal */
export function binaryExpr(
  op: BinaryOp,
  a: GView | number,
  b: GView | number,
  outDtype: DType,
): { ctype: ComputeType; rtype: ComputeType; expr: (a: string, b: string) => string } {
  const info = BINARY_OPS[op];
  if (info.dtype === 'bool') {
    const c: WgslType = operandIsFloat(a) || operandIsFloat(b) ? 'f32' : 'i32';
    return { ctype: c, rtype: 'bool', expr: (x, y) => info.wgsl(x, y, c) };
  }
  const c: WgslType = outDtype === 'float32' ? 'f32' : 'i32';
  return { ctype: c, rtype: c, expr: (x, y) => info.wgsl(x, y, c) };
}
