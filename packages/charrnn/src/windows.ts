/**
 * nanoGPT-style random-window batches for the transformer (`batching: 'random'`): each
 * batch is `batchSize` windows of `seqLength + 1` characters at uniformly random offsets
 * into the training split, the targets shifted by one.
 *
 * The offsets come from SplitMix64 seeded with the run's seed and read at a counter, so
 * that the windows of a step are a function of (seed, step) alone: a resumed run (which
 * restores its step, the generator's position) draws the same windows as an uninterrupted
 * one, and another implementation (the PyTorch side of the `gpt` benchmark,
 * `scripts/gen_gpt_fixture.py`) draws the same windows from the same few lines.
 */

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

/**
 * The `index`-th output (0-based) of SplitMix64 seeded with `seed`: a 64-bit unsigned
 * integer as a bigint (Steele, Lea and Flood's generator, as in `java.util.SplittableRandom`).
 *
 * @example
 * ```ts
 * import { splitMix64 } from '@fackel/charrnn';
 * console.log(splitMix64(0, 0).toString(16)); // e220a8397b1dcdaf
 * ```
 */
export function splitMix64(seed: number | bigint, index: number | bigint): bigint {
  let z = (BigInt(seed) + (BigInt(index) + 1n) * GOLDEN) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/**
 * The start offsets of one random-window batch: for row `i` of step `step`, SplitMix64's
 * output number `step * batchSize + i` (seeded with `seed`) modulo `count`, the number of
 * possible starts (`trainLength - seqLength` for windows of `seqLength` inputs and their
 * shifted targets, as nanoGPT's `torch.randint(len(data) - block_size, ...)`).
 *
 * @example
 * ```ts
 * import { randomWindowOffsets } from '@fackel/charrnn';
 * const starts = randomWindowOffsets(1, 0, 4, 1000 - 64);
 * console.log(starts.length, starts.every((o) => o >= 0 && o < 936)); // 4 true
 * ```
 */
export function randomWindowOffsets(seed: number, step: number, batchSize: number, count: number): number[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`randomWindowOffsets: count must be a positive integer, got ${count}`);
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`randomWindowOffsets: step must be a non-negative integer, got ${step}`);
  const n = BigInt(count);
  const first = BigInt(step) * BigInt(batchSize);
  const out: number[] = [];
  for (let i = 0; i < batchSize; i++) out.push(Number(splitMix64(seed, first + BigInt(i)) % n));
  return out;
}

/**
 * One random-window batch of the training split `data`: `x` holds `batchSize` rows of
 * `seqLength` ids starting at {@link randomWindowOffsets}, `y` the same windows shifted by
 * one character (row-major, as `CharBatchStream.batchAt`), and `offsets` the starts.
 *
 * @example
 * ```ts
 * import { randomWindowBatch } from '@fackel/charrnn';
 * const data = Int32Array.from({ length: 100 }, (_, i) => i);
 * const b = randomWindowBatch(data, { batchSize: 2, seqLength: 8, seed: 1, step: 0 });
 * console.log(b.y[0] === b.x[0] + 1); // true
 * ```
 */
export function randomWindowBatch(
  data: Int32Array,
  o: { batchSize: number; seqLength: number; seed: number; step: number },
): {
  /** Inputs, `[batchSize, seqLength]` row-major: row r is the window at `offsets[r]`. */
  x: Int32Array;
  /** Targets: each input's next character (the window shifted by one). */
  y: Int32Array;
  /** Where each row's window starts in `data`. */
  offsets: number[];
} {
  const { batchSize, seqLength } = o;
  if (data.length < seqLength + 1)
    throw new RangeError(`randomWindowBatch: the training split has ${data.length} characters, fewer than seqLength + 1 = ${seqLength + 1}`);
  const offsets = randomWindowOffsets(o.seed, o.step, batchSize, data.length - seqLength);
  const x = new Int32Array(batchSize * seqLength);
  const y = new Int32Array(batchSize * seqLength);
  offsets.forEach((start, r) => {
    x.set(data.subarray(start, start + seqLength), r * seqLength);
    y.set(data.subarray(start + 1, start + 1 + seqLength), r * seqLength);
  });
  return { x, y, offsets };
}
