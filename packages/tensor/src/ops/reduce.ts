import type { ReduceOp } from '../backend.js';
import type { DType } from '../dtype.js';
import { isFloatingPoint } from '../dtype.js';
import { DTypeError, FackelError, ShapeError, fmtShape } from '../errors.js';
import { noGrad } from '../grad-mode.js';
import { tidy } from '../scope.js';
import { normalizeDim, normalizeDims } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { ValuesIndices } from '../tensor-like.js';
import { deviceOf, markNonDifferentiable, record, requireFloat, wrap } from './core.js';
import { gather } from './indexing.js';
import { squeeze } from './views.js';
import * as E from './elementwise.js';

/** A dim, a list of dims, or null/undefined for all dims (reduction arguments).
 * @example
 * ```ts
 * import type { Dims } from '@fackel/tensor';
 * const d: Dims = [0, -1];
 * ```
 */
export type Dims = number | readonly number[] | null | undefined;

function dimsOf(x: Tensor, dim: Dims, op: string): number[] {
  if (Array.isArray(dim) && dim.length === 0) return normalizeDims(undefined, x.ndim, op);
  return normalizeDims(dim as number | readonly number[] | undefined, x.ndim, op);
}

function reducedShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  const set = new Set(axes);
  return keepdim ? shape.map((d, i) => (set.has(i) ? 1 : d)) : shape.filter((_, i) => !set.has(i));
}

/** Runs a reduce kernel and wraps its output in the keepdim or squeezed shape (no recording). */
function reduceRaw(op: ReduceOp, x: Tensor, axes: number[], keepdim: boolean, outDtype: DType, name: string): Tensor {
  const device = deviceOf(name, x);
  const shape = reducedShape(x.shape, axes, keepdim);
  if (axes.length === 0) {
    // 0-d input: the reduction of one element is the element itself.
    const buf = op === 'argmax' || op === 'argmin' ? device.backend.fill('int32', 1, 0) : device.backend.cast(x._view(name), outDtype);
    return wrap(device, buf, outDtype, shape);
  }
  if (op !== 'sum' && op !== 'prod' && op !== 'mean') {
    for (const a of axes) {
      if (x.shape[a] === 0) {
        throw new ShapeError(`${name}: cannot reduce over dimension ${a} of size 0 (input shape ${fmtShape(x.shape)}); the operation has no identity`);
      }
    }
  }
  return wrap(device, device.backend.reduce(op, x._view(name), axes, outDtype), outDtype, shape);
}

function sumDType(d: DType): DType {
  return isFloatingPoint(d) ? d : 'int32';
}

/**
 * Sum over `dim` (a dim, a list, or all when omitted).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([[1, 2], [3, 4]]).sum(0); // [4, 6]
 * ```
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const axes = dimsOf(x, dim, 'sum');
  return record('sum', [x], reduceRaw('sum', x, axes, keepdim, sumDType(x.dtype), 'sum'), { dims: axes, keepdim });
}

/**
 * Mean over `dim`; needs a floating-point input (as PyTorch).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([[1, 2], [3, 4]]).mean(1); // [1.5, 3.5]
 * ```
 */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (!isFloatingPoint(x.dtype)) {
    throw new DTypeError(`mean: could not infer output dtype: input dtype must be floating point, got ${x.dtype}; cast it with .float() first`);
  }
  const axes = dimsOf(x, dim, 'mean');
  return record('mean', [x], reduceRaw('mean', x, axes, keepdim, x.dtype, 'mean'), { dims: axes, keepdim });
}

/**
 * Product over `dim`.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([1, 2, 3, 4]).prod(); // 24
 * ```
 */
export function prod(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const axes = dimsOf(x, dim, 'prod');
  return record('prod', [x], reduceRaw('prod', x, axes, keepdim, sumDType(x.dtype), 'prod'), { dims: axes, keepdim });
}

/**
 * Maximum over dims without indices (gradient shared evenly between ties, as PyTorch).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([[1, 5], [7, 2]]).amax(1); // [5, 7]
 * ```
 */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const axes = dimsOf(x, dim, 'max');
  return record('amax', [x], reduceRaw('max', x, axes, keepdim, x.dtype, 'max'), { dims: axes, keepdim });
}

/**
 * Minimum over dims without indices.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([[1, 5], [7, 2]]).amin(1); // [1, 2]
 * ```
 */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const axes = dimsOf(x, dim, 'min');
  return record('amin', [x], reduceRaw('min', x, axes, keepdim, x.dtype, 'min'), { dims: axes, keepdim });
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  return markNonDifferentiable(op, [x], argReduceImpl(op, x, dim, keepdim));
}

function argReduceImpl(op: 'argmax' | 'argmin', x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  if (dim === undefined || dim === null) {
    if (x.numel() === 0) throw new ShapeError(`${op}: expected a non-empty tensor when no dim is given (input shape ${fmtShape(x.shape)})`);
    return tidy(() => {
      const flat = x.detach().reshape([-1]);
      const r = reduceRaw(op, flat, [0], false, 'int32', op);
      return keepdim ? r.reshape(x.shape.map(() => 1)) : r;
    });
  }
  const d = normalizeDim(dim, x.ndim, op);
  return reduceRaw(op, x, x.ndim === 0 ? [] : [d], keepdim, 'int32', op);
}

