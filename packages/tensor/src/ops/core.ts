// Internal helpers shared by the op modules: wrapping kernel outputs, device checks,
// scalar handling and autograd recording.
import type { View } from '../backend.js';
import { Device, Storage, getDefaultDevice, getDevice } from '../device.js';
import type { DType } from '../dtype.js';
import { promoteTypes } from '../dtype.js';
import { DTypeError, DeviceError, fmtShape } from '../errors.js';
import { isDebug } from '../debug.js';
import { getAutograd, isGradEnabled, type RecordedInput } from '../grad-mode.js';
import { broadcastStrides, contiguousStrides, shapeSize } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';

/** @internal Wraps a freshly allocated contiguous kernel output as a tensor (for Fackel's own packages; not a stable API). */
export function wrap(device: Device, buffer: unknown, dtype: DType, shape: readonly number[]): Tensor {
  const storage = new Storage(device, buffer, dtype, shapeSize(shape), isDebug() ? originOf(shape, dtype, device) : undefined);
  return new Tensor(storage, [...shape], contiguousStrides(shape), 0);
}

/** Where a storage was made, for debug mode's report of tensors collected without `dispose()`. */
function originOf(shape: readonly number[], dtype: DType, device: Device): { what: string; stack: string } {
  return { what: `${fmtShape(shape)} ${dtype} on '${device.name}'`, stack: (new Error().stack ?? '').split('\n').slice(3).join('\n') };
}

/** @internal Checks that every tensor operand lives on one device and returns it (for Fackel's own packages; not a stable API). */
export function deviceOf(op: string, ...xs: readonly (TensorLike | null | undefined)[]): Device {
  let d: Device | null = null;
  for (const x of xs) {
    if (x instanceof Tensor) {
      x._live(op);
      if (d === null) d = x.device;
      else if (d !== x.device) {
        throw new DeviceError(`${op}: expected all tensors to be on the same device, but found tensors on '${d.name}' and '${x.device.name}'`);
      }
    }
  }
  return d ?? getDefaultDevice();
}

/** @internal Records an op for autograd when recording is on and some input requires a gradient (for Fackel's own packages; not a stable API). */
export function record(op: string, inputs: readonly RecordedInput[], output: Tensor, attrs: Readonly<Record<string, unknown>> = {}): Tensor {
  const engine = getAutograd();
  if (engine !== null && isGradEnabled()) {
    for (const x of inputs) {
      if (x instanceof Tensor && x.requiresGrad) {
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
  return inputs.some((x) => x instanceof Tensor && x.requiresGrad);
}

/** The dtype a JS number has when combined with a tensor of dtype `t`. */
export function scalarDType(value: number, t: DType): DType {
  if (t === 'float32' || t === 'float64') return t;
  if (!Number.isInteger(value)) return 'float32';
  return t === 'bool' ? 'int32' : t;
}

/** Result dtype of two operands before the op's own rule is applied. */
export function promoteOperands(a: TensorLike, b: TensorLike): DType {
  if (a instanceof Tensor && b instanceof Tensor) return promoteTypes(a.dtype, b.dtype);
  if (a instanceof Tensor) return scalarDType(b as number, a.dtype);
  if (b instanceof Tensor) return scalarDType(a as number, b.dtype);
  return Number.isInteger(a) && Number.isInteger(b) ? 'int32' : 'float32';
}

/** A tensor's view, broadcast (stride 0) to a target shape. */
export function broadcastView(t: Tensor, shape: readonly number[], op: string): View {
  const v = t._view(op);
  if (v.shape.length === shape.length && v.shape.every((d, i) => d === shape[i])) return v;
  return { ...v, shape, strides: broadcastStrides(v.shape, v.strides, shape) };
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

/** Describes a tensor for messages: `[2,3] float32 on cpu`. */
export function describe(t: Tensor): string {
  return `${fmtShape(t.shape)} ${t.dtype}${t.device.name === 'cpu' ? '' : ` on ${t.device.name}`}`;
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
