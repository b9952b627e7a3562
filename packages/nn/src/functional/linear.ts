import { ShapeError, type Tensor, fmtShape, tidy } from '@fackel/tensor';
import { requireTensor } from './checks.js';

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
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor;
/** @internal `op` names the caller in error messages (the `Linear` layer passes `'Linear'`). */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null, op: string): Tensor;
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null, op = 'linear'): Tensor {
  requireTensor(input, 'the input', op);
  requireTensor(weight, 'the weight', op);
  if (weight.ndim !== 2) throw new ShapeError(`${op}: the weight must be 2-D [outFeatures, inFeatures], got ${fmtShape(weight.shape)}`);
  const inF = weight.shape[1];
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
