import { FackelError, type SoftplusOptions, type Tensor, tidy, where } from '@fackel/tensor';
import { requireFloatInput, requireTensor } from './checks.js';

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
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope))
    throw new FackelError(`leakyRelu: negativeSlope must be a finite number, got ${String(negativeSlope)}`);
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
  // The tensor op is one kernel with its gradient in the op table (no composition of five ops).
  if (approximate === 'none' || approximate === 'tanh') return input.gelu({ approximate });
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
 * log(1 + e^(β·x)) / β, returning x where β·x exceeds `threshold` (PyTorch's `F.softplus`,
 * defaults β = 1 and threshold 20), without overflow and with the gradient σ(β·x).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.softplus(tensor([0, 100])); // [0.6931, 100]
 * F.softplus(tensor([1]), { beta: 2 }); // [1.0634]
 * ```
 */
export function softplus(input: Tensor, options: SoftplusOptions = {}): Tensor {
  requireTensor(input, 'the input', 'softplus');
  requireFloatInput(input, 'the input', 'softplus');
  return input.softplus(options);
}
