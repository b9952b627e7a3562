import type { DType } from './dtype.js';
import { itemSize } from './dtype.js';
import { FackelError, ShapeError, fmtShape } from './errors.js';

/** A tensor shape: one non-negative integer per dimension; `[]` is a scalar (0-d).
 * @example
 * ```ts
 * import type { Shape } from '@fackel/tensor';
 * const s: Shape = [2, 3];
 * ```
 */
export type Shape = readonly number[];

/**
 * The most elements one tensor can hold: 2^31 − 1. Kernels address elements with 32-bit
 * integers (the CPU's offset tables are `Int32Array`s, WebGPU's indices are `i32`/`u32`),
 * so {@link checkShape} refuses larger shapes with a clear error instead of a raw
 * `RangeError` from a typed array.
 *
 * @example
 * ```ts
 * import { MAX_NUMEL } from '@fackel/tensor';
 * console.log(MAX_NUMEL); // 2147483647
 * ```
 */
export const MAX_NUMEL = 2 ** 31 - 1;

/** Number of elements of a shape (1 for `[]`).
 * @example
 * ```ts
 * import { shapeSize } from '@fackel/tensor';
 * shapeSize([2, 3]); // 6
 * ```
 */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides of a shape, in elements.
 * @example
 * ```ts
 * import { contiguousStrides } from '@fackel/tensor';
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Whether a (shape, strides) pair is row-major contiguous (size-1 dims may have any stride).
 * @example
 * ```ts
 * import { isContiguousLayout } from '@fackel/tensor';
 * isContiguousLayout([3, 2], [1, 3]); // false
 * ```
 */
export function isContiguousLayout(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    if (d === 0) return true;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** Whether every dimension of a (shape, strides) pair is broadcast (stride 0) or of size 1: one element, read everywhere.
 * @example
 * ```ts
 * import { isBroadcastScalarLayout } from '@fackel/tensor';
 * isBroadcastScalarLayout([3, 4], [0, 0]); // true
 * ```
 */
export function isBroadcastScalarLayout(shape: Shape, strides: readonly number[]): boolean {
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1 && strides[i] !== 0) return false;
  return true;
}

/**
 * How a kernel addresses the elements of a view, in the order the checks are made:
 * - `contiguous`: row-major from its offset (`offset + i`);
 * - `scalar`: one element broadcast everywhere (`offset`);
 * - `strided`: anything else (index arithmetic or an offset table).
 *
 * @example
 * ```ts
 * import type { LayoutKind } from '@fackel/tensor';
 * const k: LayoutKind = 'scalar';
 * ```
 */
export type LayoutKind = 'contiguous' | 'scalar' | 'strided';

/** The {@link LayoutKind} of a (shape, strides) pair. Allocation-free.
 * @example
 * ```ts
 * import { layoutKind } from '@fackel/tensor';
 * layoutKind([2, 3], [3, 1]); // 'contiguous'
 * layoutKind([2, 3], [0, 0]); // 'scalar'
 * layoutKind([3, 2], [1, 3]); // 'strided'
 * ```
 */
export function layoutKind(shape: Shape, strides: readonly number[]): LayoutKind {
  if (isContiguousLayout(shape, strides)) return 'contiguous';
  return isBroadcastScalarLayout(shape, strides) ? 'scalar' : 'strided';
}

/**
 * Merges the dimensions of a shape that every operand walks as one: size-1 dimensions are
 * dropped and a dimension is folded into its left neighbour where, for each stride list,
 * `stride[left] == stride[d] * shape[d]`. A contiguous walk becomes rank 1, a transposed one
 * rank 2. Returns at least rank 1 (`[1]` with stride 1 for a single element).
 *
 * @example
 * ```ts
 * import { coalesce } from '@fackel/tensor';
 * coalesce([2, 3, 4], [[12, 4, 1], [0, 0, 0]]); // { shape: [24], strides: [[1], [0]] }
 * coalesce([3, 2], [[1, 3]]); // { shape: [3, 2], strides: [[1, 3]] }
 * ```
 */
export function coalesce(
  shape: Shape,
  stridesList: readonly (readonly number[])[],
): {
  /** The merged shape (rank at least 1). */
  shape: number[];
  /** Each operand's strides over the merged shape, in the order given. */
  strides: number[][];
} {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((s, k) => outStrides[k][last] === s[d] * size)) {
      outShape[last] = outShape[last] * size;
      for (let k = 0; k < stridesList.length; k++) outStrides[k][last] = stridesList[k][d];
    } else {
      outShape.push(size);
      for (let k = 0; k < stridesList.length; k++) outStrides[k].push(stridesList[k][d]);
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: stridesList.map(() => [1]) };
  return { shape: outShape, strides: outStrides };
}

/**
 * Splits a strided layout into its kept dimensions and its reduced dimensions (`axes`), each
 * with its strides, in the original order: what a reduction walks as outputs and as inputs.
 *
 * @example
 * ```ts
 * import { splitAxes } from '@fackel/tensor';
 * splitAxes([2, 3, 4], [12, 4, 1], [1]);
 * // { keptShape: [2, 4], keptStrides: [12, 1], redShape: [3], redStrides: [4] }
 * ```
 */
export function splitAxes(
  shape: Shape,
  strides: readonly number[],
  axes: readonly number[],
): {
  /** The sizes of the dimensions not in `axes`. */
  keptShape: number[];
  /** The strides of the dimensions not in `axes`. */
  keptStrides: number[];
  /** The sizes of the dimensions in `axes`. */
  redShape: number[];
  /** The strides of the dimensions in `axes`. */
  redStrides: number[];
} {
  const set = new Set(axes);
  const keptShape: number[] = [];
  const keptStrides: number[] = [];
  const redShape: number[] = [];
  const redStrides: number[] = [];
  shape.forEach((size, d) => {
    if (set.has(d)) {
      redShape.push(size);
      redStrides.push(strides[d]);
    } else {
      keptShape.push(size);
      keptStrides.push(strides[d]);
    }
  });
  return { keptShape, keptStrides, redShape, redStrides };
}

/** Resolves a possibly negative dim against a rank, with a clear error naming the op.
 * @example
 * ```ts
 * import { normalizeDim } from '@fackel/tensor';
 * normalizeDim(-1, 3, 'sum'); // 2
 * ```
 */
export function normalizeDim(dim: number, rank: number, op: string): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new ShapeError(`${op}: dimension ${dim} is out of range for a tensor of rank ${rank} (expected to be in range [${-r}, ${r - 1}])`);
  }
  return dim < 0 ? dim + r : dim;
}

/** Resolves a dim list (or all dims when undefined) to sorted, unique, non-negative dims.
 * @example
 * ```ts
 * import { normalizeDims } from '@fackel/tensor';
 * normalizeDims([-1, 0], 3, 'sum'); // [0, 2]
 * ```
 */
export function normalizeDims(dims: number | readonly number[] | undefined | null, rank: number, op: string): number[] {
  if (dims === undefined || dims === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = list.map((d) => (rank === 0 ? (normalizeDim(d, 0, op), 0) : normalizeDim(d, rank, op)));
  const set = new Set(out);
  if (set.size !== out.length) throw new ShapeError(`${op}: dim ${list.join(',')} appears multiple times in the list of dims`);
  return rank === 0 ? [] : [...set].sort((a, b) => a - b);
}

/** NumPy broadcasting of two shapes; throws naming the op and both shapes (also when the result would exceed {@link MAX_NUMEL} elements).
 * @example
 * ```ts
 * import { broadcastShapes } from '@fackel/tensor';
 * broadcastShapes([2, 1, 3], [4, 3]); // [2, 4, 3]
 * ```
 */
export function broadcastShapes(a: Shape, b: Shape, op = 'broadcast'): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (size ${da} vs ${db} at dimension ${i - n + Math.max(a.length, b.length)})`,
      );
    }
  }
  const numel = shapeSize(out);
  if (numel > MAX_NUMEL) {
    throw new ShapeError(
      `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} broadcast to ${fmtShape(out)}, ${numel} elements; the largest tensor Fackel can allocate holds 2^31-1 = ${MAX_NUMEL} elements`,
    );
  }
  return out;
}

