import { noGrad } from '../grad-mode.js';
import { tidy } from '../scope.js';
import { normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record, requireFloat } from './core.js';
import * as E from './elementwise.js';
import { amax, sum } from './reduce.js';

/**
 * Softmax along `dim`, computed stably (the row maximum is subtracted first).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([1, 2, 3]).softmax(0); // [0.0900, 0.2447, 0.6652]
 * ```
 */
export function softmax(x: Tensor, dim: number): Tensor {
  requireFloat(x, 'softmax');
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, 'softmax');
  const out = noGrad(() =>
    tidy(() => {
      const e = E.exp(E.sub(x, amax(x, d, true)));
      return E.div(e, sum(e, d, true));
    }),
  );
  return record('softmax', [x], out, { dim: d });
}

/**
 * Log-softmax along `dim`: `x - logsumexp(x, dim)`, computed stably.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * tensor([1, 2, 3]).logSoftmax(0); // [-2.4076, -1.4076, -0.4076]
 * ```
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  requireFloat(x, 'logSoftmax');
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, 'logSoftmax');
  const out = noGrad(() =>
    tidy(() => {
      const shifted = E.sub(x, amax(x, d, true));
      return E.sub(shifted, E.log(sum(E.exp(shifted), d, true)));
    }),
  );
  return record('logSoftmax', [x], out, { dim: d });
}
