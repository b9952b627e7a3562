import type { Tensor } from '@fackel/tensor';
import { tuple } from './functional/conv.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from './functional/pooling.js';
import { Module } from './module.js';

/** The `extraRepr` of a windowed pooling layer: its kernel size, stride (default: the kernel size) and padding. */
function windowRepr(kernelSize: number | readonly number[], options: { stride?: unknown; padding?: unknown }): string {
  return `kernelSize=${JSON.stringify(kernelSize)}, stride=${JSON.stringify(options.stride ?? kernelSize)}, padding=${JSON.stringify(options.padding ?? 0)}`;
}

/**
 * 2-D max pooling over `[N, C, H, W]` or `[C, H, W]` input (PyTorch's defaults: stride = the
 * kernel size, no padding). The gradient goes to each window's maximum.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { MaxPool2d } from '@fackel/nn';
 * new MaxPool2d(2).forward(randn([8, 16, 28, 28])).shape; // [8, 16, 14, 14]
 * ```
 */
export class MaxPool2d extends Module<[Tensor], Tensor> {
  /** Window size. */
  readonly kernelSize: number | readonly number[];
  /** Options (stride, padding, dilation, ceilMode). */
  readonly options: Readonly<MaxPool2dOptions>;
  constructor(kernelSize: number | readonly number[], options: MaxPool2dOptions = {}) {
    super();
    tuple(kernelSize, 2, 'kernelSize', 'MaxPool2d');
    this.kernelSize = kernelSize;
    this.options = { ...options };
  }

  forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, this.options, 'MaxPool2d');
  }

  override extraRepr(): string {
    return windowRepr(this.kernelSize, this.options);
  }
}

/**
 * 2-D average pooling over `[N, C, H, W]` or `[C, H, W]` input (PyTorch's defaults: stride = the
 * kernel size, no padding, padding counted in the divisor).
 *
 * @example
 * ```ts
 * import { ones } from '@fackel/tensor';
 * import { AvgPool2d } from '@fackel/nn';
 * new AvgPool2d(2).forward(ones([1, 1, 4, 4])).shape; // [1, 1, 2, 2]
 * ```
 */
export class AvgPool2d extends Module<[Tensor], Tensor> {
  /** Window size. */
  readonly kernelSize: number | readonly number[];
  /** Options (stride, padding, ceilMode, countIncludePad, divisorOverride). */
  readonly options: Readonly<AvgPool2dOptions>;
  constructor(kernelSize: number | readonly number[], options: AvgPool2dOptions = {}) {
    super();
    tuple(kernelSize, 2, 'kernelSize', 'AvgPool2d');
    this.kernelSize = kernelSize;
    this.options = { ...options };
  }

  forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, this.options, 'AvgPool2d');
  }

  override extraRepr(): string {
    return windowRepr(this.kernelSize, this.options);
  }
}

/**
 * Average pooling to a fixed output size `[oh, ow]` (a number for both; `null` keeps that input
 * dimension), with PyTorch's bins (row `i` averages rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉ − 1).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { AdaptiveAvgPool2d } from '@fackel/nn';
 * new AdaptiveAvgPool2d(1).forward(randn([8, 32, 7, 7])).shape; // [8, 32, 1, 1]
 * ```
 */
export class AdaptiveAvgPool2d extends Module<[Tensor], Tensor> {
  constructor(
    /** The output size. */
    readonly outputSize: number | readonly (number | null)[],
  ) {
    super();
  }

  forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize, 'AdaptiveAvgPool2d');
  }

  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}`;
  }
}
