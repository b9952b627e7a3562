/**
 * A map-style dataset, as `torch.utils.data.Dataset`: a `length` and `getItem(index)` for
 * `0 <= index < length`. Extend it, or pass any object with those two members where a
 * `Dataset` is expected (the types are structural). `getItem` may return a promise; the
 * {@link DataLoader} awaits it.
 *
 * @example
 * ```ts
 * import { Dataset } from '@fackel/data';
 * class Squares extends Dataset<[number, number]> {
 *   get length() { return 10; }
 *   getItem(i: number): [number, number] { return [i, i * i]; }
 * }
 * ```
 */
export abstract class Dataset<T> {
  /** Number of items. */
  abstract get length(): number;
  /** The item at `index` (`0 <= index < length`). */
  abstract getItem(index: number): T;
}

/**
 * An iterable-style dataset, as `torch.utils.data.IterableDataset`: items come from an
 * async iterator (each call to `[Symbol.asyncIterator]()` starts a new pass), for sources too
 * large to index, such as {@link CsvDataset.stream}. A {@link DataLoader} batches them in
 * order; it cannot shuffle them.
 *
 * @example
 * ```ts
 * import type { IterableDataset } from '@fackel/data';
 * const counter: IterableDataset<number> = {
 *   async *[Symbol.asyncIterator]() { for (let i = 0; i < 5; i++) yield i; },
 * };
 * ```
 */
export interface IterableDataset<T> {
  /** Starts a new pass over the items. */
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

/** Throws a clear error unless `index` is an integer in `[0, length)`. */
export function checkIndex(index: number, length: number, what = 'dataset'): void {
  if (!Number.isInteger(index)) throw new TypeError(`${what} index must be an integer, got ${index}`);
  if (index < 0 || index >= length) {
    throw new RangeError(
      length === 0
        ? `${what} index ${index} is out of range: the ${what} is empty`
        : `${what} index ${index} is out of range for a ${what} of length ${length} (valid: 0 to ${length - 1})`,
    );
  }
}

/** Checks that something looks like a map-style dataset; returns its length. */
export function datasetLength(ds: unknown, what = 'dataset'): number {
  if (typeof ds !== 'object' || ds === null || typeof (ds as Dataset<unknown>).getItem !== 'function') {
    throw new TypeError(`${what} must be a Dataset (an object with length and getItem(index)), got ${ds === null ? 'null' : typeof ds}`);
  }
  const n = (ds as Dataset<unknown>).length;
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`${what}.length must be a non-negative integer, got ${String(n)}`);
  return n;
}

/**
 * A view of a dataset at the given indices, as `torch.utils.data.Subset`. Item `i` of the
 * subset is item `indices[i]` of the dataset.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { Subset, TensorDataset } from '@fackel/data';
 * const dataset = new TensorDataset(randn([100, 4]));
 * const firstTen = new Subset(dataset, Array.from({ length: 10 }, (_, i) => i));
 * ```
 */
export class Subset<T> extends Dataset<T> {
  /** The indices into {@link Subset.dataset}, in the subset's order. */
  readonly indices: readonly number[];

  constructor(
    /** The dataset the indices refer to. */
    readonly dataset: Dataset<T>,
    indices: ArrayLike<number>,
  ) {
    super();
    const n = datasetLength(dataset);
    const copy = Array.from(indices);
    for (const i of copy) checkIndex(i, n, 'Subset');
    this.indices = Object.freeze(copy);
  }

  get length(): number {
    return this.indices.length;
  }

  getItem(index: number): T {
    checkIndex(index, this.indices.length, 'Subset');
    return this.dataset.getItem(this.indices[index]);
  }
}

/**
 * Several datasets one after another, as `torch.utils.data.ConcatDataset`.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { ConcatDataset, TensorDataset } from '@fackel/data';
 * const trainA = new TensorDataset(randn([30, 4]));
 * const trainB = new TensorDataset(randn([20, 4]));
 * const all = new ConcatDataset([trainA, trainB]);
 * console.log(all.length === trainA.length + trainB.length); // true
 * ```
 */
export class ConcatDataset<T> extends Dataset<T> {
  /** The datasets, in order. */
  readonly datasets: readonly Dataset<T>[];
  /** `cumulativeSizes[k]` = total length of datasets `0..k`. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: Iterable<Dataset<T>>) {
    super();
    const list = [...datasets];
    if (list.length === 0) throw new TypeError('ConcatDataset needs at least one dataset');
    let total = 0;
    const sizes: number[] = [];
    list.forEach((d, k) => {
      total += datasetLength(d, `datasets[${k}]`);
      sizes.push(total);
    });
    this.datasets = Object.freeze(list);
    this.cumulativeSizes = Object.freeze(sizes);
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  getItem(index: number): T {
    checkIndex(index, this.length, 'ConcatDataset');
    // binary search for the first cumulative size > index
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid] > index) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1];
    return this.datasets[lo].getItem(index - start);
  }
}

/**
 * A dataset whose items are another dataset's items passed through a function (what
 * `transform=` does in torchvision datasets), e.g. to scale features.
 *
 * @example
 * ```ts
 * import { CsvDataset, MapDataset, StandardScaler } from '@fackel/data';
 * const train = await CsvDataset.load('houses.csv', { label: 'price' });
 * const scaler = StandardScaler.fit(train);
 * const scaled = new MapDataset(train, ([x, y]) => [scaler.transform(x), y] as const);
 * ```
 */
export class MapDataset<T, U> extends Dataset<U> {
  constructor(
    /** The dataset whose items are transformed. */
    readonly dataset: Dataset<T>,
    /** The function applied to each item (and its index). */
    readonly fn: (item: T, index: number) => U,
  ) {
    super();
    datasetLength(dataset);
    if (typeof fn !== 'function') throw new TypeError('MapDataset needs a function (item, index) => newItem');
  }

  get length(): number {
    return this.dataset.length;
  }

  getItem(index: number): U {
    return this.fn(this.dataset.getItem(index), index);
  }
}
