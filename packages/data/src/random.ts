import { defaultGenerator, shuffledRange } from '@fackel/tensor';

/**
 * Anything that draws uniform numbers in [0, 1): a `Generator` from `@fackel/tensor`
 * (`new Generator(seed)`) is the usual one.
 *
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import type { RandomSource } from '@fackel/data';
 * const g: RandomSource = new Generator(0);
 * ```
 */
export interface RandomSource {
  /** A uniform number in [0, 1). */
  random(): number;
}

function checkSource(generator: unknown): RandomSource {
  if (generator === undefined || generator === null) return defaultGenerator;
  if (typeof (generator as RandomSource).random !== 'function') {
    throw new TypeError('generator must be a Generator from @fackel/tensor (new Generator(seed)) or another object with random()');
  }
  return generator as RandomSource;
}

/**
 * A random permutation of `0..n-1`, drawn from `generator` (default: the global generator
 * that `manualSeed` seeds) by a Fisher–Yates shuffle: for `i = n-1 … 1`, swap `i` with
 * `floor(generator.random() * (i + 1))`. It uses exactly `n - 1` draws, so the same seed gives
 * the same permutation on every run and every machine.
 *
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import { permutation } from '@fackel/data';
 * permutation(5, new Generator(0)); // the same Int32Array on every run
 * ```
 */
export function permutation(n: number, generator?: RandomSource): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`permutation: n must be a non-negative integer, got ${n}`);
  return shuffledRange(n, checkSource(generator));
}
