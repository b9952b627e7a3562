import { decodeNumber } from './fixtures.js';
import type { FixtureNumber } from './types.js';

/**
 * How far one element lies from its expected value, in units of the allowed error
 * `atol + rtol * |expected|`: 0 when equal, at most 1 within tolerance, above 1 outside it.
 * NaN matches NaN (score 0) and nothing else (Infinity); infinities must match exactly; with
 * `rtol = atol = 0` any difference scores Infinity.
 *
 * @example
 * ```ts
 * import { elementScore } from '@fackel/testkit';
 * elementScore(1.5, 1, 0, 1); // 0.5: within tolerance
 * elementScore(NaN, NaN, 0, 0); // 0
 * ```
 */
export function elementScore(actual: number, expected: number, rtol: number, atol: number): number {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return Number.isNaN(actual) && Number.isNaN(expected) ? 0 : Infinity;
  if (actual === expected) return 0;
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return Infinity;
  const allowed = atol + rtol * Math.abs(expected);
  return allowed === 0 ? Infinity : Math.abs(actual - expected) / allowed;
}

/**
 * The largest {@link elementScore} over the elements: at most 1 means every element is within
 * `atol + rtol * |expected|`. Arrays of different lengths score Infinity; empty arrays score 0.
 *
 * @example
 * ```ts
 * import { closeness } from '@fackel/testkit';
 * closeness([1, 2.01], [1, 2], 0, 0.1); // 0.1 (within tolerance)
 * closeness([1, 3], [1, 2], 0, 0.1); // 10 (outside)
 * ```
 */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, elementScore(actual[i], expected[i], rtol, atol));
  return worst;
}

/**
 * Options of {@link compareArrays} and {@link expectArrayClose}.
 *
 * @example
 * ```ts
 * import type { ArrayCloseOptions } from '@fackel/testkit';
 * const o: ArrayCloseOptions = { rtol: 1e-5, atol: 1e-6, label: 'matmul 3x4', float32: true };
 * ```
 */
export interface ArrayCloseOptions {
  /** Relative tolerance (default 1.3e-6, torch.testing's float32 default). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  readonly atol?: number;
  /** Names the comparison in failure messages. */
  readonly label?: string;
  /** Rounds each expected value to float32 (`Math.fround`) before comparing: for references computed in float64. */
  readonly float32?: boolean;
  /** The shape of both arrays (row-major): failure messages then give the worst element's multi-index too. */
  readonly shape?: readonly number[];
}

/** @internal The multi-index of flat (row-major) index `i` in `shape`; shared with compare.ts. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    idx[d] = i % n;
    i = Math.floor(i / n);
  }
  return idx;
}

/**
 * Compares two arrays elementwise (see {@link elementScore}). Returns null when all elements
 * are within tolerance, otherwise a message naming the label, how many elements differ, the
 * worst one (flat index, and multi-index when `shape` is given), actual and expected values,
 * and the difference.
 *
 * @example
 * ```ts
 * import { compareArrays } from '@fackel/testkit';
 * compareArrays([1, 2], [1, 2]); // null
 * compareArrays([1, 5], [1, 2], { label: 'demo', atol: 0, rtol: 0 });
 * // 'demo: 1 of 2 elements differ (rtol=0, atol=0); worst at index 1: actual 5, expected 2 (|diff| 3)'
 * ```
 */
