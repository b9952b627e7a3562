// What the losses share: the reduction, and checks of the target's and the weights' shapes.
import { FackelError, ShapeError, type Tensor, fmtShape } from '@fackel/tensor';
import { requireFloatInput, requireTensor, sameShape } from '../checks.js';

/** How a loss reduces its per-element values: their mean (default), their sum, or none.
 * @example
 * ```ts
 * import type { Reduction } from '@fackel/nn';
 * const r: Reduction = 'sum';
 * ```
 */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options shared by the losses.
 * @example
 * ```ts
 * import type { LossOptions } from '@fackel/nn';
 * const o: LossOptions = { reduction: 'sum' };
 * ```
 */
export interface LossOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/** @internal `reduction` itself if it is one of the three; otherwise throws. */
export function checkReduction(reduction: unknown, op: string): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new FackelError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  return reduction;
}

/** @internal The per-element `loss` reduced as `reduction` (already checked) says. */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? loss.mean() : reduction === 'sum' ? loss.sum() : loss;
}

/** @internal What every loss checks first: input and target are tensors, and the input is floating-point. */
export function checkLossInputs(input: Tensor, target: Tensor, op: string): void {
  requireTensor(input, 'the input', op);
  requireTensor(target, 'the target', op);
  requireFloatInput(input, 'the input', op);
}

/**
 * @internal The checks of a loss that compares input and target element by element
 * ({@link checkLossInputs}, a floating-point target where `floatTarget`, equal shapes); returns
 * the checked reduction.
 */
export function checkElementwiseLoss(input: Tensor, target: Tensor, options: LossOptions, op: string, floatTarget = false): Reduction {
  checkLossInputs(input, target, op);
  if (floatTarget) requireFloatInput(target, 'the target', op);
  checkSameShape(input, target, op);
  return checkReduction(options.reduction ?? 'mean', op);
}

/** @internal Throws unless target and input have the same shape (no broadcasting, unlike PyTorch). */
export function checkSameShape(input: Tensor, target: Tensor, op: string): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new ShapeError(
      `${op}: the target's shape ${fmtShape(target.shape)} differs from the input's ${fmtShape(input.shape)}; they must be equal (PyTorch would broadcast them, which is almost always a bug). Reshape one of them, e.g. target.reshape(${fmtShape(input.shape)})`,
    );
  }
}

/** @internal A float weight that broadcasts to the input's shape (null when absent). */
export function checkWeight(weight: Tensor | null | undefined, input: Tensor, op: string, what = 'weight'): Tensor | null {
  if (weight === undefined || weight === null) return null;
  requireTensor(weight, `the ${what}`, op);
  requireFloatInput(weight, `the ${what}`, op);
  const n = input.ndim;
  const broadcasts = weight.ndim <= n && weight.shape.every((w, i) => w === 1 || w === input.shape[n - weight.ndim + i]);
  if (!broadcasts) {
    throw new ShapeError(`${op}: the ${what} of shape ${fmtShape(weight.shape)} cannot be broadcast to the input's shape ${fmtShape(input.shape)}`);
  }
  return weight;
}
