import type { Tensor } from '@fackel/tensor';
import { requireTensor } from './checks.js';

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
