import { DTypeError, FackelError, ShapeError, type Tensor, fmtShape, tidy, where } from '@fackel/tensor';
import { checkIndexRange, requireTensor } from './checks.js';

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
export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number | null): Tensor;
/** @internal `op` names the caller in error messages (the `Embedding` layer passes `'Embedding'`). */
export function embedding(input: Tensor, weight: Tensor, paddingIdx: number | null, op: string): Tensor;
export function embedding(input: Tensor, weight: Tensor, paddingIdx: number | null = null, op = 'embedding'): Tensor {
  requireTensor(input, 'the input', op);
  requireTensor(weight, 'the weight', op);
  if (input.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected int32 indices, got ${input.dtype} (cast them with .int(), or create them with { dtype: 'int32' })`);
  }
  if (weight.ndim !== 2) throw new ShapeError(`${op}: the weight must be 2-D [numEmbeddings, embeddingDim], got ${fmtShape(weight.shape)}`);
  const n = weight.shape[0];
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
    return rows.reshape([...input.shape, weight.shape[1]]);
  });
}

/** @internal `paddingIdx` checked against `n` embeddings and made non-negative (also used by the `Embedding` layer). */
export function normalizePadding(paddingIdx: number, n: number, op: string): number {
  if (!Number.isInteger(paddingIdx) || paddingIdx < -n || paddingIdx >= n) {
    throw new FackelError(`${op}: paddingIdx must be an integer within numEmbeddings (${n}), i.e. in [${-n}, ${n - 1}], got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + n : paddingIdx;
}
