// Index helpers for strided views: every kernel that cannot take a contiguous fast path
// walks its inputs through element offsets computed here.

/**
 * Merges adjacent dimensions that are contiguous with each other in every given stride
 * list, so that a strided walk has as few levels as possible.
 */
export function coalesce(shape: readonly number[], stridesList: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      stridesList.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(size);
      stridesList.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Element offsets of a strided view, in row-major order of `shape`. */
export function offsets(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  let n = 1;
  for (const d of shape) n *= d;
  const out = new Int32Array(n);
  if (n === 0) return out;
  const c = coalesce(shape, [strides]);
  const cs = c.shape;
  const st = c.strides[0]!;
  const r = cs.length;
  if (r === 0) {
    out[0] = offset;
    return out;
  }
  if (r === 1) {
    const s0 = st[0]!;
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
  const inner = cs[r - 1]!;
  const sIn = st[r - 1]!;
  const idx = new Array<number>(r - 1).fill(0);
  let base = offset;
  let k = 0;
  const outer = n / inner;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) out[k++] = base + j * sIn;
    for (let d = r - 2; d >= 0; d--) {
      idx[d]!++;
      base += st[d]!;
      if (idx[d]! < cs[d]!) break;
      base -= st[d]! * cs[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Whether a view is contiguous row-major (size-1 dims may have any stride). */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d === 0) return true;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** Whether every stride is 0 (a broadcast scalar). */
export function isBroadcastScalar(shape: readonly number[], strides: readonly number[]): boolean {
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1 && strides[i] !== 0) return false;
  return true;
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
