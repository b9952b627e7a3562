import { FackelError, type Generator, type Tensor, defaultGenerator, rand, tidy, where } from '@fackel/tensor';
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
  return tidy(() => {
    const u = rand(input.shape, { generator, device: input.device, dtype: input.dtype });
    const mask = where(u.ge(p), 1 / (1 - p), 0);
    return input.mul(mask);
  });
}

/** @internal Throws unless `p` is a probability (also used by the `Dropout` layer and the RNNs). */
export function checkDropoutP(p: number, op: string): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new FackelError(`${op}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
}
