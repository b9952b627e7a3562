// Attention from matrix products, a mask and a softmax: O(L·S) memory for the score matrix only.
import { FackelError, type Generator, ShapeError, Tensor, arange, fmtShape, isFloatingPoint } from '@fackel/tensor';
import { dropout as dropoutImpl } from './dropout.js';

/** Options of `scaledDotProductAttention` (PyTorch 2's keyword arguments in camelCase).
 * @example
 * ```ts
 * import type { ScaledDotProductAttentionOptions } from '@fackel/nn';
 * const o: ScaledDotProductAttentionOptions = { isCausal: true, dropoutP: 0.1 };
 * ```
 */
export interface ScaledDotProductAttentionOptions {
  /**
   * A mask broadcastable to `[..., L, S]`: boolean (true: may attend, false: masked out) or
   * floating-point (added to the scores, e.g. −∞ to mask).
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0; give 0 in eval mode). */
  dropoutP?: number;
  /** Mask out the future: query i attends to keys 0 … i (default false; not with `attnMask`). */
  isCausal?: boolean;
  /** Scale of the scores (default 1/√E). */
  scale?: number | null;
  /** Generator of the dropout mask (default: `defaultGenerator`). */
  generator?: Generator;
}

/** @internal The boolean mask "key j ≤ query i" of shape [L, S]. */
export function causalMask(l: number, s: number, device: Tensor['device']): Tensor {
  const i = arange(l, { dtype: 'int32', device }).unsqueeze(1);
  const j = arange(s, { dtype: 'int32', device }).unsqueeze(0);
  const m = j.le(i);
  i.dispose();
  j.dispose();
  return m;
}

/** @internal The attention weights `softmax(q kᵀ · scale + mask)` (with dropout), before they multiply `v`. */
export function attentionWeights(
  q: Tensor,
  k: Tensor,
  attnMask: Tensor | null,
  dropoutP: number,
  isCausal: boolean,
  scale: number,
  generator: Generator | undefined,
  op: string,
): Tensor {
  let scores = q.matmul(k.mT).mul(scale);
  const [l, s] = [q.shape[q.ndim - 2], k.shape[k.ndim - 2]];
  if (isCausal) {
    const keep = causalMask(l, s, q.device);
    scores = scores.maskedFill(keep.logicalNot(), -Infinity);
    keep.dispose();
  }
  if (attnMask !== null) {
    if (attnMask.dtype === 'bool') scores = scores.maskedFill(attnMask.logicalNot(), -Infinity);
    else if (isFloatingPoint(attnMask.dtype)) scores = scores.add(attnMask);
    else throw new FackelError(`${op}: attnMask must be bool or floating-point, got ${attnMask.dtype}`);
  }
  let weights = scores.softmax(-1);
  if (dropoutP > 0) weights = dropoutImpl(weights, dropoutP, true, { generator }, op);
  return weights;
}

/**
 * Attention `softmax(q kᵀ · scale + mask) v` with PyTorch 2's semantics
 * (`F.scaled_dot_product_attention`): `q` `[..., L, E]`, `k` `[..., S, E]`, `v` `[..., S, Ev]` →
 * `[..., L, Ev]`. A boolean `attnMask` keeps the positions where it is true, a float mask is
 * added; `isCausal` lets query i see keys 0 … i. Memory beyond the inputs and output: the
 * `[..., L, S]` score matrix.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * const q = randn([2, 4, 16, 8]); // [batch, heads, time, headDim]
 * F.scaledDotProductAttention(q, q, q, { isCausal: true }).shape; // [2, 4, 16, 8]
 * ```
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options?: ScaledDotProductAttentionOptions): Tensor;
/** @internal `op` names the caller in error messages. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: ScaledDotProductAttentionOptions, op: string): Tensor;
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: ScaledDotProductAttentionOptions = {},
  op = 'scaledDotProductAttention',
): Tensor {
  for (const [t, what] of [
    [q, 'query'],
    [k, 'key'],
    [v, 'value'],
  ] as const) {
    if (!(t instanceof Tensor)) throw new FackelError(`${op}: ${what} must be a Tensor, got ${typeof t}`);
    if (!isFloatingPoint(t.dtype)) throw new FackelError(`${op}: ${what} must be floating-point, got ${t.dtype}`);
    if (t.ndim < 2) throw new ShapeError(`${op}: ${what} must have at least 2 dimensions [..., L, E], got ${fmtShape(t.shape)}`);
  }
  if (q.shape[q.ndim - 1] !== k.shape[k.ndim - 1] || k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new ShapeError(
      `${op}: expected query [..., L, E], key [..., S, E] and value [..., S, Ev], got ${fmtShape(q.shape)}, ${fmtShape(k.shape)} and ${fmtShape(v.shape)}`,
    );
  }
  const attnMask = options.attnMask ?? null;
  const isCausal = options.isCausal ?? false;
  if (isCausal && attnMask !== null) throw new FackelError(`${op}: give either attnMask or isCausal, not both`);
  const dropoutP = options.dropoutP ?? 0;
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP <= 1)) throw new FackelError(`${op}: dropoutP must be in [0, 1], got ${String(dropoutP)}`);
  const scale = options.scale ?? 1 / Math.sqrt(q.shape[q.ndim - 1]);
  const weights = attentionWeights(q, k, attnMask, dropoutP, isCausal, scale, options.generator, op);
  return weights.matmul(v);
}
