// Implementations behind `functional` and the layer/loss modules. Each takes the name of the
// calling module or function (`op`) for its error messages; the public wrappers are in
// functional.ts.
import {
  DTypeError,
  FackelError,
  Generator,
  ShapeError,
  Tensor,
  defaultGenerator,
  fmtShape,
  isFloatingPoint,
  rand,
  softmaxCrossEntropy,
  sub,
  tidy,
  where,
} from '@fackel/tensor';

/** How a loss reduces its per-element values: their mean (default), their sum, or none.
 * @example
 * ```ts
 * import type { Reduction } from '@fackel/nn';
 * const r: Reduction = 'sum';
 * ```
 */
export type Reduction = 'mean' | 'sum' | 'none';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function requireTensor(x: unknown, what: string, op: string): Tensor {
  if (!(x instanceof Tensor)) {
    throw new FackelError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array (wrap it with tensor(...))' : typeof x}`);
  }
  return x;
}

function requireFloatInput(x: Tensor, what: string, op: string): void {
  if (!isFloatingPoint(x.dtype)) throw new DTypeError(`${op}: ${what} must be a floating-point tensor, got ${x.dtype} (cast it with .float())`);
}

function reduce(loss: Tensor, reduction: Reduction, op: string): Tensor {
  switch (reduction) {
    case 'mean':
      return loss.mean();
    case 'sum':
      return loss.sum();
    case 'none':
      return loss;
    default:
      throw new FackelError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

function checkReduction(reduction: unknown, op: string): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new FackelError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  return reduction;
}

// ======================================================================== layers

/**
 * `y = x Wᵀ + b` over the last dimension of `input` (`[..., in]` → `[..., out]`), with
 * PyTorch's weight layout `[out, in]`.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.linear(randn([4, 3]), randn([2, 3]), randn([2])).shape; // [4, 2]
 * ```
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null, op = 'linear'): Tensor {
  requireTensor(input, 'the input', op);
  requireTensor(weight, 'the weight', op);
  if (weight.ndim !== 2) throw new ShapeError(`${op}: the weight must be 2-D [outFeatures, inFeatures], got ${fmtShape(weight.shape)}`);
  const inF = weight.shape[1]!;
  if (input.ndim === 0 || input.shape[input.ndim - 1] !== inF) {
    throw new ShapeError(`${op}: expected input with last dimension ${inF} (inFeatures), got shape ${fmtShape(input.shape)}`);
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new ShapeError(`${op}: the bias must have shape [${weight.shape[0]}] (outFeatures), got ${fmtShape(bias.shape)}`);
  }
  return tidy(() => {
    const y = input.matmul(weight.t());
    return bias === null ? y : y.add(bias);
  });
}

/**
 * Looks up rows of `weight` (`[numEmbeddings, dim]`) for int32 indices of any shape; the
 * result has shape `[...input.shape, dim]`. With `paddingIdx`, that row gets no gradient.
 *
 * @example
 * ```ts
 * import { randn, tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.embedding(tensor([[0, 2], [1, 0]], { dtype: 'int32' }), randn([3, 5])).shape; // [2, 2, 5]
 * ```
 */
export function embedding(input: Tensor, weight: Tensor, paddingIdx: number | null = null, op = 'embedding'): Tensor {
  requireTensor(input, 'the input', op);
  requireTensor(weight, 'the weight', op);
  if (input.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected int32 indices, got ${input.dtype} (cast them with .int(), or create them with { dtype: 'int32' })`);
  }
  if (weight.ndim !== 2) throw new ShapeError(`${op}: the weight must be 2-D [numEmbeddings, embeddingDim], got ${fmtShape(weight.shape)}`);
  const n = weight.shape[0]!;
  checkIndexRange(input, n, null, (v) => `${op}: index ${v} is out of range for ${n} embeddings (valid: 0 to ${n - 1})`);
  const pad = paddingIdx === null ? null : normalizePadding(paddingIdx, n, op);
  return tidy(() => {
    const flat = input.reshape([-1]);
    let rows = weight.indexSelect(0, flat);
    if (pad !== null) {
      const mask = flat.eq(pad).unsqueeze(1);
      const padRow = weight.narrow(0, pad, 1).detach();
      rows = where(mask, padRow, rows);
    }
    return rows.reshape([...input.shape, weight.shape[1]!]);
  });
}

/** @internal */
export function normalizePadding(paddingIdx: number, n: number, op: string): number {
  if (!Number.isInteger(paddingIdx) || paddingIdx < -n || paddingIdx >= n) {
    throw new FackelError(`${op}: paddingIdx must be an integer within numEmbeddings (${n}), i.e. in [${-n}, ${n - 1}], got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + n : paddingIdx;
}

/** On devices that read synchronously, checks int32 indices against [0, n) (allowing `ignore`). */
function checkIndexRange(index: Tensor, n: number, ignore: number | null, message: (v: number) => string): void {
  if (!index.device.backend.readSync || index.numel() === 0) return;
  const data = index.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if ((v < 0 || v >= n) && v !== ignore) throw new FackelError(message(v));
  }
}

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

/** @internal */
export function checkDropoutP(p: number, op: string): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new FackelError(`${op}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
}

/**
 * Merges dimensions `startDim` … `endDim` into one (default: all but the batch dimension).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.flatten(zeros([2, 3, 4])).shape; // [2, 12]
 * ```
 */
export function flatten(input: Tensor, startDim = 1, endDim = -1): Tensor {
  return requireTensor(input, 'the input', 'flatten').flatten(startDim, endDim);
}

// ======================================================================== activations

/**
 * The logistic function 1 / (1 + e⁻ˣ).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.sigmoid(tensor([0])); // [0.5]
 * ```
 */
export function sigmoid(input: Tensor): Tensor {
  return requireTensor(input, 'the input', 'sigmoid').sigmoid();
}

/**
 * The hyperbolic tangent.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.tanh(tensor([0])); // [0]
 * ```
 */
export function tanh(input: Tensor): Tensor {
  return requireTensor(input, 'the input', 'tanh').tanh();
}

/**
 * max(x, 0).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.relu(tensor([-1, 2])); // [0, 2]
 * ```
 */
export function relu(input: Tensor): Tensor {
  return requireTensor(input, 'the input', 'relu').relu();
}

/**
 * `x` where positive, `negativeSlope · x` elsewhere.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.leakyRelu(tensor([-1, 2]), 0.1); // [-0.1, 2]
 * ```
 */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  requireTensor(input, 'the input', 'leakyRelu');
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) throw new FackelError(`leakyRelu: negativeSlope must be a finite number, got ${String(negativeSlope)}`);
  return tidy(() => where(input.gt(0), input, input.mul(negativeSlope)));
}

