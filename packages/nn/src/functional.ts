/**
 * The functional forms of the layers and losses, like `torch.nn.functional` (import it as
 * `import { functional as F } from '@fackel/nn'`). Names are PyTorch's in camelCase.
 *
 * @example
 * ```ts
 * import { randn, tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * const logits = randn([4, 10]);
 * const loss = F.crossEntropy(logits, tensor([1, 0, 9, 3], { dtype: 'int32' }));
 * ```
 * @module
 */
import type { Generator, Tensor } from '@fackel/tensor';
import * as I from './impl.js';
import type { BCEOptions, BCEWithLogitsOptions, CrossEntropyOptions, LossOptions, NLLLossOptions } from './impl.js';

export type { Reduction, LossOptions, BCEOptions, BCEWithLogitsOptions, NLLLossOptions, CrossEntropyOptions } from './impl.js';
export { flatten, sigmoid, tanh, relu, leakyRelu, gelu, softmax, logSoftmax, softplus } from './impl.js';

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
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return I.linear(input, weight, bias, 'linear');
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
export function embedding(input: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  return I.embedding(input, weight, paddingIdx, 'embedding');
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
export function dropout(input: Tensor, p = 0.5, training = true, options: { generator?: Generator } = {}): Tensor {
  return I.dropout(input, p, training, options, 'dropout');
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
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return I.mseLoss(input, target, options, 'mseLoss');
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
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return I.l1Loss(input, target, options, 'l1Loss');
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
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BCEOptions = {}): Tensor {
  return I.binaryCrossEntropy(input, target, options, 'binaryCrossEntropy');
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
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BCEWithLogitsOptions = {}): Tensor {
  return I.binaryCrossEntropyWithLogits(input, target, options, 'binaryCrossEntropyWithLogits');
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
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor {
  return I.nllLoss(input, target, options, 'nllLoss');
}

/**
 * Cross-entropy of logits, with PyTorch's semantics: input `[N, C]`, `[C]` or
 * `[N, C, d1, …]` (any number of trailing dims); the target is either int32 class indices of
 * the input's shape without `C`, or class probabilities (float) of the input's shape.
 * Computed as `logSoftmax` + `gather` (stable: log-sum-exp); class indices without `weight`
 * or `labelSmoothing` go through the fused `softmaxCrossEntropy` of `@fackel/tensor`. Supports class `weight`,
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
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  return I.crossEntropy(input, target, options, 'crossEntropy');
}
