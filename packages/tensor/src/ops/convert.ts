import { type Device, getDevice } from '../device.js';
import type { DType, TypedArray } from '../dtype.js';
import { isFloatingPoint } from '../dtype.js';
import { FackelError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { NestedArray } from '../tensor-like.js';
import { checkDeviceDType, deviceOf, markNonDifferentiable, record, wrap } from './core.js';

/**
 * Converts to another dtype: float → int truncates toward zero, anything → bool is `!= 0`.
 * Casting between float dtypes is differentiable. Same dtype gives a view.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([1.7, -1.7]).to('int32'); // [1, -1]
 * ```
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  const device = deviceOf('to', x);
  if (x.dtype === dtype) return record('alias', [x], x._alias(x.shape, x.strides, x.offset));
  checkDeviceDType(device, dtype, 'to');
  const out = wrap(device, device.backend.cast(x._view('to'), dtype), dtype, x.shape);
  return isFloatingPoint(dtype) && isFloatingPoint(x.dtype) ? record('cast', [x], out, { dtype }) : markNonDifferentiable(`to('${dtype}')`, [x], out);
}

/**
 * A contiguous copy with its own storage (differentiable).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const y = tensor([1, 2]).clone();
 * ```
 */
export function clone(x: Tensor): Tensor {
  const device = deviceOf('clone', x);
  return record('clone', [x], wrap(device, device.backend.copy(x._view('clone')), x.dtype, x.shape));
}

/**
 * The tensor itself (as a new view object) when contiguous, otherwise a contiguous copy.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * zeros([2, 3]).t().contiguous().isContiguous(); // true
 * ```
 */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous()) return record('alias', [x], x._alias(x.shape, x.strides, x.offset));
  return clone(x);
}

/**
 * Copies a tensor to another device. The result is a new leaf (it requires grad if the
 * source is a leaf that does); moving through devices is not recorded by autograd.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const g = await tensor([1, 2]).to('webgpu');
 * ```
 */
export async function toDevice(x: Tensor, target: string | Device): Promise<Tensor> {
  const src = deviceOf('to', x);
  const dst = typeof target === 'string' ? getDevice(target) : target;
  if (dst === src) return x._alias(x.shape, x.strides, x.offset);
  checkDeviceDType(dst, x.dtype, 'to');
  const host = await x.data();
  const buf = dst.backend.alloc(x.dtype, host.length);
  dst.backend.write(buf, x.dtype, host, 0);
  const out = wrap(dst, buf, x.dtype, x.shape);
  if (x.requiresGrad && x.isLeaf) out.requiresGrad = true;
  return out;
}

/** @internal */
export function itemOf(x: Tensor, data: TypedArray): number {
  if (data.length !== 1) {
    throw new FackelError(`item: a tensor with ${data.length} elements (shape ${fmtShape(x.shape)}) cannot be converted to a number`);
  }
  return data[0];
}

/** @internal */
export function toNested(x: Tensor, data: TypedArray): NestedArray {
  const isBool = x.dtype === 'bool';
  const at = (i: number): number | boolean => (isBool ? data[i] !== 0 : data[i]);
  if (x.ndim === 0) return at(0);
  let pos = 0;
  const build = (d: number): NestedArray[] => {
    const n = x.shape[d];
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = d === x.ndim - 1 ? at(pos++) : build(d + 1);
    return out;
  };
  return build(0);
}
