import type { View } from './backend.js';
import type { Device, Storage } from './device.js';
import type { DType, TypedArray } from './dtype.js';
import { isDType } from './dtype.js';
import { DisposedError, FackelError, fmtShape } from './errors.js';
import type { BackwardOptions, GradFn } from './grad-mode.js';
import { getAutograd } from './grad-mode.js';
import { trackTensor, untrackTensor } from './scope.js';
import { formatTensor, formatTensorAsync, inspectCustom } from './format.js';
import { isContiguousLayout, shapeSize } from './shape.js';
import { isTensor, setTensorClass, type NestedArray, type TensorLike, type ValuesIndices } from './tensor-like.js';
import * as E from './ops/elementwise.js';
import * as R from './ops/reduce.js';
import * as V from './ops/views.js';
import * as L from './ops/linalg.js';
import * as I from './ops/indexing.js';
import * as F from './ops/functional.js';
import * as C from './ops/convert.js';
import * as P from './ops/inplace.js';

/**
 * An n-dimensional array on a device, with PyTorch's methods in camelCase.
 *
 * A tensor is a view (shape, strides, offset) over reference-counted storage; view ops
 * (`reshape`, `transpose`, `narrow`, …) share the storage. Create tensors with `tensor`,
 * `zeros`, `randn` and friends, not with `new`.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const x = tensor([[1, 2], [3, 4]]);
 * const y = x.matmul(x.t()).add(1);
 * console.log(await y.tolist()); // [[6, 12], [12, 26]]
 * ```
 */
export class Tensor {
  /**
   * `x instanceof Tensor` is true for a tensor of any loaded copy of `@fackel/tensor` (two
   * copies appear when installed packages disagree on its version): it tests the `isTensor`
   * brand, not the prototype chain, so the library's own checks accept tensors of either copy.
   *
   * @example
   * ```ts
   * import { Tensor, tensor } from '@fackel/tensor';
   * console.log(tensor([1]) instanceof Tensor, { isTensor: false } instanceof Tensor); // true false
   * ```
   */
  static [Symbol.hasInstance](value: unknown): value is Tensor {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asks about (a subclass checks its own prototype chain)
    if (this !== Tensor) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isTensor(value);
  }

  /** Always true; lets code recognise tensors without `instanceof` (what `instanceof Tensor` tests). */
  readonly isTensor = true as const;
  /** The size of each dimension (`[]` for a scalar). */
  readonly shape: readonly number[];
  /** Element strides of each dimension. */
  readonly strides: readonly number[];
  /** Element offset of the first element in the storage. */
  readonly offset: number;
  /** The element type (`float32`, `int32`, `bool` or `float64`). */
  readonly dtype: DType;
  /** The device whose backend holds the storage and runs the kernels. */
  readonly device: Device;
  /** @internal The shared storage; null after dispose. */
  _storage: Storage | null;
  /** Whether autograd tracks operations on this tensor. Set with `requiresGrad_()` or the creation option. */
  requiresGrad = false;
  /** The accumulated gradient (after `backward`), or null. */
  grad: Tensor | null = null;
  /** The graph node that produced this tensor (null for leaves and untracked tensors). */
  gradFn: GradFn | null = null;
  /** Whether a non-leaf tensor keeps its `.grad` during backward (see `retainGrad`). */
  retainsGrad = false;
  /** Set when this tensor came from a non-differentiable op applied to inputs that require grad (e.g. `'argmax'`), for error messages. */
  nonDifferentiableOp: string | null = null;

