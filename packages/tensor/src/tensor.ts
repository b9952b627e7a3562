import type { View } from './backend.js';
import { Device, Storage } from './device.js';
import type { DType, TypedArray } from './dtype.js';
import { isDType } from './dtype.js';
import { DisposedError, FackelError, fmtShape } from './errors.js';
import type { BackwardOptions, GradFn } from './grad-mode.js';
import { getAutograd } from './grad-mode.js';
import { trackTensor, untrackTensor } from './scope.js';
import { isContiguousLayout, shapeSize } from './shape.js';
import * as E from './ops/elementwise.js';
import * as R from './ops/reduce.js';
import * as V from './ops/views.js';
import * as L from './ops/linalg.js';
import * as I from './ops/indexing.js';
import * as F from './ops/functional.js';
import * as C from './ops/convert.js';
import * as P from './ops/inplace.js';

/** A tensor or a plain number used as a scalar operand.
 * @example
 * ```ts
 * import { tensor, type TensorLike } from '@fackel/tensor';
 * const ops: TensorLike[] = [tensor([1, 2]), 3];
 * ```
 */
export type TensorLike = Tensor | number;

/** The result of `max(dim)`, `min(dim)`, `sort` and `topk`: values and int32 indices,
 * readable by name or by destructuring (`const [values, indices] = x.max(1)`).
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const { values, indices } = tensor([[1, 5], [7, 2]]).max(1);
 * const [v, i] = tensor([[1, 5], [7, 2]]).max(1);
 * ```
 */
export class ValuesIndices {
  constructor(
    readonly values: Tensor,
    readonly indices: Tensor,
  ) {}
  *[Symbol.iterator](): Iterator<Tensor> {
    yield this.values;
    yield this.indices;
  }
}

