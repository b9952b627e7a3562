import { tensor, tidy, type Tensor } from '@fackel/tensor';
import { datasetLength, type Dataset } from './dataset.js';

/**
 * Where a scaler learns its statistics: rows of numbers (arrays or typed arrays), or a
 * dataset whose items are rows or `[features, label]` pairs (such as a {@link Subset} of a
 * {@link CsvDataset} — fit on the training split only).
 *
 * @example
 * ```ts
 * import type { ScalerSource } from '@fackel/data';
 * const rows: ScalerSource = [[1, 2], [3, 4]];
 * ```
 */
export type ScalerSource = Iterable<ArrayLike<number>> | Dataset<unknown>;

function isArrayLikeOfNumbers(x: unknown): x is ArrayLike<number> {
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return true;
  return Array.isArray(x) && (x.length === 0 || typeof x[0] === 'number');
}

function pickRow(item: unknown, where: string): ArrayLike<number> {
  if (isArrayLikeOfNumbers(item)) return item;
  if (Array.isArray(item) && isArrayLikeOfNumbers(item[0])) return item[0];
  throw new TypeError(
    `${where}: cannot find a feature row in this item; a scaler is fitted on rows of numbers or on items [features, label] whose features are an array or typed array`,
  );
}

function* rowsOf(source: ScalerSource, pick?: (item: unknown) => ArrayLike<number>): Generator<ArrayLike<number>> {
  if (typeof source === 'object' && source !== null && typeof (source as Dataset<unknown>).getItem === 'function') {
    const ds = source as Dataset<unknown>;
    const n = datasetLength(ds);
    for (let i = 0; i < n; i++) {
      const item = ds.getItem(i);
      if (item instanceof Promise) throw new TypeError('a scaler cannot be fitted on a dataset whose getItem returns a promise; collect the rows first');
      yield pick ? pick(item) : pickRow(item, `item ${i}`);
    }
    return;
  }
  if (typeof source !== 'object' || source === null || typeof (source as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError('a scaler is fitted on an array of rows or on a Dataset');
  }
  for (const row of source as Iterable<unknown>) yield pick ? pick(row) : pickRow(row, 'row');
}

/** Per-column statistics in one pass (Welford for mean/variance). */
function columnStats(source: ScalerSource, pick?: (item: unknown) => ArrayLike<number>) {
  let n = 0;
  let width = -1;
  let mean: Float64Array = new Float64Array(0);
  let m2: Float64Array = new Float64Array(0);
  let min: Float64Array = new Float64Array(0);
  let max: Float64Array = new Float64Array(0);
  for (const row of rowsOf(source, pick)) {
    if (width < 0) {
      width = row.length;
      if (width === 0) throw new TypeError('cannot fit a scaler on rows with no features');
      mean = new Float64Array(width);
      m2 = new Float64Array(width);
      min = new Float64Array(width).fill(Infinity);
      max = new Float64Array(width).fill(-Infinity);
    } else if (row.length !== width) {
      throw new TypeError(`row ${n} has ${row.length} features, but the first row has ${width}; all rows must have the same length`);
    }
    n++;
    for (let j = 0; j < width; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`row ${n - 1}, feature ${j} is ${String(v)}; a scaler needs finite numbers`);
      const d = v - mean[j];
      mean[j] += d / n;
      m2[j] += d * (v - mean[j]);
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
    }
  }
  if (n === 0) throw new TypeError('cannot fit a scaler on no rows (the training split is empty)');
  return { n, width, mean, m2, min, max };
}

/**
 * A scaler's state as plain JSON, to be saved next to a model's weights (the statistics of
 * the training split must be reused unchanged at inference time).
 *
 * @example
 * ```ts
 * import { StandardScaler, scalerFromJSON, type ScalerJSON } from '@fackel/data';
 * const saved = JSON.stringify(StandardScaler.fit([[1, 10], [3, 30]]));
 * const json: ScalerJSON = JSON.parse(saved);
 * const scaler = scalerFromJSON(json);
 * ```
 */
