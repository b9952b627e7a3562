import { DTypeError, type Tensor, tidy } from '@fackel/tensor';
import { checkIgnoreIndex, checkIndexTarget, classLayout, classWeight, nllCore } from './class-targets.js';
import { type LossOptions, checkLossInputs, checkReduction } from './reduction.js';

/** Options of `functional.nllLoss` and `NLLLoss`.
 * @example
 * ```ts
 * import type { NLLLossOptions } from '@fackel/nn';
 * const o: NLLLossOptions = { ignoreIndex: 0 };
 * ```
 */
export interface NLLLossOptions extends LossOptions {
  /** A weight per class, shape `[C]`. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (and are left out of the mean); default −100. */
  ignoreIndex?: number;
}

/**
 * Negative log-likelihood of class indices given log-probabilities: input `[N, C]`, `[C]`
 * or `[N, C, d1, …]`, int32 target `[N]`, `[]` or `[N, d1, …]`. The mean divides by the
 * summed weights of the targets that are not ignored.
 *
 * @example
 * ```ts
 * import { randn, tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * const logp = randn([3, 5]).logSoftmax(1);
 * F.nllLoss(logp, tensor([1, 0, 4], { dtype: 'int32' }));
 * ```
 */
export function nllLoss(input: Tensor, target: Tensor, options?: NLLLossOptions): Tensor;
/** @internal `op` names the caller in error messages (`NLLLoss` passes its name). */
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossOptions, op: string): Tensor;
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossOptions = {}, op = 'nllLoss'): Tensor {
  checkLossInputs(input, target, op);
  const layout = classLayout(input, op);
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected int32 class indices as the target, got ${target.dtype} (create them with { dtype: 'int32' } or cast with .int())`);
  }
  checkIndexTarget(input, target, layout, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  const weight = classWeight(options.weight, layout.numClasses, op);
  const ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, op);
  return tidy(() => nllCore(input, target, layout, weight, ignoreIndex, reduction, 0, op));
}