interface Held {
  storage: Storage;
  device: Device;
}
// Safety net only: a tensor that is garbage-collected without dispose() returns its storage.
const leakRegistry = new FinalizationRegistry<Held>((h) => {
  h.device.liveTensors--;
  h.storage.release();
});

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
  /** Always true; lets code recognise tensors without `instanceof`. */
  readonly isTensor = true as const;
  readonly shape: readonly number[];
  /** Element strides of each dimension. */
  readonly strides: readonly number[];
  /** Element offset of the first element in the storage. */
  readonly offset: number;
  readonly dtype: DType;
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
    leakRegistry.register(this, { storage, device: storage.device }, this);
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
    return this.shape[d]!;
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
    leakRegistry.unregister(this);
    untrackTensor(this);
    this.device.liveTensors--;
    s.release();
    if (this.grad !== null) {
      this.grad.dispose();
      this.grad = null;
    }
  }

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
      throw new FackelError("backward: autograd is not enabled. Import { enableAutograd } from '@fackel/autograd' and call it once, or use the 'fackel' package, which enables it");
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
    if (!this.isLeaf) this.retainsGrad = true;
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

  /** A readable summary; with values when the device can read synchronously. */
  toString(): string {
    return C.format(this);
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
  add(other: TensorLike, alpha?: number): Tensor { return E.add(this, other, alpha); }
  sub(other: TensorLike, alpha?: number): Tensor { return E.sub(this, other, alpha); }
  mul(other: TensorLike): Tensor { return E.mul(this, other); }
  div(other: TensorLike): Tensor { return E.div(this, other); }
  pow(exponent: TensorLike): Tensor { return E.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return E.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return E.minimum(this, other); }
  fmod(other: TensorLike): Tensor { return E.fmod(this, other); }
  eq(other: TensorLike): Tensor { return E.eq(this, other); }
  ne(other: TensorLike): Tensor { return E.ne(this, other); }
  lt(other: TensorLike): Tensor { return E.lt(this, other); }
  le(other: TensorLike): Tensor { return E.le(this, other); }
  gt(other: TensorLike): Tensor { return E.gt(this, other); }
  ge(other: TensorLike): Tensor { return E.ge(this, other); }
  logicalAnd(other: TensorLike): Tensor { return E.logicalAnd(this, other); }
  logicalOr(other: TensorLike): Tensor { return E.logicalOr(this, other); }
  neg(): Tensor { return E.neg(this); }
  abs(): Tensor { return E.abs(this); }
  sign(): Tensor { return E.sign(this); }
  exp(): Tensor { return E.exp(this); }
  log(): Tensor { return E.log(this); }
  sqrt(): Tensor { return E.sqrt(this); }
  rsqrt(): Tensor { return E.rsqrt(this); }
  reciprocal(): Tensor { return E.reciprocal(this); }
  square(): Tensor { return E.square(this); }
  tanh(): Tensor { return E.tanh(this); }
  sigmoid(): Tensor { return E.sigmoid(this); }
  relu(): Tensor { return E.relu(this); }
  erf(): Tensor { return E.erf(this); }
  sin(): Tensor { return E.sin(this); }
  cos(): Tensor { return E.cos(this); }
  floor(): Tensor { return E.floor(this); }
  ceil(): Tensor { return E.ceil(this); }
  round(): Tensor { return E.round(this); }
  log1p(): Tensor { return E.log1p(this); }
  expm1(): Tensor { return E.expm1(this); }
  logicalNot(): Tensor { return E.logicalNot(this); }
  isnan(): Tensor { return E.isnan(this); }
  /** Clamps into [min, max]; either bound may be omitted (null/undefined). */
  clamp(min?: number | null, max?: number | null): Tensor { return E.clamp(this, min, max); }
  /** PyTorch's `x.where(condition, other)`: this tensor's elements where `condition` is true, else `other`. */
  where(condition: Tensor, other: TensorLike): Tensor { return E.where(condition, this, other); }
  /** Replaces elements where `mask` is true by `value`. */
  maskedFill(mask: Tensor, value: number): Tensor { return E.maskedFill(this, mask, value); }

  // ---------------------------------------------------------------- reductions
  sum(dim?: number | readonly number[] | null, keepdim = false): Tensor { return R.sum(this, dim, keepdim); }
  mean(dim?: number | readonly number[] | null, keepdim = false): Tensor { return R.mean(this, dim, keepdim); }
  prod(dim?: number | readonly number[] | null, keepdim = false): Tensor { return R.prod(this, dim, keepdim); }
  /** The maximum of all elements, or `{ values, indices }` along `dim`. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices { return dim === undefined ? R.amax(this) : R.maxDim(this, dim, keepdim); }
  /** The minimum of all elements, or `{ values, indices }` along `dim`. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices { return dim === undefined ? R.amin(this) : R.minDim(this, dim, keepdim); }
  /** Maximum over dims without indices (PyTorch's `amax`). */
  amax(dim?: number | readonly number[] | null, keepdim = false): Tensor { return R.amax(this, dim, keepdim); }
  /** Minimum over dims without indices (PyTorch's `amin`). */
  amin(dim?: number | readonly number[] | null, keepdim = false): Tensor { return R.amin(this, dim, keepdim); }
  argmax(dim?: number | null, keepdim = false): Tensor { return R.argmax(this, dim, keepdim); }
  argmin(dim?: number | null, keepdim = false): Tensor { return R.argmin(this, dim, keepdim); }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return R.logsumexp(this, dim, keepdim); }
  var(dim?: number | readonly number[] | null, unbiased = true, keepdim = false): Tensor { return R.variance(this, dim, unbiased, keepdim); }
  std(dim?: number | readonly number[] | null, unbiased = true, keepdim = false): Tensor { return R.std(this, dim, unbiased, keepdim); }
  norm(p = 2, dim?: number | readonly number[] | null, keepdim = false): Tensor { return R.norm(this, p, dim, keepdim); }
  cumsum(dim: number): Tensor { return I.cumsum(this, dim); }
  sort(dim = -1, descending = false): ValuesIndices { return I.sort(this, dim, descending); }
  topk(k: number, dim = -1, largest = true): ValuesIndices { return I.topk(this, k, dim, largest); }

  // ---------------------------------------------------------------- linear algebra
  matmul(other: Tensor): Tensor { return L.matmul(this, other); }
  bmm(other: Tensor): Tensor { return L.bmm(this, other); }
  /** Transpose of a 2-D tensor (0-D and 1-D are returned as they are). */
  t(): Tensor { return V.t(this); }
  /** Swaps the last two dimensions. */
  get mT(): Tensor { return V.transpose(this, -2, -1); }

  // ---------------------------------------------------------------- views
  reshape(shape: readonly number[]): Tensor { return V.reshape(this, shape); }
  view(shape: readonly number[]): Tensor { return V.view(this, shape); }
  transpose(dim0: number, dim1: number): Tensor { return V.transpose(this, dim0, dim1); }
  permute(dims: readonly number[]): Tensor { return V.permute(this, dims); }
  narrow(dim: number, start: number, length: number): Tensor { return V.narrow(this, dim, start, length); }
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor { return V.slice(this, dim, start, end, step); }
  select(dim: number, index: number): Tensor { return V.select(this, dim, index); }
  expand(shape: readonly number[]): Tensor { return V.expand(this, shape); }
  expandAs(other: Tensor): Tensor { return V.expand(this, other.shape); }
  squeeze(dim?: number | readonly number[]): Tensor { return V.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return V.unsqueeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Tensor { return V.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return V.unflatten(this, dim, sizes); }

  // ---------------------------------------------------------------- indexing and joining
  gather(dim: number, index: Tensor): Tensor { return I.gather(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return I.indexSelect(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return I.scatterAdd(this, dim, index, src); }
  split(splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] { return I.split(this, splitSizeOrSections, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return I.chunk(this, chunks, dim); }
  softmax(dim: number): Tensor { return F.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return F.logSoftmax(this, dim); }

  // ---------------------------------------------------------------- in place (not recorded by autograd)
  /** Copies `src` (broadcast to this shape) into this tensor. */
  copy_(src: TensorLike): this { return P.copy_(this, src); }
  fill_(value: number): this { return P.copy_(this, value); }
  zero_(): this { return P.copy_(this, 0); }
  add_(other: TensorLike, alpha?: number): this { return P.inplace(this, 'add_', () => E.add(this, other, alpha)); }
  sub_(other: TensorLike, alpha?: number): this { return P.inplace(this, 'sub_', () => E.sub(this, other, alpha)); }
  mul_(other: TensorLike): this { return P.inplace(this, 'mul_', () => E.mul(this, other)); }
  div_(other: TensorLike): this { return P.inplace(this, 'div_', () => E.div(this, other)); }
  clamp_(min?: number | null, max?: number | null): this { return P.inplace(this, 'clamp_', () => E.clamp(this, min, max)); }
  maskedFill_(mask: Tensor, value: number): this { return P.inplace(this, 'maskedFill_', () => E.maskedFill(this, mask, value)); }
}

/** Nested arrays of numbers or booleans, as returned by `tolist()`.
 * @example
 * ```ts
 * import type { NestedArray } from '@fackel/tensor';
 * const a: NestedArray = [[1, 2], [3, 4]];
 * ```
 */
export type NestedArray = number | boolean | NestedArray[];
