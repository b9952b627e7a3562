// What the losses over class indices (`nllLoss`, `crossEntropy`) share: the class layout of the
// input, the class weights, the target checks and the weighted negative log-likelihood.
import { FackelError, ShapeError, type Tensor, fmtShape, where } from '@fackel/tensor';
import { checkIndexRange, requireFloatInput, requireTensor, sameShape } from '../checks.js';
import type { Reduction } from './reduction.js';

/** @internal Where the classes are in the input: dimension 0 of `[C]`, else dimension 1. */
export interface ClassLayout {
  classDim: number;
  numClasses: number;
}

/** @internal The class layout of `input` (`[C]`, `[N, C]` or `[N, C, d1, …]`). */
export function classLayout(input: Tensor, op: string): ClassLayout {
  if (input.ndim === 0) throw new ShapeError(`${op}: the input must have a class dimension: [C], [N, C] or [N, C, d1, …], got a 0-d tensor`);
  const classDim = input.ndim === 1 ? 0 : 1;
  return { classDim, numClasses: input.shape[classDim] };
}

/** @internal A float weight per class, shape `[C]` (null when absent). */
export function classWeight(weight: Tensor | null | undefined, C: number, op: string): Tensor | null {
  if (weight === undefined || weight === null) return null;
  requireTensor(weight, 'the weight', op);
  requireFloatInput(weight, 'the weight', op);
  if (weight.ndim !== 1 || weight.shape[0] !== C) {
    throw new ShapeError(`${op}: the weight must have one entry per class, shape [${C}], got ${fmtShape(weight.shape)}`);
  }
  return weight;
}

/** @internal Throws unless a class-index target has the input's shape without the class dimension. */
export function checkIndexTarget(input: Tensor, target: Tensor, layout: ClassLayout, op: string): void {
  const expected = input.shape.filter((_, i) => i !== layout.classDim);
  if (!sameShape(expected, target.shape)) {
    const form =
      input.ndim === 1 ? 'input [C] needs a 0-d target' : input.ndim === 2 ? 'input [N, C] needs target [N]' : 'input [N, C, d1, …] needs target [N, d1, …]';
    throw new ShapeError(
      `${op}: expected class-index target of shape ${fmtShape(expected)} for input ${fmtShape(input.shape)} (${form}), got ${fmtShape(target.shape)}`,
    );
  }
}

/** @internal `ignoreIndex` itself if it is an integer; otherwise throws. */
export function checkIgnoreIndex(ignoreIndex: unknown, op: string): number {
  if (typeof ignoreIndex !== 'number' || !Number.isInteger(ignoreIndex))
    throw new FackelError(`${op}: ignoreIndex must be an integer, got ${String(ignoreIndex)}`);
  return ignoreIndex;
}

/** @internal Throws (where the device reads synchronously) on a target outside [0, C) that is not `ignoreIndex`. */
export function checkTargetRange(target: Tensor, C: number, ignoreIndex: number, op: string): void {
  checkIndexRange(target, C, ignoreIndex, (v) => `${op}: target ${v} is out of bounds for ${C} classes (valid: 0 to ${C - 1}, or ignoreIndex ${ignoreIndex})`);
}

/**
 * @internal −Σ picked log-probabilities with class weights and ignored targets, mixed with the
 * uniform distribution by `labelSmoothing`; `logp` is already log-softmaxed. The mean divides by
 * the summed weights of the targets that are not ignored.
 */
export function nllCore(
  logp: Tensor,
  target: Tensor,
  layout: ClassLayout,
  weight: Tensor | null,
  ignoreIndex: number,
  reduction: Reduction,
  labelSmoothing: number,
  op: string,
): Tensor {
  const { classDim, numClasses: C } = layout;
  checkTargetRange(target, C, ignoreIndex, op);
  const ignored = target.eq(ignoreIndex);
  const safeTarget = where(ignored, 0, target);
  const picked = logp.gather(classDim, safeTarget.unsqueeze(classDim)).squeeze(classDim);
  let w: Tensor; // per-target weight, 0 where ignored
  if (weight !== null) {
    w = where(ignored, 0, weight.indexSelect(0, safeTarget.reshape([-1])).reshape(target.shape));
  } else {
    w = ignored.logicalNot().to(logp.dtype);
  }
  const reduceWeighted = (perTarget: Tensor): Tensor =>
    reduction === 'none' ? perTarget : reduction === 'sum' ? perTarget.sum() : perTarget.sum().div(w.sum());
  const nll = reduceWeighted(where(ignored, 0, picked.mul(w).neg()));
  if (labelSmoothing === 0) return nll;
  let smooth: Tensor;
  if (weight !== null) {
    const shape = logp.shape.map((_, i) => (i === classDim ? C : 1));
    smooth = logp.mul(weight.reshape(shape)).sum(classDim).neg();
  } else {
    smooth = logp.sum(classDim).neg();
  }
  const smoothRed = reduceWeighted(where(ignored, 0, smooth));
  return nll.mul(1 - labelSmoothing).add(smoothRed.mul(labelSmoothing / C));
}
