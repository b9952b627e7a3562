import { type Tensor, sub, tidy } from '@fackel/tensor';
import { softplus } from '../activation.js';
import type { BCEOptions } from './binary-cross-entropy.js';
import { checkElementwiseLoss, checkWeight, reduce } from './reduction.js';

/** Options of `functional.binaryCrossEntropyWithLogits` and `BCEWithLogitsLoss`.
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import type { BCEWithLogitsOptions } from '@fackel/nn';
 * const o: BCEWithLogitsOptions = { posWeight: tensor([3]) };
 * ```
 */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of the positive class, broadcast along the last (class) dimension. */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits, `sigmoid` folded in and computed stably:
 * (1 − y)·x + (1 + (p − 1)·y)·softplus(−x), with `p` the `posWeight` (1 when absent).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.binaryCrossEntropyWithLogits(tensor([2.5, -1]), tensor([1, 0]), { posWeight: tensor([2]) });
 * ```
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options?: BCEWithLogitsOptions): Tensor;
/** @internal `op` names the caller in error messages (`BCEWithLogitsLoss` passes its name). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BCEWithLogitsOptions, op: string): Tensor;
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BCEWithLogitsOptions = {}, op = 'binaryCrossEntropyWithLogits'): Tensor {
  const reduction = checkElementwiseLoss(input, target, options, op, true);
  const weight = checkWeight(options.weight, input, op);
  const posWeight = checkWeight(options.posWeight, input, op, 'posWeight');
  return tidy(() => {
    const sp = softplus(input.neg());
    const logWeight = posWeight === null ? null : posWeight.sub(1).mul(target).add(1);
    let loss = sub(1, target)
      .mul(input)
      .add(logWeight === null ? sp : logWeight.mul(sp));
    if (weight !== null) loss = loss.mul(weight);
    return reduce(loss, reduction);
  });
}
