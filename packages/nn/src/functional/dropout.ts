import { FackelError, type Generator, type Tensor, defaultGenerator, tensor, tidy } from '@fackel/tensor';
import { requireFloatInput, requireTensor } from './checks.js';

/**
 * Zeroes each element with probability `p` during training and scales the rest by
 * `1 / (1 - p)`; returns `input` itself when not training or when `p` is 0. The mask is drawn
 * from `generator` (default: `defaultGenerator`).
 *
 * @example
 * ```ts
 * import { ones, Generator } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.dropout(ones([8]), 0.5, true, { generator: new Generator(0) }); // zeros and twos
 * ```
 */
export function dropout(input: Tensor, p?: number, training?: boolean, options?: { generator?: Generator }): Tensor;
/** @internal `op` names the caller in error messages (the `Dropout` layer passes `'Dropout'`). */
export function dropout(input: Tensor, p: number, training: boolean, options: { generator?: Generator }, op: string): Tensor;
export function dropout(input: Tensor, p = 0.5, training = true, options: { generator?: Generator } = {}, op = 'dropout'): Tensor {
  requireTensor(input, 'the input', op);
  checkDropoutP(p, op);
  if (!training || p === 0) return input;
  requireFloatInput(input, 'the input', op);
  if (p === 1) return input.mul(0);
  const generator = options.generator ?? defaultGenerator;
  // the mask drawn on the host in one pass: the numbers `where(rand(shape) >= p, 1 / (1 - p), 0)` gives
  // (the comparison and the scale in the input's dtype, as the ops would compute them)
  const n = input.numel();
  const f64 = input.dtype === 'float64';
  const mask = generator.fillFloat32(f64 ? new Float64Array(n) : new Float32Array(n));
  const threshold = f64 ? p : Math.fround(p);
  const scale = f64 ? 1 / (1 - p) : Math.fround(1 / (1 - p));
  for (let i = 0; i < n; i++) mask[i] = mask[i] >= threshold ? scale : 0;
  return tidy(() => input.mul(tensor(mask, { dtype: input.dtype, device: input.device }).reshape(input.shape)));
}

/** @internal Throws unless `p` is a probability (also used by the `Dropout` layer and the RNNs). */
export function checkDropoutP(p: number, op: string): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new FackelError(`${op}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
}
