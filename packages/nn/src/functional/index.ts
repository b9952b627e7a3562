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
// One file per area, one loss per file in loss/. These functions are the implementation: the
// layers and loss modules call them, passing their own name for error messages through each
// function's `@internal` overload. Shared argument checks are in checks.ts and
// loss/reduction.ts; only the names listed here are public.

export { sigmoid, tanh, relu, leakyRelu, gelu, softmax, logSoftmax, softplus } from './activation.js';
export { linear } from './linear.js';
export { embedding } from './embedding.js';
export { dropout } from './dropout.js';
export { flatten } from './flatten.js';
// Convolution, pooling, normalization and attention: one export line per file here.
export { conv1d, conv2d, type ConvPadding, type ConvFunctionalOptions } from './conv.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, type Pool2dOptions, type MaxPool2dOptions, type AvgPool2dOptions } from './pooling.js';
export { layerNorm, batchNorm } from './normalization.js';
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from './attention.js';
export { silu } from './silu.js';

export type { Reduction, LossOptions } from './loss/reduction.js';
export { mseLoss } from './loss/mse-loss.js';
export { l1Loss } from './loss/l1-loss.js';
export { binaryCrossEntropy, type BCEOptions } from './loss/binary-cross-entropy.js';
export { binaryCrossEntropyWithLogits, type BCEWithLogitsOptions } from './loss/binary-cross-entropy-with-logits.js';
export { nllLoss, type NLLLossOptions } from './loss/nll-loss.js';
export { crossEntropy, type CrossEntropyOptions } from './loss/cross-entropy.js';
