// Index helpers for strided views: every kernel that cannot take a contiguous fast path
// walks its inputs through element offsets computed here. The layout tests themselves
// (`layoutKind`, `isContiguousLayout`, `coalesce`) live in @fackel/tensor.
import { coalesce, shapeSize } from '@fackel/tensor';

/** Element offsets of a strided view, in row-major order of `shape`. */
export function offsets(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const n = shapeSize(shape);
  const out = new Int32Array(n);
  if (n === 0) return out;
  const c = coalesce(shape, [strides]);
  const cs = c.shape;
  const st = c.strides[0];
  const r = cs.length; // at least 1
  if (r === 1) {
    const s0 = st[0];
    for (let i = 0; i < n; i++) out[i] = offset + i * s0;
    return out;
  }
  if (r === 2) {
    const [n0, n1] = cs as [number, number];
    const [s0, s1] = st as [number, number];
    let k = 0;
    for (let i = 0; i < n0; i++) {
      const b = offset + i * s0;
      for (let j = 0; j < n1; j++) out[k++] = b + j * s1;
    }
    return out;
  }
  // General rank: an odometer over all but the innermost dimension.
  const inner = cs[r - 1];
  const sIn = st[r - 1];
  const idx = new Array<number>(r - 1).fill(0);
  let base = offset;
  let k = 0;
  const outer = n / inner;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) out[k++] = base + j * sIn;
    for (let d = r - 2; d >= 0; d--) {
      idx[d]++;
      base += st[d];
      if (idx[d] < cs[d]) break;
      base -= st[d] * cs[d];
      idx[d] = 0;
    }
  }
  return out;
}

const offsetCache = new Map<string, Int32Array>();
const MAX_CACHED = 512;

/**
 * Offsets of a strided layout relative to its first element (offset 0), cached by shape and
 * strides: the time steps of a recurrent layer read equally shaped windows at different
 * offsets, so the table is computed once. Callers add the view's offset.
 */
export function relativeOffsets(shape: readonly number[], strides: readonly number[]): Int32Array {
  const key = `${shape.join(',')}|${strides.join(',')}`;
  let t = offsetCache.get(key);
  if (t === undefined) {
    if (offsetCache.size >= MAX_CACHED) offsetCache.clear();
    t = offsets(shape, strides, 0);
    offsetCache.set(key, t);
  }
  return t;
}
