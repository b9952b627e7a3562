import type { DType, TypedArray } from './dtype.js';
import type { BinaryOp, UnaryOp } from './op-table.js';

/**
 * A strided window onto a backend buffer: what every kernel receives as input.
 *
 * Element `(i0, i1, …)` of the view lives at `offset + Σ ik * strides[k]` (counted in
 * elements, not bytes). A broadcast dimension has stride 0. A kernel must never assume
 * that a view is contiguous unless it checks.
 *
 * @example
 * ```ts
 * import type { View } from '@fackel/tensor';
 * // the transpose of a contiguous 2x3 buffer
 * const v: View<Float32Array> = { buffer: new Float32Array(6), dtype: 'float32', shape: [3, 2], strides: [1, 3], offset: 0 };
 * ```
 */
export interface View<B = unknown> {
  /** The backend's buffer holding the elements. */
  readonly buffer: B;
  /** The element type. */
  readonly dtype: DType;
  /** The size of each dimension. */
  readonly shape: readonly number[];
  /** Elements to step in the buffer per index of each dimension (0 for a broadcast dimension). */
  readonly strides: readonly number[];
  /** Element index of the view's first element in the buffer. */
  readonly offset: number;
}

/** Reductions over a set of axes. `argmax`/`argmin` take exactly one axis and give `int32`.
 * @example
 * ```ts
 * import type { ReduceOp } from '@fackel/tensor';
 * const op: ReduceOp = 'sum';
 * ```
 */
export type ReduceOp = 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

/** What a backend reports about its memory.
 * @example
 * ```ts
 * import { getDevice } from '@fackel/tensor';
 * const m = getDevice('cpu').backend.memory(); // { buffers, bytes, pooledBytes }
 * ```
 */
export interface BackendMemory {
  /** Buffers currently allocated and not released. */
  buffers: number;
  /** Bytes held by those buffers. */
  bytes: number;
  /** Bytes kept in a reuse pool (0 where the backend has none). */
  pooledBytes: number;
  /** Anything else worth reporting (a device name, ops that fell back to another device …). */
  [extra: string]: unknown;
}

/**
 * Optional fused kernels. Each has a reference composition in `@fackel/tensor`
 * (`fused.ts`), so a backend may leave any of them out and stay correct.
 *
 * @example
 * ```ts
 * import type { FusedKernels } from '@fackel/tensor';
 * const none: FusedKernels<unknown> = {};
 * ```
 */
