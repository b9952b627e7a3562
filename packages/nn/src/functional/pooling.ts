// Pooling: sliding windows by im2col (−∞ padding for the maximum), reduced over the window.
import { FackelError, ShapeError, Tensor, cat, fmtShape, im2col, isFloatingPoint, ones } from '@fackel/tensor';
import { tuple } from './conv.js';

function poolInput(input: unknown, op: string): { x: Tensor; batched: boolean } {
  if (!(input instanceof Tensor)) throw new FackelError(`${op}: input must be a Tensor, got ${input === null ? 'null' : typeof input}`);
  if (!isFloatingPoint(input.dtype)) throw new FackelError(`${op}: input must be floating-point, got ${input.dtype} (cast it with .float())`);
  if (input.ndim !== 3 && input.ndim !== 4) throw new ShapeError(`${op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got ${fmtShape(input.shape)}`);
  return { x: input.ndim === 4 ? input : input.unsqueeze(0), batched: input.ndim === 4 };
}

interface PoolGeometry {
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  /** Extra padding after the input (bottom, right) for ceilMode. */
  extra: number[];
  out: number[];
}

function poolGeometry(
  h: number,
  w: number,
  kernelSize: unknown,
  stride: unknown,
  padding: unknown,
  dilation: unknown,
  ceilMode: boolean,
  op: string,
): PoolGeometry {
  const k = tuple(kernelSize, 2, 'kernelSize', op);
  const s = stride === undefined || stride === null ? k : tuple(stride, 2, 'stride', op);
  const p = tuple(padding ?? 0, 2, 'padding', op, 0);
  const d = tuple(dilation ?? 1, 2, 'dilation', op);
  for (let i = 0; i < 2; i++) {
    if (2 * p[i] > k[i])
      throw new FackelError(`${op}: padding should be at most half of the kernel size, got padding ${JSON.stringify(p)} and kernelSize ${JSON.stringify(k)}`);
  }
  const size = [h, w];
  const out: number[] = [];
  const extra: number[] = [];
  for (let i = 0; i < 2; i++) {
    const span = size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1;
    let o = (ceilMode ? Math.ceil(span / s[i]) : Math.floor(span / s[i])) + 1;
    // with ceilMode, the last window must start inside the input or the left padding
    if (ceilMode && (o - 1) * s[i] >= size[i] + p[i]) o--;
    if (o < 1)
      throw new ShapeError(
        `${op}: the input [${h}, ${w}] is too small for kernelSize ${JSON.stringify(k)} with padding ${JSON.stringify(p)} and dilation ${JSON.stringify(d)}`,
      );
    out.push(o);
    extra.push(Math.max(0, (o - 1) * s[i] + d[i] * (k[i] - 1) + 1 - size[i] - 2 * p[i]));
  }
  return { k, s, p, d, extra, out };
}

function windows(x: Tensor, g: PoolGeometry, padValue: number): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return im2col(x.reshape([n * c, 1, h, w]), {
    kernelSize: [g.k[0], g.k[1]],
    stride: [g.s[0], g.s[1]],
    dilation: [g.d[0], g.d[1]],
    padding: [g.p[0], g.p[0] + g.extra[0], g.p[1], g.p[1] + g.extra[1]],
    padValue,
  }); // [N·C, kh·kw, oh·ow]
}

/** Options of `maxPool2d`/`MaxPool2d` and `avgPool2d`/`AvgPool2d`.
 * @example
 * ```ts
 * import type { Pool2dOptions } from '@fackel/nn';
 * const o: Pool2dOptions = { stride: 1, padding: 1 };
 * ```
 */
export interface Pool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: number | readonly number[] | null;
  /** Implicit padding on both sides, at most half the kernel (default 0): −∞ for max pooling, 0 for average pooling. */
  padding?: number | readonly number[];
  /** Round the output size up rather than down (default false). */
  ceilMode?: boolean;
}

/** Options of `maxPool2d` and `MaxPool2d`.
 * @example
 * ```ts
 * import type { MaxPool2dOptions } from '@fackel/nn';
 * const o: MaxPool2dOptions = { dilation: 2 };
 * ```
 */
export interface MaxPool2dOptions extends Pool2dOptions {
  /** Spacing between window elements (default 1). */
  dilation?: number | readonly number[];
}

/** Options of `avgPool2d` and `AvgPool2d`.
 * @example
 * ```ts
 * import type { AvgPool2dOptions } from '@fackel/nn';
 * const o: AvgPool2dOptions = { padding: 1, countIncludePad: false };
 * ```
 */
export interface AvgPool2dOptions extends Pool2dOptions {
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide by this instead of the window size. */
  divisorOverride?: number | null;
}

/**
 * 2-D max pooling (PyTorch's `F.max_pool2d`) of `[N, C, H, W]` or `[C, H, W]` input; the
 * gradient goes to each window's maximum.
 *
 * @example
 * ```ts
 * import { arange } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * console.log(F.maxPool2d(arange(16, { dtype: 'float32' }).reshape([1, 4, 4]), 2).tolistSync()); // [[[5, 7], [13, 15]]]
 * ```
 */
