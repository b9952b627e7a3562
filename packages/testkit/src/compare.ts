import { elementScore, unravel } from './close.js';
import { fixtureValues } from './fixtures.js';
import type { FixtureTensor, Tolerance } from './types.js';

/** Default tolerance for float32 comparisons against PyTorch (torch.testing's float32 defaults).
 * @example
 * ```ts
 * import { DEFAULT_TOLERANCE } from '@fackel/testkit';
 * console.log(DEFAULT_TOLERANCE.rtol); // 1.3e-6
 * ```
 */
export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1.3e-6, atol: 1e-5 };

/** What assertClose needs of a tensor: a Fackel `Tensor` satisfies it.
 * @example
 * ```ts
 * import type { ReadableTensor } from '@fackel/testkit';
 * const fake: ReadableTensor = { shape: [1], dtype: 'float32', data: async () => new Float32Array([1]) };
 * ```
 */
export interface ReadableTensor {
  /** The shape. */
  readonly shape: readonly number[];
  /** The dtype's name. */
  readonly dtype: string;
  /** The elements in row-major order. */
  data(): Promise<ArrayLike<number>>;
}

/** Options of {@link assertClose}: tolerance (float32 only; int32/bool compare exactly) and a label for messages.
 * @example
 * ```ts
 * import type { CloseOptions } from '@fackel/testkit';
 * const o: CloseOptions = { rtol: 1e-3, label: 'matmul/2d-2d' };
 * ```
 */
export interface CloseOptions {
  /** Relative tolerance (default {@link DEFAULT_TOLERANCE}). */
  readonly rtol?: number;
  /** Absolute tolerance (default {@link DEFAULT_TOLERANCE}). */
  readonly atol?: number;
  /** Names the comparison in failure messages (a case id, say). */
  readonly label?: string;
}

function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

function fmtValue(v: number, dtype: string): string {
  if (dtype === 'bool') return v !== 0 ? 'true' : 'false';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/**
 * Compares raw values against a fixture tensor. Returns null when they match, otherwise a
 * message naming the label, the worst element (flat and multi-index), actual vs expected.
 * NaN equals NaN; infinities must match exactly; float32 elements pass when
 * `|actual - expected| <= atol + rtol * |expected|`; int32 and bool must be equal.
 *
 * @example
 * ```ts
 * import { compareValues } from '@fackel/testkit';
 * const msg = compareValues([2], 'float32', new Float32Array([1, 2]), { dtype: 'float32', shape: [2], data: [1, 2] });
 * // msg === null
 * ```
 */
export function compareValues(
  shape: readonly number[],
  dtype: string,
  values: ArrayLike<number>,
  expected: FixtureTensor,
  options: CloseOptions = {},
): string | null {
  const label = options.label ?? 'assertClose';
  const rtol = options.rtol ?? DEFAULT_TOLERANCE.rtol;
  const atol = options.atol ?? DEFAULT_TOLERANCE.atol;
  const what = `expected ${expected.dtype} ${fmtShape(expected.shape)}, got ${dtype} ${fmtShape(shape)}`;
  if (dtype !== expected.dtype) return `${label}: dtype mismatch: ${what}`;
  if (shape.length !== expected.shape.length || shape.some((d, i) => d !== expected.shape[i])) {
    return `${label}: shape mismatch: ${what}`;
  }
  const want = fixtureValues(expected);
  if (values.length !== want.length) {
    return `${label}: read ${values.length} values for shape ${fmtShape(shape)} (${want.length} expected)`;
  }
  const exact = expected.dtype !== 'float32';
  let bad = 0;
  let worst = -1;
  let worstScore = -Infinity;
  for (let i = 0; i < want.length; i++) {
    const a = values[i];
    const e = want[i];
    let score: number; // > 1 means outside tolerance; larger is worse
    if (exact) {
      const ae = expected.dtype === 'bool' ? Number(a !== 0) : a;
      score = ae === e ? 0 : Infinity;
      if (score > 0 && expected.dtype === 'int32') score = 1 + Math.abs(a - e);
    } else {
      score = elementScore(a, e, rtol, atol);
    }
    if (score > 1) {
      bad++;
      if (score > worstScore) {
        worstScore = score;
        worst = i;
      }
    }
  }
  if (bad === 0) return null;
  const a = values[worst];
  const e = want[worst];
  const idx = shape.length > 0 ? ` ${fmtShape(unravel(worst, shape))}` : '';
  const tol = exact ? 'exact' : `rtol=${rtol}, atol=${atol}`;
  const diff = exact ? '' : ` (|diff| ${Math.abs(a - e)})`;
  return (
    `${label}: ${bad} of ${want.length} elements differ (${expected.dtype} ${fmtShape(shape)}, ${tol}); ` +
    `worst at index ${worst}${idx}: actual ${fmtValue(a, dtype)}, expected ${fmtValue(e, expected.dtype)}${diff}`
  );
}

/**
 * Asserts that a tensor (read with `await t.data()`) matches a fixture tensor in dtype,
 * shape and values (see {@link compareValues}). Throws an Error naming `label`, the index
 * of the worst element, actual and expected.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { assertClose } from '@fackel/testkit';
 * await assertClose(tensor([1, 2]), { dtype: 'float32', shape: [2], data: [1, 2] }, { label: 'demo' });
 * ```
 */
export async function assertClose(actual: ReadableTensor, expected: FixtureTensor, options: CloseOptions = {}): Promise<void> {
  const msg = compareValues(actual.shape, actual.dtype, await actual.data(), expected, options);
  if (msg !== null) throw new Error(msg);
}
