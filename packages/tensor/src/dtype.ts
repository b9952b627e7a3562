import { FackelError } from './errors.js';

/**
 * Element types a tensor can hold.
 *
 * - `float32`: the default for floating-point data (PyTorch's default dtype).
 * - `int32`: integer data such as class indices (Fackel's analogue of `torch.long`).
 * - `bool`: results of comparisons and masks, stored one byte per element.
 * - `float64`: CPU only; exists so that `gradcheck` can use finite differences with
 *   enough precision. Other backends reject it with a clear error.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const mask = tensor([true, false], { dtype: 'bool' });
 * ```
 */
export type DType = 'float32' | 'int32' | 'bool' | 'float64';

/** Every dtype, in promotion order (a later entry wins when two are combined).
 * @example
 * ```ts
 * import { DTYPES } from '@fackel/tensor';
 * console.log(DTYPES.includes('int32')); // true
 * ```
 */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

/** Each dtype's position in {@link DTYPES} (promotion picks the later one). */
const RANK: Readonly<Record<DType, number>> = { bool: 0, int32: 1, float32: 2, float64: 3 };
/** Bytes per element of each dtype. */
const ITEM_SIZE: Readonly<Record<DType, number>> = { bool: 1, int32: 4, float32: 4, float64: 8 };

/** A typed array of one of the storage element types.
 * @example
 * ```ts
 * import type { TypedArray } from '@fackel/tensor';
 * const a: TypedArray = new Float32Array(4);
 * ```
 */
export type TypedArray = Float32Array | Int32Array | Uint8Array | Float64Array;

/** The typed array class that holds elements of a dtype.
 * @example
 * ```ts
 * import { arrayType } from '@fackel/tensor';
 * const a = new (arrayType('int32'))(3); // Int32Array [0, 0, 0]
 * ```
 */
export function arrayType(dtype: DType): Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor | Float64ArrayConstructor {
  switch (dtype) {
    case 'float32':
      return Float32Array;
    case 'int32':
      return Int32Array;
    case 'bool':
      return Uint8Array;
    case 'float64':
      return Float64Array;
    default:
      throw new TypeError(`unknown dtype '${String(dtype)}' (expected one of ${DTYPES.join(', ')})`);
  }
}

/** Bytes one element of a dtype occupies.
 * @example
 * ```ts
 * import { itemSize } from '@fackel/tensor';
 * itemSize('float32'); // 4
 * ```
 */
export function itemSize(dtype: DType): number {
  return ITEM_SIZE[dtype] ?? arrayType(dtype).BYTES_PER_ELEMENT;
}

/** True for `float32` and `float64`.
 * @example
 * ```ts
 * import { isFloatingPoint } from '@fackel/tensor';
 * isFloatingPoint('int32'); // false
 * ```
 */
export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** The dtype that two dtypes combine to (PyTorch's type promotion for these four).
 * @example
 * ```ts
 * import { promoteTypes } from '@fackel/tensor';
 * promoteTypes('int32', 'float32'); // 'float32'
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  return a === b ? a : RANK[a] >= RANK[b] ? a : b;
}

/** Checks that a string names a dtype.
 * @example
 * ```ts
 * import { isDType } from '@fackel/tensor';
 * isDType('float32'); // true
 * ```
 */
export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

/** @internal The smallest int32. */
export const INT32_MIN = -2147483648;
/** @internal The largest int32. */
export const INT32_MAX = 2147483647;

/**
 * @internal Converts a JavaScript number to the value a creation function stores for `dtype`:
 * int32 truncates toward zero but throws for NaN, ±Infinity and values outside the int32 range
 * (PyTorch: "value cannot be converted to type int32_t without overflow"); bool is `!= 0`;
 * float dtypes keep the number (float32 rounds on store). Casts of tensors (`to('int32')`)
 * do not come here: they truncate without a check, as in PyTorch.
 * `where` describes the value's position for the message (`' at [0, 2]'`).
 */
export function checkedValue(value: number, dtype: DType, op: string, where = ''): number {
  if (dtype === 'int32') {
    if (!(value >= INT32_MIN && value <= INT32_MAX)) {
      throw new FackelError(
        `${op}: value ${value}${where} cannot be converted to int32 without overflow; int32 holds integers from ${INT32_MIN} to ${INT32_MAX} (use dtype float32 for other values)`,
      );
    }
    return Math.trunc(value);
  }
  if (dtype === 'bool') return value !== 0 ? 1 : 0;
  return value;
}
