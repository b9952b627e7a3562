import type { View } from '../backend.js';
import type { DType } from '../dtype.js';
import { isFloatingPoint, promoteTypes } from '../dtype.js';
import { DTypeError, FackelError, ShapeError, fmtShape } from '../errors.js';
import { tidy } from '../scope.js';
import { contiguousStrides, normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { ValuesIndices, isTensor } from '../tensor-like.js';
import { deviceOf, record, wouldRecord, wrap } from './core.js';
import { cast } from './convert.js';
import { narrow, transpose, unsqueeze } from './views.js';

function requireIndex(index: Tensor, op: string): void {
  if (!isTensor(index)) throw new FackelError(`${op}: index must be an int32 tensor`);
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be an int32 tensor, got ${index.dtype} (cast it with .int())`);
}

/**
 * Gathers values along `dim`: `out[i][j] = x[i][index[i][j]]` for `dim = 1`. `index` is
 * int32 with the same number of dimensions as `x`; the output has `index`'s shape.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([[1, 2], [3, 4]]).gather(1, tensor([[0, 0], [1, 0]], { dtype: 'int32' })); // [[1, 1], [4, 3]]
 * ```
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  requireIndex(index, 'gather');
  const device = deviceOf('gather', x, index);
  if (index.ndim !== x.ndim && !(x.ndim === 0 && index.ndim <= 1)) {
    throw new ShapeError(`gather: index ${fmtShape(index.shape)} must have the same number of dimensions as input ${fmtShape(x.shape)}`);
  }
  const d = normalizeDim(dim, x.ndim, 'gather');
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i] > x.shape[i]) {
      throw new ShapeError(`gather: size of index ${fmtShape(index.shape)} must not exceed input ${fmtShape(x.shape)} at dimension ${i} (other than dim ${d})`);
    }
  }
  const buf = device.backend.gather(x._view('gather'), d, index._view('gather'));
  return record('gather', [x, index], wrap(device, buf, x.dtype, index.shape), { dim: d });
}

