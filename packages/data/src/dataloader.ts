import type { Device } from '@fackel/tensor';
import { defaultCollate, type Collated } from './collate.js';
import type { Dataset, IterableDataset } from './dataset.js';
import { permutation, type RandomSource } from './random.js';

/**
 * Options of {@link DataLoader}.
 *
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import type { DataLoaderOptions } from '@fackel/data';
 * const o: DataLoaderOptions<[Float32Array, number]> = { batchSize: 32, shuffle: true, generator: new Generator(0) };
 * ```
 */
export interface DataLoaderOptions<T, B = Collated<Awaited<T>>> {
  /** Items per batch. Default 1. */
  batchSize?: number;
  /** Draw a new random order at the start of every pass. Default `false`. */
  shuffle?: boolean;
  /** Drop the last batch when it has fewer than `batchSize` items. Default `false`. */
  dropLast?: boolean;
  /** The generator that orders the items when shuffling (default: the global one, seeded by `manualSeed`). */
  generator?: RandomSource;
  /** Turns a list of items into a batch. Default {@link defaultCollate}. */
  collate?: (items: Awaited<T>[]) => B | Promise<B>;
  /** Device of the tensors the default collate creates. Default: the default device. */
  device?: string | Device;
}

function isMapStyle<T>(ds: Dataset<T> | IterableDataset<T>): ds is Dataset<T> {
  return typeof (ds as Dataset<T>).getItem === 'function';
}

interface BatchReader {
  getBatch(indices: ArrayLike<number>): unknown;
}

/**
 * Batches a dataset, as `torch.utils.data.DataLoader`: an async iterable of batches, each made
 * by `collate` (default {@link defaultCollate}) from `batchSize` items. With `shuffle`, every
 * pass (every `for await`) draws a new order from `generator` by {@link permutation}, so a
 * generator with a given seed gives the same sequence of orders on every run — the same as
 * `randperm(n, { generator })` would. The batches' tensors are new and belong to the caller
 * (dispose them, or let the next batch replace them).
 *
 * For an {@link IterableDataset} the items are batched in the order they come; it cannot be
 * shuffled and has no `length`.
 *
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import { DataLoader, diabetes } from '@fackel/data';
 * const loader = new DataLoader(await diabetes(), { batchSize: 32, shuffle: true, generator: new Generator(0) });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for await (const [x, y] of loader) {
 *     // x: [32, 8], y: [32, 1] (the last batch of a pass may be smaller)
 *   }
 * }
 * ```
 */
export class DataLoader<T, B = Collated<Awaited<T>>> implements AsyncIterable<B> {
  /** The dataset being batched. */
  readonly dataset: Dataset<T> | IterableDataset<T>;
  /** Items per batch. */
  readonly batchSize: number;
  /** Whether every pass draws a new random order. */
  readonly shuffle: boolean;
  /** Whether a last, smaller batch is dropped. */
  readonly dropLast: boolean;
  private readonly generator: RandomSource | undefined;
  private readonly collate: ((items: Awaited<T>[]) => B | Promise<B>) | undefined;
  private readonly device: string | Device | undefined;

  constructor(dataset: Dataset<T> | IterableDataset<T>, options: DataLoaderOptions<T, B> = {}) {
    if (
      typeof dataset !== 'object' ||
      dataset === null ||
      (!isMapStyle(dataset) && typeof (dataset as IterableDataset<T>)[Symbol.asyncIterator] !== 'function')
    ) {
      throw new TypeError('DataLoader needs a Dataset (length and getItem) or an IterableDataset (async iterable)');
    }
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError(`batchSize must be a positive integer, got ${String(batchSize)}`);
    if (options.collate !== undefined && typeof options.collate !== 'function') throw new TypeError('collate must be a function (items) => batch');
    if (options.generator !== undefined && typeof options.generator?.random !== 'function') {
      throw new TypeError('generator must be a Generator from @fackel/tensor (new Generator(seed))');
    }
    if (options.shuffle && !isMapStyle(dataset)) {
      throw new TypeError(
        'shuffle needs a map-style Dataset (length and getItem); an IterableDataset is read in order — load it with CsvDataset.load or shuffle it yourself',
      );
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.generator = options.generator;
    this.collate = options.collate;
    this.device = options.device;
  }

  /**
   * Number of batches per pass (map-style datasets only).
   *
   * @example
   * ```ts
   * import { randn } from '@fackel/tensor';
   * import { DataLoader, TensorDataset } from '@fackel/data';
   * const ds = new TensorDataset(randn([100, 3]));
   * console.log(new DataLoader(ds, { batchSize: 32 }).length); // 4: ceil(100 / 32)
   * ```
   */
  get length(): number {
    if (!isMapStyle(this.dataset)) throw new TypeError('an IterableDataset has no known length, so neither has its DataLoader');
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * The item indices of every batch of one pass, as the next `for await` would use them;
   * with `shuffle` this draws from the generator (so it takes the place of one pass).
   *
   * @example
   * ```ts
   * import { Generator, randn } from '@fackel/tensor';
   * import { DataLoader, TensorDataset } from '@fackel/data';
   * const loader = new DataLoader(new TensorDataset(randn([10, 2])), { batchSize: 4, shuffle: true, generator: new Generator(0) });
   * const order = loader.batchIndices(); // [Int32Array [5, 2, …], …]: three batches of indices
   * ```
   */
  batchIndices(): Int32Array[] {
    if (!isMapStyle(this.dataset)) throw new TypeError('batchIndices needs a map-style Dataset');
    const n = this.dataset.length;
    let order: Int32Array;
    if (this.shuffle) order = permutation(n, this.generator);
    else {
      order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
    }
    const out: Int32Array[] = [];
    for (let s = 0; s < n; s += this.batchSize) {
      const b = order.subarray(s, Math.min(n, s + this.batchSize));
      if (b.length < this.batchSize && this.dropLast) break;
      out.push(b);
    }
    return out;
  }

  private async makeBatch(items: Awaited<T>[]): Promise<B> {
    if (this.collate) return this.collate(items);
    return defaultCollate(items, { device: this.device }) as B;
  }

  /** One pass over the dataset, batch by batch (`for await (const batch of loader)`). */
  async *[Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    const ds = this.dataset;
    if (isMapStyle(ds)) {
      const fast = this.collate === undefined && typeof (ds as unknown as BatchReader).getBatch === 'function';
      for (const idx of this.batchIndices()) {
        if (fast) {
          yield (ds as unknown as BatchReader).getBatch(idx) as B;
          continue;
        }
        const items = await Promise.all(Array.from(idx, (i) => ds.getItem(i)));
        yield await this.makeBatch(items as Awaited<T>[]);
      }
      return;
    }
    let items: Awaited<T>[] = [];
    for await (const item of ds as IterableDataset<T>) {
      items.push(item as Awaited<T>);
      if (items.length === this.batchSize) {
        const batch = items;
        items = [];
        yield await this.makeBatch(batch);
      }
    }
    if (items.length > 0 && !this.dropLast) yield await this.makeBatch(items);
  }
}
