import type { Device } from '../device.js';
import type { DType, TypedArray } from '../dtype.js';
import { INT32_MAX, INT32_MIN, arrayType, checkedValue, isDType, isFloatingPoint } from '../dtype.js';
import { DTypeError, FackelError, ShapeError, fmtShape } from '../errors.js';
import { type Generator, defaultGenerator, shuffledRange } from '../random.js';
import { checkShape, shapeSize } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { isTensor } from '../tensor-like.js';
import { checkDeviceDType, resolveDevice, wrap } from './core.js';

/** Options of the creation functions.
 * @example
 * ```ts
 * import { zeros, type TensorOptions } from '@fackel/tensor';
 * const opts: TensorOptions = { dtype: 'int32', device: 'cpu' };
 * zeros([2], opts);
 * ```
 */
export interface TensorOptions {
  /** Element type; see each function for its default. */
  dtype?: DType;
  /** Device name or object; the default device when omitted. */
  device?: string | Device;
  /** Make the result a leaf that records gradients (float dtypes only). */
  requiresGrad?: boolean;
}

/** Options of the random creation functions.
 * @example
 * ```ts
 * import { rand, Generator, type RandomOptions } from '@fackel/tensor';
 * const opts: RandomOptions = { generator: new Generator(1) };
 * rand([2], opts);
 * ```
 */
export interface RandomOptions extends TensorOptions {
  /** Generator to draw from; the default generator (seeded by `manualSeed`) when omitted. */
  generator?: Generator;
}

/** Nested arrays of numbers or booleans accepted by `tensor`.
 * @example
 * ```ts
 * import type { TensorData } from '@fackel/tensor';
 * const d: TensorData = [[1, 2], [3, 4]];
 * ```
 */
export type TensorData = number | boolean | TypedArray | readonly TensorData[];

/**
 * The most dimensions `tensor()` accepts from nested arrays. Deeper nesting is almost always
 * a mistake (or a cyclic array); it is refused with a clear error instead of a stack overflow.
 */
const MAX_NESTING = 64;

/** `' at [1, 0]'`: the position of flat element `i` of a tensor of `shape`, for messages. */
function positionOf(i: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    idx[d] = rest % n;
    rest = Math.floor(rest / n);
  }
  return shape.length === 0 ? '' : ` at [${idx.join(', ')}]`;
}

/** @internal Makes a tensor from host data of the right length (int32 data is checked for overflow). */
export function fromHost(host: TypedArray, shape: readonly number[], dtype: DType, options: TensorOptions, op: string): Tensor {
  checkShape(shape, op, dtype);
  const device = resolveDevice(options.device);
  checkDeviceDType(device, dtype, op);
  let data = host;
  const Ctor = arrayType(dtype);
  if (!(data instanceof Ctor)) {
    const conv = new Ctor(host.length);
    if (dtype === 'bool')
      for (let i = 0; i < host.length; i++) conv[i] = host[i] !== 0 ? 1 : 0; // NaN is true, as in a cast
    else if (dtype === 'int32') {
      for (let i = 0; i < host.length; i++) {
        const v = host[i];
        // NaN fails both comparisons.
        conv[i] = v >= INT32_MIN && v <= INT32_MAX ? Math.trunc(v) : checkedValue(v, dtype, op, positionOf(i, shape));
      }
    } else conv.set(host);
    data = conv;
  }
  const buf = device.backend.alloc(dtype, data.length);
  if (data.length > 0) device.backend.write(buf, dtype, data, 0);
  return finish(wrap(device, buf, dtype, shape), options, op);
}

function finish(t: Tensor, options: TensorOptions, op: string): Tensor {
  if (options.requiresGrad) {
    if (!isFloatingPoint(t.dtype)) {
      t.dispose();
      throw new DTypeError(`${op}: only floating-point tensors can require gradients (got dtype ${t.dtype})`);
    }
    t.requiresGrad = true;
  }
  return t;
}

