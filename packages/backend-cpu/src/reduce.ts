// Reductions, cumulative sums and sorting over arbitrary axes of strided views.
import { type ReduceOp, type TypedArray, type View, isContiguousLayout, shapeSize, splitAxes } from '@fackel/tensor';
import { offsets } from './strided.js';

/**
 * Splits a view into offsets of its kept dims (outer) and of its reduced dims (inner), and the
 * number of reduced elements `m`. With `runs`, reduced dims that lie contiguously (a run of `m`
 * elements from each outer offset) get no inner table (`inner` null).
 */
function split(x: View, axes: readonly number[], runs: boolean): { outer: Int32Array; inner: Int32Array | null; m: number } {
  const { keptShape, keptStrides, redShape, redStrides } = splitAxes(x.shape, x.strides, axes);
  const m = shapeSize(redShape);
  const run = runs && isContiguousLayout(redShape, redStrides);
  return { outer: offsets(keptShape, keptStrides, x.offset), inner: run ? null : offsets(redShape, redStrides, 0), m };
}

/** Reduces `axes` of `x` into the contiguous `out`. */
export function reduceKernel(op: ReduceOp, x: View, axes: readonly number[], out: TypedArray): void {
  const src = x.buffer as TypedArray;
  const sums = op === 'sum' || op === 'mean';
  const { outer, inner: table, m } = split(x, axes, sums);
  const nOut = outer.length;
  // (only sum and mean read contiguous runs without a table)
  const inner = table ?? new Int32Array(0);
  switch (op) {
    case 'sum':
    case 'mean': {
      const run = table === null;
      const div = op === 'mean' ? m : 1;
      for (let o = 0; o < nOut; o++) {
        const base = outer[o];
        let acc = 0;
        if (run) for (let j = 0; j < m; j++) acc += src[base + j];
        else for (let j = 0; j < m; j++) acc += src[base + inner[j]];
        out[o] = op === 'mean' ? acc / div : acc;
      }
      return;
    }
    case 'prod': {
      for (let o = 0; o < nOut; o++) {
        const base = outer[o];
        let acc = 1;
        for (let j = 0; j < m; j++) acc *= src[base + inner[j]];
        out[o] = acc;
      }
      return;
    }
    case 'max':
    case 'min': {
      const isMax = op === 'max';
      for (let o = 0; o < nOut; o++) {
        const base = outer[o];
        let acc = isMax ? -Infinity : Infinity;
        for (let j = 0; j < m; j++) {
          const v = src[base + inner[j]];
          if (v !== v) {
            acc = NaN;
            break;
          }
          if (isMax ? v > acc : v < acc) acc = v;
        }
        out[o] = acc;
      }
      return;
    }
    case 'argmax':
    case 'argmin': {
      const isMax = op === 'argmax';
      for (let o = 0; o < nOut; o++) {
        const base = outer[o];
        let best = 0;
        let acc = src[base + inner[0]];
        if (acc === acc) {
          for (let j = 1; j < m; j++) {
            const v = src[base + inner[j]];
            if (v !== v) {
              best = j;
              break;
            }
            if (isMax ? v > acc : v < acc) {
              acc = v;
              best = j;
            }
          }
        }
        out[o] = best;
      }
      return;
    }
  }
}

/** Inclusive cumulative sum along `axis` into the contiguous `out` of x's shape. */
export function cumsumKernel(x: View, axis: number, out: TypedArray): void {
  const src = x.buffer as TypedArray;
  const n = x.shape[axis];
  const keptShape = x.shape.map((d, i) => (i === axis ? 1 : d));
  const outer = offsets(keptShape, x.strides, x.offset);
  let inner = 1;
  for (let i = axis + 1; i < x.shape.length; i++) inner *= x.shape[i];
  const sx = x.strides[axis];
  // out is contiguous: position of (outer o, step j) is (o / inner) * n * inner + j * inner + o % inner
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o];
    const ob = Math.floor(o / inner) * n * inner + (o % inner);
    let acc = 0;
    for (let j = 0; j < n; j++) {
      acc += src[base + j * sx];
      out[ob + j * inner] = acc;
    }
  }
}

/** Stable sort of every row along the last axis; NaN sorts as the largest value (as PyTorch). */
export function sortKernel(x: View, descending: boolean, values: TypedArray, indices: Int32Array): void {
  const src = x.buffer as TypedArray;
  const r = x.shape.length;
  const n = r === 0 ? 1 : x.shape[r - 1];
  if (n === 0) return;
  const keptShape = x.shape.map((d, i) => (i === r - 1 ? 1 : d));
  const outer = offsets(keptShape, x.strides, x.offset);
  const s = r === 0 ? 0 : x.strides[r - 1];
  const idx = new Array<number>(n);
  const row = new Float64Array(n);
  const cmp = (a: number, b: number): number => {
    const va = row[a];
    const vb = row[b];
    const na = va !== va;
    const nb = vb !== vb;
    if (na || nb) return na === nb ? 0 : (na ? 1 : -1) * (descending ? -1 : 1);
    return descending ? vb - va || 0 : va - vb || 0;
  };
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o];
    for (let j = 0; j < n; j++) {
      row[j] = src[base + j * s];
      idx[j] = j;
    }
    idx.sort(cmp);
    for (let j = 0; j < n; j++) {
      values[o * n + j] = row[idx[j]];
      indices[o * n + j] = idx[j];
    }
  }
}
