import { type Tensor, tidy } from '@fackel/tensor';
import { type LossOptions, checkElementwiseLoss, reduce } from './reduction.js';

/**
 * Mean absolute error |x − y|.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.l1Loss(tensor([1, 2]), tensor([1, 4])); // 1
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
/** @internal `op` names the caller in error messages (`L1Loss` passes its name). */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions, op: string): Tensor;
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}, op = 'l1Loss'): Tensor {
  const reduction = checkElementwiseLoss(input, target, options, op);
  return tidy(() => reduce(input.sub(target).abs(), reduction));
}
