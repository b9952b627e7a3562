import type { Tensor } from '@fackel/tensor';
import { requireFloatInput, requireTensor } from './checks.js';

/**
 * Sigmoid-weighted linear unit x·σ(x) (also called swish), elementwise (PyTorch's `F.silu`).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * console.log(F.silu(tensor([0, 1])).tolistSync()); // ≈ [0, 0.7311]
 * ```
 */
export function silu(input: Tensor): Tensor {
  requireTensor(input, 'the input', 'silu');
  requireFloatInput(input, 'the input', 'silu');
  return input.silu();
}