function checkOptions(options: unknown, op: string): TensorOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new FackelError(`${op}: options must be an object like { dtype, device, requiresGrad }, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  const o = options as TensorOptions;
  if (o.dtype !== undefined && !isDType(o.dtype)) throw new DTypeError(`${op}: unknown dtype '${String(o.dtype)}' (expected float32, int32, bool or float64)`);
  return o;
}

/**
 * Creates a tensor from nested arrays, a number, a boolean, or a typed array (1-D; reshape
 * it afterwards). Numbers default to `float32` (JavaScript does not tell 1 from 1.0), booleans
 * to `bool`, `Int32Array` to `int32`, `Uint8Array` to `bool`; pass `dtype` to choose.
 *
 * As in PyTorch, numbers stored as `int32` are truncated toward zero, and a value the dtype
 * cannot hold (NaN, ±Infinity, outside −2^31 … 2^31−1) throws, naming its position (a cast
 * with `.to('int32')` truncates without a check). Nested arrays may be at most 64 levels deep,
 * and a tensor holds at most {@link MAX_NUMEL} elements (as every creation function checks).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const x = tensor([[1, 2], [3, 4]]);
 * const labels = tensor([0, 2, 1], { dtype: 'int32' });
 * const w = tensor([0.5], { requiresGrad: true });
 * ```
 */
export function tensor(data: TensorData, options?: TensorOptions): Tensor {
  const opts = checkOptions(options, 'tensor');
  if (isTensor(data)) throw new FackelError('tensor: got a Tensor; use t.clone() or t.detach() instead');
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    const dtype = opts.dtype ?? (arr instanceof Int32Array ? 'int32' : arr instanceof Uint8Array ? 'bool' : 'float32');
    return fromHost(arr, [arr.length], dtype, opts, 'tensor');
  }
  const shape: number[] = [];
  let probe: TensorData = data;
  while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
    const p = probe as readonly TensorData[];
    if (shape.length === MAX_NESTING) {
      throw new ShapeError(
        `tensor: the nested arrays are more than ${MAX_NESTING} levels deep (or cyclic); a tensor made from nested arrays has at most ${MAX_NESTING} dimensions`,
      );
    }
    shape.push(p.length);
    if (p.length === 0) break;
    probe = p[0];
  }
  const size = shapeSize(checkShape(shape, 'tensor', opts.dtype ?? 'float32'));
  const flat = new Float64Array(size);
  let pos = 0;
  let sawBool = false;
  let sawNumber = false;
  const walk = (x: TensorData, d: number, path: string): void => {
    if (d === shape.length) {
      if (typeof x === 'number') sawNumber = true;
      else if (typeof x === 'boolean') sawBool = true;
      else
        throw new FackelError(
          `tensor: expected a number or boolean at ${path || 'the top level'}, got ${Array.isArray(x) ? 'an array (the nesting is ragged)' : typeof x}`,
        );
      flat[pos++] = Number(x);
      return;
    }
    const len = (x as readonly TensorData[]).length;
    if (!(Array.isArray(x) || ArrayBuffer.isView(x)) || len !== shape[d]) {
      throw new ShapeError(
        `tensor: expected a sequence of length ${shape[d]} at ${path || 'the top level'} (dim ${d}), got ${Array.isArray(x) || ArrayBuffer.isView(x) ? `length ${len}` : typeof x}; nested arrays must be rectangular`,
      );
    }
    for (let i = 0; i < len; i++) walk((x as readonly TensorData[])[i], d + 1, `${path}[${i}]`);
  };
  walk(data, 0, '');
  const dtype = opts.dtype ?? (sawBool && !sawNumber ? 'bool' : 'float32');
  return fromHost(flat, shape, dtype, opts, 'tensor');
}

function filled(shape: readonly number[], value: number, dtype: DType, options: TensorOptions, op: string): Tensor {
  const s = checkShape(shape, op, dtype);
  const device = resolveDevice(options.device);
  checkDeviceDType(device, dtype, op);
  const v = checkedValue(value, dtype, op);
  const n = shapeSize(s);
  const buf = v === 0 ? device.backend.alloc(dtype, n) : device.backend.fill(dtype, n, v);
  return finish(wrap(device, buf, dtype, s), options, op);
}

/**
 * A tensor of zeros (float32 unless `dtype` says otherwise).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * zeros([2, 3]);
 * ```
 */
export function zeros(shape: readonly number[], options?: TensorOptions): Tensor {
  const o = checkOptions(options, 'zeros');
  return filled(shape, 0, o.dtype ?? 'float32', o, 'zeros');
}

/**
 * A tensor of ones.
 *
 * @example
 * ```ts
 * import { ones } from '@fackel/tensor';
 * ones([3], { dtype: 'int32' });
 * ```
 */
export function ones(shape: readonly number[], options?: TensorOptions): Tensor {
  const o = checkOptions(options, 'ones');
  return filled(shape, 1, o.dtype ?? 'float32', o, 'ones');
}

