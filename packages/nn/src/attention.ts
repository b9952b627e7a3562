import { FackelError, type Generator, ShapeError, type Tensor, fmtShape, isFloatingPoint, zeros } from '@fackel/tensor';
import { attentionWeights, causalMask } from './functional/attention.js';
import * as init from './init.js';
import { Linear, type FactoryOptions } from './layers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Options of {@link MultiheadAttention}.
 * @example
 * ```ts
 * import type { MultiheadAttentionOptions } from '@fackel/nn';
 * const o: MultiheadAttentionOptions = { dropout: 0.1, batchFirst: true };
 * ```
 */
export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights in training (default 0). */
  dropout?: number;
  /** Learn the input and output projection biases (default true). */
  bias?: boolean;
  /** Inputs and outputs are `[N, L, E]` rather than `[L, N, E]` (default false, as PyTorch). */
  batchFirst?: boolean;
}

/** Arguments of {@link MultiheadAttention.forward} after the query, key and value.
 * @example
 * ```ts
 * import type { MultiheadAttentionForwardOptions } from '@fackel/nn';
 * const o: MultiheadAttentionForwardOptions = { needWeights: false, isCausal: true };
 * ```
 */
export interface MultiheadAttentionForwardOptions {
  /** `[N, S]`: true (or −∞ if float) marks keys to ignore (padding). */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights too (default true, as PyTorch). */
  needWeights?: boolean;
  /** `[L, S]` or `[N·numHeads, L, S]`: true (or −∞ if float) marks positions that may NOT be attended (PyTorch's `nn.MultiheadAttention` convention). */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true); false: per head `[N, numHeads, L, S]`. */
  averageAttnWeights?: boolean;
  /** Apply a causal mask (default false); alone it replaces `attnMask`. */
  isCausal?: boolean;
}

/** A mask in MultiheadAttention's convention (bool: true = masked) as an additive float mask. */
function additiveMask(mask: Tensor, dtype: Tensor['dtype'], what: string, op: string): Tensor {
  if (mask.dtype === 'bool') return zeros(mask.shape, { dtype, device: mask.device }).maskedFill(mask, -Infinity);
  if (isFloatingPoint(mask.dtype)) return mask.to(dtype);
  throw new FackelError(`${op}: ${what} must be bool or floating-point, got ${mask.dtype}`);
}

/**
 * Multi-head attention as PyTorch's `nn.MultiheadAttention`: the query, key and value are
 * projected by `in_proj_weight` `[3E, E]` (+ `in_proj_bias`), split into `numHeads` heads,
 * attended with scaled dot products, concatenated and projected by `out_proj` (a
 * {@link Linear}). Parameter names, layouts and default initialisation are PyTorch's (Xavier-
 * uniform `in_proj_weight`, zero biases), so a state dict moves between the two. `forward`
 * returns `[output, weights]` (weights null unless `needWeights`).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { MultiheadAttention } from '@fackel/nn';
 * const mha = new MultiheadAttention(32, 4, { batchFirst: true });
 * const x = randn([2, 10, 32]);
 * const [out, weights] = mha.forward(x, x, x);
 * out.shape; // [2, 10, 32]
 * weights!.shape; // [2, 10, 10]
 * ```
 */
