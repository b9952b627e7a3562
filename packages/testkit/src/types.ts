/** Element types that fixtures use (torch int64 results are written as `int32`).
 * @example
 * ```ts
 * import type { FixtureDType } from '@fackel/testkit';
 * const d: FixtureDType = 'int32';
 * ```
 */
export type FixtureDType = 'float32' | 'int32' | 'bool';

/** A number as JSON carries it: NaN and ±Infinity are the strings `"nan"`, `"inf"`, `"-inf"`.
 * @example
 * ```ts
 * import type { FixtureNumber } from '@fackel/testkit';
 * const xs: FixtureNumber[] = [1.5, 'nan', '-inf'];
 * ```
 */
export type FixtureNumber = number | 'nan' | 'inf' | '-inf';

/**
 * One view op applied to a fixture tensor after it is built contiguous from `data`/`shape`:
 * `['transpose', d0, d1]`, `['permute', dims]`, `['slice', dim, start, end, step]` (Python
 * slicing), `['expand', shape]`, `['narrow', dim, start, length]`.
 * @example
 * ```ts
 * import type { ViewOp } from '@fackel/testkit';
 * const ops: ViewOp[] = [['transpose', 0, 1], ['slice', 1, 0, 4, 2]];
 * ```
 */
export type ViewOp =
  | readonly ['transpose', number, number]
  | readonly ['permute', readonly number[]]
  | readonly ['slice', number, number | null, number | null, number]
  | readonly ['expand', readonly number[]]
  | readonly ['narrow', number, number, number];

/**
 * A tensor in a fixture. `data` is row-major over `shape` (the base tensor); `view`, when
 * present, turns the base into the (usually non-contiguous) tensor the case uses.
 * @example
 * ```ts
 * import type { FixtureTensor } from '@fackel/testkit';
 * const t: FixtureTensor = { dtype: 'float32', shape: [2, 2], data: [1, 2, 3, 'nan'], view: [['transpose', 0, 1]] };
 * ```
 */
export interface FixtureTensor {
  /** The element type (torch int64 is written as `int32`). */
  readonly dtype: FixtureDType;
  /** The shape of the (base) tensor. */
  readonly shape: readonly number[];
  /** Row-major values; NaN and infinities as the strings `"nan"`, `"inf"`, `"-inf"`. */
  readonly data: readonly (FixtureNumber | boolean)[];
  /** View ops applied in order to the base built from `data` (to test non-contiguous inputs). */
  readonly view?: readonly ViewOp[];
}

/** A case input: a tensor, a scalar operand, or a list of tensors (`cat`, `stack`).
 * @example
 * ```ts
 * import type { FixtureInput } from '@fackel/testkit';
 * const scalar: FixtureInput = 2.5;
 * ```
 */
export type FixtureInput = FixtureTensor | FixtureNumber | boolean | readonly FixtureTensor[];

/** Any JSON value (fixture `args` and `options`).
 * @example
 * ```ts
 * import type { JsonValue } from '@fackel/testkit';
 * const v: JsonValue = [1, null, 'inf'];
 * ```
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * One reference case computed by PyTorch.
 *
 * How the op is called (see `callOp`), with `rest = inputs.slice(1)` and `args` decoded
 * (`null` → `undefined`, `"nan"`/`"inf"`/`"-inf"` → numbers):
 * - `method`: `inputs[0][op](...rest, ...args)`, or `inputs[0][op](...args, ...rest)` when
 *   `argsFirst` (e.g. `gather(dim, index)`);
 * - `function`: `op(...inputs, ...args)` from `@fackel/tensor`, or
 *   `op(inputs[0], ...args, ...rest)` when `argsFirst`;
 * - `property`: `inputs[0][op]` (e.g. `mT`).
 * When `options` is present (creation ops), `{ ...options, device }` is passed as the last
 * argument. For in-place ops (names ending in `_`) the output is `inputs[0]` after the call.
 *
 * @example
 * ```ts
 * import { loadFixtures, type FixtureCase } from '@fackel/testkit';
 * const c: FixtureCase | undefined = loadFixtures().cases.find((x) => x.id === 'add/broadcast-row');
 * ```
 */
export interface FixtureCase {
  /** Unique and readable, `op/variant`. */
  readonly id: string;
  /** The Fackel name of the op (camelCase). */
  readonly op: string;
  /** How the op is called: `x.op(…)`, `op(x, …)` from `@fackel/tensor`, or the property `x.op`. */
  readonly call: 'method' | 'function' | 'property';
  /** The trailing `args` come before the tensor inputs after the first one. */
  readonly argsFirst?: boolean;
  /** The operands: the receiver or first argument, then the others. */
  readonly inputs: readonly FixtureInput[];
  /** Non-tensor positional arguments exactly as Fackel takes them; `null` means omitted. */
  readonly args?: readonly JsonValue[];
  /** Creation options (`dtype`); the runner adds `device`. */
  readonly options?: { readonly [key: string]: JsonValue };
  /** One tensor, `[values, indices]`, or the list that `split`/`chunk` return. */
  readonly output: FixtureTensor | readonly FixtureTensor[];
  /** For differentiable cases: the cotangent of the first output. */
  readonly gradOutput?: FixtureTensor;
  /**
   * `d sum(firstOutput * gradOutput) / d inputs[i]`, w.r.t. the (viewed) input as a leaf.
   * `null` for non-float inputs and scalars, and for float inputs that no gradient reaches
   * (e.g. the `other` of `expandAs`: a missing `.grad`); a list for a list input.
   */
  readonly grads?: readonly (FixtureTensor | readonly (FixtureTensor | null)[] | null)[];
}

/** A fixture file as `scripts/gen_fixtures.py` writes it.
 * @example
 * ```ts
 * import { loadFixtures } from '@fackel/testkit';
 * const f = loadFixtures('ops');
 * console.log(f.torch, f.cases.length);
 * ```
 */
export interface FixtureFile {
  /** The script that wrote the file (`scripts/gen_fixtures.py`). */
  readonly generator: string;
  /** The PyTorch version that computed the values. */
  readonly torch: string;
  /** Every case. */
  readonly cases: readonly FixtureCase[];
}

/** Relative and absolute tolerance: `|actual - expected| <= atol + rtol * |expected|`.
 * @example
 * ```ts
 * import type { Tolerance } from '@fackel/testkit';
 * const tol: Tolerance = { rtol: 1e-4, atol: 1e-5 };
 * ```
 */
export interface Tolerance {
  /** Relative tolerance. */
  readonly rtol: number;
  /** Absolute tolerance. */
  readonly atol: number;
}
