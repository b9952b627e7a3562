import { type Tensor, tidy } from '@fackel/tensor';
import { type LossOptions, checkElementwiseLoss, reduce } from './reduction.js';

/**
 * Mean squared error (x − y)².
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.mseLoss(tensor([1, 2]), tensor([1, 4])); // 2
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
/** @internal `op` names the caller in error messages (`MSELoss` passes its name). */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions, op: string): Tensor;
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}, op = 'mseLoss'): Tensor {
  const reduction = checkElementwiseLoss(input, target, options, op);
  return tidy(() => reduce(input.sub(target).square(), reduction));
}