export type ScalerJSON =
  | {
      /** The scaler's kind. */
      type: 'StandardScaler';
      /** Format version (1). */
      version: 1;
      /** Per-column mean of the data it was fitted on. */
      mean: number[];
      /** Per-column standard deviation (population). */
      std: number[];
    }
  | {
      /** The scaler's kind. */
      type: 'MinMaxScaler';
      /** Format version (1). */
      version: 1;
      /** Per-column minimum of the data it was fitted on. */
      min: number[];
      /** Per-column maximum. */
      max: number[];
      /** The target interval `[low, high]`. */
      range: [number, number];
    };

/**
 * What both scalers share: `transform` maps features `x` to `x * scale + shift` per column,
 * `inverseTransform` undoes it.
 *
 * @example
 * ```ts
 * import { StandardScaler, type Scaler } from '@fackel/data';
 * const s: Scaler = StandardScaler.fit([[1], [3]]);
 * ```
 */
export abstract class Scaler {
  /** Per-column multiplier. */
  readonly scale: Float64Array;
  /** Per-column offset added after multiplying. */
  readonly shift: Float64Array;

  protected constructor(scale: Float64Array, shift: Float64Array) {
    this.scale = scale;
    this.shift = shift;
  }

  /** Number of feature columns the scaler was fitted on. */
  get numFeatures(): number {
    return this.scale.length;
  }

  private check(x: ArrayLike<number>): void {
    const f = this.scale.length;
    if (x.length % f !== 0) {
      throw new TypeError(`the scaler was fitted on ${f} features, but got ${x.length} values (not one row or a whole number of rows of ${f})`);
    }
  }

  /**
   * Scales one row, or several rows stored one after another, into a new `Float32Array`.
   *
   * @example
   * ```ts
   * import { StandardScaler } from '@fackel/data';
   * const scaler = StandardScaler.fromStats([120, 70], [30, 12]);
   * const x = scaler.transform(Float32Array.of(148, 72)); // Float32Array [0.933…, 0.166…]
   * ```
   */
  transform(x: ArrayLike<number>): Float32Array {
    this.check(x);
    const f = this.scale.length;
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i] * this.scale[i % f] + this.shift[i % f];
    return out;
  }

  /**
   * Scales a tensor whose last dimension holds the features (`[..., numFeatures]`), on the
   * tensor's device; returns a new `float32` tensor.
   *
   * @example
   * ```ts
   * import { tensor } from '@fackel/tensor';
   * import { StandardScaler } from '@fackel/data';
   * const scaler = StandardScaler.fromStats([120, 70], [30, 12]);
   * const x = tensor([[148, 72], [85, 66]]);
   * const xs = scaler.transformTensor(x); // x: [B, numFeatures]
   * ```
   */
  transformTensor(x: Tensor): Tensor {
    const f = this.scale.length;
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== f) {
      throw new TypeError(`the scaler was fitted on ${f} features, but the tensor has shape [${x.shape.join(', ')}] (the last dimension must be ${f})`);
    }
    const scale = Float32Array.from(this.scale);
    const shift = Float32Array.from(this.shift);
    return tidy(() =>
      x
        .float()
        .mul(tensor(scale, { device: x.device }))
        .add(tensor(shift, { device: x.device })),
    );
  }

  /**
   * Maps scaled values back to the original units.
   *
   * @example
   * ```ts
   * import { MinMaxScaler } from '@fackel/data';
   * const scaler = MinMaxScaler.fit([[0, 5], [10, 7]]);
   * const row = [2, 6];
   * const original = scaler.inverseTransform(scaler.transform(row)); // Float32Array [2, 6]
   * ```
   */
  inverseTransform(x: ArrayLike<number>): Float32Array {
    this.check(x);
    const f = this.scale.length;
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = (x[i] - this.shift[i % f]) / this.scale[i % f];
    return out;
  }

  /** The state as JSON (see {@link ScalerJSON}). */
  abstract toJSON(): ScalerJSON;
}

