// Convolution: im2col (one kernel per backend, `@fackel/tensor`'s `im2col`) and a matrix product.
import { FackelError, ShapeError, Tensor, fmtShape, im2col, isFloatingPoint } from '@fackel/tensor';

/** Padding of a convolution: one size for every side, one per spatial dimension, or `'valid'` (none) / `'same'` (output as large as the input; stride 1 only).
 * @example
 * ```ts
 * import type { ConvPadding } from '@fackel/nn';
 * const p: ConvPadding = 'same';
 * ```
 */
export type ConvPadding = number | readonly number[] | 'valid' | 'same';

/** @internal A positive integer or a tuple of `n` of them. */
export function tuple(v: unknown, n: number, what: string, op: string, min = 1): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : Array.isArray(v) ? (v as number[]) : null;
  if (arr === null || arr.length !== n || arr.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min)) {
    throw new FackelError(`${op}: ${what} must be an integer ≥ ${min} or ${n} of them, got ${JSON.stringify(v)}`);
  }
  return [...arr];
}

/** Resolved padding [before, after] per spatial dim. */
function resolvePadding(padding: ConvPadding, kernel: number[], dilation: number[], stride: number[], op: string): [number, number][] {
  if (padding === 'valid') return kernel.map(() => [0, 0]);
  if (padding === 'same') {
    if (stride.some((s) => s !== 1))
      throw new FackelError(`${op}: padding='same' is not supported for strided convolutions (stride ${JSON.stringify(stride)})`);
    return kernel.map((k, i) => {
      const total = dilation[i] * (k - 1);
      const before = Math.floor(total / 2);
      return [before, total - before];
    });
  }
  return tuple(padding, kernel.length, 'padding', op, 0).map((p) => [p, p]);
}