/**
 * Gaussian error linear unit, x·Φ(x): exact (`'none'`, with erf) or the tanh approximation
 * (`'tanh'`), as PyTorch's `approximate` argument.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.gelu(tensor([1])); // [0.8413]
 * F.gelu(tensor([1]), 'tanh'); // [0.8412]
 * ```
 */
export function gelu(input: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  requireTensor(input, 'the input', 'gelu');
  requireFloatInput(input, 'the input', 'gelu');
  if (approximate === 'none') {
    return tidy(() => input.mul(0.5).mul(input.mul(Math.SQRT1_2).erf().add(1)));
  }
  if (approximate === 'tanh') {
    return tidy(() => {
      const inner = input.add(input.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
      return input.mul(0.5).mul(inner.tanh().add(1));
    });
  }
  throw new FackelError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
}

/**
 * Softmax along `dim` (computed stably).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.softmax(tensor([[1, 2, 3]]), 1);
 * ```
 */
export function softmax(input: Tensor, dim: number): Tensor {
  requireTensor(input, 'the input', 'softmax');
  if (typeof dim !== 'number') throw new FackelError('softmax: give the dimension to normalise over, e.g. softmax(x, -1)');
  return input.softmax(dim);
}

/**
 * Log-softmax along `dim` (x − logsumexp(x), computed stably).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.logSoftmax(tensor([[1, 2, 3]]), 1);
 * ```
 */
export function logSoftmax(input: Tensor, dim: number): Tensor {
  requireTensor(input, 'the input', 'logSoftmax');
  if (typeof dim !== 'number') throw new FackelError('logSoftmax: give the dimension to normalise over, e.g. logSoftmax(x, -1)');
  return input.logSoftmax(dim);
}

/**
 * log(1 + eˣ), computed without overflow and with the exact gradient (sigmoid) everywhere.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.softplus(tensor([0, 100])); // [0.6931, 100]
 * ```
 */
export function softplus(input: Tensor): Tensor {
  requireTensor(input, 'the input', 'softplus');
  requireFloatInput(input, 'the input', 'softplus');
  // z ≤ 0: log1p(eᶻ); z > 0: z + log1p(e⁻ᶻ). Each branch sees clamped inputs, so neither
  // overflows and the unused branch passes a finite zero gradient.
  return tidy(() => {
    const zNeg = input.clamp(null, 0);
    const zPos = input.clamp(0, null);
    const low = zNeg.exp().log1p();
    const high = zPos.add(zPos.neg().exp().log1p());
    return where(input.gt(0), high, low);
  });
}

// ======================================================================== losses

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

function checkSameShape(input: Tensor, target: Tensor, op: string): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new ShapeError(
      `${op}: the target's shape ${fmtShape(target.shape)} differs from the input's ${fmtShape(input.shape)}; they must be equal (PyTorch would broadcast them, which is almost always a bug). Reshape one of them, e.g. target.reshape(${fmtShape(input.shape)})`,
    );
  }
}

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
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}, op = 'mseLoss'): Tensor {
  requireTensor(input, 'the input', op);
  requireTensor(target, 'the target', op);
  requireFloatInput(input, 'the input', op);
  checkSameShape(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  return tidy(() => reduce(input.sub(target).square(), reduction, op));
}

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
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}, op = 'l1Loss'): Tensor {
  requireTensor(input, 'the input', op);
  requireTensor(target, 'the target', op);
  requireFloatInput(input, 'the input', op);
  checkSameShape(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  return tidy(() => reduce(input.sub(target).abs(), reduction, op));
}

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

function checkWeight(weight: Tensor | null | undefined, input: Tensor, op: string, what = 'weight'): Tensor | null {
  if (weight === undefined || weight === null) return null;
  requireTensor(weight, `the ${what}`, op);
  requireFloatInput(weight, `the ${what}`, op);
  try {
    // broadcastable to the input?
    const n = Math.max(weight.ndim, input.ndim);
    for (let i = 0; i < n; i++) {
      const w = i < n - weight.ndim ? 1 : weight.shape[i - (n - weight.ndim)]!;
      const x = i < n - input.ndim ? 1 : input.shape[i - (n - input.ndim)]!;
      if (w !== x && w !== 1) throw new Error();
    }
    if (weight.ndim > input.ndim) throw new Error();
  } catch {
    throw new ShapeError(`${op}: the ${what} of shape ${fmtShape(weight.shape)} cannot be broadcast to the input's shape ${fmtShape(input.shape)}`);
  }
  return weight;
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
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BCEOptions = {}, op = 'binaryCrossEntropy'): Tensor {
  requireTensor(input, 'the input', op);
  requireTensor(target, 'the target', op);
  requireFloatInput(input, 'the input', op);
  requireFloatInput(target, 'the target', op);
  checkSameShape(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  const weight = checkWeight(options.weight, input, op);
  return tidy(() => {
    const logX = input.log().clamp(-100, null);
    const log1mX = sub(1, input).log().clamp(-100, null);
    let loss = target.mul(logX).add(sub(1, target).mul(log1mX)).neg();
    if (weight !== null) loss = loss.mul(weight);
    return reduce(loss, reduction, op);
  });
}

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
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BCEWithLogitsOptions = {}, op = 'binaryCrossEntropyWithLogits'): Tensor {
  requireTensor(input, 'the input', op);
  requireTensor(target, 'the target', op);
  requireFloatInput(input, 'the input', op);
  requireFloatInput(target, 'the target', op);
  checkSameShape(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  const weight = checkWeight(options.weight, input, op);
  const posWeight = checkWeight(options.posWeight, input, op, 'posWeight');
  return tidy(() => {
    const sp = softplus(input.neg());
    const logWeight = posWeight === null ? null : posWeight.sub(1).mul(target).add(1);
    let loss = sub(1, target).mul(input).add(logWeight === null ? sp : logWeight.mul(sp));
    if (weight !== null) loss = loss.mul(weight);
    return reduce(loss, reduction, op);
  });
}

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

interface ClassLayout {
  classDim: number;
  numClasses: number;
}

function classLayout(input: Tensor, op: string): ClassLayout {
  if (input.ndim === 0) throw new ShapeError(`${op}: the input must have a class dimension: [C], [N, C] or [N, C, d1, …], got a 0-d tensor`);
  const classDim = input.ndim === 1 ? 0 : 1;
  return { classDim, numClasses: input.shape[classDim]! };
}

function classWeight(weight: Tensor | null | undefined, C: number, op: string): Tensor | null {
  if (weight === undefined || weight === null) return null;
  requireTensor(weight, 'the weight', op);
  requireFloatInput(weight, 'the weight', op);
  if (weight.ndim !== 1 || weight.shape[0] !== C) {
    throw new ShapeError(`${op}: the weight must have one entry per class, shape [${C}], got ${fmtShape(weight.shape)}`);
  }
  return weight;
}

function checkIndexTarget(input: Tensor, target: Tensor, layout: ClassLayout, op: string): void {
  const expected = input.shape.filter((_, i) => i !== layout.classDim);
  if (!sameShape(expected, target.shape)) {
    const form = input.ndim === 1 ? 'input [C] needs a 0-d target' : input.ndim === 2 ? 'input [N, C] needs target [N]' : 'input [N, C, d1, …] needs target [N, d1, …]';
    throw new ShapeError(
      `${op}: expected class-index target of shape ${fmtShape(expected)} for input ${fmtShape(input.shape)} (${form}), got ${fmtShape(target.shape)}`,
    );
  }
}

/** −Σ picked log-probabilities with class weights and ignored targets; `logp` is already log-softmaxed. */
function nllCore(
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
  checkIndexRange(target, C, ignoreIndex, (v) => `${op}: target ${v} is out of bounds for ${C} classes (valid: 0 to ${C - 1}, or ignoreIndex ${ignoreIndex})`);
  const ignored = target.eq(ignoreIndex);
  const safeTarget = where(ignored, 0, target);
  const picked = logp.gather(classDim, safeTarget.unsqueeze(classDim)).squeeze(classDim);
  let w: Tensor; // per-target weight, 0 where ignored
  if (weight !== null) {
    w = where(ignored, 0, weight.indexSelect(0, safeTarget.reshape([-1])).reshape(target.shape));
  } else {
    w = ignored.logicalNot().to(logp.dtype);
  }
  const perElem = where(ignored, 0, picked.mul(w).neg());
  let nll: Tensor;
  if (reduction === 'none') nll = perElem;
  else if (reduction === 'sum') nll = perElem.sum();
  else nll = perElem.sum().div(w.sum());
  if (labelSmoothing === 0) return nll;
  let smooth: Tensor;
  if (weight !== null) {
    const shape = logp.shape.map((_, i) => (i === classDim ? C : 1));
    smooth = logp.mul(weight.reshape(shape)).sum(classDim).neg();
  } else {
    smooth = logp.sum(classDim).neg();
  }
  smooth = where(ignored, 0, smooth);
  let smoothRed: Tensor;
  if (reduction === 'none') smoothRed = smooth;
  else if (reduction === 'sum') smoothRed = smooth.sum();
  else smoothRed = smooth.sum().div(w.sum());
  return nll.mul(1 - labelSmoothing).add(smoothRed.mul(labelSmoothing / C));
}

function checkIgnoreIndex(ignoreIndex: unknown, op: string): number {
  if (typeof ignoreIndex !== 'number' || !Number.isInteger(ignoreIndex)) throw new FackelError(`${op}: ignoreIndex must be an integer, got ${String(ignoreIndex)}`);
  return ignoreIndex;
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
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossOptions = {}, op = 'nllLoss'): Tensor {
  requireTensor(input, 'the input', op);
  requireTensor(target, 'the target', op);
  requireFloatInput(input, 'the input', op);
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
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}, op = 'crossEntropy'): Tensor {
  requireTensor(input, 'the input', op);
  requireTensor(target, 'the target', op);
  requireFloatInput(input, 'the input', op);
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
      const loss = prod.sum(classDim).neg();
      return reduce(loss, reduction, op);
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
  checkIndexRange(target, C, ignoreIndex, (v) => `${op}: target ${v} is out of bounds for ${C} classes (valid: 0 to ${C - 1}, or ignoreIndex ${ignoreIndex})`);
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