/**
 * Standardises features to mean 0 and standard deviation 1 per column, like scikit-learn's
 * `StandardScaler`: the population standard deviation (divide by n) is used, and a constant
 * column (std 0) is only centred, never divided by zero. Fit it on the training split only.
 *
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import { CsvDataset, MapDataset, StandardScaler, randomSplit } from '@fackel/data';
 * const data = await CsvDataset.load('houses.csv', { label: 'price' });
 * const [train] = randomSplit(data, [0.8, 0.2], new Generator(0)); // fit on the training part only
 * const scaler = StandardScaler.fit(train);
 * const scaledTrain = new MapDataset(train, ([x, y]) => [scaler.transform(x), y] as const);
 * const saved = JSON.stringify(scaler);                  // store it with the model
 * ```
 */
export class StandardScaler extends Scaler {
  /** Per-column mean of the training data. */
  readonly mean: readonly number[];
  /** Per-column population standard deviation of the training data. */
  readonly std: readonly number[];

  private constructor(mean: number[], std: number[]) {
    const scale = new Float64Array(mean.length);
    const shift = new Float64Array(mean.length);
    for (let j = 0; j < mean.length; j++) {
      const s = std[j] > 0 ? std[j] : 1;
      scale[j] = 1 / s;
      shift[j] = -mean[j] / s;
    }
    super(scale, shift);
    this.mean = Object.freeze(mean);
    this.std = Object.freeze(std);
  }

  /**
   * Learns mean and standard deviation from rows or a dataset (see {@link ScalerSource});
   * `pick` selects the features of an item when the default (the item itself, or its first
   * element) does not fit.
   *
   * @example
   * ```ts
   * import { StandardScaler } from '@fackel/data';
   * const scaler = StandardScaler.fit([[1, 10], [3, 30]]); // mean [2, 20], std [1, 10]
   * ```
   */
  static fit<T = unknown>(source: Iterable<ArrayLike<number>> | Dataset<T>, pick?: (item: T) => ArrayLike<number>): StandardScaler {
    const s = columnStats(source as ScalerSource, pick as ((item: unknown) => ArrayLike<number>) | undefined);
    const std = Array.from(s.m2, (v) => Math.sqrt(v / s.n));
    return new StandardScaler(Array.from(s.mean), std);
  }

  /**
   * A scaler with given statistics.
   *
   * @example
   * ```ts
   * import { StandardScaler } from '@fackel/data';
   * const s = StandardScaler.fromStats([2, 20], [1, 10]);
   * ```
   */
  static fromStats(mean: readonly number[], std: readonly number[]): StandardScaler {
    if (!Array.isArray(mean) || !Array.isArray(std) || mean.length !== std.length || mean.length === 0) {
      throw new TypeError('StandardScaler needs mean and std arrays of the same, non-zero length');
    }
    if (![...mean, ...std].every((v) => typeof v === 'number' && Number.isFinite(v)) || std.some((v) => v < 0)) {
      throw new TypeError('StandardScaler: mean and std must be finite numbers, std non-negative');
    }
    return new StandardScaler([...mean], [...std]);
  }

  toJSON(): ScalerJSON {
    return { type: 'StandardScaler', version: 1, mean: [...this.mean], std: [...this.std] };
  }
}

/**
 * Scales each feature column linearly so that the training data's minimum and maximum map to
 * `range` (default `[0, 1]`; hunkim's diabetes data uses `[-1, 1]`). A constant column maps
 * to the low end of the range. Values outside the training range map outside `range`.
 *
 * @example
 * ```ts
 * import { MinMaxScaler } from '@fackel/data';
 * const train = [[0, 5], [10, 7], [4, 6]];
 * const scaler = MinMaxScaler.fit(train, { range: [-1, 1] });
 * scaler.transform([0, 7]); // Float32Array [-1, 1]: each column's minimum and maximum map to the range's ends
 * ```
 */
export class MinMaxScaler extends Scaler {
  /** Per-column minimum of the training data. */
  readonly min: readonly number[];
  /** Per-column maximum of the training data. */
  readonly max: readonly number[];
  /** Target interval. */
  readonly range: readonly [number, number];

