// gather / indexSelect / scatterAdd with bounds checks (errors name the op and the index).
import { FackelError, contiguousStrides, type TypedArray, type View } from '@fackel/tensor';
import { offsets } from './strided.js';

function outOfBounds(op: string, v: number, axis: number, size: number): FackelError {
  return new FackelError(`${op}: index ${v} is out of bounds for dimension ${axis} with size ${size}`);
}

/** `out[p] = x[p with coordinate axis replaced by index[p]]`, out has index's shape. */
export function gatherKernel(x: View, axis: number, index: View, out: TypedArray): void {
  const src = x.buffer as TypedArray;
  const idx = index.buffer as Int32Array;
  const base = offsets(
    index.shape,
    x.strides.map((s, i) => (i === axis ? 0 : s)),
    x.offset,
  );
  const io = offsets(index.shape, index.strides, index.offset);
  const size = x.shape[axis];
  const s = x.strides[axis];
  for (let i = 0; i < out.length; i++) {
    const v = idx[io[i]];
    if (v < 0 || v >= size) throw outOfBounds('gather', v, axis, size);
    out[i] = src[base[i] + v * s];
  }
}

/** Selects entries of `axis` by a 1-D index; out has x's shape with `axis` resized. */
export function indexSelectKernel(x: View, axis: number, index: View, out: TypedArray): void {
  const src = x.buffer as TypedArray;
  const idx = index.buffer as Int32Array;
  const len = index.shape[0];
  const outShape = x.shape.map((d, i) => (i === axis ? len : d));
  const base = offsets(
    outShape,
    x.strides.map((s, i) => (i === axis ? 0 : s)),
    x.offset,
  );
  let inner = 1;
  for (let i = axis + 1; i < x.shape.length; i++) inner *= x.shape[i];
  const size = x.shape[axis];
  const s = x.strides[axis];
  const sel = new Int32Array(len);
  for (let j = 0; j < len; j++) {
    const v = idx[index.offset + j * index.strides[0]];
    if (v < 0 || v >= size) throw outOfBounds('indexSelect', v, axis, size);
    sel[j] = v * s;
  }
  for (let i = 0; i < out.length; i++) out[i] = src[base[i] + sel[Math.floor(i / inner) % len]];
}

/** `out = copy(base)`, then `out[p with axis = index[p]] += src[p]` for every p of index's shape. */
export function scatterAddKernel(baseCopy: TypedArray, shape: readonly number[], axis: number, index: View, src: View): void {
  const idx = index.buffer as Int32Array;
  const sv = src.buffer as TypedArray;
  const outStrides = contiguousStrides(shape);
  const pos = offsets(
    index.shape,
    outStrides.map((s, i) => (i === axis ? 0 : s)),
    0,
  );
  const io = offsets(index.shape, index.strides, index.offset);
  const so = offsets(index.shape, src.strides, src.offset);
  const size = shape[axis];
  const s = outStrides[axis];
  for (let i = 0; i < pos.length; i++) {
    const v = idx[io[i]];
    if (v < 0 || v >= size) throw outOfBounds('scatterAdd', v, axis, size);
    baseCopy[pos[i] + v * s] += sv[so[i]];
  }
}