export interface FusedKernels<B> {
  /**
   * LSTM cell pointwise part. `gates` is `[N, 4H]` (i, f, g, o pre-activations), `c` is
   * `[N, H]`. Returns new contiguous buffers `[hc, act]`: `hc` is `[N, 2H]` holding the new
   * hidden state in its first H columns and the new cell state in the last H; `act` is
   * `[N, 4H]` holding sigmoid(i), sigmoid(f), tanh(g), sigmoid(o) for the backward pass.
   */
  lstmCell?(gates: View<B>, c: View<B>): [hc: B, act: B];
  /**
   * Backward of `lstmCell`: from the gradient of `hc` (`[N, 2H]`), the saved activations,
   * the previous cell state and the forward's `hc`, returns `[dGates [N, 4H], dC [N, H]]`.
   */
  lstmCellBackward?(gradHc: View<B>, act: View<B>, c: View<B>, hc: View<B>): [dGates: B, dC: B];
  /**
   * One LSTM layer's recurrence over all time steps (see `lstmSequence`). `gx` is contiguous
   * `[T, N, 4H]` (each step's input projection `x_t @ W_ihᵀ`), `h0` and `c0` contiguous
   * `[N, H]` or null (zeros), `wHh` the `[4H, H]` recurrent weight (any strides), `bias` a
   * contiguous `[4H]` or null. Step `s` works on time `t = reverse ? T−1−s : s`:
   * `gates = gx[t] + h @ wHhᵀ + bias`, then `lstmCell`.
   * Returns new contiguous buffers: `packed` `[T+1, N, H]` (the hidden state at every time
   * index, then the final cell state) and, when `save`, `hcs` `[T, N, 2H]` (each step's `[h, c]`)
   * and `act` `[T, N, 4H]` (its gate activations), else null for both.
   */
  lstmSequence?(
    gx: View<B>,
    h0: View<B> | null,
    c0: View<B> | null,
    wHh: View<B>,
    bias: View<B> | null,
    reverse: boolean,
    save: boolean,
  ): [packed: B, hcs: B | null, act: B | null];
  /**
   * Backward of `lstmSequence`: from the contiguous gradient of `packed` `[T+1, N, H]`, the
   * saved `act` and `hcs`, `c0` (null: zeros) and `wHh`, returns new contiguous buffers `dG`
   * `[T, N, 4H]` (gradient of `gx`), `dh0` `[N, H]` (only when `wantDh0`, else null) and `dc0`
   * `[N, H]`.
   */
  lstmSequenceBackward?(
    grad: View<B>,
    act: View<B>,
    hcs: View<B>,
    c0: View<B> | null,
    wHh: View<B>,
    reverse: boolean,
    wantDh0: boolean,
  ): [dG: B, dh0: B | null, dc0: B];
  /**
   * Softmax with cross-entropy over rows. `logits` is `[N, C]` (float32, or float64 where the
   * backend stores it), `target` is `[N]` int32 class indices. Returns new contiguous buffers
   * `[loss, probs]` of the logits' dtype: `loss` is `[N]` with `loss[r] = logsumexp(logits[r]) −
   * logits[r, target[r]]` (computed stably, subtracting the row maximum) and `0` for rows whose
   * target equals `ignoreIndex`; `probs` is `[N, C]`, the softmax of each row (also of ignored
   * rows), kept for the backward pass. A target outside `[0, C)` that is not `ignoreIndex`: a
   * backend that can check throws a clear error (the CPU does); one that cannot (a GPU kernel)
   * must not crash and writes NaN as that row's loss.
   */
  softmaxCrossEntropy?(logits: View<B>, target: View<B>, ignoreIndex: number): [loss: B, probs: B];
  /**
   * Backward of `softmaxCrossEntropy`: from the gradient of the per-row loss `gradLoss` (`[N]`),
   * the saved `probs` (`[N, C]`) and the `target` (`[N]` int32), returns the gradient of the
   * logits `[N, C]`: `(probs[r, j] − [j = target[r]]) · gradLoss[r]`, and `0` on ignored rows
   * (even where `gradLoss` is NaN). An out-of-range target contributes no one-hot term.
   */
  softmaxCrossEntropyBackward?(gradLoss: View<B>, probs: View<B>, target: View<B>, ignoreIndex: number): B;
  /**
   * Sliding windows of a contiguous `[n, c, h, w]` input (PyTorch's `unfold`): returns a new
   * contiguous `[n, c·kh·kw, oh·ow]` buffer of the input's dtype, row `ci·kh·kw + i·kw + j`,
   * column `oy·ow + ox` holding `x[ci, oy·sh − pt + i·dh, ox·sw − pl + j·dw]`, or `padValue`
   * outside the input.
   */
  im2col?(x: View<B>, p: Im2colParams): B;
  /**
   * The adjoint of `im2col` (PyTorch's `fold`): from contiguous columns `[n, c·kh·kw, oh·ow]`
   * returns a new contiguous `[n, c, h, w]` buffer where every element is the sum of the
   * column entries `im2col` would have read from it (entries in the padding are dropped).
   */
  col2im?(cols: View<B>, p: Im2colParams): B;
  /**
   * One Adam/AdamW step, in place on contiguous float32 buffers of `size` elements.
   */
  adamStep?(param: B, grad: B, expAvg: B, expAvgSq: B, maxExpAvgSq: B | null, size: number, opts: AdamStepOptions): void;
}

