// Argument checks shared by the functional forms (internal: not exported from `@fackel/nn`).
// Each takes `op`, the name of the calling function or module, for its error messages.
import { DTypeError, FackelError, Tensor, isFloatingPoint } from '@fackel/tensor';

/** @internal Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** @internal `x` itself if it is a Tensor; otherwise throws, naming `what` and `op`. */
export function requireTensor(x: unknown, what: string, op: string): Tensor {
  if (!(x instanceof Tensor)) {
    throw new FackelError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array (wrap it with tensor(...))' : typeof x}`);
  }
  return x;
}

/** @internal Throws unless `x` has a floating-point dtype. */
export function requireFloatInput(x: Tensor, what: string, op: string): void {
  if (!isFloatingPoint(x.dtype)) throw new DTypeError(`${op}: ${what} must be a floating-point tensor, got ${x.dtype} (cast it with .float())`);
}

/** @internal On devices that read synchronously, checks int32 indices against [0, n) (allowing `ignore`). */
export function checkIndexRange(index: Tensor, n: number, ignore: number | null, message: (v: number) => string): void {
  if (!index.device.backend.readSync || index.numel() === 0) return;
  const data = index.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if ((v < 0 || v >= n) && v !== ignore) throw new FackelError(message(v));
  }
}
