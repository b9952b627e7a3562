import { FackelError, type Generator, ShapeError, Tensor, fmtShape, noGrad, ones, tensor, zeros } from '@fackel/tensor';
import { batchNorm, layerNorm } from './functional/normalization.js';
import type { FactoryOptions } from './layers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Options of {@link LayerNorm}.
 * @example
 * ```ts
 * import type { LayerNormOptions } from '@fackel/nn';
 * const o: LayerNormOptions = { eps: 1e-6, elementwiseAffine: false };
 * ```
 */
export interface LayerNormOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn `weight` (ones) and `bias` (zeros) of shape `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, whether to learn the bias (default true). */
  bias?: boolean;
}

/**
 * Layer normalisation over the last dimensions (`normalizedShape`): each slice is shifted to
 * mean 0 and scaled to variance 1 (the biased variance, plus `eps`), then scaled by `weight`
 * and shifted by `bias` (PyTorch's names, initialised to ones and zeros).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { LayerNorm } from '@fackel/nn';
 * const ln = new LayerNorm(128);
 * ln.forward(randn([4, 64, 128])).shape; // [4, 64, 128]
 * ```
 */
export class LayerNorm extends Module<[Tensor], Tensor> {
  /** The trailing shape normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance. */
  readonly eps: number;
  /** Whether `weight` and `bias` are learned. */
  readonly elementwiseAffine: boolean;
  /** The scale (ones), or null without `elementwiseAffine`. */
  weight: Parameter | null;
  /** The shift (zeros), or null. */
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1))
      throw new FackelError(`LayerNorm: normalizedShape must be positive integers, got ${JSON.stringify(normalizedShape)}`);
    this.normalizedShape = shape;
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const f = { dtype: options.dtype ?? 'float32', device: options.device };
    this.weight = this.elementwiseAffine ? new Parameter(ones(shape, f)) : null;
    this.bias = this.elementwiseAffine && options.bias !== false ? new Parameter(zeros(shape, f)) : null;
  }

  /** Resets `weight` to ones and `bias` to zeros. */
  resetParameters(): void {
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps, 'LayerNorm');
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}.
 * @example
 * ```ts
 * import type { BatchNormOptions } from '@fackel/nn';
 * const o: BatchNormOptions = { momentum: 0.01, affine: false };
 * ```
 */
export interface BatchNormOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running statistics (default 0.1); null: a cumulative average. */
  momentum?: number | null;
  /** Learn `weight` (ones) and `bias` (zeros) per channel (default true). */
  affine?: boolean;
  /** Keep `running_mean`, `running_var` and `num_batches_tracked` and use them in eval mode (default true). */
  trackRunningStats?: boolean;
}

/**
 * The common part of {@link BatchNorm1d} and {@link BatchNorm2d}.
 *
 * @example
 * ```ts
 * import { BatchNorm1d, BatchNormBase } from '@fackel/nn';
 * new BatchNorm1d(4) instanceof BatchNormBase; // true
 * ```
 */
export abstract class BatchNormBase extends Module<[Tensor], Tensor> {
  /** Channels (dimension 1 of the input). */
  readonly numFeatures: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Weight of the new batch in the running statistics (null: cumulative average). */
  momentum: number | null;
  /** Whether `weight` and `bias` are learned. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;
  /** Per-channel scale (ones), or null. */
  weight: Parameter | null;
  /** Per-channel shift (zeros), or null. */
  bias: Parameter | null;
  /** Running mean (buffer `running_mean`), or null without `trackRunningStats`. */
  declare running_mean: Tensor | null;
  /** Running (unbiased) variance (buffer `running_var`), or null. */
  declare running_var: Tensor | null;
  /** Training batches seen (int32 buffer `num_batches_tracked`), or null. */
  declare num_batches_tracked: Tensor | null;

  constructor(
    numFeatures: number,
    options: BatchNormOptions,
    private readonly op: string,
  ) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new FackelError(`${op}: numFeatures must be a positive integer, got ${String(numFeatures)}`);
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const f = { dtype: options.dtype ?? 'float32', device: options.device };
    this.weight = this.affine ? new Parameter(ones([numFeatures], f)) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], f)) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], f));
      this.registerBuffer('running_var', ones([numFeatures], f));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int32', device: options.device }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
  }

  /** Resets the running statistics (mean 0, variance 1, no batches). */
  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.zero_();
      this.running_var?.fill_(1);
      this.num_batches_tracked?.zero_();
    });
  }

  /** Resets the running statistics and the affine parameters (ones and zeros). */
  resetParameters(_generator?: Generator): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  /** Throws unless `input` has the ranks this layer accepts (named in the message). */
  protected abstract checkInput(input: Tensor): void;

  forward(input: Tensor): Tensor {
    this.checkInput(input);
    let factor: number | Tensor = this.momentum ?? 0;
    let temp: Tensor | null = null;
    const nbt = this.num_batches_tracked;
    if (this.training && nbt !== null) {
      noGrad(() => nbt.add_(1));
      // momentum null: a cumulative average, weight 1 / batches seen (computed on the device)
      if (this.momentum === null) factor = temp = noGrad(() => nbt.to(input.dtype).reciprocal());
    }
    try {
      return batchNorm(
        input,
        this.running_mean,
        this.running_var,
        this.weight,
        this.bias,
        this.training || this.running_mean === null,
        factor,
        this.eps,
        this.op,
      );
    } finally {
      temp?.dispose();
    }
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]` input: in training, each channel is
 * normalised with the batch's mean and (biased) variance and the running statistics
 * (`running_mean`, `running_var` (unbiased), `num_batches_tracked`: PyTorch's buffer names, in
 * the state dict) are updated with `momentum`; in eval mode the running statistics are used.
 * `weight` (ones) and `bias` (zeros) are learned per channel.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { BatchNorm1d } from '@fackel/nn';
 * const bn = new BatchNorm1d(16);
 * bn.forward(randn([32, 16])).shape; // [32, 16]
 * Object.keys(bn.stateDict()); // weight, bias, running_mean, running_var, num_batches_tracked
 * ```
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, 'BatchNorm1d');
  }

  /** @inheritDoc */
  protected checkInput(input: Tensor): void {
    if (!(input instanceof Tensor) || (input.ndim !== 2 && input.ndim !== 3)) {
      throw new ShapeError(`BatchNorm1d: expected a 2-D [N, C] or 3-D [N, C, L] input, got ${input instanceof Tensor ? fmtShape(input.shape) : typeof input}`);
    }
  }
}

/**
 * Batch normalisation over `[N, C, H, W]` input, per channel (see {@link BatchNorm1d} for the
 * running statistics and modes).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { BatchNorm2d } from '@fackel/nn';
 * const bn = new BatchNorm2d(8);
 * bn.forward(randn([4, 8, 6, 6])).shape; // [4, 8, 6, 6]
 * bn.eval(); // uses running_mean and running_var from now on
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, 'BatchNorm2d');
  }

  /** @inheritDoc */
  protected checkInput(input: Tensor): void {
    if (!(input instanceof Tensor) || input.ndim !== 4) {
      throw new ShapeError(`BatchNorm2d: expected a 4-D [N, C, H, W] input, got ${input instanceof Tensor ? fmtShape(input.shape) : typeof input}`);
    }
  }
}
