import { FackelError, type Tensor } from '@fackel/tensor';
import { MultiheadAttention } from './attention.js';
import { gelu, relu } from './functional/activation.js';
import { Dropout, Linear, type FactoryOptions } from './layers.js';
import { Module } from './module.js';
import { LayerNorm } from './normalization.js';

/** Options of {@link TransformerEncoderLayer} (PyTorch's keyword arguments in camelCase).
 * @example
 * ```ts
 * import type { TransformerEncoderLayerOptions } from '@fackel/nn';
 * const o: TransformerEncoderLayerOptions = { dimFeedforward: 512, activation: 'gelu', normFirst: true, batchFirst: true };
 * ```
 */
export interface TransformerEncoderLayerOptions extends FactoryOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, in and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** The feed-forward activation (default `'relu'`). */
  activation?: 'relu' | 'gelu';
  /** `eps` of both layer norms (default 1e-5). */
  layerNormEps?: number;
  /** Inputs are `[N, L, E]` rather than `[L, N, E]` (default false). */
  batchFirst?: boolean;
  /** Pre-norm: normalise before attention and the feed-forward block (default false: post-norm). */
  normFirst?: boolean;
}

/** The masks of {@link TransformerEncoderLayer.forward}.
 * @example
 * ```ts
 * import type { TransformerEncoderLayerForwardOptions } from '@fackel/nn';
 * const o: TransformerEncoderLayerForwardOptions = { isCausal: true };
 * ```
 */
export interface TransformerEncoderLayerForwardOptions {
  /** `[L, L]` or `[N·nhead, L, L]`: true (or −∞) marks positions that may not be attended. */
  srcMask?: Tensor | null;
  /** `[N, L]`: true (or −∞) marks padding keys. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (used when no `srcMask` is given). */
  isCausal?: boolean;
}

/**
 * One Transformer encoder block as PyTorch's `nn.TransformerEncoderLayer`: self-attention and
 * a feed-forward block (`linear1` → activation → dropout → `linear2`), each with dropout and a
 * residual connection, and layer norms after (default) or before (`normFirst`) each. State-dict
 * names are PyTorch's (`self_attn.in_proj_weight`, `linear1.weight`, `norm1.weight`, …).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { TransformerEncoderLayer } from '@fackel/nn';
 * const layer = new TransformerEncoderLayer(64, 4, { dimFeedforward: 256, batchFirst: true, normFirst: true });
 * layer.forward(randn([2, 10, 64]), { isCausal: true }).shape; // [2, 10, 64]
 * ```
 */
export class TransformerEncoderLayer extends Module<[Tensor, TransformerEncoderLayerForwardOptions?], Tensor> {
  /** The self-attention. */
  self_attn: MultiheadAttention;
  /** First feed-forward projection `[dimFeedforward, dModel]`. */
  linear1: Linear;
  /** Dropout inside the feed-forward block. */
  dropout: Dropout;
  /** Second feed-forward projection `[dModel, dimFeedforward]`. */
  linear2: Linear;
  /** Whether the norms come first (pre-norm). */
  readonly normFirst: boolean;
  /** Norm around the attention. */
  norm1: LayerNorm;
  /** Norm around the feed-forward block. */
  norm2: LayerNorm;
  /** Dropout after the attention. */
  dropout1: Dropout;
  /** Dropout after the feed-forward block. */
  dropout2: Dropout;
  /** The feed-forward activation. */
  readonly activation: 'relu' | 'gelu';

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const p = options.dropout ?? 0.1;
    const f = { dtype: options.dtype, device: options.device, generator: options.generator };
    const ff = options.dimFeedforward ?? 2048;
    const activation = options.activation ?? 'relu';
    if (activation !== 'relu' && activation !== 'gelu')
      throw new FackelError(`TransformerEncoderLayer: activation must be 'relu' or 'gelu', got '${String(activation)}'`);
    this.self_attn = new MultiheadAttention(dModel, nhead, { ...f, dropout: p, batchFirst: options.batchFirst ?? false });
    this.linear1 = new Linear(dModel, ff, f);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, f);
    this.normFirst = options.normFirst ?? false;
    const eps = options.layerNormEps ?? 1e-5;
    this.norm1 = new LayerNorm(dModel, { eps, dtype: options.dtype, device: options.device });
    this.norm2 = new LayerNorm(dModel, { eps, dtype: options.dtype, device: options.device });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.activation = activation;
  }

  private selfAttention(x: Tensor, o: TransformerEncoderLayerForwardOptions): Tensor {
    const [out] = this.self_attn.forward(x, x, x, {
      attnMask: o.srcMask ?? null,
      keyPaddingMask: o.srcKeyPaddingMask ?? null,
      isCausal: (o.srcMask ?? null) === null && o.isCausal === true,
      needWeights: false,
    });
    return this.dropout1.forward(out);
  }

  private feedForward(x: Tensor): Tensor {
    const h = this.linear1.forward(x);
    const a = this.activation === 'gelu' ? gelu(h) : relu(h);
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(a)));
  }

  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    let x = src;
    if (this.normFirst) {
      x = x.add(this.selfAttention(this.norm1.forward(x), options));
      x = x.add(this.feedForward(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(this.selfAttention(x, options)));
      x = this.norm2.forward(x.add(this.feedForward(x)));
    }
    return x;
  }

  override extraRepr(): string {
    return `activation='${this.activation}', normFirst=${this.normFirst}`;
  }
}