export function maxPool2d(input: Tensor, kernelSize: number | readonly number[], options?: MaxPool2dOptions): Tensor;
/** @internal `op` names the caller in error messages. */
export function maxPool2d(input: Tensor, kernelSize: number | readonly number[], options: MaxPool2dOptions, op: string): Tensor;
export function maxPool2d(input: Tensor, kernelSize: number | readonly number[], options: MaxPool2dOptions = {}, op = 'maxPool2d'): Tensor {
  const { x, batched } = poolInput(input, op);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const g = poolGeometry(h, w, kernelSize, options.stride, options.padding, options.dilation, options.ceilMode ?? false, op);
  const { values, indices } = windows(x, g, -Infinity).max(1); // the gradient goes to the argmax, as PyTorch's
  indices.dispose();
  const out = values.reshape([n, c, g.out[0], g.out[1]]);
  return batched ? out : out.squeeze(0);
}

/**
 * 2-D average pooling (PyTorch's `F.avg_pool2d`) of `[N, C, H, W]` or `[C, H, W]` input.
 *
 * @example
 * ```ts
 * import { arange } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * console.log(F.avgPool2d(arange(16, { dtype: 'float32' }).reshape([1, 4, 4]), 2).tolistSync()); // [[[2.5, 4.5], [10.5, 12.5]]]
 * ```
 */
export function avgPool2d(input: Tensor, kernelSize: number | readonly number[], options?: AvgPool2dOptions): Tensor;
/** @internal `op` names the caller in error messages. */
export function avgPool2d(input: Tensor, kernelSize: number | readonly number[], options: AvgPool2dOptions, op: string): Tensor;
export function avgPool2d(input: Tensor, kernelSize: number | readonly number[], options: AvgPool2dOptions = {}, op = 'avgPool2d'): Tensor {
  const { x, batched } = poolInput(input, op);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const ceilMode = options.ceilMode ?? false;
  const g = poolGeometry(h, w, kernelSize, options.stride, options.padding, 1, ceilMode, op);
  const sums = windows(x, g, 0).sum(1); // [N·C, L]
  let out: Tensor;
  const divisor = options.divisorOverride ?? null;
  if (divisor !== null) {
    if (typeof divisor !== 'number' || divisor === 0) throw new FackelError(`${op}: divisorOverride must be a non-zero number, got ${String(divisor)}`);
    out = sums.div(divisor);
  } else if ((options.countIncludePad ?? true) && !g.extra.some((e) => e > 0)) {
    out = sums.div(g.k[0] * g.k[1]);
  } else {
    // per-window divisors: the window's elements inside the input, or inside input + padding
    const include = options.countIncludePad ?? true;
    const ph = include ? g.p[0] : 0;
    const pw = include ? g.p[1] : 0;
    const mask = ones([1, 1, h + 2 * ph, w + 2 * pw], { dtype: x.dtype, device: x.device });
    const gm: PoolGeometry = { ...g, p: [g.p[0] - ph, g.p[1] - pw] };
    const counts = windows(mask, gm, 0).sum(1); // [1, L]
    mask.dispose();
    out = sums.div(counts);
    counts.dispose();
  }
  out = out.reshape([n, c, g.out[0], g.out[1]]);
  return batched ? out : out.squeeze(0);
}

/**
 * Average pooling to a fixed output size (PyTorch's `F.adaptive_avg_pool2d`, with its bins).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.adaptiveAvgPool2d(randn([2, 8, 7, 5]), [3, 2]).shape; // [2, 8, 3, 2]
 * ```
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor;
/** @internal `op` names the caller in error messages. */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[], op: string): Tensor;
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[], op = 'adaptiveAvgPool2d'): Tensor {
  const { x, batched } = poolInput(input, op);
  const [, , h, w] = x.shape as [number, number, number, number];
  const raw = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(raw) || raw.length !== 2) throw new FackelError(`${op}: outputSize must be a number or a pair, got ${JSON.stringify(outputSize)}`);
  const [oh, ow] = [raw[0] ?? h, raw[1] ?? w];
  for (const o of [oh, ow])
    if (!Number.isInteger(o) || o < 1) throw new FackelError(`${op}: outputSize must be positive integers, got ${JSON.stringify(outputSize)}`);
  let out: Tensor;
  if (h % oh === 0 && w % ow === 0) {
    out = avgPool2d(x, [h / oh, w / ow], {}, op);
  } else {
    // PyTorch's bins: rows floor(i·H/oh) … ceil((i+1)·H/oh) − 1
    const rows: Tensor[] = [];
    for (let i = 0; i < oh; i++) {
      const y0 = Math.floor((i * h) / oh);
      const y1 = Math.ceil(((i + 1) * h) / oh);
      const band = x.narrow(2, y0, y1 - y0);
      const cells: Tensor[] = [];
      for (let j = 0; j < ow; j++) {
        const x0 = Math.floor((j * w) / ow);
        const x1 = Math.ceil(((j + 1) * w) / ow);
        cells.push(band.narrow(3, x0, x1 - x0).mean([2, 3], true));
      }
      rows.push(cat(cells, 3));
    }
    out = cat(rows, 2);
  }
  return batched ? out : out.squeeze(0);
}