/** Resolved geometry of the `im2col`/`col2im` kernels: input `[n, c, h, w]`, kernel `[kh, kw]`,
 * dilation, stride, padding (top, bottom, left, right), output grid `[oh, ow]` and the value of
 * padded elements.
 * @example
 * ```ts
 * import type { Im2colParams } from '@fackel/tensor';
 * const p: Im2colParams = { n: 1, c: 1, h: 4, w: 4, kh: 2, kw: 2, dh: 1, dw: 1, sh: 2, sw: 2, pt: 0, pb: 0, pl: 0, pr: 0, oh: 2, ow: 2, padValue: 0 };
 * ```
 */
export interface Im2colParams {
  /** Batch size. */
  n: number;
  /** Channels. */
  c: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Vertical dilation. */
  dh: number;
  /** Horizontal dilation. */
  dw: number;
  /** Vertical stride. */
  sh: number;
  /** Horizontal stride. */
  sw: number;
  /** Padding above. */
  pt: number;
  /** Padding below. */
  pb: number;
  /** Padding on the left. */
  pl: number;
  /** Padding on the right. */
  pr: number;
  /** Output grid height. */
  oh: number;
  /** Output grid width. */
  ow: number;
  /** Value of padded elements in `im2col`. */
  padValue: number;
}

/** Hyper-parameters of one fused Adam step (PyTorch's formulation with bias correction).
 * @example
 * ```ts
 * import type { AdamStepOptions } from '@fackel/tensor';
 * const o: AdamStepOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 };
 * ```
 */
export interface AdamStepOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rate of the first-moment (mean) estimate. */
  beta1: number;
  /** Decay rate of the second-moment (uncentred variance) estimate. */
  beta2: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty (Adam) or decoupled decay (AdamW, see `decoupled`). */
  weightDecay: number;
  /** AdamW: decay the weights directly instead of adding to the gradient. */
  decoupled: boolean;
  /** 1-based step count, for bias correction. */
  step: number;
}

/**
 * The contract between the tensor facade and a device. Every method that computes
 * allocates a **new contiguous** output buffer and returns it; inputs are never modified
 * except by {@link Backend.assign} and fused in-place kernels. Shapes, dtypes and devices
 * have been checked by the facade before a kernel is called, so kernels do no user-facing
 * validation. Broadcasting is expressed as stride-0 views.
 *
 * Semantics every backend follows:
 * - Number operands arrive already converted to the dtype the op computes in (float32
 *   scalars are rounded with `Math.fround` by the facade).
 * - `matmul` produces `a.dtype`; `sort` orders NaN as the largest value.
 * - Out-of-range indices in `gather`/`indexSelect`/`scatterAdd`: a backend that can check
 *   throws a clear error (the CPU does); one that cannot (a GPU kernel) must not crash.
 * - A float → int32 cast of a value outside the int32 range is unspecified (as in PyTorch).
 * - Integer (int32, bool) `fmod` by a zero element of a tensor divisor: a backend that can
 *   check throws a `ZeroDivisionError` (the CPU does); one that cannot (a GPU kernel) writes 0.
 *   A number divisor of 0 never reaches a kernel (the facade raises).
 *
 * Buffers are opaque to the facade: `B` is a `Float32Array`-like on the CPU and a
 * `GPUBuffer` wrapper on WebGPU.
 *
 * @example
 * ```ts
 * import { registerBackend, type Backend } from '@fackel/tensor';
 * declare const myBackend: Backend<unknown>;
 * registerBackend('mine', () => myBackend);
 * ```
 */
export interface Backend<B = unknown> {
  /** Device name this backend serves, e.g. `'cpu'` or `'webgpu'`. */
  readonly name: string;
  /** Dtypes this backend can store (`float64` is CPU-only). */
  readonly dtypes: readonly DType[];

