// im2col / col2im (PyTorch's F.unfold / F.fold on 4-D input): the data movement of
// convolution and pooling. One kernel where the backend offers it (`fused.im2col` /
// `fused.col2im`), otherwise a reference composition of strided slices (also the oracle the
// kernels are tested against). Both are differentiable: each is the other's gradient.
import type { Im2colParams } from '../backend.js';
import { DTypeError, FackelError, ShapeError, fmtShape } from '../errors.js';
import { noGrad } from '../grad-mode.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { isTensor } from '../tensor-like.js';
import { deviceOf, record, wrap } from './core.js';
import { full, zeros } from './creation.js';
import { cat, stack } from './indexing.js';
import { narrow, slice } from './views.js';

/** Geometry of {@link im2col} and {@link col2im}; pairs are `[height, width]`.
 * @example
 * ```ts
 * import type { Im2colOptions } from '@fackel/tensor';
 * const o: Im2colOptions = { kernelSize: [3, 3], padding: [1, 1], stride: [2, 2] };
 * ```
 */
export interface Im2colOptions {
  /** Window size `[kh, kw]`. */
  kernelSize: readonly [number, number];
  /** Spacing between window elements (default `[1, 1]`). */
  dilation?: readonly [number, number];
  /**
   * Implicit padding: `[ph, pw]` on both sides (default `[0, 0]`), or `[top, bottom, left,
   * right]` for asymmetric padding (as `padding: 'same'` needs with an even kernel).
   */
  padding?: readonly [number, number] | readonly [number, number, number, number];
  /** Step between windows (default `[1, 1]`). */
  stride?: readonly [number, number];
  /** Value of the padded elements in {@link im2col} (default 0; max-pooling uses −∞). */
  padValue?: number;
}

function pair(v: readonly number[] | undefined, dflt: number, what: string, op: string, min: number): [number, number] {
  const p = v ?? [dflt, dflt];
  if (!Array.isArray(p) || p.length !== 2 || p.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min)) {
    throw new FackelError(`${op}: ${what} must be a pair of integers ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

/** @internal Resolves and checks the geometry for an input of `[n, c, h, w]`. */
export function im2colParams(n: number, c: number, h: number, w: number, options: Im2colOptions, op: string): Im2colParams {
  const [kh, kw] = pair(options.kernelSize, 1, 'kernelSize', op, 1);
  const [dh, dw] = pair(options.dilation, 1, 'dilation', op, 1);
  const [sh, sw] = pair(options.stride, 1, 'stride', op, 1);
  const pad = options.padding ?? [0, 0];
  let pt: number, pb: number, pl: number, pr: number;
  if (Array.isArray(pad) && pad.length === 4) [pt, pb, pl, pr] = pad as [number, number, number, number];
  else if (Array.isArray(pad) && pad.length === 2) [pt, pb, pl, pr] = [pad[0], pad[0], pad[1], pad[1]];
  else throw new FackelError(`${op}: padding must be [ph, pw] or [top, bottom, left, right], got ${JSON.stringify(pad)}`);
  for (const p of [pt, pb, pl, pr]) {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0)
      throw new FackelError(`${op}: padding must be non-negative integers, got ${JSON.stringify(pad)}`);
  }
  const oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) {
    throw new ShapeError(
      `${op}: the input of spatial size [${h}, ${w}] with padding [${pt}, ${pb}, ${pl}, ${pr}] is smaller than the dilated kernel [${dh * (kh - 1) + 1}, ${dw * (kw - 1) + 1}] (output size would be [${oh}, ${ow}])`,
    );
  }
  const padValue = options.padValue ?? 0;
  if (typeof padValue !== 'number') throw new FackelError(`${op}: padValue must be a number, got ${typeof padValue}`);
  return { n, c, h, w, kh, kw, dh, dw, sh, sw, pt, pl, oh, ow, padValue, pb, pr };
}

function checkFloat(t: Tensor, op: string): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new DTypeError(`${op}: expected a floating-point tensor, got ${t.dtype} ${fmtShape(t.shape)} on ${t.device.name}; cast it first with .float()`);
  }
}

/** Reference im2col: strided slices of the padded input, stacked. */
function im2colReference(x: Tensor, p: Im2colParams): Tensor {
  return noGrad(() =>
    tidy(() => {
      let xp = x;
      const opts = { dtype: x.dtype, device: x.device };
      if (p.pt + p.pb > 0) {
        const parts = [];
        if (p.pt > 0) parts.push(full([p.n, p.c, p.pt, p.w], p.padValue, opts));
        parts.push(xp);
        if (p.pb > 0) parts.push(full([p.n, p.c, p.pb, p.w], p.padValue, opts));
        xp = cat(parts, 2);
      }
      if (p.pl + p.pr > 0) {
        const hp = xp.shape[2];
        const parts = [];
        if (p.pl > 0) parts.push(full([p.n, p.c, hp, p.pl], p.padValue, opts));
        parts.push(xp);
        if (p.pr > 0) parts.push(full([p.n, p.c, hp, p.pr], p.padValue, opts));
        xp = cat(parts, 3);
      }
      const windows: Tensor[] = [];
      for (let i = 0; i < p.kh; i++) {
        for (let j = 0; j < p.kw; j++) {
          const rows = slice(xp, 2, i * p.dh, i * p.dh + (p.oh - 1) * p.sh + 1, p.sh);
          windows.push(slice(rows, 3, j * p.dw, j * p.dw + (p.ow - 1) * p.sw + 1, p.sw));
        }
      }
      return stack(windows, 2).reshape([p.n, p.c * p.kh * p.kw, p.oh * p.ow]);
    }),
  );
}

/** Reference col2im: each window's column added into a zero padded image, then cropped. */
function col2imReference(cols: Tensor, p: Im2colParams): Tensor {
  return noGrad(() =>
    tidy(() => {
      const hp = p.h + p.pt + p.pb;
      const wp = p.w + p.pl + p.pr;
      const out = zeros([p.n, p.c, hp, wp], { dtype: cols.dtype, device: cols.device });
      const c5 = cols.reshape([p.n, p.c, p.kh * p.kw, p.oh, p.ow]);
      for (let i = 0; i < p.kh; i++) {
        for (let j = 0; j < p.kw; j++) {
          const rows = slice(out, 2, i * p.dh, i * p.dh + (p.oh - 1) * p.sh + 1, p.sh);
          slice(rows, 3, j * p.dw, j * p.dw + (p.ow - 1) * p.sw + 1, p.sw).add_(c5.select(2, i * p.kw + j));
        }
      }
      return narrow(narrow(out, 2, p.pt, p.h), 3, p.pl, p.w).contiguous();
    }),
  );
}

/** @internal im2col from resolved geometry (the autograd rule of col2im calls it). */
export function im2colWith(x: Tensor, p: Im2colParams): Tensor {
  const out = runIm2colKernel('im2col', x, p, [p.n, p.c * p.kh * p.kw, p.oh * p.ow], im2colReference);
  return record('im2col', [x], out, { params: p });
}

/**
 * The backend's fused `op` kernel on `x` (made contiguous first) with output shape `outShape`
 * where the backend has it and `x` is not empty, otherwise `reference`; not recorded.
 */
function runIm2colKernel(op: 'im2col' | 'col2im', x: Tensor, p: Im2colParams, outShape: number[], reference: (x: Tensor, p: Im2colParams) => Tensor): Tensor {
  const device = deviceOf(op, x);
  const kernel = device.backend.fused?.[op];
  if (!kernel || x.numel() === 0) return reference(x, p);
  const xc = x.isContiguous() ? x : noGrad(() => x.contiguous());
  const buf = kernel.call(device.backend.fused, xc._view(op), p);
  if (xc !== x) xc.dispose();
  return wrap(device, buf, x.dtype, outShape);
}

/** @internal col2im from resolved geometry (the autograd rule of im2col calls it). */
export function col2imWith(cols: Tensor, p: Im2colParams): Tensor {
  const out = runIm2colKernel('col2im', cols, p, [p.n, p.c, p.h, p.w], col2imReference);
  return record('col2im', [cols], out, { params: { ...p, padValue: 0 } });
}

/**
 * Extracts sliding windows (PyTorch's `F.unfold` on `[N, C, H, W]` input): returns
 * `[N, C·kh·kw, L]`, where row `c·kh·kw + i·kw + j` holds element `(i, j)` of each window of
 * channel `c` and the `L = oh·ow` windows are in row-major order. Convolution is this followed
 * by a matrix product. Differentiable (its gradient is {@link col2im}); one kernel on backends
 * that offer it.
 *
 * @example
 * ```ts
 * import { arange, im2col } from '@fackel/tensor';
 * const x = arange(16, { dtype: 'float32' }).reshape([1, 1, 4, 4]);
 * const cols = im2col(x, { kernelSize: [2, 2], stride: [2, 2] });
 * console.log(cols.shape, cols.narrow(1, 0, 1).tolistSync()); // [1, 4, 4] [[[0, 2, 8, 10]]]
 * ```
 */
export function im2col(x: Tensor, options: Im2colOptions): Tensor {
  const op = 'im2col';
  if (!isTensor(x) || x.ndim !== 4) {
    throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W], got ${isTensor(x) ? fmtShape(x.shape) : typeof x}`);
  }
  checkFloat(x, op);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return im2colWith(x, im2colParams(n, c, h, w, options, op));
}

