import { shared } from './state.js';

/**
 * A seeded pseudo-random number generator (xoshiro128** seeded through splitmix32).
 *
 * All random tensors are drawn on the host from a `Generator` and then uploaded, so the same
 * seed gives the same numbers on every run and on every device. The state can be saved and
 * restored (`getState`/`setState`) so that training resumes exactly.
 *
 * @example
 * ```ts
 * import { Generator, rand } from '@fackel/tensor';
 * const g = new Generator(42);
 * const a = rand([2, 2], { generator: g });
 * ```
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;
  private initialSeed_ = 0;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Re-seeds the generator; returns itself.
   * @example
   * ```ts
   * import { Generator } from '@fackel/tensor';
   * const g = new Generator().manualSeed(7);
   * ```
   */
  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new TypeError(`manualSeed: seed must be a finite number, got ${seed}`);
    this.initialSeed_ = seed;
    // Mix both halves of a 53-bit integer seed into the state through splitmix32.
    let x = (Math.floor(seed) >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = null;
    return this;
  }

  /** The seed last given to `manualSeed`.
   * @example
   * ```ts
   * import { Generator } from '@fackel/tensor';
   * new Generator(3).initialSeed(); // 3
   * ```
   */
  initialSeed(): number {
    return this.initialSeed_;
  }

  /** A uniformly distributed unsigned 32-bit integer.
   * @example
   * ```ts
   * import { Generator } from '@fackel/tensor';
   * const u = new Generator(1).nextUint32();
   * ```
   */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits.
   * @example
   * ```ts
   * import { Generator } from '@fackel/tensor';
   * const u = new Generator(1).random();
   * ```
   */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform float in [0, 1) that is exactly representable as float32 (24 random bits).
   * @example
   * ```ts
   * import { Generator } from '@fackel/tensor';
   * const u = new Generator(1).randomFloat32();
   * ```
   */
  randomFloat32(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /**
   * Fills `out` with {@link randomFloat32} draws, in order (the same numbers as that many calls,
   * several times faster); returns `out`.
   * @example
   * ```ts
   * import { Generator } from '@fackel/tensor';
   * const u = new Generator(1).fillFloat32(new Float32Array(4)); // four draws in [0, 1)
   * ```
   */
  fillFloat32<A extends Float32Array | Float64Array>(out: A): A {
    let s0 = this.s0,
      s1 = this.s1,
      s2 = this.s2,
      s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const x = Math.imul(s1, 5);
      out[i] = (Math.imul((x << 7) | (x >>> 25), 9) >>> 8) / 16777216;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  /** A standard normal sample (Box–Muller; the second value of each pair is kept for the next call).
   * @example
   * ```ts
   * import { Generator } from '@fackel/tensor';
   * const z = new Generator(1).normal();
   * ```
   */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = this.random();
    while (u <= 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high).
   * @example
   * ```ts
   * import { Generator } from '@fackel/tensor';
   * const die = new Generator(1).randint(1, 7);
   * ```
   */
  randint(low: number, high: number): number {
    if (!(high > low)) throw new RangeError(`randint: expected low < high, got low=${low}, high=${high}`);
    return low + Math.floor(this.random() * (high - low));
  }

  /** The generator's full state, JSON-serialisable.
   * @example
   * ```ts
   * import { Generator } from '@fackel/tensor';
   * const g = new Generator(5); const s = g.getState(); g.random(); g.setState(s);
   * ```
   */
  getState(): GeneratorState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spareNormal, seed: this.initialSeed_ };
  }

  /** Restores a state returned by `getState`.
   * @example
   * ```ts
   * import { Generator } from '@fackel/tensor';
   * const a = new Generator(5); const b = new Generator(0); b.setState(a.getState());
   * ```
   */
  setState(state: GeneratorState): this {
    if (!state || !Array.isArray(state.s) || state.s.length !== 4) throw new TypeError('Generator.setState: expected an object from getState()');
    [this.s0, this.s1, this.s2, this.s3] = state.s.map((v) => v >>> 0) as [number, number, number, number];
    this.spareNormal = state.spareNormal ?? null;
    this.initialSeed_ = state.seed ?? 0;
    return this;
  }
}

/** The serialisable state of a {@link Generator}.
 * @example
 * ```ts
 * import { Generator, type GeneratorState } from '@fackel/tensor';
 * const s: GeneratorState = new Generator(1).getState();
 * ```
 */
export interface GeneratorState {
  /** The four 32-bit words of the xoshiro128** state. */
  s: number[];
  /** The second normal deviate of the last Box–Muller pair, not yet used (or null). */
  spareNormal: number | null;
  /** The seed the generator was created or last seeded with (`initialSeed()`). */
  seed: number;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator used when an op is given none (one per process: every loaded copy of
 * `@fackel/tensor` uses the same, so `manualSeed` seeds them all).
 * @example
 * ```ts
 * import { defaultGenerator } from '@fackel/tensor';
 * defaultGenerator.manualSeed(0);
 * ```
 */
export const defaultGenerator: Generator = (shared.defaultGenerator ??= new Generator(0));

/** Seeds the default generator, like `torch.manual_seed`.
 * @example
 * ```ts
 * import { manualSeed, rand } from '@fackel/tensor';
 * manualSeed(42);
 * const a = rand([3]);
 * ```
 */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

/**
 * `0..n-1` shuffled (Fisher–Yates, n − 1 draws of `source.random()`): the permutation behind
 * `randperm` and `@fackel/data`'s `permutation`, so both give the same order for the same
 * generator state. `n` is not checked (callers check it and name themselves). @internal
 *
 * @example
 * ```ts
 * import { Generator, shuffledRange } from '@fackel/tensor';
 * shuffledRange(5, new Generator(0)); // an Int32Array holding 0..4 in a seeded order
 * ```
 */
export function shuffledRange(n: number, source: { random(): number }): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(source.random() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