/** Strides that view a tensor of `shape`/`strides` as the larger broadcast `target` shape (0 on broadcast dims).
 * @example
 * ```ts
 * import { broadcastStrides } from '@fackel/tensor';
 * broadcastStrides([3], [1], [2, 3]); // [0, 1]
 * ```
 */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const n = target.length;
  const out = new Array<number>(n).fill(0);
  const off = n - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[i + off] = shape[i] === 1 && target[i + off] !== 1 ? 0 : strides[i];
  }
  return out;
}

/** Formats a byte count with decimal units: `4.0 TB`. */
function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'more bytes than a double can count';
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  if (u === 0) return `${v} bytes`;
  return v >= 1000 ? `${bytes.toExponential(1)} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/**
 * Validates a shape that is about to be allocated and returns a copy: every size must be a
 * non-negative integer (not NaN, fractional, negative or infinite), and the element count
 * must not exceed {@link MAX_NUMEL}. Every creation function checks its shape here before it
 * allocates anything; the message names the op, the shape and, with `dtype`, the bytes the
 * tensor would need.
 *
 * @example
 * ```ts
 * import { checkShape } from '@fackel/tensor';
 * checkShape([2, 3], 'zeros'); // [2, 3]
 * try { checkShape([1e6, 1e6], 'zeros', 'float32'); } catch (e) { console.log((e as Error).message); }
 * // zeros: shape [1000000,1000000] of float32 needs 4.0 TB (1000000000000 elements); the largest tensor Fackel can allocate holds 2^31-1 = 2147483647 elements
 * ```
 */
export function checkShape(shape: readonly number[], op: string, dtype?: DType): number[] {
  if (!Array.isArray(shape)) throw new FackelError(`${op}: expected a shape as an array of integers, got ${String(shape)}`);
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      const what = typeof d === 'number' ? String(d) : `${typeof d} ${JSON.stringify(d) ?? String(d)}`;
      throw new ShapeError(`${op}: invalid shape ${fmtShape(shape)}: size ${what} at dimension ${i} is not a non-negative integer`);
    }
    n *= d;
  }
  if (n > MAX_NUMEL) {
    const need = dtype === undefined ? `has ${n} elements` : `of ${dtype} needs ${fmtBytes(n * itemSize(dtype))} (${n} elements)`;
    throw new ShapeError(`${op}: shape ${fmtShape(shape)} ${need}; the largest tensor Fackel can allocate holds 2^31-1 = ${MAX_NUMEL} elements`);
  }
  return [...shape];
}

/** Resolves one `-1` in a reshape target against the element count.
 * @example
 * ```ts
 * import { inferShape } from '@fackel/tensor';
 * inferShape([-1, 2], 6, 'reshape'); // [3, 2]
 * ```
 */
export function inferShape(shape: readonly number[], size: number, op: string): number[] {
  let infer = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new ShapeError(`${op}: only one dimension can be inferred (-1) in ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid size ${d} in shape ${fmtShape(shape)}`);
    } else known *= d;
  });
  const out = [...shape];
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${size}`);
    out[infer] = size / known;
  } else if (known !== size) {
    throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${size}`);
  }
  return out;
}

/**
 * Strides for viewing (shape, strides) as `newShape` without copying, or `null` when the
 * layout does not allow it (then a reshape must copy). Follows PyTorch's rule: merged
 * dimensions must be contiguous with each other.
 * @example
 * ```ts
 * import { viewStrides } from '@fackel/tensor';
 * viewStrides([2, 3], [3, 1], [6]); // [1]
 * viewStrides([3, 2], [1, 3], [6]); // null
 * ```
 */
export function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  const numel = shapeSize(shape);
  if (numel === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  // Walk groups of old dims that are mutually contiguous, matching them against new dims.
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) {
    // remaining leading size-1 dims
    while (viewD >= 0) {
      if (newShape[viewD] !== 1) return null;
      out[viewD] = 1;
      viewD--;
    }
  }
  return out;
}
