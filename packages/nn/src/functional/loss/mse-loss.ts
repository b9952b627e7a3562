import { type Tensor, tidy } from '@fackel/tensor';
import { requireFloatInput, requireTensor } from '../checks.js';
import { type LossOptions, checkReduction, checkSameShape, reduce } from './reduction.js';

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
  requireTensor(input, 'the input', op);
  requireTensor(target, 'the target', op);
  requireFloatInput(input, 'the input', op);
  checkSameShape(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  return tidy(() => reduce(input.sub(target).square(), reduction));
}