function checkConvArgs(input: Tensor, weight: Tensor, bias: Tensor | null, dims: 1 | 2, groups: number, op: string): boolean {
  for (const [t, what] of [
    [input, 'input'],
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    if (t === null && what === 'bias') continue;
    if (!(t instanceof Tensor)) throw new FackelError(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (!isFloatingPoint(t.dtype)) throw new FackelError(`${op}: ${what} must be floating-point, got ${t.dtype} (cast it with .float())`);
  }
  if (!Number.isInteger(groups) || groups < 1) throw new FackelError(`${op}: groups must be a positive integer, got ${groups}`);
  if (weight.ndim !== dims + 2)
    throw new ShapeError(
      `${op}: expected a ${dims + 2}-D weight [outChannels, inChannels/groups, ${dims === 1 ? 'k' : 'kh, kw'}], got ${fmtShape(weight.shape)}`,
    );
  const batched = input.ndim === dims + 2;
  if (!batched && input.ndim !== dims + 1) {
    throw new ShapeError(`${op}: expected a ${dims + 1}-D (unbatched) or ${dims + 2}-D (batched) input, got ${fmtShape(input.shape)}`);
  }
  const c = input.shape[batched ? 1 : 0];
  const oc = weight.shape[0];
  if (oc % groups !== 0) throw new ShapeError(`${op}: outChannels ${oc} (weight ${fmtShape(weight.shape)}) must be divisible by groups ${groups}`);
  if (c !== weight.shape[1] * groups) {
    throw new ShapeError(
      `${op}: the input ${fmtShape(input.shape)} has ${c} channels, but the weight ${fmtShape(weight.shape)} with groups=${groups} expects ${weight.shape[1] * groups}`,
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== oc)) throw new ShapeError(`${op}: expected a bias of shape [${oc}], got ${fmtShape(bias.shape)}`);
  return batched;
}

/** @internal 2-D convolution over a batched `[N, C, H, W]` input (im2col + matmul). */
function conv2dCore(x: Tensor, weight: Tensor, bias: Tensor | null, stride: number[], pads: [number, number][], dilation: number[], groups: number): Tensor {
  const [n, , h, w] = x.shape as [number, number, number, number];
  const [oc, cg, kh, kw] = weight.shape as [number, number, number, number];
  const cols = im2col(x, {
    kernelSize: [kh, kw],
    dilation: [dilation[0], dilation[1]],
    stride: [stride[0], stride[1]],
    padding: [pads[0][0], pads[0][1], pads[1][0], pads[1][1]],
  });
  const oh = Math.floor((h + pads[0][0] + pads[0][1] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
  const ow = Math.floor((w + pads[1][0] + pads[1][1] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
  const k = cg * kh * kw;
  let out: Tensor;
  if (groups === 1) {
    out = weight.reshape([oc, k]).matmul(cols); // [N, OC, L]
  } else {
    out = weight.reshape([groups, oc / groups, k]).matmul(cols.reshape([n, groups, k, oh * ow])); // [N, G, OC/G, L]
  }
  out = out.reshape([n, oc, oh, ow]);
  if (bias !== null) out = out.add(bias.reshape([1, oc, 1, 1]));
  return out;
}

/** Options of {@link conv1d} and {@link conv2d}.
 * @example
 * ```ts
 * import type { functional } from '@fackel/nn';
 * const o: functional.ConvFunctionalOptions = { stride: 2, padding: 'valid', groups: 1 };
 * ```
 */
export interface ConvFunctionalOptions {
  /** Step between windows (default 1). */
  stride?: number | readonly number[];
  /** Zero padding (default 0), or `'valid'` / `'same'`. */
  padding?: ConvPadding;
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
  /** Number of channel groups (default 1). */
  groups?: number;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch's `F.conv2d`) of `[N, C, H, W]` or `[C, H, W]`
 * input with `weight` `[outChannels, C/groups, kh, kw]` and an optional `bias` `[outChannels]`.
 * Runs as im2col and a matrix product.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.conv2d(randn([2, 3, 8, 8]), randn([4, 3, 3, 3]), null, { padding: 1 }).shape; // [2, 4, 8, 8]
 * ```
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvFunctionalOptions): Tensor;
/** @internal `op` names the caller in error messages. */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvFunctionalOptions, op: string): Tensor;
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvFunctionalOptions = {}, op = 'conv2d'): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  const batched = checkConvArgs(input, weight, bias, 2, groups, op);
  const s = tuple(stride, 2, 'stride', op);
  const d = tuple(dilation, 2, 'dilation', op);
  const kernel = [weight.shape[2], weight.shape[3]];
  const pads = resolvePadding(padding, kernel, d, s, op);
  const x = batched ? input : input.unsqueeze(0);
  const out = conv2dCore(x, weight, bias, s, pads, d, groups);
  return batched ? out : out.squeeze(0);
}

/**
 * 1-D convolution (as PyTorch's `F.conv1d`) of `[N, C, L]` or `[C, L]` input with `weight`
 * `[outChannels, C/groups, k]` and an optional `bias` `[outChannels]`.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * F.conv1d(randn([2, 3, 10]), randn([4, 3, 3]), null, { padding: 'same' }).shape; // [2, 4, 10]
 * ```
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvFunctionalOptions): Tensor;
/** @internal `op` names the caller in error messages. */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvFunctionalOptions, op: string): Tensor;
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvFunctionalOptions = {}, op = 'conv1d'): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  const batched = checkConvArgs(input, weight, bias, 1, groups, op);
  const s = tuple(stride, 1, 'stride', op);
  const d = tuple(dilation, 1, 'dilation', op);
  const pads = resolvePadding(padding, [weight.shape[2]], d, s, op);
  const x = (batched ? input : input.unsqueeze(0)).unsqueeze(2); // [N, C, 1, L]
  const out = conv2dCore(x, weight.unsqueeze(2), bias, [1, s[0]], [[0, 0], pads[0]], [1, d[0]], groups).squeeze(2);
  return batched ? out : out.squeeze(0);
}