/**
 * Sums sliding-window columns back into an image (PyTorch's `F.fold`), the adjoint of
 * {@link im2col}: `cols` `[N, C·kh·kw, L]` → `[N, C, H, W]` with `outputSize = [H, W]`;
 * overlapping windows add up. Differentiable (its gradient is {@link im2col}).
 *
 * @example
 * ```ts
 * import { ones, col2im } from '@fackel/tensor';
 * const img = col2im(ones([1, 4, 9]), [4, 4], { kernelSize: [2, 2] });
 * console.log(img.tolistSync()); // [[[[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]]]
 * ```
 */
export function col2im(cols: Tensor, outputSize: readonly [number, number], options: Im2colOptions): Tensor {
  const op = 'col2im';
  if (!isTensor(cols) || cols.ndim !== 3) {
    throw new ShapeError(`${op}: expected 3-D columns [N, C·kh·kw, L], got ${isTensor(cols) ? fmtShape(cols.shape) : typeof cols}`);
  }
  checkFloat(cols, op);
  const [h, w] = pair(outputSize, 1, 'outputSize', op, 1);
  const [kh, kw] = pair(options.kernelSize, 1, 'kernelSize', op, 1);
  const [n, ck, l] = cols.shape as [number, number, number];
  if (ck % (kh * kw) !== 0) {
    throw new ShapeError(`${op}: dimension 1 of the columns ${fmtShape(cols.shape)} must be divisible by kh·kw = ${kh * kw}`);
  }
  const p = im2colParams(n, ck / (kh * kw), h, w, { ...options, padValue: 0 }, op);
  if (p.oh * p.ow !== l) {
    throw new ShapeError(
      `${op}: the columns ${fmtShape(cols.shape)} hold ${l} windows, but outputSize [${h}, ${w}] with this geometry has ${p.oh}×${p.ow} = ${p.oh * p.ow}`,
    );
  }
  return col2imWith(cols, p);
}