export class MultiheadAttention extends Module<[Tensor, Tensor, Tensor, MultiheadAttentionForwardOptions?], [Tensor, Tensor | null]> {
  /** Model width E. */
  readonly embedDim: number;
  /** Number of heads (E must be divisible by it). */
  readonly numHeads: number;
  /** Width of each head, E / numHeads. */
  readonly headDim: number;
  /** Dropout on the attention weights. */
  readonly dropout: number;
  /** Whether inputs are `[N, L, E]`. */
  readonly batchFirst: boolean;
  /** Stacked query, key and value projections `[3E, E]`. */
  in_proj_weight: Parameter;
  /** Their biases `[3E]`, or null. */
  in_proj_bias: Parameter | null;
  /** The output projection. */
  out_proj: Linear;
  /** Generator of the dropout masks (undefined: `defaultGenerator`). */
  generator: Generator | undefined;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const op = 'MultiheadAttention';
    for (const [v, what] of [
      [embedDim, 'embedDim'],
      [numHeads, 'numHeads'],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new FackelError(`${op}: ${what} must be a positive integer, got ${String(v)}`);
    }
    if (embedDim % numHeads !== 0) throw new FackelError(`${op}: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new FackelError(`${op}: dropout must be in [0, 1], got ${String(options.dropout)}`);
    this.batchFirst = options.batchFirst ?? false;
    const f = { dtype: options.dtype ?? 'float32', device: options.device };
    const bias = options.bias ?? true;
    this.in_proj_weight = new Parameter(zeros([3 * embedDim, embedDim], f));
    this.in_proj_bias = bias ? new Parameter(zeros([3 * embedDim], f)) : null;
    this.out_proj = new Linear(embedDim, embedDim, { ...f, bias, generator: options.generator });
    this.generator = undefined;
    this.resetParameters(options.generator);
  }

  /** PyTorch's initialisation: Xavier-uniform `in_proj_weight`, zero biases, `out_proj.weight` as a Linear's. */
  resetParameters(generator?: Generator): void {
    init.xavierUniform_(this.in_proj_weight, 1, { generator });
    if (this.in_proj_bias !== null) init.constant_(this.in_proj_bias, 0);
    if (this.out_proj.bias !== null) init.constant_(this.out_proj.bias, 0);
  }

  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention';
    const e = this.embedDim;
    const batched = query.ndim === 3;
    if ((query.ndim !== 3 && query.ndim !== 2) || key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(
        `${op}: expected 3-D (batched) or 2-D (unbatched) query, key and value, got ${fmtShape(query.shape)}, ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`,
      );
    }
    // to [N, L, E]
    const toBatchFirst = (t: Tensor): Tensor => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const q0 = toBatchFirst(query);
    const k0 = toBatchFirst(key);
    const v0 = toBatchFirst(value);
    for (const [t, what] of [
      [q0, 'query'],
      [k0, 'key'],
      [v0, 'value'],
    ] as const) {
      if (t.shape[2] !== e) throw new ShapeError(`${op}: expected ${what} with last dimension ${e} (embedDim), got ${fmtShape(t.shape)}`);
    }
    const [n, l] = [q0.shape[0], q0.shape[1]];
    const s = k0.shape[1];
    if (k0.shape[0] !== n || v0.shape[0] !== n || v0.shape[1] !== s) {
      throw new ShapeError(
        `${op}: query, key and value disagree in batch size or key length: ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`,
      );
    }
    const h = this.numHeads;
    const d = this.headDim;
    const w = this.in_proj_weight;
    const b = this.in_proj_bias;
    const project = (x: Tensor, i: number): Tensor => {
      let y = x.matmul(w.narrow(0, i * e, e).t());
      if (b !== null) y = y.add(b.narrow(0, i * e, e));
      return y.reshape([n, x.shape[1], h, d]).transpose(1, 2); // [N, H, len, d]
    };
    let q: Tensor, k: Tensor, v: Tensor;
    if (query === key && key === value) {
      // self-attention: one product for the three projections
      let qkv = q0.matmul(w.t());
      if (b !== null) qkv = qkv.add(b);
      const heads = qkv.reshape([n, l, 3, h, d]).permute([2, 0, 3, 1, 4]); // [3, N, H, L, d]
      [q, k, v] = [heads.select(0, 0), heads.select(0, 1), heads.select(0, 2)];
    } else {
      [q, k, v] = [project(q0, 0), project(k0, 1), project(v0, 2)];
    }
    // one additive mask [N or 1, H or 1, L, S]
    let mask: Tensor | null = null;
    const attnMask = options.attnMask ?? null;
    if (attnMask !== null) {
      const m = additiveMask(attnMask, q.dtype, 'attnMask', op);
      if (m.ndim === 2 && m.shape[0] === l && m.shape[1] === s) mask = m;
      else if (m.ndim === 3 && m.shape[0] === n * h && m.shape[1] === l && m.shape[2] === s) mask = m.reshape([n, h, l, s]);
      else throw new ShapeError(`${op}: expected attnMask of shape [${l}, ${s}] or [${n * h}, ${l}, ${s}], got ${fmtShape(attnMask.shape)}`);
    } else if (options.isCausal === true) {
      const keep = causalMask(l, s, q.device);
      mask = zeros([l, s], { dtype: q.dtype, device: q.device }).maskedFill(keep.logicalNot(), -Infinity);
    }
    const kpm = options.keyPaddingMask ?? null;
    if (kpm !== null) {
      const expected = batched ? [n, s] : [s];
      if (kpm.ndim !== expected.length || kpm.shape.some((x, i) => x !== expected[i])) {
        throw new ShapeError(`${op}: expected keyPaddingMask of shape ${fmtShape(expected)}, got ${fmtShape(kpm.shape)}`);
      }
      const m = additiveMask(kpm, q.dtype, 'keyPaddingMask', op).reshape([n, 1, 1, s]);
      mask = mask === null ? m : mask.add(m);
    }
    const p = this.training ? this.dropout : 0;
    const needWeights = options.needWeights ?? true;
    const weights = attentionWeights(q, k, mask, p, false, 1 / Math.sqrt(d), this.generator, op); // [N, H, L, S]
    let out = weights.matmul(v).transpose(1, 2).reshape([n, l, e]);
    out = this.out_proj.forward(out);
    if (!batched) out = out.squeeze(0);
    else if (!this.batchFirst) out = out.transpose(0, 1);
    if (!needWeights) return [out, null];
    let wOut = (options.averageAttnWeights ?? true) ? weights.mean(1) : weights;
    if (!batched) wOut = wOut.squeeze(0);
    return [out, wOut];
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, dropout=${this.dropout}, batchFirst=${this.batchFirst}`;
  }
}
