import { datasetLength, Subset, type Dataset } from './dataset.js';
import { permutation, type RandomSource } from './random.js';

/**
 * The split sizes {@link randomSplit} uses for `n` items: counts are checked to add up to
 * `n`; fractions (adding up to 1) become `floor(fraction * n)` each, and the remainder is
 * handed out one by one to the splits in order, as PyTorch does.
 *
 * @example
 * ```ts
 * import { splitSizes } from '@fackel/data';
 * splitSizes(759, [0.8, 0.2]); // [608, 151]
 * ```
 */
export function splitSizes(n: number, lengths: readonly number[]): number[] {
  if (!Array.isArray(lengths) || lengths.length === 0) {
    throw new TypeError('randomSplit needs a non-empty array of lengths: fractions such as [0.8, 0.2] or counts such as [600, 159]');
  }
  if (!lengths.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
    throw new TypeError(`split lengths must be non-negative numbers, got [${lengths.join(', ')}]`);
  }
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) <= 1e-9 && total <= 1 + 1e-9) {
    const sizes = lengths.map((f) => Math.floor(f * n));
    let rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % sizes.length, rest--) sizes[i]++;
    return sizes;
  }
  if (!lengths.every(Number.isInteger)) {
    throw new TypeError(`split lengths [${lengths.join(', ')}] are neither fractions that add up to 1 (they add up to ${total}) nor whole counts`);
  }
  if (total !== n) {
    throw new RangeError(`the split lengths [${lengths.join(', ')}] add up to ${total}, but the dataset has ${n} items`);
  }
  return [...lengths];
}

/**
 * Splits a dataset into non-overlapping random subsets, as `torch.utils.data.random_split`:
 * `lengths` are fractions (`[0.8, 0.2]`) or counts. The items are shuffled with
 * {@link permutation} using `generator` (default: the global generator), so the same seed gives
 * the same split on every run.
 *
 * @example
 * ```ts
 * import { Generator, randn } from '@fackel/tensor';
 * import { TensorDataset, randomSplit } from '@fackel/data';
 * const dataset = new TensorDataset(randn([759, 8]));
 * const [train, test] = randomSplit(dataset, [0.8, 0.2], new Generator(42)); // 608 and 151 items
 * ```
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], generator?: RandomSource): Subset<T>[] {
  const n = datasetLength(dataset);
  const sizes = splitSizes(n, lengths);
  const perm = permutation(n, generator);
  const out: Subset<T>[] = [];
  let offset = 0;
  for (const size of sizes) {
    out.push(new Subset(dataset, perm.subarray(offset, offset + size)));
    offset += size;
  }
  return out;
}
