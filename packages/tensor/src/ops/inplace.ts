import { checkedValue } from '../dtype.js';
import { FackelError, ShapeError, fmtShape } from '../errors.js';
import { getAutograd, isGradEnabled, noGrad } from '../grad-mode.js';
import type { Tensor } from '../tensor.js';
import { isTensor, type TensorLike } from '../tensor-like.js';
import { broadcastView, deviceOf } from './core.js';

function checkInplace(t: Tensor, op: string): void {
  if (t.requiresGrad && isGradEnabled() && getAutograd() !== null) {
    throw new FackelError(
      t.isLeaf
        ? `${op}: a leaf tensor that requires grad is being used in an in-place operation; wrap parameter updates in noGrad(() => ...)`
        : `${op}: in-place operations on tensors that are part of the autograd graph are not supported; use the out-of-place form`,
    );
  }
}

/** @internal Copies `src` (broadcast, converted) into `dst` and bumps its version. */
export function copy_<T extends Tensor>(dst: T, src: TensorLike): T {
  const op = 'copy_';
  checkInplace(dst, op);
  const device = deviceOf(op, dst, src);
  const storage = dst._live(op);
  if (isTensor(src)) {
    device.backend.assign(dst._view(op), broadcastView(src, dst.shape, op));
  } else {
    if (typeof src !== 'number') throw new FackelError(`${op}: expected a tensor or a number, got ${typeof src}`);
    // fill_(2 ** 31) on int32 raises, as in PyTorch (tensor → tensor copies convert silently).
    device.backend.assign(dst._view(op), checkedValue(src, dst.dtype, 'fill_'));
  }
  storage.version++;
  return dst;
}

/** @internal Runs an out-of-place op without recording and writes its result into `dst`. */
export function inplace<T extends Tensor>(dst: T, op: string, compute: () => Tensor): T {
  checkInplace(dst, op);
  const result = noGrad(compute);
  try {
    if (result.shape.length !== dst.shape.length || result.shape.some((d, i) => d !== dst.shape[i])) {
      throw new ShapeError(`${op}: output with shape ${fmtShape(dst.shape)} doesn't match the broadcast shape ${fmtShape(result.shape)}`);
    }
    if (result.dtype !== dst.dtype && dst.dtype !== 'float32' && dst.dtype !== 'float64') {
      throw new FackelError(`${op}: result type ${result.dtype} can't be cast to the desired output type ${dst.dtype}`);
    }
    const storage = dst._live(op);
    dst.device.backend.assign(dst._view(op), result._view(op));
    storage.version++;
  } finally {
    result.dispose();
  }
  return dst;
}
