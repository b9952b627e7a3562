import { type Tensor, sub, tidy } from '@fackel/tensor';
import { type LossOptions, checkElementwiseLoss, checkWeight, reduce } from './reduction.js';

/** Options of `functional.binaryCrossEntropy` and `BCELoss`.
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import type { BCEOptions } from '@fackel/nn';
 * const o: BCEOptions = { weight: tensor([1, 2]), reduction: 'sum' };
 * ```
 */
export interface BCEOptions extends LossOptions {
  /** Rescaling weight per element, broadcast to the input's shape. */
  weight?: Tensor | null;
}

/**
 * Binary cross-entropy −w·[y·log x + (1 − y)·log(1 − x)] of probabilities `input` and targets
 * in [0, 1]; each log is clamped at −100, as PyTorch does, so a saturated input gives a large
 * finite loss. Prefer {@link binaryCrossEntropyWithLogits} on logits.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.binaryCrossEntropy(tensor([0.9, 0.2]), tensor([1, 0]));
 * ```
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options?: BCEOptions): Tensor;
/** @internal `op` names the caller in error messages (`BCELoss` passes its name). */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BCEOptions, op: string): Tensor;
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BCEOptions = {}, op = 'binaryCrossEntropy'): Tensor {
  const reduction = checkElementwiseLoss(input, target, options, op, true);
  const weight = checkWeight(options.weight, input, op);
  return tidy(() => {
    const logX = input.log().clamp(-100, null);
    const log1mX = sub(1, input).log().clamp(-100, null);
    let loss = target.mul(logX).add(sub(1, target).mul(log1mX)).neg();
    if (weight !== null) loss = loss.mul(weight);
    return reduce(loss, reduction);
  });
}
