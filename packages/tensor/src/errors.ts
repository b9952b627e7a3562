/**
 * Errors raised by Fackel. Messages are written for the user: they name the op, and the
 * shapes, dtypes and devices involved, in PyTorch's manner.
 *
 * @example
 * ```ts
 * import { FackelError, zeros, matmul } from '@fackel/tensor';
 * try { matmul(zeros([2, 3]), zeros([4, 5])); } catch (e) { console.log(e instanceof FackelError); }
 * ```
 */
export class FackelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Incompatible or invalid shapes (`matmul: shapes [2,3] and [4,5] cannot be multiplied (3 != 4)`).
 * @example
 * ```ts
 * import { ShapeError } from '@fackel/tensor';
 * throw new ShapeError('reshape: shape [5] is invalid for input of size 6');
 * ```
 */
export class ShapeError extends FackelError {}

/** A dtype an op cannot accept (`matmul: expected float32 or int32 operands, got bool`).
 * @example
 * ```ts
 * import { DTypeError } from '@fackel/tensor';
 * throw new DTypeError('log: input dtype int32 is not supported');
 * ```
 */
export class DTypeError extends FackelError {}

/** Tensors on different devices in one op, an unknown device, or a device that is not ready.
 * @example
 * ```ts
 * import { DeviceError } from '@fackel/tensor';
 * throw new DeviceError("add: tensors are on different devices: cpu and webgpu");
 * ```
 */
export class DeviceError extends FackelError {}

/** Use of a tensor after `dispose()`.
 * @example
 * ```ts
 * import { tensor, DisposedError } from '@fackel/tensor';
 * const t = tensor([1]); t.dispose();
 * try { t.add(1); } catch (e) { console.log(e instanceof DisposedError); }
 * ```
 */
export class DisposedError extends FackelError {}

/** Integer division (`fmod`) by zero, as PyTorch's `ZeroDivisionError` (float operands give NaN instead).
 * @example
 * ```ts
 * import { ZeroDivisionError, fmod, tensor } from '@fackel/tensor';
 * try { fmod(tensor([7], { dtype: 'int32' }), 0); } catch (e) { console.log(e instanceof ZeroDivisionError); }
 * ```
 */
export class ZeroDivisionError extends FackelError {}

/** Formats a shape the way messages print it: `[2,3]`.
 * @example
 * ```ts
 * import { fmtShape } from '@fackel/tensor';
 * fmtShape([2, 3]); // '[2,3]'
 * ```
 */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
