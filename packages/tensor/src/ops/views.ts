// View ops: new metadata over the same storage (reshape copies only when it must).
import { FackelError, ShapeError, fmtShape } from '../errors.js';
import { checkShape, inferShape, normalizeDim, viewStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { deviceOf, record, wrap } from './core.js';

function recordView(op: string, x: Tensor, out: Tensor, attrs: Record<string, unknown> = {}): Tensor {
  return record(op, [x], out, attrs);
}

/**
 * A tensor with the same elements in a new shape (one dim may be -1). Shares storage when
 * the layout allows it, otherwise copies (like PyTorch's `reshape`).
 *
 * @example
 * ```ts
 * import { arange } from '@fackel/tensor';
 * arange(6).reshape([2, -1]); // shape [2, 3]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(checkShapeArg(shape, 'reshape'), x.numel(), 'reshape');
  const strides = viewStrides(x.shape, x.strides, target);
  let out: Tensor;
  if (strides !== null) out = x._alias(target, strides, x.offset);
  else {
    const device = deviceOf('reshape', x);
    out = wrap(device, device.backend.copy(x._view('reshape')), x.dtype, target);
  }
  return recordView('reshape', x, out);
}

/**
 * Like `reshape` but never copies: a layout that cannot be viewed is an error
 * (call `.contiguous()` or use `reshape`).
 *
 * @example
 * ```ts
 * import { arange } from '@fackel/tensor';
 * arange(6).view([3, 2]);
 * ```
 */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(checkShapeArg(shape, 'view'), x.numel(), 'view');
  const strides = viewStrides(x.shape, x.strides, target);
  if (strides === null) {
    throw new ShapeError(
      `view: size ${fmtShape(target)} is not compatible with the input's layout (shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}): at least one dimension spans across two contiguous subspaces. Use .reshape(...) instead`,
    );
  }
  return recordView('view', x, x._alias(target, strides, x.offset));
}

function checkShapeArg(shape: readonly number[], op: string): readonly number[] {
  if (!Array.isArray(shape)) throw new FackelError(`${op}: expected the shape as an array, e.g. ${op}([2, 3]); got ${typeof shape}`);
  return shape;
}

/**
 * Swaps two dimensions (a view).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * zeros([2, 3, 4]).transpose(0, 2).shape; // [4, 3, 2]
 * ```
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const n = x.ndim;
  if (n === 0) return recordView('transpose', x, x._alias([], [], x.offset), { dim0: 0, dim1: 0 });
  const a = normalizeDim(dim0, n, 'transpose');
  const b = normalizeDim(dim1, n, 'transpose');
  const shape = [...x.shape];
  const strides = [...x.strides];
  [shape[a], shape[b]] = [shape[b], shape[a]];
  [strides[a], strides[b]] = [strides[b], strides[a]];
  return recordView('transpose', x, x._alias(shape, strides, x.offset), { dim0: a, dim1: b });
}

/** Transpose of a 2-D tensor; 0-D and 1-D tensors are returned as views of themselves.
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * zeros([2, 3]).t().shape; // [3, 2]
 * ```
 */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new ShapeError(`t: expects a tensor with <= 2 dimensions, but got ${x.ndim}D (use transpose or mT)`);
  return x.ndim < 2 ? transpose(x, 0, 0) : transpose(x, 0, 1);
}

/**
 * Reorders dimensions (a view).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * zeros([2, 3, 4]).permute([2, 0, 1]).shape; // [4, 2, 3]
 * ```
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const n = x.ndim;
  if (!Array.isArray(dims) || dims.length !== n) {
    throw new ShapeError(
      `permute: number of dims don't match: the input has ${n} dimensions but ${Array.isArray(dims) ? dims.length : 'no array of'} dims were given`,
    );
  }
  const d = dims.map((v) => normalizeDim(v, n, 'permute'));
  if (new Set(d).size !== n) throw new ShapeError(`permute: repeated dim in ${fmtShape(dims)}`);
  const out = x._alias(
    d.map((i) => x.shape[i]),
    d.map((i) => x.strides[i]),
    x.offset,
  );
  return recordView('permute', x, out, { dims: d });
}

/**
 * Elements `start … start+length-1` of one dimension (a view).
 *
 * @example
 * ```ts
 * import { arange } from '@fackel/tensor';
 * arange(10).narrow(0, 2, 3); // [2, 3, 4]
 * ```
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  if (x.ndim === 0) throw new ShapeError('narrow: cannot be applied to a 0-dim tensor');
  const d = normalizeDim(dim, x.ndim, 'narrow');
  const size = x.shape[d];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new ShapeError(`narrow: start (${start}) + length (${length}) exceeds dimension size (${size}) of dim ${d} in shape ${fmtShape(x.shape)}`);
  }
  return sliceImpl(x, d, s, s + length, 1, 'narrow');
}

/**
 * Python-style slicing `x[..., start:end:step, ...]` of one dimension (a view). Negative
 * indices count from the end; bounds are clamped as in Python.
 *
 * @example
 * ```ts
 * import { arange } from '@fackel/tensor';
 * arange(10).slice(0, 1, null, 3); // [1, 4, 7]
 * ```
 */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  if (x.ndim === 0) throw new ShapeError('slice: cannot be applied to a 0-dim tensor');
  const d = normalizeDim(dim, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0) throw new ShapeError(`slice: step must be a positive integer, got ${step}`);
  const size = x.shape[d];
  const clampIdx = (v: number): number => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = start === undefined || start === null ? 0 : clampIdx(start);
  const e = end === undefined || end === null ? size : clampIdx(end);
  return sliceImpl(x, d, s, Math.max(e, s), step, 'slice');
}