export function compareArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, options: ArrayCloseOptions = {}): string | null {
  const label = options.label || 'values';
  const rtol = options.rtol ?? 1.3e-6;
  const atol = options.atol ?? 1e-5;
  if (actual.length !== expected.length) return `${label}: got ${actual.length} elements, expected ${expected.length}`;
  let bad = 0;
  let worst = -1;
  let worstScore = 1;
  for (let i = 0; i < expected.length; i++) {
    const e = options.float32 ? Math.fround(expected[i]) : expected[i];
    const score = elementScore(actual[i], e, rtol, atol);
    if (score > 1) {
      bad++;
      if (worst < 0 || score > worstScore) {
        worst = i;
        worstScore = score;
      }
    }
  }
  if (bad === 0) return null;
  const a = actual[worst];
  const e = options.float32 ? Math.fround(expected[worst]) : expected[worst];
  const idx = options.shape !== undefined && options.shape.length > 0 ? ` [${unravel(worst, options.shape).join(', ')}]` : '';
  const diff = Number.isFinite(a - e) ? ` (|diff| ${Math.abs(a - e)})` : '';
  return `${label}: ${bad} of ${expected.length} elements differ (rtol=${rtol}, atol=${atol}); worst at index ${worst}${idx}: actual ${a}, expected ${e}${diff}`;
}

/**
 * Throws an Error with {@link compareArrays}' message unless the arrays match within tolerance.
 * Use `{ rtol: 0, atol: 0 }` for an exact comparison (NaN still matches NaN).
 *
 * @example
 * ```ts
 * import { expectArrayClose } from '@fackel/testkit';
 * expectArrayClose(new Float32Array([0.1, 0.2]), [0.1, 0.2], { float32: true, rtol: 0, atol: 0 });
 * ```
 */
export function expectArrayClose(actual: ArrayLike<number>, expected: ArrayLike<number>, options: ArrayCloseOptions = {}): void {
  const msg = compareArrays(actual, expected, options);
  if (msg !== null) throw new Error(msg);
}

/**
 * A tensor as a fixture script writes it in JSON: shape and row-major values, where numbers may
 * be spelled `"nan"`, `"inf"`, `"-inf"` and booleans stand for 1 and 0.
 *
 * @example
 * ```ts
 * import type { JsonTensor } from '@fackel/testkit';
 * const t: JsonTensor = { shape: [2], data: [1, 'nan'] };
 * ```
 */
export interface JsonTensor {
  /** The shape. */
  readonly shape: readonly number[];
  /** The dtype when not float32. */
  readonly dtype?: 'int32' | 'bool';
  /** Row-major values. */
  readonly data: readonly (number | boolean | string)[];
}

/**
 * What {@link expectTensorClose} reads of a tensor: a Fackel `Tensor` on a device with
 * synchronous readback (the CPU) satisfies it.
 *
 * @example
 * ```ts
 * import type { SyncReadableTensor } from '@fackel/testkit';
 * const fake: SyncReadableTensor = { shape: [1], dataSync: () => new Float32Array([1]) };
 * ```
 */
export interface SyncReadableTensor {
  /** The shape. */
  readonly shape: readonly number[];
  /** The elements in row-major order. */
  dataSync(): ArrayLike<number>;
}

/**
 * Asserts that a tensor matches a JSON fixture tensor: the same shape, and every element within
 * `atol + rtol * |expected|` (NaN matches NaN, infinities exactly). `expected === null` asserts
 * that there is no tensor (an absent gradient, say). Throws an Error naming `label`, the worst
 * element, actual and expected.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { expectTensorClose } from '@fackel/testkit';
 * expectTensorClose(tensor([[1, 2]]), { shape: [1, 2], data: [1, 2] }, { rtol: 1e-5, atol: 1e-5 }, 'demo');
 * ```
 */
export function expectTensorClose(
  actual: SyncReadableTensor | null,
  expected: JsonTensor | null,
  tolerance: { readonly rtol: number; readonly atol: number },
  label: string,
): void {
  if (expected === null) {
    if (actual !== null) throw new Error(`${label}: expected no tensor, got one of shape [${actual.shape.join(', ')}]`);
    return;
  }
  if (actual === null) throw new Error(`${label}: expected a tensor of shape [${expected.shape.join(', ')}], got none`);
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    throw new Error(`${label}: shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`);
  }
  expectArrayClose(
    actual.dataSync(),
    expected.data.map((v) => decodeNumber(v as FixtureNumber | boolean)),
    { ...tolerance, label, shape: expected.shape },
  );
}