/**
 * Selects entries of `dim` by a 1-D int32 index (rows of an embedding table, say).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([[1, 2], [3, 4], [5, 6]]).indexSelect(0, tensor([2, 0], { dtype: 'int32' })); // [[5, 6], [1, 2]]
 * ```
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  requireIndex(index, 'indexSelect');
  const device = deviceOf('indexSelect', x, index);
  if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 0-D or 1-D, got shape ${fmtShape(index.shape)}`);
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, 'indexSelect');
  const idx = index.ndim === 0 ? index.reshape([1]) : index;
  const shape = x.ndim === 0 ? [] : x.shape.map((s, i) => (i === d ? idx.shape[0] : s));
  const xv = x.ndim === 0 ? { ...x._view('indexSelect'), shape: [1], strides: [1] } : x._view('indexSelect');
  const buf = device.backend.indexSelect(xv, d, idx._view('indexSelect'));
  if (idx !== index) idx.dispose();
  return record('indexSelect', [x, index], wrap(device, buf, x.dtype, shape), { dim: d });
}

/**
 * Returns `x` with `src` added at the positions `index` names along `dim` (duplicates add up).
 *
 * @example
 * ```ts
 * import { zeros, tensor, ones } from '@fackel/tensor';
 * zeros([3]).scatterAdd(0, tensor([0, 2, 0], { dtype: 'int32' }), ones([3])); // [2, 0, 1]
 * ```
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  requireIndex(index, 'scatterAdd');
  const device = deviceOf('scatterAdd', x, index, src);
  if (index.ndim !== x.ndim || src.ndim !== x.ndim) {
    throw new ShapeError(
      `scatterAdd: index ${fmtShape(index.shape)} and src ${fmtShape(src.shape)} must have as many dimensions as input ${fmtShape(x.shape)}`,
    );
  }
  if (src.dtype !== x.dtype) throw new DTypeError(`scatterAdd: src dtype ${src.dtype} must match input dtype ${x.dtype}`);
  const d = normalizeDim(dim, x.ndim, 'scatterAdd');
  for (let i = 0; i < x.ndim; i++) {
    if (index.shape[i] > src.shape[i] || (i !== d && index.shape[i] > x.shape[i])) {
      throw new ShapeError(
        `scatterAdd: index ${fmtShape(index.shape)} is larger than src ${fmtShape(src.shape)} or input ${fmtShape(x.shape)} at dimension ${i}`,
      );
    }
  }
  // The kernel reads src where index is defined: give it src's window of index's shape.
  const sv = src._view('scatterAdd');
  const srcWin: View = { ...sv, shape: index.shape };
  const buf = device.backend.scatterAdd(x._view('scatterAdd'), d, index._view('scatterAdd'), srcWin);
  return record('scatterAdd', [x, index, src], wrap(device, buf, x.dtype, x.shape), { dim: d });
}

/**
 * Concatenates tensors along an existing dimension (dtypes are promoted).
 *
 * @example
 * ```ts
 * import { cat, ones, zeros } from '@fackel/tensor';
 * cat([zeros([2, 3]), ones([1, 3])], 0).shape; // [3, 3]
 * ```
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) throw new FackelError('cat: expected a non-empty array of tensors');
  const device = deviceOf('cat', ...tensors);
  // PyTorch skips 1-D empty tensors in cat.
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (parts.length === 0) return record('cat', tensors, tensors[0].clone(), { dim: 0, sizes: tensors.map(() => 0) });
  const first = parts[0];
  if (first.ndim === 0) throw new ShapeError('cat: zero-dimensional tensors cannot be concatenated (use stack)');
  const d = normalizeDim(dim, first.ndim, 'cat');
  let dtype: DType = first.dtype;
  for (const t of parts) {
    if (t.ndim !== first.ndim) {
      throw new ShapeError(`cat: tensors must have the same number of dimensions: got ${fmtShape(first.shape)} and ${fmtShape(t.shape)}`);
    }
    for (let i = 0; i < t.ndim; i++) {
      if (i !== d && t.shape[i] !== first.shape[i]) {
        throw new ShapeError(
          `cat: sizes of tensors must match except in dimension ${d}: expected size ${first.shape[i]} but got size ${t.shape[i]} at dimension ${i} (shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)})`,
        );
      }
    }
    dtype = promoteTypes(dtype, t.dtype);
  }
  const sizes = parts.map((t) => t.shape[d]);
  const shape = [...first.shape];
  shape[d] = sizes.reduce((a, b) => a + b, 0);
  const b = device.backend;
  const total = shape.reduce((a, v) => a * v, 1);
  const buf = b.alloc(dtype, total);
  const strides = contiguousStrides(shape);
  let off = 0;
  for (const t of parts) {
    const dst: View = { buffer: buf, dtype, shape: t.shape, strides, offset: off * strides[d] };
    b.assign(dst, t._view('cat'));
    off += t.shape[d];
  }
  return record('cat', parts, wrap(device, buf, dtype, shape), { dim: d, sizes });
}

/**
 * Stacks equally shaped tensors along a new dimension.
 *
 * @example
 * ```ts
 * import { stack, tensor } from '@fackel/tensor';
 * stack([tensor([1, 2]), tensor([3, 4])], 1); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) throw new FackelError('stack: expected a non-empty array of tensors');
  const first = tensors[0];
  for (const t of tensors) {
    if (t.shape.length !== first.shape.length || t.shape.some((s, i) => s !== first.shape[i])) {
      throw new ShapeError(`stack: expects each tensor to be equal size, but got ${fmtShape(first.shape)} and ${fmtShape(t.shape)}`);
    }
  }
  const d = normalizeDim(dim, first.ndim + 1, 'stack');
  return tidy(() =>
    cat(
      tensors.map((t) => unsqueeze(t, d)),
      d,
    ),
  );
}

/**
 * Splits into views of `size` along `dim` (the last may be smaller), or into the given sizes.
 *
 * @example
 * ```ts
 * import { arange } from '@fackel/tensor';
 * arange(5).split(2); // [0,1], [2,3], [4]
 * arange(5).split([1, 4]); // [0], [1,2,3,4]
 * ```
 */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'split');
  const n = x.shape[d];
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s <= 0) throw new ShapeError(`split: split size must be a positive integer, got ${s}`);
    sizes = [];
    for (let i = 0; i < n; i += s) sizes.push(Math.min(s, n - i));
    if (n === 0) sizes = [0];
  } else {
    sizes = [...splitSizeOrSections];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new ShapeError(`split: split sizes ${fmtShape(sizes)} must sum exactly to the size of dimension ${d} (${n})`);
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(narrow(x, d, start, s));
    start += s;
  }
  return out;
}

