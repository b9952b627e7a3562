import { DTypeError, FackelError, ShapeError, type Tensor, fmtShape, isFloatingPoint, softmaxCrossEntropy, tidy } from '@fackel/tensor';
import { sameShape } from '../checks.js';
import { type ClassLayout, checkIgnoreIndex, checkIndexTarget, checkTargetRange, classLayout, classWeight, nllCore } from './class-targets.js';
import type { NLLLossOptions } from './nll-loss.js';
import { type Reduction, checkLossInputs, checkReduction, reduce } from './reduction.js';

/** Options of `functional.crossEntropy` and `CrossEntropyLoss`.
 * @example
 * ```ts
 * import type { CrossEntropyOptions } from '@fackel/nn';
 * const o: CrossEntropyOptions = { labelSmoothing: 0.1, ignoreIndex: -100 };
 * ```
 */
export interface CrossEntropyOptions extends NLLLossOptions {
  /** Mixes the target with the uniform distribution: (1 − ε)·target + ε/C. Default 0. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of logits, with PyTorch's semantics: input `[N, C]`, `[C]` or
 * `[N, C, d1, …]` (any number of trailing dims); the target is either int32 class indices of
 * the input's shape without `C`, or class probabilities (float) of the input's shape.
 * Computed as `logSoftmax` + `gather` (stable: log-sum-exp); class indices without `weight`
 * or `labelSmoothing` go through the fused `softmaxCrossEntropy` of `@fackel/tensor` (one
 * kernel forward and one backward where the backend has them). Supports class `weight`,
 * `ignoreIndex` (indices only), `labelSmoothing` and `reduction`.
 *
 * @example
 * ```ts
 * import { randn, tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * const logits = randn([3, 5]);
 * F.crossEntropy(logits, tensor([1, 0, 4], { dtype: 'int32' }));
 * F.crossEntropy(logits, randn([3, 5]).softmax(1)); // probabilities
 * F.crossEntropy(randn([2, 5, 7]), tensor([[0, 1, 2, 3, 4, 0, 1], [4, 4, 4, 4, 4, 4, 4]], { dtype: 'int32' }));
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor;
/** @internal `op` names the caller in error messages (`CrossEntropyLoss` passes its name). */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions, op: string): Tensor;
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}, op = 'crossEntropy'): Tensor {
  checkLossInputs(input, target, op);
  const layout = classLayout(input, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  const weight = classWeight(options.weight, layout.numClasses, op);
  const ls = options.labelSmoothing ?? 0;
  if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) throw new FackelError(`${op}: labelSmoothing must be between 0 and 1, got ${String(ls)}`);
  const ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, op);
  const { classDim, numClasses: C } = layout;
  if (isFloatingPoint(target.dtype)) {
    if (!sameShape(target.shape, input.shape)) {
      throw new ShapeError(
        `${op}: a floating-point target is read as class probabilities and must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}; for class indices pass an int32 tensor (tensor([...], { dtype: 'int32' }) or target.int())`,
      );
    }
    return tidy(() => {
      const logp = input.logSoftmax(classDim);
      const t = ls > 0 ? target.mul(1 - ls).add(ls / C) : target;
      let prod = logp.mul(t);
      if (weight !== null) prod = prod.mul(weight.reshape(input.shape.map((_, i) => (i === classDim ? C : 1))));
      return reduce(prod.sum(classDim).neg(), reduction);
    });
  }
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: the target must be int32 class indices or floating-point class probabilities, got ${target.dtype}`);
  }
  checkIndexTarget(input, target, layout, op);
  if (weight === null && ls === 0) return tidy(() => fusedCrossEntropy(input, target, layout, ignoreIndex, reduction, op));
  return tidy(() => nllCore(input.logSoftmax(classDim), target, layout, weight, ignoreIndex, reduction, ls, op));
}

/**
 * The common case of {@link crossEntropy} (class indices, no class weights, no label
 * smoothing) through the fused `softmaxCrossEntropy` of `@fackel/tensor`: the logits are
 * brought to rows `[M, C]` (class dimension last), the per-row losses reduced as PyTorch
 * does (the mean divides by the number of targets that are not ignored).
 */
function fusedCrossEntropy(input: Tensor, target: Tensor, layout: ClassLayout, ignoreIndex: number, reduction: Reduction, op: string): Tensor {
  const C = layout.numClasses;
  checkTargetRange(target, C, ignoreIndex, op);
  let rows: Tensor;
  if (input.ndim === 1) rows = input.unsqueeze(0);
  else if (input.ndim === 2) rows = input;
  else {
    const perm = [0, ...input.shape.map((_, i) => i).slice(2), 1];
    rows = input.permute(perm).reshape([-1, C]);
  }
  const t = input.ndim === 2 ? target : target.reshape([-1]);
  const loss = softmaxCrossEntropy(rows, t, { ignoreIndex });
  if (reduction === 'none') return input.ndim === 2 ? loss : loss.reshape(target.shape);
  if (reduction === 'sum') return loss.sum();
  return loss.sum().div(t.ne(ignoreIndex).to(input.dtype).sum());
}