function sliceImpl(x: Tensor, d: number, start: number, end: number, step: number, op: string): Tensor {
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape[d] = Math.ceil((end - start) / step);
  strides[d] = x.strides[d] * step;
  const out = x._alias(shape, strides, x.offset + (shape[d] > 0 ? start * x.strides[d] : 0));
  return recordView('slice', x, out, { dim: d, start, end, step, op });
}

/**
 * The slice at `index` of one dimension, with that dimension removed (a view).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([[1, 2], [3, 4]]).select(0, 1); // [3, 4]
 * ```
 */
export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.ndim === 0) throw new ShapeError('select: cannot be applied to a 0-dim tensor');
  const d = normalizeDim(dim, x.ndim, 'select');
  const size = x.shape[d];
  const i = index < 0 ? index + size : index;
  if (!Number.isInteger(i) || i < 0 || i >= size) {
    throw new ShapeError(`select: index ${index} is out of bounds for dimension ${d} with size ${size}`);
  }
  const shape = x.shape.filter((_, k) => k !== d);
  const strides = x.strides.filter((_, k) => k !== d);
  return recordView('select', x, x._alias(shape, strides, x.offset + i * x.strides[d]), { dim: d, index: i });
}

/**
 * Broadcasts size-1 dimensions to a larger shape without copying (-1 keeps a size); new
 * leading dimensions may be added.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([[1], [2]]).expand([2, 3]); // [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const target = checkShapeArg(shape, 'expand');
  const n = target.length;
  if (n < x.ndim) {
    throw new ShapeError(`expand: the number of sizes provided (${n}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`);
  }
  const off = n - x.ndim;
  const outShape = new Array<number>(n);
  const outStrides = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const want = target[i];
    if (i < off) {
      if (want < 0) throw new ShapeError(`expand: -1 is not allowed in a leading, non-existing dimension (shape ${fmtShape(target)})`);
      outShape[i] = want;
      outStrides[i] = 0;
      continue;
    }
    const have = x.shape[i - off];
    if (want === -1 || want === have) {
      outShape[i] = have;
      outStrides[i] = x.strides[i - off];
    } else if (have === 1) {
      if (!Number.isInteger(want) || want < 0) throw new ShapeError(`expand: invalid size ${want} in ${fmtShape(target)}`);
      outShape[i] = want;
      outStrides[i] = 0;
    } else {
      throw new ShapeError(
        `expand: the expanded size of the tensor (${want}) must match the existing size (${have}) at non-singleton dimension ${i}. Target sizes: ${fmtShape(target)}. Tensor sizes: ${fmtShape(x.shape)}`,
      );
    }
  }
  // A view holds at most MAX_NUMEL elements too: every kernel that reads it indexes in int32.
  checkShape(outShape, 'expand', x.dtype);
  return recordView('expand', x, x._alias(outShape, outStrides, x.offset));
}

/**
 * Removes size-1 dimensions: all of them, or only the given ones (others are left alone).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * zeros([2, 1, 3, 1]).squeeze().shape; // [2, 3]
 * ```
 */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  let drop: Set<number>;
  if (dim === undefined) drop = new Set(x.shape.flatMap((s, i) => (s === 1 ? [i] : [])));
  else {
    const dims = (typeof dim === 'number' ? [dim] : dim).map((d) => normalizeDim(d, x.ndim, 'squeeze'));
    drop = new Set(dims.filter((d) => x.shape[d] === 1));
  }
  const shape = x.shape.filter((_, i) => !drop.has(i));
  const strides = x.strides.filter((_, i) => !drop.has(i));
  return recordView('squeeze', x, x._alias(shape, strides, x.offset));
}

/**
 * Inserts a size-1 dimension at `dim` (negative counts from the end, as in PyTorch).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * zeros([2, 3]).unsqueeze(-1).shape; // [2, 3, 1]
 * ```
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  const strides = [...x.strides];
  const st = d < x.ndim ? x.shape[d] * x.strides[d] : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, st);
  return recordView('unsqueeze', x, x._alias(shape, strides, x.offset), { dim: d });
}

/**
 * Merges dimensions `startDim … endDim` into one.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * zeros([2, 3, 4]).flatten(1).shape; // [2, 12]
 * ```
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten');
  const e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new ShapeError(`flatten: startDim (${startDim}) cannot come after endDim (${endDim})`);
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/**
 * Splits one dimension into several (one size may be -1).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * zeros([2, 12]).unflatten(1, [3, 4]).shape; // [2, 3, 4]
 * ```
 */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim(dim, x.ndim, 'unflatten');
  const inner = inferShape(sizes, x.shape[d], 'unflatten');
  return reshape(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}