/**
 * Splits into `chunks` views of (nearly) equal size along `dim`, as PyTorch (may return fewer).
 *
 * @example
 * ```ts
 * import { arange } from '@fackel/tensor';
 * arange(6).chunk(3).length; // 3
 * ```
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ShapeError(`chunk: number of chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim(dim, x.ndim, 'chunk');
  const size = Math.max(Math.ceil(x.shape[d] / chunks), 1);
  return split(x, size, d);
}

/**
 * One-hot encodes int32 class indices into a new last dimension of size `numClasses`
 * (inferred as max + 1 when -1, CPU only).
 *
 * @example
 * ```ts
 * import { oneHot, tensor } from '@fackel/tensor';
 * oneHot(tensor([0, 2], { dtype: 'int32' }), 3); // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(t: Tensor, numClasses = -1): Tensor {
  if (t.dtype !== 'int32') throw new DTypeError(`oneHot: expected an int32 tensor of class indices, got ${t.dtype}`);
  const device = deviceOf('oneHot', t);
  let c = numClasses;
  const host = device.backend.readSync ? device.backend.readSync(t._view('oneHot')) : null;
  if (host) {
    let max = -1;
    for (const v of host) {
      if (v < 0) throw new FackelError(`oneHot: class values must be non-negative, got ${v}`);
      if (v > max) max = v;
    }
    if (c === -1) c = max + 1;
    else if (max >= c) throw new FackelError(`oneHot: class values must be smaller than numClasses (${c}), got ${max}`);
  } else if (c === -1) {
    throw new FackelError(`oneHot: numClasses must be given on device '${device.name}' (it cannot be inferred without reading the data back)`);
  }
  return tidy(() => {
    const classes = wrap(device, writeArange(device, c), 'int32', [c]);
    return cast(unsqueeze(t, -1).eq(classes), 'int32');
  });
}

function writeArange(device: Tensor['device'], n: number): unknown {
  const buf = device.backend.alloc('int32', n);
  const host = new Int32Array(n);
  for (let i = 0; i < n; i++) host[i] = i;
  device.backend.write(buf, 'int32', host, 0);
  return buf;
}

/**
 * Cumulative sum along `dim`.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([1, 2, 3]).cumsum(0); // [1, 3, 6]
 * ```
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  const device = deviceOf('cumsum', x);
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, 'cumsum');
  const dtype = isFloatingPoint(x.dtype) ? x.dtype : 'int32';
  const xv = x.ndim === 0 ? { ...x._view('cumsum'), shape: [1], strides: [1] } : x._view('cumsum');
  const buf = device.backend.cumsum(xv, d, dtype);
  return record('cumsum', [x], wrap(device, buf, dtype, x.shape), { dim: d });
}

/**
 * Sorts along `dim` (stable). Returns `{ values, indices }`; values are differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const { values, indices } = tensor([3, 1, 2]).sort(); // [1, 2, 3], [1, 2, 0]
 * ```
 */
export function sort(x: Tensor, dim = -1, descending = false): ValuesIndices {
  const device = deviceOf('sort', x);
  if (x.ndim === 0) return new ValuesIndices(x.clone(), wrap(device, device.backend.fill('int32', 1, 0), 'int32', []));
  const d = normalizeDim(dim, x.ndim, 'sort');
  const last = x.ndim - 1;
  const moved = d === last ? x : transpose(x.detach(), d, last);
  const [vb, ib] = device.backend.sort(moved._view('sort'), descending);
  const vm = wrap(device, vb, x.dtype, moved.shape);
  const im = wrap(device, ib, 'int32', moved.shape);
  if (moved !== x) moved.dispose();
  let indices = im;
  let values = vm;
  if (d !== last) {
    indices = transpose(im, d, last);
    values = transpose(vm, d, last);
    im.dispose();
    vm.dispose();
  }
  if (wouldRecord([x])) {
    values.dispose();
    values = gather(x, d, indices);
  }
  return new ValuesIndices(values, indices);
}

/**
 * The `k` largest (or smallest) elements along `dim`, sorted, with their indices.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([1, 5, 3]).topk(2).values; // [5, 3]
 * ```
 */
export function topk(x: Tensor, k: number, dim = -1, largest = true): ValuesIndices {
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, 'topk');
  const size = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > size) throw new ShapeError(`topk: k (${k}) is out of range for dimension ${d} of size ${size}`);
  const s = sort(x, d, largest);
  if (x.ndim === 0) return s;
  const values = narrow(s.values, d, 0, k);
  const indices = narrow(s.indices, d, 0, k);
  s.values.dispose();
  s.indices.dispose();
  return new ValuesIndices(values, indices);
}