  /** @internal Takes ownership of one reference to `storage`. Use the creation functions instead. */
  constructor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number) {
    this._storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = storage.dtype;
    this.device = storage.device;
    this.device.liveTensors++;
    trackTensor(this);
  }

  /** @internal The storage, checking that the tensor was not disposed. */
  _live(op: string): Storage {
    const s = this._storage;
    if (s === null) throw new DisposedError(`${op}: tensor ${fmtShape(this.shape)} ${this.dtype} was used after dispose()`);
    return s;
  }

  /** @internal The kernel view of this tensor. */
  _view(op: string): View {
    return { buffer: this._live(op).buffer, dtype: this.dtype, shape: this.shape, strides: this.strides, offset: this.offset };
  }

  /** @internal A new tensor object sharing this one's storage with other metadata. */
  _alias(shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    const s = this._live('view');
    s.retain();
    return new Tensor(s, shape, strides, offset);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  numel(): number {
    return shapeSize(this.shape);
  }

  /** Number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.shape.length;
  }

  /** Size of one dimension, or the shape when no dim is given (PyTorch's `size()`). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    if (dim === undefined) return [...this.shape];
    const d = dim < 0 ? dim + this.shape.length : dim;
    if (d < 0 || d >= this.shape.length) throw new FackelError(`size: dimension ${dim} is out of range for a tensor of rank ${this.shape.length}`);
    return this.shape[d];
  }

  /** Whether the elements are laid out row-major without gaps. */
  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this.strides);
  }

  /** Whether `dispose()` has been called. */
  get isDisposed(): boolean {
    return this._storage === null;
  }

  /** True for tensors not produced by a recorded op (user-created tensors and parameters). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** The storage's version counter (incremented by every in-place write). */
  get version(): number {
    return this._live('version').version;
  }

  /**
   * Releases this tensor's reference to its storage (and its `.grad`). Idempotent; any later
   * use throws a clear error. Views keep the storage alive until they are disposed too.
   */
  dispose(): void {
    const s = this._storage;
    if (s === null) return;
    this._storage = null;
    untrackTensor(this);
    this.device.liveTensors--;
    s.release();
    if (this.grad !== null) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** `using t = …` support: the same as {@link Tensor.dispose}. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---------------------------------------------------------------- autograd surface

  /**
   * Computes gradients of this tensor with respect to the graph leaves and accumulates them
   * into their `.grad`. A scalar needs no `gradient`; a non-scalar needs one of its shape.
   */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    const e = getAutograd();
    if (e === null) {
      throw new FackelError(
        "backward: autograd is not enabled. Import { enableAutograd } from '@fackel/autograd' and call it once, or use the 'fackel' package, which enables it",
      );
    }
    e.backward(this, gradient, options);
  }

  /** Sets `requiresGrad` on a leaf tensor in place; returns the tensor. */
  requiresGrad_(requiresGrad = true): this {
    if (!this.isLeaf && !requiresGrad) {
      throw new FackelError('requiresGrad_: you can only change requiresGrad flags of leaf tensors; use detach() to get a tensor that does not require grad');
    }
    if (requiresGrad && this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new FackelError(`requiresGrad_: only floating-point tensors can require gradients (got ${this.dtype})`);
    }
    this.requiresGrad = requiresGrad;
    return this;
  }

  /** Makes a non-leaf tensor keep its `.grad` during backward. */
  retainGrad(): this {
    if (!this.requiresGrad) throw new FackelError("retainGrad: can't retain the gradient of a tensor that does not require grad");
    if (!this.isLeaf) {
      this.retainsGrad = true;
      getAutograd()?.retainGrad?.(this);
    }
    return this;
  }

  /** A tensor sharing this storage that is cut off from the autograd graph. */
  detach(): Tensor {
    return this._alias(this.shape, this.strides, this.offset);
  }

  // ---------------------------------------------------------------- readback

  /** A contiguous copy of the elements as a typed array (Uint8Array for bool). */
  async data(): Promise<TypedArray> {
    return this.device.backend.read(this._view('data'));
  }

  /** Synchronous `data()`; only where the device allows it (CPU). */
  dataSync(): TypedArray {
    const b = this.device.backend;
    if (!b.readSync) {
      throw new FackelError(`dataSync: device '${this.device.name}' cannot read synchronously; use await t.data()`);
    }
    return b.readSync(this._view('dataSync'));
  }

  /** The value of a one-element tensor as a number (booleans as 0/1). */
  async item(): Promise<number> {
    return C.itemOf(this, await this.data());
  }

  /** Synchronous `item()` (CPU only). */
  itemSync(): number {
    return C.itemOf(this, this.dataSync());
  }

  /** The elements as nested arrays (booleans as `true`/`false`). */
  async tolist(): Promise<NestedArray> {
    return C.toNested(this, await this.data());
  }

  /** Synchronous `tolist()` (CPU only). */
  tolistSync(): NestedArray {
    return C.toNested(this, this.dataSync());
  }

  /**
   * The tensor as PyTorch prints it: `tensor([[ 7., 10.], [15., 22.]])` on two lines, one
   * width for all elements, integer, fixed (4 decimals) or scientific notation chosen from the
   * values, rows wrapped at 80 columns, more than 1000 elements summarised with `...`. Fackel
   * writes booleans `true`/`false`, dtypes without `torch.` (`dtype=float64`; float32, int32
   * and bool are not named), and `requiresGrad=true`, `gradFn=<MulBackward>`.
   *
   * Values need a synchronous read: on a device without one (WebGPU) the text shows the shape
   * and how to read it (`await t.print()`); a disposed tensor prints `tensor(<disposed>, …)`.
   * `console.log(t)` in Node prints the same text.
   *
   * @example
   * ```ts
   * import { tensor } from '@fackel/tensor';
   * console.log(tensor([[1, 2], [3, 4]]).matmul(tensor([[1, 2], [3, 4]])).toString());
   * // tensor([[ 7., 10.],
   * //         [15., 22.]])
   * console.log(`${tensor([0.5, 2], { dtype: 'float64' })}`); // tensor([0.5000, 2.0000], dtype=float64)
   * ```
   */
  toString(): string {
    return formatTensor(this);
  }

  /**
   * What Node's `util.inspect`, and so `console.log(t)`, shows: the same text as `toString()`
   * (the key is `Symbol.for('nodejs.util.inspect.custom')`, so no Node module is imported).
   *
   * @example
   * ```ts
   * import { tensor } from '@fackel/tensor';
   * console.log(tensor([true, false])); // tensor([ true, false])
   * ```
   */
  [inspectCustom](): string {
    return formatTensor(this);
  }

  /**
   * Reads the values (asynchronously, so on every device) and writes the tensor with
   * `console.log`, formatted as `toString()` does on the CPU. The way to look at a WebGPU tensor.
   *
   * @example
   * ```ts
   * import { arange } from '@fackel/tensor';
   * await arange(6).reshape([2, 3]).print();
   * // tensor([[0, 1, 2],
   * //         [3, 4, 5]])
   * ```
   */
  async print(): Promise<void> {
    console.log(await formatTensorAsync(this));
  }

  /**
   * The text `print()` writes: `toString()` with the values read asynchronously, so it works on
   * every device (a summarised tensor reads only the elements shown).
   *
   * @example
   * ```ts
   * import { tensor } from '@fackel/tensor';
   * const text = await tensor([1.5, -2]).toStringAsync();
   * console.log(text); // tensor([ 1.5000, -2.0000])
   * ```
   */
  async toStringAsync(): Promise<string> {
    return formatTensorAsync(this);
  }

  // ---------------------------------------------------------------- conversion

  /** Casts to a dtype (synchronously), or moves to a device (asynchronously). */
  to(dtype: DType): Tensor;
  to(device: string | Device): Promise<Tensor>;
  to(target: DType | string | Device): Tensor | Promise<Tensor> {
    if (typeof target === 'string' && isDType(target)) return C.cast(this, target);
    return C.toDevice(this, target);
  }
  /** Casts to float32. */
  float(): Tensor {
    return C.cast(this, 'float32');
  }
  /** Casts to float64 (CPU only). */
  double(): Tensor {
    return C.cast(this, 'float64');
  }
  /** Casts to int32 (truncating toward zero). */
  int(): Tensor {
    return C.cast(this, 'int32');
  }
  /** Casts to bool (`x != 0`). */
  bool(): Tensor {
    return C.cast(this, 'bool');
  }
  /** A contiguous copy with its own storage (differentiable). */
  clone(): Tensor {
    return C.clone(this);
  }
  /** This tensor if contiguous, otherwise a contiguous copy (differentiable). */
  contiguous(): Tensor {
    return C.contiguous(this);
  }

  // ---------------------------------------------------------------- elementwise
  /** `this + alpha * other`, broadcast (see the function `add`). */
  add(other: TensorLike, alpha?: number): Tensor {
    return E.add(this, other, alpha);
  }
  /** `this - alpha * other`, broadcast. */
  sub(other: TensorLike, alpha?: number): Tensor {
    return E.sub(this, other, alpha);
  }
  /** Elementwise product, broadcast. */
  mul(other: TensorLike): Tensor {
    return E.mul(this, other);
  }
  /** True division, broadcast (integer operands give float32). */
  div(other: TensorLike): Tensor {
    return E.div(this, other);
  }
  /** `this ** exponent`, elementwise, broadcast. */
  pow(exponent: TensorLike): Tensor {
    return E.pow(this, exponent);
  }
  /** Elementwise maximum (NaN propagates). */
  maximum(other: TensorLike): Tensor {
    return E.maximum(this, other);
  }
  /** Elementwise minimum (NaN propagates). */
  minimum(other: TensorLike): Tensor {
    return E.minimum(this, other);
  }
  /** Remainder with the sign of the dividend (C's `fmod`). */
  fmod(other: TensorLike): Tensor {
    return E.fmod(this, other);
  }
  /** `this == other` as a bool tensor. */
  eq(other: TensorLike): Tensor {
    return E.eq(this, other);
  }
  /** `this != other` as a bool tensor. */
  ne(other: TensorLike): Tensor {
    return E.ne(this, other);
  }
  /** `this < other` as a bool tensor. */
  lt(other: TensorLike): Tensor {
    return E.lt(this, other);
  }
  /** `this <= other` as a bool tensor. */
  le(other: TensorLike): Tensor {
    return E.le(this, other);
  }
  /** `this > other` as a bool tensor. */
  gt(other: TensorLike): Tensor {
    return E.gt(this, other);
  }
  /** `this >= other` as a bool tensor. */
  ge(other: TensorLike): Tensor {
    return E.ge(this, other);
  }
  /** Elementwise logical and (non-zero is true), as a bool tensor. */
  logicalAnd(other: TensorLike): Tensor {
    return E.logicalAnd(this, other);
  }
  /** Elementwise logical or (non-zero is true), as a bool tensor. */
  logicalOr(other: TensorLike): Tensor {
    return E.logicalOr(this, other);
  }
  /** `-this`. */
  neg(): Tensor {
    return E.neg(this);
  }
  /** Absolute value. */
  abs(): Tensor {
    return E.abs(this);
  }
  /** -1, 0 or 1 by sign (NaN stays NaN). */
  sign(): Tensor {
    return E.sign(this);
  }
  /** `e ** this`. */
  exp(): Tensor {
    return E.exp(this);
  }
  /** Natural logarithm. */
  log(): Tensor {
    return E.log(this);
  }
  /** Square root. */
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  /** `1 / sqrt(this)`. */
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  /** `1 / this`. */
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  /** `this * this`. */
  square(): Tensor {
    return E.square(this);
  }
  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return E.tanh(this);
  }
  /** Logistic function `1 / (1 + e ** -this)`. */
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  /** `max(this, 0)`. */
  relu(): Tensor {
    return E.relu(this);
  }
  /** The error function. */
  erf(): Tensor {
    return E.erf(this);
  }
  /** Sine (radians). */
  sin(): Tensor {
    return E.sin(this);
  }
  /** Cosine (radians). */
  cos(): Tensor {
    return E.cos(this);
  }
  /** Rounds down. */
  floor(): Tensor {
    return E.floor(this);
  }
  /** Rounds up. */
  ceil(): Tensor {
    return E.ceil(this);
  }
  /** Rounds to the nearest integer, halves to even (as PyTorch). */
  round(): Tensor {
    return E.round(this);
  }
  /** `log(1 + this)`, accurate near 0. */
  log1p(): Tensor {
    return E.log1p(this);
  }
  /** `exp(this) - 1`, accurate near 0. */
  expm1(): Tensor {
    return E.expm1(this);
  }
  /** Elementwise logical not (zero is false), as a bool tensor. */
  logicalNot(): Tensor {
    return E.logicalNot(this);
  }
  /** Where the elements are NaN, as a bool tensor. */
  isnan(): Tensor {
    return E.isnan(this);
  }
  /** Arctangent (radians). */
  atan(): Tensor {
    return E.atan(this);
  }
  /** Arcsine (radians); NaN outside [-1, 1]. */
  asin(): Tensor {
    return E.asin(this);
  }
  /** Arccosine (radians); NaN outside [-1, 1]. */
  acos(): Tensor {
    return E.acos(this);
  }
  /** Hyperbolic sine. */
  sinh(): Tensor {
    return E.sinh(this);
  }
  /** Hyperbolic cosine. */
  cosh(): Tensor {
    return E.cosh(this);
  }
  /** Base-2 logarithm. */
  log2(): Tensor {
    return E.log2(this);
  }
  /** `2 ** this`. */
  exp2(): Tensor {
    return E.exp2(this);
  }
  /** Softplus `log(1 + exp(beta x)) / beta`, linear above `threshold` (defaults 1 and 20, as PyTorch). */
  softplus(options?: E.SoftplusOptions): Tensor {
    return E.softplus(this, options);
  }
  /** GELU, exact (`approximate: 'none'`, the default) or its tanh approximation. */
  gelu(options?: E.GeluOptions): Tensor {
    return E.gelu(this, options);
  }
  /** SiLU (swish) `this * sigmoid(this)`. */
  silu(): Tensor {
    return E.silu(this);
  }
  /** Clamps into [min, max]; either bound may be omitted (null/undefined). */
  clamp(min?: number | null, max?: number | null): Tensor {
    return E.clamp(this, min, max);
  }
  /** PyTorch's `x.where(condition, other)`: this tensor's elements where `condition` is true, else `other`. */
  where(condition: Tensor, other: TensorLike): Tensor {
    return E.where(condition, this, other);
  }
  /** Replaces elements where `mask` is true by `value`. */
  maskedFill(mask: Tensor, value: number): Tensor {
    return E.maskedFill(this, mask, value);
  }

  // ---------------------------------------------------------------- reductions
  /** Sum over `dim` (a number or an array; all elements when omitted). */
  sum(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  /** Mean over `dim` (all elements when omitted); floating-point tensors only. */
  mean(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  /** Product over `dim` (all elements when omitted). */
  prod(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.prod(this, dim, keepdim);
  }
  /** The maximum of all elements, or `{ values, indices }` along `dim`. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? R.amax(this) : R.maxDim(this, dim, keepdim);
  }
  /** The minimum of all elements, or `{ values, indices }` along `dim`. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? R.amin(this) : R.minDim(this, dim, keepdim);
  }
  /** Maximum over dims without indices (PyTorch's `amax`). */
  amax(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.amax(this, dim, keepdim);
  }
  /** Minimum over dims without indices (PyTorch's `amin`). */
  amin(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.amin(this, dim, keepdim);
  }
  /** Index of the maximum along `dim` (of the flattened tensor when omitted), as int32. */
  argmax(dim?: number | null, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim);
  }
  /** Index of the minimum along `dim` (of the flattened tensor when omitted), as int32. */
  argmin(dim?: number | null, keepdim = false): Tensor {
    return R.argmin(this, dim, keepdim);
  }
  /** `log(sum(exp(this), dim))`, computed stably. */
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return R.logsumexp(this, dim, keepdim);
  }
  /** Variance over `dim`; `unbiased` divides by n - 1 (the default, as PyTorch). */
  var(dim?: number | readonly number[] | null, unbiased = true, keepdim = false): Tensor {
    return R.variance(this, dim, unbiased, keepdim);
  }
  /** Standard deviation over `dim`; `unbiased` divides by n - 1. */
  std(dim?: number | readonly number[] | null, unbiased = true, keepdim = false): Tensor {
    return R.std(this, dim, unbiased, keepdim);
  }
  /** The p-norm over `dim` (all elements when omitted); `p` may be `Infinity`. */
  norm(p = 2, dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.norm(this, p, dim, keepdim);
  }
  /** Cumulative sum along `dim`. */
  cumsum(dim: number): Tensor {
    return I.cumsum(this, dim);
  }
  /** Sorts along `dim`; returns `{ values, indices }` (stable). */
  sort(dim = -1, descending = false): ValuesIndices {
    return I.sort(this, dim, descending);
  }
  /** The `k` largest (or smallest) elements along `dim`, as `{ values, indices }`. */
  topk(k: number, dim = -1, largest = true): ValuesIndices {
    return I.topk(this, k, dim, largest);
  }

  // ---------------------------------------------------------------- linear algebra
  /** Matrix product with `torch.matmul` semantics (1-D, 2-D, batched with broadcasting). */
  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }
  /** Batched matrix product of two 3-D tensors `[b, n, m] × [b, m, p]`. */
  bmm(other: Tensor): Tensor {
    return L.bmm(this, other);
  }
  /** Transpose of a 2-D tensor (0-D and 1-D are returned as they are). */
  t(): Tensor {
    return V.t(this);
  }
  /** Swaps the last two dimensions. */
  get mT(): Tensor {
    return V.transpose(this, -2, -1);
  }

  // ---------------------------------------------------------------- views
  /** The same elements in a new shape (one dimension may be -1); a view when the layout allows, else a copy. */
  reshape(shape: readonly number[]): Tensor {
    return V.reshape(this, shape);
  }
  /** A view with a new shape; throws when the layout does not allow one (use `reshape`). */
  view(shape: readonly number[]): Tensor {
    return V.view(this, shape);
  }
  /** A view with two dimensions swapped. */
  transpose(dim0: number, dim1: number): Tensor {
    return V.transpose(this, dim0, dim1);
  }
  /** A view with the dimensions reordered. */
  permute(dims: readonly number[]): Tensor {
    return V.permute(this, dims);
  }
  /** A view of `length` elements of `dim` starting at `start`. */
  narrow(dim: number, start: number, length: number): Tensor {
    return V.narrow(this, dim, start, length);
  }
  /** A view of `dim` from `start` to `end` (exclusive, negatives count from the end) every `step`, like Python's `[start:end:step]`. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return V.slice(this, dim, start, end, step);
  }
  /** A view of one index of `dim`, with that dimension removed. */
  select(dim: number, index: number): Tensor {
    return V.select(this, dim, index);
  }
  /** A broadcast view to `shape` (size-1 dimensions stretch, -1 keeps a size); no copy. */
  expand(shape: readonly number[]): Tensor {
    return V.expand(this, shape);
  }
  /** `expand(other.shape)`. */
  expandAs(other: Tensor): Tensor {
    return V.expand(this, other.shape);
  }
  /** A view without size-1 dimensions (only `dim` when given). */
  squeeze(dim?: number | readonly number[]): Tensor {
    return V.squeeze(this, dim);
  }
  /** A view with a size-1 dimension inserted at `dim`. */
  unsqueeze(dim: number): Tensor {
    return V.unsqueeze(this, dim);
  }
  /** Merges the dimensions `startDim..endDim` into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return V.flatten(this, startDim, endDim);
  }
  /** Splits dimension `dim` into `sizes`. */
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return V.unflatten(this, dim, sizes);
  }

  // ---------------------------------------------------------------- indexing and joining
  /** Picks values along `dim` at `index` (int32, same rank): `out[i][j] = this[index[i][j]][j]` for `dim` 0. */
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }
  /** The entries of `dim` listed in the 1-D int32 `index`. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return I.indexSelect(this, dim, index);
  }
  /** A copy with `src` added at the positions `index` names along `dim`. */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return I.scatterAdd(this, dim, index, src);
  }
  /** Views of consecutive pieces along `dim`, of one size or of the given sizes. */
  split(splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return I.split(this, splitSizeOrSections, dim);
  }
  /** Views of `chunks` (nearly) equal pieces along `dim`. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return I.chunk(this, chunks, dim);
  }
  /** `exp(x) / sum(exp(x))` along `dim`, computed stably. */
  softmax(dim: number): Tensor {
    return F.softmax(this, dim);
  }
  /** `log(softmax(x))` along `dim`, computed stably. */
  logSoftmax(dim: number): Tensor {
    return F.logSoftmax(this, dim);
  }

  // ---------------------------------------------------------------- in place (not recorded by autograd)
  /** Copies `src` (broadcast to this shape) into this tensor. */
  copy_(src: TensorLike): this {
    return P.copy_(this, src);
  }
  /** Sets every element to `value`; returns this tensor. */
  fill_(value: number): this {
    return P.copy_(this, value);
  }
  /** Sets every element to 0; returns this tensor. */
  zero_(): this {
    return P.copy_(this, 0);
  }
  /** In-place `this += alpha * other`. */
  add_(other: TensorLike, alpha?: number): this {
    return P.inplace(this, 'add_', () => E.add(this, other, alpha));
  }
  /** In-place `this -= alpha * other`. */
  sub_(other: TensorLike, alpha?: number): this {
    return P.inplace(this, 'sub_', () => E.sub(this, other, alpha));
  }
  /** In-place `this *= other`. */
  mul_(other: TensorLike): this {
    return P.inplace(this, 'mul_', () => E.mul(this, other));
  }
  /** In-place `this /= other` (floating-point tensors). */
  div_(other: TensorLike): this {
    return P.inplace(this, 'div_', () => E.div(this, other));
  }
  /** In-place `clamp`. */
  clamp_(min?: number | null, max?: number | null): this {
    return P.inplace(this, 'clamp_', () => E.clamp(this, min, max));
  }
  /** In-place `maskedFill`. */
  maskedFill_(mask: Tensor, value: number): this {
    return P.inplace(this, 'maskedFill_', () => E.maskedFill(this, mask, value));
  }
}

setTensorClass(Tensor);