/**
 * Index of the maximum along `dim` (of the flattened tensor when omitted), as int32.
 * The first index wins on ties; NaN counts as the maximum.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([[1, 5], [7, 2]]).argmax(1); // [1, 0]
 * ```
 */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argReduce('argmax', x, dim, keepdim);
}

/**
 * Index of the minimum along `dim` (of the flattened tensor when omitted), as int32.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([[1, 5], [7, 2]]).argmin(1); // [0, 1]
 * ```
 */
export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argReduce('argmin', x, dim, keepdim);
}

function valuesAndIndices(op: 'argmax' | 'argmin', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  if (x.ndim === 0) {
    const idx = reduceRaw(op, x, [], keepdim, 'int32', op);
    return new ValuesIndices(x.clone(), idx);
  }
  const d = normalizeDim(dim, x.ndim, op === 'argmax' ? 'max' : 'min');
  const idxKeep = reduceRaw(op, x, [d], true, 'int32', op === 'argmax' ? 'max' : 'min');
  const valuesKeep = gather(x, d, idxKeep);
  if (keepdim) return new ValuesIndices(valuesKeep, idxKeep);
  const values = squeeze(valuesKeep, d);
  const indices = squeeze(idxKeep, d);
  valuesKeep.dispose();
  idxKeep.dispose();
  return new ValuesIndices(values, indices);
}

/** `{ values, indices }` of the maximum along `dim`; the gradient goes to the selected element.
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const { values, indices } = tensor([[1, 5], [7, 2]]).max(1);
 * ```
 */
export function maxDim(x: Tensor, dim: number, keepdim = false): ValuesIndices {
  return valuesAndIndices('argmax', x, dim, keepdim);
}

/** `{ values, indices }` of the minimum along `dim`.
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const [values, indices] = tensor([[1, 5], [7, 2]]).min(1);
 * ```
 */
export function minDim(x: Tensor, dim: number, keepdim = false): ValuesIndices {
  return valuesAndIndices('argmin', x, dim, keepdim);
}

/**
 * `log(sum(exp(x), dim))`, computed stably (the maximum is subtracted first; infinite
 * maxima are handled as PyTorch does).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([1000, 1000]).logsumexp(0); // 1000.6931
 * ```
 */
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor {
  if (dim === undefined) throw new FackelError('logsumexp: dim is required (as in PyTorch)');
  requireFloat(x, 'logsumexp');
  const axes = dimsOf(x, dim, 'logsumexp');
  return tidy(() => {
    const m = noGrad(() => {
      const raw = reduceRaw('max', x, axes, true, x.dtype, 'logsumexp');
      // An infinite maximum would give inf - inf = NaN below; shift by 0 there instead.
      return E.where(E.isnan(E.sub(raw, raw)), 0, raw);
    });
    const s = sum(E.exp(E.sub(x, m)), axes, true);
    const out = E.add(E.log(s), m);
    return keepdim ? out : squeeze(out, axes);
  });
}

/**
 * Variance over `dim` with Bessel's correction when `unbiased` (PyTorch's default).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([1, 2, 3, 4]).var(); // 1.6667
 * ```
 */
export function variance(x: Tensor, dim?: Dims, unbiased = true, keepdim = false): Tensor {
  requireFloat(x, 'var');
  const axes = dimsOf(x, dim, 'var');
  const n = axes.reduce((acc, a) => acc * x.shape[a], 1);
  return tidy(() => {
    const centered = E.sub(x, mean(x, axes, true));
    return E.div(sum(E.mul(centered, centered), axes, keepdim), Math.max(n - (unbiased ? 1 : 0), 0));
  });
}

/**
 * Standard deviation over `dim` (`sqrt(var)`).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([1, 2, 3, 4]).std(); // 1.2910
 * ```
 */
export function std(x: Tensor, dim?: Dims, unbiased = true, keepdim = false): Tensor {
  return tidy(() => E.sqrt(variance(x, dim, unbiased, keepdim)));
}

/**
 * Vector p-norm over `dim` (all elements when omitted), like `torch.linalg.vector_norm`.
 * `p` may be any positive number or `Infinity`. The gradient at a zero norm is zero.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([3, 4]).norm(); // 5
 * ```
 */
export function norm(x: Tensor, p = 2, dim?: Dims, keepdim = false): Tensor {
  requireFloat(x, 'norm');
  if (!(p > 0)) throw new FackelError(`norm: p must be positive (got ${p})`);
  const axes = dimsOf(x, dim, 'norm');
  const out = noGrad(() =>
    tidy(() => {
      // x·x is |x|·|x| bit for bit: the 2-norm skips the abs pass
      if (p === 2) return E.sqrt(sum(E.mul(x, x), axes, keepdim));
      const a = E.abs(x);
      if (p === Infinity) return reduceRaw('max', a, axes, keepdim, x.dtype, 'norm');
      if (p === 1) return sum(a, axes, keepdim);
      return E.pow(sum(E.pow(a, p), axes, keepdim), 1 / p);
    }),
  );
  return record('norm', [x], out, { p, dims: axes, keepdim });
}