  private constructor(min: number[], max: number[], range: [number, number]) {
    const scale = new Float64Array(min.length);
    const shift = new Float64Array(min.length);
    const [lo, hi] = range;
    for (let j = 0; j < min.length; j++) {
      const span = max[j] - min[j];
      scale[j] = span > 0 ? (hi - lo) / span : 1;
      shift[j] = lo - min[j] * scale[j];
    }
    super(scale, shift);
    this.min = Object.freeze(min);
    this.max = Object.freeze(max);
    this.range = Object.freeze([lo, hi]) as readonly [number, number];
  }

  private static checkRange(range: readonly number[]): [number, number] {
    if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || !(range[0] < range[1])) {
      throw new TypeError(`range must be [low, high] with low < high, got ${JSON.stringify(range)}`);
    }
    return [range[0], range[1]];
  }

  /**
   * Learns per-column minimum and maximum from rows or a dataset (see {@link ScalerSource}).
   *
   * @example
   * ```ts
   * import { MinMaxScaler } from '@fackel/data';
   * const s = MinMaxScaler.fit([[0, 5], [10, 7]]);
   * s.transform([5, 6]); // Float32Array [0.5, 0.5]
   * ```
   */
  static fit<T = unknown>(
    source: Iterable<ArrayLike<number>> | Dataset<T>,
    options: { range?: readonly [number, number]; pick?: (item: T) => ArrayLike<number> } = {},
  ): MinMaxScaler {
    const range = MinMaxScaler.checkRange(options.range ?? [0, 1]);
    const s = columnStats(source as ScalerSource, options.pick as ((item: unknown) => ArrayLike<number>) | undefined);
    return new MinMaxScaler(Array.from(s.min), Array.from(s.max), range);
  }

  /**
   * A scaler with given column ranges.
   *
   * @example
   * ```ts
   * import { MinMaxScaler } from '@fackel/data';
   * const glucose = MinMaxScaler.fromStats([0], [199], [-1, 1]);
   * ```
   */
  static fromStats(min: readonly number[], max: readonly number[], range: readonly [number, number] = [0, 1]): MinMaxScaler {
    if (!Array.isArray(min) || !Array.isArray(max) || min.length !== max.length || min.length === 0) {
      throw new TypeError('MinMaxScaler needs min and max arrays of the same, non-zero length');
    }
    if (![...min, ...max].every((v) => typeof v === 'number' && Number.isFinite(v)) || min.some((v, j) => v > max[j])) {
      throw new TypeError('MinMaxScaler: min and max must be finite numbers with min <= max in every column');
    }
    return new MinMaxScaler([...min], [...max], MinMaxScaler.checkRange(range));
  }

  toJSON(): ScalerJSON {
    return { type: 'MinMaxScaler', version: 1, min: [...this.min], max: [...this.max], range: [this.range[0], this.range[1]] };
  }
}

/**
 * Rebuilds a scaler from {@link Scaler.toJSON}'s output (or its `JSON.stringify` text).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { scalerFromJSON } from '@fackel/data';
 * const scaler = scalerFromJSON(JSON.parse(readFileSync('model.scaler.json', 'utf8')));
 * ```
 */
export function scalerFromJSON(json: ScalerJSON | string): StandardScaler | MinMaxScaler {
  const j = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<ScalerJSON> & { type?: unknown; version?: unknown };
  if (typeof j !== 'object' || j === null) throw new TypeError('scalerFromJSON expects the object that scaler.toJSON() returned');
  if (j.version !== 1) throw new TypeError(`unsupported scaler version ${String(j.version)} (this library reads version 1)`);
  if (j.type === 'StandardScaler') {
    const s = j as Extract<ScalerJSON, { type: 'StandardScaler' }>;
    return StandardScaler.fromStats(s.mean, s.std);
  }
  if (j.type === 'MinMaxScaler') {
    const s = j as Extract<ScalerJSON, { type: 'MinMaxScaler' }>;
    return MinMaxScaler.fromStats(s.min, s.max, s.range);
  }
  throw new TypeError(`unknown scaler type ${JSON.stringify(j.type)} (expected "StandardScaler" or "MinMaxScaler")`);
}
