import { FackelError, type Generator, type Tensor, zeros } from '@fackel/tensor';
import { conv1d, conv2d, tuple, type ConvPadding } from './functional/conv.js';
import * as init from './init.js';
import type { FactoryOptions } from './layers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Options of {@link Conv1d} and {@link Conv2d} (PyTorch's keyword arguments in camelCase; `paddingMode` is always `'zeros'`).
 * @example
 * ```ts
 * import type { ConvOptions } from '@fackel/nn';
 * const o: ConvOptions = { stride: 2, padding: 1, bias: false };
 * ```
 */
export interface ConvOptions extends FactoryOptions {
  /** Step between windows (default 1). */
  stride?: number | readonly number[];
  /** Zero padding (default 0), or `'valid'` / `'same'`. */
  padding?: ConvPadding;
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
  /** Split the channels into this many independent groups (default 1). */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
}

/**
 * The common part of {@link Conv1d} and {@link Conv2d}: channels, geometry, PyTorch's
 * parameters and their default initialisation.
 *
 * @example
 * ```ts
 * import { Conv2d, ConvNd } from '@fackel/nn';
 * new Conv2d(1, 4, 3) instanceof ConvNd; // true
 * ```
 */
export abstract class ConvNd extends Module<[Tensor], Tensor> {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Kernel size per spatial dimension. */
  readonly kernelSize: readonly number[];
  /** Stride per spatial dimension. */
  readonly stride: readonly number[];
  /** The padding as given (numbers per dimension, `'valid'` or `'same'`). */
  readonly padding: readonly number[] | 'valid' | 'same';
  /** Dilation per spatial dimension. */
  readonly dilation: readonly number[];
  /** Number of channel groups. */
  readonly groups: number;
  /** The weight `[outChannels, inChannels / groups, ...kernelSize]`. */
  weight: Parameter;
  /** The bias `[outChannels]`, or null when created with `bias: false`. */
  bias: Parameter | null;

  constructor(dims: number, op: string, inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvOptions) {
    super();
    const groups = options.groups ?? 1;
    for (const [v, what] of [
      [inChannels, 'inChannels'],
      [outChannels, 'outChannels'],
      [groups, 'groups'],
    ] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new FackelError(`${op}: ${what} must be a positive integer, got ${String(v)}`);
    }
    if (inChannels % groups !== 0) throw new FackelError(`${op}: inChannels ${inChannels} must be divisible by groups ${groups}`);
    if (outChannels % groups !== 0) throw new FackelError(`${op}: outChannels ${outChannels} must be divisible by groups ${groups}`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.groups = groups;
    this.kernelSize = tuple(kernelSize, dims, 'kernelSize', op);
    this.stride = tuple(options.stride ?? 1, dims, 'stride', op);
    this.dilation = tuple(options.dilation ?? 1, dims, 'dilation', op);
    const padding = options.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && this.stride.some((s) => s !== 1)) throw new FackelError(`${op}: padding='same' is not supported for strided convolutions`);
      this.padding = padding;
    } else {
      this.padding = tuple(padding, dims, 'padding', op, 0);
    }
    const f = { dtype: options.dtype ?? 'float32', device: options.device };
    this.weight = new Parameter(zeros([outChannels, inChannels / groups, ...this.kernelSize], f));
    this.bias = options.bias === false ? null : new Parameter(zeros([outChannels], f));
    this.resetParameters(options.generator);
  }

  /** Re-draws the parameters with PyTorch's default initialisation: Kaiming-uniform (a = √5) weights, bias from U(−1/√fanIn, 1/√fanIn). */
  resetParameters(generator?: Generator): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias !== null) {
      const { fanIn } = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound, { generator });
    }
  }

  override extraRepr(): string {
    const pad = typeof this.padding === 'string' ? `'${this.padding}'` : `[${this.padding.join(', ')}]`;
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(', ')}], stride=[${this.stride.join(', ')}], padding=${pad}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=[${this.dilation.join(', ')}]`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=false';
    return s;
  }
}

/**
 * A 1-D convolution (cross-correlation, as PyTorch) over `[N, C, L]` or unbatched `[C, L]`
 * input, with PyTorch's parameters `weight` `[outChannels, inChannels/groups, k]` and `bias`
 * `[outChannels]` and its default initialisation. Runs as im2col and a matrix product.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { Conv1d } from '@fackel/nn';
 * const conv = new Conv1d(4, 8, 3, { padding: 'same' });
 * conv.forward(randn([2, 4, 10])).shape; // [2, 8, 10]
 * ```
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvOptions = {}) {
    super(1, 'Conv1d', inChannels, outChannels, kernelSize, options);
  }

  forward(input: Tensor): Tensor {
    return conv1d(input, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups }, 'Conv1d');
  }
}

/**
 * A 2-D convolution (cross-correlation, as PyTorch) over `[N, C, H, W]` or unbatched
 * `[C, H, W]` input, with PyTorch's parameters `weight` `[outChannels, inChannels/groups, kh,
 * kw]` and `bias` `[outChannels]` and its default initialisation. Runs as im2col (one kernel
 * on the CPU and on WebGPU) and a matrix product; the backward pass adds the columns back with
 * col2im.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { Conv2d } from '@fackel/nn';
 * const conv = new Conv2d(1, 16, 3, { padding: 1 });
 * conv.forward(randn([8, 1, 28, 28])).shape; // [8, 16, 28, 28]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvOptions = {}) {
    super(2, 'Conv2d', inChannels, outChannels, kernelSize, options);
  }

  forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups }, 'Conv2d');
  }
}
