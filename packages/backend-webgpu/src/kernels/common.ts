// Shapes and layouts (`shapeSize`, `contiguousStrides`, `coalesce`, `layoutKind`) come from
// @fackel/tensor; this file holds what only WGSL kernels need.
import type { View } from '@fackel/tensor';
import type { GPUTensorBuffer } from '../buffer.js';

/** A view over a WebGPU buffer. @internal */
export type GView = View<GPUTensorBuffer>;

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