/**
 * A tensor filled with `value` (dtype float32, or bool for a boolean value). An `int32`
 * value is truncated toward zero; NaN, ±Infinity or one outside the int32 range throws.
 *
 * @example
 * ```ts
 * import { full } from '@fackel/tensor';
 * full([2, 2], 7);
 * ```
 */
export function full(shape: readonly number[], value: number | boolean, options?: TensorOptions): Tensor {
  const o = checkOptions(options, 'full');
  return filled(shape, Number(value), o.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32'), o, 'full');
}

/** Zeros with the shape, dtype and device of `t` (each overridable).
 * @example
 * ```ts
 * import { zerosLike, ones } from '@fackel/tensor';
 * zerosLike(ones([2, 3]));
 * ```
 */
export function zerosLike(t: Tensor, options?: TensorOptions): Tensor {
  return fullLike(t, 0, options);
}

/** Ones with the shape, dtype and device of `t`.
 * @example
 * ```ts
 * import { onesLike, zeros } from '@fackel/tensor';
 * onesLike(zeros([2]));
 * ```
 */
export function onesLike(t: Tensor, options?: TensorOptions): Tensor {
  return fullLike(t, 1, options);
}

/** `value` everywhere, with the shape, dtype and device of `t`.
 * @example
 * ```ts
 * import { fullLike, zeros } from '@fackel/tensor';
 * fullLike(zeros([2]), 5);
 * ```
 */
export function fullLike(t: Tensor, value: number, options?: TensorOptions): Tensor {
  const o = checkOptions(options, 'fullLike');
  return filled(t.shape, value, o.dtype ?? t.dtype, { device: t.device, ...o }, 'fullLike');
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) in steps of `step`; `arange(n)` counts
 * from 0. int32 when all arguments are integers, float32 otherwise.
 *
 * @example
 * ```ts
 * import { arange } from '@fackel/tensor';
 * arange(5); // [0, 1, 2, 3, 4] int32
 * arange(0, 1, 0.25); // [0, 0.25, 0.5, 0.75]
 * ```
 */
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, options?: TensorOptions): Tensor {
  let s = start;
  let e: number;
  let st = 1;
  let o: TensorOptions;
  if (typeof end !== 'number') {
    o = checkOptions(end, 'arange');
    e = s;
    s = 0;
  } else {
    e = end;
    if (typeof step === 'number') {
      st = step;
      o = checkOptions(options, 'arange');
    } else o = checkOptions(step, 'arange');
  }
  if (!Number.isFinite(s) || !Number.isFinite(e) || !Number.isFinite(st))
    throw new FackelError(`arange: start, end and step must be finite numbers (got ${s}, ${e}, ${st})`);
  if (st === 0) throw new FackelError('arange: step must be nonzero');
  if ((e - s) / st < 0) throw new FackelError(`arange: upper bound and larger bound inconsistent with step sign (start=${s}, end=${e}, step=${st})`);
  const n = Math.max(Math.ceil((e - s) / st), 0);
  const dtype = o.dtype ?? (Number.isInteger(s) && Number.isInteger(e) && Number.isInteger(st) ? 'int32' : 'float32');
  checkShape([n], 'arange', dtype);
  const host = new Float64Array(n);
  for (let i = 0; i < n; i++) host[i] = s + i * st;
  return fromHost(host, [n], dtype, o, 'arange');
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included.
 *
 * @example
 * ```ts
 * import { linspace } from '@fackel/tensor';
 * linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, end: number, steps: number, options?: TensorOptions): Tensor {
  const o = checkOptions(options, 'linspace');
  if (!Number.isInteger(steps) || steps < 0) throw new FackelError(`linspace: number of steps must be a non-negative integer, got ${steps}`);
  checkShape([steps], 'linspace', o.dtype ?? 'float32');
  const host = new Float64Array(steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  if (steps === 1) host[0] = start;
  // Fill symmetrically from both ends, as PyTorch does, so the end point is exact.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps && steps > 1; i++) host[i] = i < half ? start + delta * i : end - delta * (steps - 1 - i);
  return fromHost(host, [steps], o.dtype ?? 'float32', o, 'linspace');
}

/**
 * An `n × m` identity matrix (square when `m` is omitted).
 *
 * @example
 * ```ts
 * import { eye } from '@fackel/tensor';
 * eye(3);
 * ```
 */
export function eye(n: number, m?: number | TensorOptions, options?: TensorOptions): Tensor {
  const cols = typeof m === 'number' ? m : n;
  const o = checkOptions(typeof m === 'number' ? options : m, 'eye');
  checkShape([n, cols], 'eye', o.dtype ?? 'float32');
  const host = new Float64Array(n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) host[i * cols + i] = 1;
  return fromHost(host, [n, cols], o.dtype ?? 'float32', o, 'eye');
}

/**
 * A tensor of random values that `fill` draws from the options' generator into a host array:
 * a Float32Array for float32 (what `fromHost` stores), else a Float64Array that `fromHost`
 * converts (and checks) into the dtype.
 */
function randomTensor(
  shape: readonly number[],
  options: RandomOptions | undefined,
  op: string,
  fill: (g: Generator, host: Float32Array | Float64Array) => void,
  defaultDtype: DType = 'float32',
): Tensor {
  const o = checkOptions(options, op) as RandomOptions;
  const dtype = o.dtype ?? defaultDtype;
  const s = checkShape(shape, op, dtype);
  const n = shapeSize(s);
  const host = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  fill(o.generator ?? defaultGenerator, host);
  return fromHost(host, s, dtype, o, op);
}

/** A `fill` for {@link randomTensor} from a draw of one value. */
function each(draw: (g: Generator) => number): (g: Generator, host: Float32Array | Float64Array) => void {
  return (g, host) => {
    for (let i = 0; i < host.length; i++) host[i] = draw(g);
  };
}

/**
 * Uniform samples in [0, 1), drawn on the host from a seeded generator (so every device
 * gets the same numbers for the same seed).
 *
 * @example
 * ```ts
 * import { rand, manualSeed } from '@fackel/tensor';
 * manualSeed(0);
 * rand([2, 3]);
 * ```
 */
export function rand(shape: readonly number[], options?: RandomOptions): Tensor {
  return randomTensor(shape, options, 'rand', (g, host) => g.fillFloat32(host));
}

/**
 * Standard normal samples.
 *
 * @example
 * ```ts
 * import { randn, Generator } from '@fackel/tensor';
 * randn([3], { generator: new Generator(1) });
 * ```
 */
export function randn(shape: readonly number[], options?: RandomOptions): Tensor {
  return randomTensor(
    shape,
    options,
    'randn',
    each((g) => g.normal()),
  );
}

/**
 * Uniform random integers in [low, high), int32.
 *
 * @example
 * ```ts
 * import { randint } from '@fackel/tensor';
 * randint(0, 10, [5]);
 * ```
 */
export function randint(low: number, high: number, shape: readonly number[], options?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new FackelError(`randint: expected integers low < high, got low=${low}, high=${high}`);
  }
  // Checked before drawing, so that a refused call leaves the generator untouched.
  if ((options?.dtype ?? 'int32') === 'int32') {
    checkedValue(low, 'int32', 'randint', ' (low)');
    checkedValue(high - 1, 'int32', 'randint', ' (high - 1)');
  }
  return randomTensor(
    shape,
    options,
    'randint',
    each((g) => g.randint(low, high)),
    'int32',
  );
}

/**
 * A random permutation of `0 … n-1` (int32).
 *
 * @example
 * ```ts
 * import { randperm, Generator } from '@fackel/tensor';
 * randperm(5, { generator: new Generator(3) });
 * ```
 */
export function randperm(n: number, options?: RandomOptions): Tensor {
  const o = checkOptions(options, 'randperm') as RandomOptions;
  if (!Number.isInteger(n) || n < 0) throw new FackelError(`randperm: n must be a non-negative integer, got ${n}`);
  checkShape([n], 'randperm', o.dtype ?? 'int32');
  const g = o.generator ?? defaultGenerator;
  return fromHost(shuffledRange(n, g), [n], o.dtype ?? 'int32', o, 'randperm');
}

/**
 * Checks multinomial probabilities on the host, as PyTorch does: every entry finite and
 * non-negative, every row with a positive sum, and without replacement at least `numSamples`
 * positive entries per row. `p` holds `rows × c` values, row-major.
 */
function checkProbabilities(p: TypedArray, rows: number, c: number, numSamples: number, replacement: boolean, oneD: boolean): void {
  const rowName = (r: number): string => (oneD ? '' : ` in row ${r}`);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    let positive = 0;
    for (let j = 0; j < c; j++) {
      const v = p[r * c + j];
      if (!(v >= 0) || v === Infinity) {
        throw new FackelError(
          `multinomial: probability tensor contains either inf, nan or element < 0 (${v} at ${oneD ? `index ${j}` : `[${r}, ${j}]`}); expected finite, non-negative probabilities`,
        );
      }
      sum += v;
      if (v > 0) positive++;
    }
    if (!(sum > 0)) {
      throw new FackelError(
        `multinomial: invalid multinomial distribution (sum of probabilities <= 0)${rowName(r)}; expected at least one positive probability per row`,
      );
    }
    if (!replacement && positive < numSamples) {
      throw new FackelError(
        `multinomial: invalid multinomial distribution (with replacement=false, not enough categories to sample)${rowName(r)}: ${positive} of ${c} probabilities are positive, ${numSamples} samples were requested`,
      );
    }
  }
}

/**
 * Draws `numSamples` class indices per row from (unnormalised, non-negative) probabilities
 * `probs` of shape `[C]` or `[B, C]`. Runs on the tensor's device; uniforms come from the
 * seeded generator. Without replacement it uses the Gumbel-top-k trick.
 *
 * Invalid probabilities throw, naming the row, as in PyTorch: an entry that is negative, NaN
 * or infinite; a row whose probabilities sum to 0; without replacement, fewer positive
 * entries in a row than `numSamples`. The check reads the probabilities back synchronously,
 * so it runs on devices that allow that (the CPU). On a device that does not (WebGPU, whose
 * readback is asynchronous) the probabilities are not checked, and an invalid row yields
 * some index in `[0, C)`; check untrusted probabilities there yourself, e.g.
 * `(await probs.min().item()) >= 0`.
 *
 * @example
 * ```ts
 * import { multinomial, tensor, Generator } from '@fackel/tensor';
 * multinomial(tensor([0.1, 0.7, 0.2]), 1, false, { generator: new Generator(0) });
 * ```
 */
export function multinomial(probs: Tensor, numSamples: number, replacement = false, options: { generator?: Generator } = {}): Tensor {
  if (probs.ndim !== 1 && probs.ndim !== 2) throw new ShapeError(`multinomial: probs must be 1-D or 2-D, got shape ${fmtShape(probs.shape)}`);
  if (!isFloatingPoint(probs.dtype)) throw new DTypeError(`multinomial: probs must be floating point, got ${probs.dtype}`);
  const c = probs.shape[probs.ndim - 1];
  if (c === 0) throw new ShapeError(`multinomial: probs must have at least one category, got shape ${fmtShape(probs.shape)}`);
  if (!Number.isInteger(numSamples) || numSamples <= 0) throw new FackelError(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  if (!replacement && numSamples > c) throw new FackelError(`multinomial: cannot sample ${numSamples} > ${c} categories without replacement`);
  const rows = probs.ndim === 1 ? 1 : probs.shape[0];
  const backend = probs.device.backend;
  if (backend.readSync && rows > 0) checkProbabilities(backend.readSync(probs._view('multinomial')), rows, c, numSamples, replacement, probs.ndim === 1);
  const g = options.generator ?? defaultGenerator;
  const p2 = probs.ndim === 1 ? probs.reshape([1, c]) : probs;
  let idx: Tensor;
  if (replacement || numSamples === 1) {
    const cdf = p2.cumsum(1);
    const total = cdf.narrow(1, c - 1, 1);
    const u = rand([rows, numSamples], { generator: g, device: probs.device, dtype: probs.dtype });
    const thr = u.mul(total);
    // index = number of cdf entries <= threshold (skips zero-probability classes)
    const cmp = cdf.unsqueeze(1).le(thr.unsqueeze(2));
    const count = cmp.sum(2);
    idx = count.clamp(0, c - 1);
    for (const t of [cdf, total, u, thr, cmp, count]) t.dispose();
  } else {
    const u = rand([rows, c], { generator: g, device: probs.device, dtype: probs.dtype });
    const gumbel = u.clamp(1e-12, null).log().neg().log().neg();
    const keys = p2.log().add(gumbel);
    const top = keys.topk(numSamples, 1);
    idx = top.indices;
    for (const t of [u, gumbel, keys, top.values]) t.dispose();
  }
  if (p2 !== probs) p2.dispose();
  if (probs.ndim === 1) {
    const r = idx.reshape([numSamples]);
    idx.dispose();
    return r;
  }
  return idx;
}
