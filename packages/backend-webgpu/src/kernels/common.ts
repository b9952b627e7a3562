import type { View } from '@fackel/tensor';
import type { GPUTensorBuffer } from '../buffer.js';

/** A view over a WebGPU buffer. @internal */
export type GView = View<GPUTensorBuffer>;

/** Product of the dimensions. @internal */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. @internal */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * Drops size-1 dimensions and merges neighbours that every operand walks contiguously, so a
 * contiguous op becomes rank 1 and a transposed one rank 2. Returns at least rank 1.
 * @internal
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * n)) {
      outShape[last] = outShape[last]! * n;
      for (let k = 0; k < strides.length; k++) outStrides[k]![last] = strides[k]![d]!;
    } else {
      outShape.push(n);
      for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [1]) };
  return { shape: outShape, strides: outStrides };
}

/**
 * How a kernel addresses an operand after collapsing: `c` contiguous (`offset + i`), `z` a
 * broadcast scalar (`offset`), `s` strided (index math).
 * @internal
 */
export type Pattern = 'c' | 'z' | 's';

/** The addressing pattern of strides over a (collapsed) shape. @internal */
export function patternOf(shape: readonly number[], strides: readonly number[]): Pattern {
  if (strides.every((s, i) => s === 0 || shape[i] === 1)) return 'z';
  const c = contiguousStrides(shape);
  if (strides.every((s, i) => s === c[i] || shape[i] === 1)) return 'c';
  return 's';
}

/** True when a view covers its elements contiguously in row-major order. @internal */
export function isContiguous(v: { shape: readonly number[]; strides: readonly number[] }): boolean {
  let acc = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    const n = v.shape[i]!;
    if (n !== 1 && v.strides[i] !== acc) return false;
    acc *= n;
  }
  return true;
}

/** Collects uniform words and hands out their indices. @internal */
export class Words {
  readonly w: number[] = [];
  /** Appends a u32 and returns its word index. */
  u32(x: number): number {
    this.w.push(x >>> 0);
    return this.w.length - 1;
  }
  /** Appends an i32 (two's complement) and returns its word index. */
  i32(x: number): number {
    this.w.push(x | 0);
    return this.w.length - 1;
  }
  /** Appends a raw bit pattern. */
  bits(x: number): number {
    this.w.push(x >>> 0);
    return this.w.length - 1;
  }
}

/**
 * WGSL that unravels the linear index `lin` over `shape` (given as uniform word indices
 * `dims`) into `let ${prefix}k` coordinates. @internal
 */
export function unravel(lin: string, dims: readonly string[], prefix: string): string {
  const r = dims.length;
  if (r === 0) return '';
  if (r === 1) return `  let ${prefix}0 = ${lin};\n`;
  let s = `  var ${prefix}r = ${lin};\n`;
  for (let k = r - 1; k >= 1; k--) {
    s += `  let ${prefix}${k} = ${prefix}r % ${dims[k]}; ${prefix}r = ${prefix}r / ${dims[k]};\n`;
  }
  s += `  let ${prefix}0 = ${prefix}r;\n`;
  return s;
}

/** WGSL `u32` expression `offset + Σ coord_k * stride_k` (strides as i32 uniform refs). @internal */
export function dot(offset: string, coords: readonly string[], strides: readonly string[]): string {
  if (coords.length === 0) return offset;
  const terms = coords.map((c, k) => `i32(${c}) * ${strides[k]}`).join(' + ');
  return `u32(i32(${offset}) + ${terms})`;
}
