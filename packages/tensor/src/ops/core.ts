// Internal helpers shared by the op modules: wrapping kernel outputs, device checks,
// scalar handling and autograd recording.
import type { View } from '../backend.js';
import { type Device, Storage, getDefaultDevice, getDevice } from '../device.js';
import type { DType } from '../dtype.js';
import { promoteTypes } from '../dtype.js';
import { DTypeError, DeviceError, fmtShape } from '../errors.js';
import { isDebug } from '../debug.js';
import { getAutograd, isGradEnabled, type RecordedInput } from '../grad-mode.js';
import { broadcastStrides, contiguousStrides, shapeSize } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { isTensor, newTensor, type TensorLike } from '../tensor-like.js';

/** Wraps a freshly allocated contiguous kernel output as a tensor. */
export function wrap(device: Device, buffer: unknown, dtype: DType, shape: readonly number[]): Tensor {
  return wrapShape(device, buffer, dtype, shape.slice());
}

/**
 * {@link wrap} without copying `shape`: the caller passes an array nobody mutates (a fresh one,
 * or the shape of another tensor, which is never mutated).
 */
export function wrapShape(device: Device, buffer: unknown, dtype: DType, shape: readonly number[]): Tensor {
  const storage = new Storage(device, buffer, dtype, shapeSize(shape), isDebug() ? originOf(shape, dtype, device) : undefined);
  return newTensor(storage, shape, contiguousStrides(shape), 0);
}

/** Where a storage was made, for debug mode's report of tensors collected without `dispose()`. */
function originOf(shape: readonly number[], dtype: DType, device: Device): { what: string; stack: string } {
  return { what: `${fmtShape(shape)} ${dtype} on '${device.name}'`, stack: (new Error().stack ?? '').split('\n').slice(3).join('\n') };
}

/** Checks that every tensor operand lives on one device and returns it. */
export function deviceOf(op: string, ...xs: readonly (TensorLike | null | undefined)[]): Device {
  let d: Device | null = null;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (isTensor(x)) {
      x._live(op);
      if (d === null) d = x.device;
      else if (d !== x.device) {
        throw new DeviceError(`${op}: expected all tensors to be on the same device, but found tensors on '${d.name}' and '${x.device.name}'`);
      }
    }
  }
  return d ?? getDefaultDevice();
}

/** {@link deviceOf} of two operands, without the rest-parameter array. */
export function deviceOf2(op: string, a: TensorLike, b: TensorLike): Device {
  if (isTensor(a)) {
    a._live(op);
    if (isTensor(b)) {
      b._live(op);
      if (a.device !== b.device) {
        throw new DeviceError(`${op}: expected all tensors to be on the same device, but found tensors on '${a.device.name}' and '${b.device.name}'`);
      }
    }
    return a.device;
  }
  if (isTensor(b)) {
    b._live(op);
    return b.device;
  }
  return getDefaultDevice();
}

/** Whether autograd would record an op on `a` and `b` (numbers count as not requiring a gradient). */
export function wouldRecord2(a: RecordedInput, b: RecordedInput): boolean {
  if (!isGradEnabled() || getAutograd() === null) return false;
  return (isTensor(a) && a.requiresGrad) || (isTensor(b) && b.requiresGrad);
}

/** Records an op for autograd when recording is on and some input requires a gradient. */
export function record(op: string, inputs: readonly RecordedInput[], output: Tensor, attrs: Readonly<Record<string, unknown>> = {}): Tensor {
  const engine = getAutograd();
  if (engine !== null && isGradEnabled()) {
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i];
      if (isTensor(x) && x.requiresGrad) {
        engine.record(op, inputs, output, attrs);
        break;
      }
    }
  }
  return output;
}

/** Whether autograd would record an op with these inputs. */
export function wouldRecord(inputs: readonly RecordedInput[]): boolean {
  if (getAutograd() === null || !isGradEnabled()) return false;
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i];
    if (isTensor(x) && x.requiresGrad) return true;
  }
  return false;
}

/** The dtype a JS number has when combined with a tensor of dtype `t`. */
function scalarDType(value: number, t: DType): DType {
  if (t === 'float32' || t === 'float64') return t;
  if (!Number.isInteger(value)) return 'float32';
  return t === 'bool' ? 'int32' : t;
}

/** Result dtype of two operands before the op's own rule is applied. */
export function promoteOperands(a: TensorLike, b: TensorLike): DType {
  const ta = isTensor(a);
  const tb = isTensor(b);
  if (ta && tb) return promoteTypes(a.dtype, b.dtype);
  if (ta) return scalarDType(b as number, a.dtype);
  if (tb) return scalarDType(a as number, b.dtype);
  return Number.isInteger(a) && Number.isInteger(b) ? 'int32' : 'float32';
}

/** A tensor's view, broadcast (stride 0) to a target shape. */
export function broadcastView(t: Tensor, shape: readonly number[], op: string): View {
  const v = t._view(op);
  if (sameShape(v.shape, shape)) return v;
  return { buffer: v.buffer, dtype: v.dtype, shape, strides: broadcastStrides(v.shape, v.strides, shape), offset: v.offset };
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rejects dtypes a device can't store. */
export function checkDeviceDType(device: Device, dtype: DType, op: string): void {
  if (!device.supports(dtype)) {
    throw new DTypeError(`${op}: dtype ${dtype} is not supported on device '${device.name}' (supported: ${device.backend.dtypes.join(', ')})`);
  }
}

/** Resolves the `device` option of creation functions. */
export function resolveDevice(device: string | Device | undefined): Device {
  return device === undefined ? getDefaultDevice() : getDevice(device);
}

/** Requires a float tensor (ops like `mean`, `softmax`). */
export function requireFloat(t: Tensor, op: string): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new DTypeError(`${op}: expected a floating-point tensor, got ${t.dtype}; cast it first with .float()`);
  }
}

/** Notes on an output that gradients cannot flow through it (for backward's error message). */
export function markNonDifferentiable(op: string, inputs: readonly RecordedInput[], output: Tensor): Tensor {
  if (wouldRecord(inputs)) output.nonDifferentiableOp = op;
  return output;
}