  /** A zero-filled buffer for `size` elements of `dtype`. */
  alloc(dtype: DType, size: number): B;
  /** Returns a buffer to the backend (pool or free). Called exactly once per buffer. */
  release(buffer: B, dtype: DType, size: number): void;
  /**
   * Present on backends whose buffers are ordinary JavaScript memory that the garbage
   * collector frees (the CPU's typed arrays). For a storage collected without `dispose()`, the
   * safety net then calls `forget` (to correct the counts) instead of `release`, and does not keep
   * the buffer alive until its callback runs. Backends that must free buffers explicitly (GPU
   * memory) leave it out and get `release`.
   */
  forget?(dtype: DType, size: number): void;
  /** Copies host data into a buffer starting at element `offset`. */
  write(buffer: B, dtype: DType, data: TypedArray, offset: number): void;
  /** Reads a view back as a new contiguous typed array. */
  read(x: View<B>): Promise<TypedArray>;
  /** Synchronous read, only where the device allows it (CPU). */
  readSync?(x: View<B>): TypedArray;

  /** `out[i] = op(x[i])`, output dtype `outDtype`. */
  unary(op: UnaryOp, x: View<B>, outDtype: DType, shape: readonly number[]): B;
  /** `out[i] = op(a[i], b[i])` over equal-shaped (already broadcast) views or scalars. */
  binary(op: BinaryOp, a: View<B> | number, b: View<B> | number, shape: readonly number[], outDtype: DType): B;
  /** `out[i] = cond[i] ? a[i] : b[i]` (equal-shaped views or scalars, `cond` bool). */
  where(cond: View<B>, a: View<B> | number, b: View<B> | number, shape: readonly number[], outDtype: DType): B;
  /**
   * Reduces `axes` (sorted, unique, non-empty). The output has `x.shape` without those axes,
   * contiguous. `argmax`/`argmin` receive one axis and write `int32`; on ties the first index wins.
   * Max/min propagate NaN as PyTorch does.
   */
  reduce(op: ReduceOp, x: View<B>, axes: readonly number[], outDtype: DType): B;
  /** Inclusive cumulative sum along `axis`; output contiguous, same shape. */
  cumsum(x: View<B>, axis: number, outDtype: DType): B;
  /**
   * Sorts along the last axis. Returns `[values, indices]` (indices `int32`), stable.
   */
  sort(x: View<B>, descending: boolean): [B, B];
  /**
   * Batched matrix product: `a` is `[batch, m, k]`, `b` is `[batch, k, n]` (either may have
   * stride 0 on the batch axis, or transposed strides); returns `[batch, m, n]` contiguous.
   */
  matmul(a: View<B>, b: View<B>): B;
  /** `out[..., i, ...] = x[..., index[..., i, ...], ...]` along `axis`; out has `index`'s shape. */
  gather(x: View<B>, axis: number, index: View<B>): B;
  /** Selects entries of `axis` by a 1-D int32 index; out shape is x's with `axis` resized. */
  indexSelect(x: View<B>, axis: number, index: View<B>): B;
  /** `base` copied, then `out[..., index[j], ...] += src[j]` along `axis` (index and src same shape). */
  scatterAdd(base: View<B>, axis: number, index: View<B>, src: View<B>): B;
  /** Converts to another dtype (float→int truncates toward zero; →bool is `!= 0`). */
  cast(x: View<B>, dtype: DType): B;
  /** A contiguous copy of a view. */
  copy(x: View<B>): B;
  /** Writes `src` (same shape, or a scalar) into the elements of `dst`, in place. */
  assign(dst: View<B>, src: View<B> | number): void;
  /** A buffer of `size` elements all equal to `value`. */
  fill(dtype: DType, size: number, value: number): B;

  /** Optional fused kernels. */
  readonly fused?: FusedKernels<B>;
  /** Starts any queued work (no-op on CPU). */
  flush?(): void;
  /** Resolves when all queued work has completed. */
  sync?(): Promise<void>;
  /** Allocation statistics. */
  memory(): BackendMemory;
  /** Releases the device; the backend must not be used afterwards. */
  destroy?(): void | Promise<void>;
}
