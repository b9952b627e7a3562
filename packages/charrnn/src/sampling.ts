import { Generator } from '@fackel/tensor';

/**
 * How the next character is drawn from the model's scores.
 *
 * @example
 * ```ts
 * import type { SamplingOptions } from '@fackel/charrnn';
 * const o: SamplingOptions = { temperature: 0.8, topK: 5 };
 * ```
 */
export interface SamplingOptions {
  /**
   * Divides the logits before the softmax: below 1 sharper (more conservative), above 1
   * flatter (more surprising). Must be > 0. Default 1.
   */
  temperature?: number;
  /** Keep only the `topK` most likely characters and renormalise (pytorch-charRNN's `top_k`). 0 or undefined: all. */
  topK?: number;
}

/**
 * Checks sampling options and fills in the defaults (temperature 1, top-k 0 = all).
 *
 * @example
 * ```ts
 * import { checkSamplingOptions } from '@fackel/charrnn';
 * checkSamplingOptions({ topK: 5 }); // { temperature: 1, topK: 5 }
 * ```
 */
export function checkSamplingOptions(o: SamplingOptions): Required<SamplingOptions> {
  const temperature = o.temperature ?? 1;
  const topK = o.topK ?? 0;
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`temperature must be a number > 0, got ${String(temperature)}`);
  }
  if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 0) {
    throw new RangeError(`top-k must be a whole number >= 0 (0 means no limit), got ${String(topK)}`);
  }
  return { temperature, topK };
}

/**
 * The sampling distribution over the vocabulary for one position: `softmax(logits / T)`,
 * restricted to the `topK` largest logits (ties broken by the lower id) and renormalised.
 * Computed in float64 on the host, so it is the same on every device.
 *
 * @example
 * ```ts
 * import { samplingProbs } from '@fackel/charrnn';
 * samplingProbs([2, 1, 0], { topK: 2 }); // Float64Array [0.731…, 0.268…, 0]
 * ```
 */
export function samplingProbs(logits: ArrayLike<number>, options: SamplingOptions = {}): Float64Array {
  const { temperature, topK } = checkSamplingOptions(options);
  const n = logits.length;
  if (n === 0) throw new RangeError('samplingProbs: no logits');
  const keep = new Uint8Array(n).fill(1);
  if (topK > 0 && topK < n) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
    keep.fill(0);
    for (let k = 0; k < topK; k++) keep[order[k]] = 1;
  }
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (keep[i] && logits[i] > max) max = logits[i];
  if (!Number.isFinite(max)) throw new RangeError(`samplingProbs: the logits are not finite (max ${max}); the model is broken`);
  const p = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!keep[i]) continue;
    const v = Math.exp((logits[i] - max) / temperature);
    p[i] = v;
    sum += v;
  }
  for (let i = 0; i < n; i++) p[i] /= sum;
  return p;
}

/**
 * Draws one index from a probability vector with a seeded `Generator` (inverse CDF
 * with one uniform number), so the same seed gives the same choice everywhere.
 *
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import { drawIndex } from '@fackel/charrnn';
 * drawIndex(Float64Array.of(0, 1, 0), new Generator(1)); // 1
 * ```
 */
export function drawIndex(probs: ArrayLike<number>, generator: Generator): number {
  const u = generator.random();
  let acc = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (p <= 0) continue;
    last = i;
    acc += p;
    if (u < acc) return i;
  }
  if (last < 0) throw new RangeError('drawIndex: all probabilities are zero');
  return last; // rounding: u fell in the last sliver
}

/**
 * A function that feeds character ids to a model (continuing its state) and returns the
 * logits for the next character after the last of them.
 *
 * @example
 * ```ts
 * import type { LogitsFn } from '@fackel/charrnn';
 * const uniform: LogitsFn = async () => new Float32Array(10);
 * ```
 */
export type LogitsFn = (ids: Int32Array) => Promise<ArrayLike<number>> | ArrayLike<number>;

/**
 * Options of {@link generateIds}.
 *
 * @example
 * ```ts
 * import type { GenerateOptions } from '@fackel/charrnn';
 * const o: GenerateOptions = { vocabSize: 65, prime: Int32Array.of(3, 4), length: 100, seed: 1 };
 * ```
 */
export interface GenerateOptions extends SamplingOptions {
  /** Number of characters in the vocabulary. */
  vocabSize: number;
  /** Ids fed before sampling. Empty: the first character is drawn uniformly. */
  prime: Int32Array;
  /** How many characters to generate after the prime. */
  length: number;
  /** Seed of a fresh generator (default 0); ignored when `generator` is given. */
  seed?: number;
  /** The generator to draw from (its state advances). */
  generator?: Generator;
  /** Called with each generated id as soon as it is drawn (for streaming output). */
  onId?: (id: number) => void | Promise<void>;
}

/**
 * The sampling loop, independent of any model: feeds the prime through `logits`, then
 * repeatedly draws the next id from the (temperature-scaled, top-k) distribution and feeds
 * it back. Returns the generated ids (without the prime).
 *
 * @example
 * ```ts
 * import { generateIds } from '@fackel/charrnn';
 * // a "model" that always prefers id 2
 * const ids = await generateIds(() => [0, 0, 5], { vocabSize: 3, prime: Int32Array.of(0), length: 4, topK: 1 });
 * // Int32Array [2, 2, 2, 2]
 * ```
 */
export async function generateIds(logits: LogitsFn, options: GenerateOptions): Promise<Int32Array> {
  const sampling = checkSamplingOptions(options);
  const { vocabSize, prime, length } = options;
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`length must be a whole number >= 0, got ${String(length)}`);
  const gen = options.generator ?? new Generator(options.seed ?? 0);
  const out = new Int32Array(length);
  if (length === 0) return out;
  let scores: ArrayLike<number>;
  let k = 0;
  if (prime.length > 0) {
    scores = await logits(prime);
  } else {
    const first = Math.floor(gen.random() * vocabSize);
    out[k++] = first;
    await options.onId?.(first);
    if (k === length) return out;
    scores = await logits(Int32Array.of(first));
  }
  for (; k < length; k++) {
    const id = drawIndex(samplingProbs(scores, sampling), gen);
    out[k] = id;
    await options.onId?.(id);
    if (k + 1 < length) scores = await logits(Int32Array.of(id));
  }
  return out;
}
