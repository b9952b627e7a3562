import { stack, tensor, type Device, type Tensor } from '@fackel/tensor';

/**
 * The typed arrays of numbers that {@link defaultCollate} stacks into a tensor (one row per item).
 *
 * @example
 * ```ts
 * import type { TypedNumbers } from '@fackel/data';
 * const features: TypedNumbers = Float32Array.of(0.5, -1, 0.25);
 * ```
 */
export type TypedNumbers = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array | Uint8ClampedArray;

/**
 * The type {@link defaultCollate} turns a batch of `T` into: tensors, numbers, booleans and
 * typed arrays become one `Tensor`; strings a `string[]`; tuples, arrays and objects keep
 * their structure with each position collated.
 *
 * @example
 * ```ts
 * import type { Tensor } from '@fackel/tensor';
 * import type { Collated } from '@fackel/data';
 * const b: Collated<[Float32Array, number]> = [{} as Tensor, {} as Tensor]; // [x: [B, F], y: [B]]
 * ```
 */
export type Collated<T> = T extends Tensor | number | bigint | boolean | TypedNumbers
  ? Tensor
  : T extends string
    ? string[]
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { [K in keyof T]: Collated<T[K]> }
        : never;

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { isTensor?: unknown }).isTensor === true;
}

function isTypedNumbers(x: unknown): x is TypedNumbers {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array);
}

function kind(x: unknown): string {
  if (x === null) return 'null';
  if (isTensor(x)) return `a Tensor of shape [${x.shape.join(', ')}]`;
  if (isTypedNumbers(x)) return `a ${x.constructor.name} of length ${x.length}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  return typeof x === 'object' ? `an object (${(x as object).constructor?.name ?? 'no prototype'})` : typeof x;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/**
 * Options of {@link defaultCollate}.
 *
 * @example
 * ```ts
 * import type { CollateOptions } from '@fackel/data';
 * const o: CollateOptions = { device: 'cpu' };
 * ```
 */
export interface CollateOptions {
  /** Device for the tensors made from numbers and typed arrays. Default: the default device. */
  device?: string | Device;
}

function collateAt(batch: readonly unknown[], path: string, options: CollateOptions): unknown {
  const first = batch[0];
  const where = path === '' ? 'the items' : `item${path}`;
  const mismatch = (i: number, expected: string) =>
    new TypeError(
      `cannot collate ${where}: item 0${path} is ${expected}, but item ${i}${path} is ${kind(batch[i])}; all items of a batch must have the same structure`,
    );

  if (isTensor(first)) {
    batch.forEach((t, i) => {
      if (!isTensor(t)) throw mismatch(i, kind(first));
      if (t.shape.length !== first.shape.length || t.shape.some((s, k) => s !== first.shape[k])) {
        throw new TypeError(
          `cannot stack ${where}: item 0${path} has shape [${first.shape.join(', ')}] but item ${i}${path} has shape [${t.shape.join(', ')}]`,
        );
      }
    });
    return stack(batch as Tensor[], 0);
  }
  if (typeof first === 'number') {
    const data = new Float32Array(batch.length);
    batch.forEach((v, i) => {
      if (typeof v !== 'number') throw mismatch(i, 'a number');
      data[i] = v;
    });
    return tensor(data, { dtype: 'float32', device: options.device });
  }
  if (typeof first === 'bigint') {
    const data = new Int32Array(batch.length);
    batch.forEach((v, i) => {
      if (typeof v !== 'bigint') throw mismatch(i, 'a bigint');
      if (v > 2147483647n || v < -2147483648n) throw new RangeError(`cannot collate ${where}: item ${i}${path} = ${v} does not fit in int32`);
      data[i] = Number(v);
    });
    return tensor(data, { dtype: 'int32', device: options.device });
  }
  if (typeof first === 'boolean') {
    const data = new Uint8Array(batch.length);
    batch.forEach((v, i) => {
      if (typeof v !== 'boolean') throw mismatch(i, 'a boolean');
      data[i] = v ? 1 : 0;
    });
    return tensor(data, { dtype: 'bool', device: options.device });
  }
  if (typeof first === 'string') {
    batch.forEach((v, i) => {
      if (typeof v !== 'string') throw mismatch(i, 'a string');
    });
    return [...(batch as string[])];
  }
  if (isTypedNumbers(first)) {
    const Ctor = first.constructor as new (n: number) => TypedNumbers;
    const len = first.length;
    const flat = new Ctor(batch.length * len);
    batch.forEach((v, i) => {
      if (!isTypedNumbers(v) || v.constructor !== Ctor) throw mismatch(i, kind(first));
      if (v.length !== len) {
        throw new TypeError(`cannot stack ${where}: item 0${path} has length ${len} but item ${i}${path} has length ${v.length}`);
      }
      flat.set(v as ArrayLike<number>, i * len);
    });
    // The same dtypes as tensor(typedArray): Int32Array -> int32, Uint8Array -> bool, others float32.
    const flatTensor = tensor(flat as Float32Array | Int32Array | Uint8Array, { device: options.device });
    const shaped = flatTensor.reshape([batch.length, len]);
    flatTensor.dispose();
    return shaped;
  }
  if (Array.isArray(first)) {
    const len = first.length;
    batch.forEach((v, i) => {
      if (!Array.isArray(v)) throw mismatch(i, kind(first));
      if (v.length !== len) {
        throw new TypeError(
          `cannot collate ${where}: item 0${path} has ${len} elements but item ${i}${path} has ${v.length}; each item must have the same number of elements`,
        );
      }
    });
    const out: unknown[] = [];
    for (let k = 0; k < len; k++)
      out.push(
        collateAt(
          batch.map((v) => (v as unknown[])[k]),
          `${path}[${k}]`,
          options,
        ),
      );
    return out;
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    batch.forEach((v, i) => {
      if (!isPlainObject(v)) throw mismatch(i, 'an object');
      for (const k of keys) if (!(k in v)) throw new TypeError(`cannot collate ${where}: item ${i}${path} has no key ${JSON.stringify(k)} (item 0 has it)`);
    });
    for (const k of keys)
      out[k] = collateAt(
        batch.map((v) => (v as Record<string, unknown>)[k]),
        `${path}.${k}`,
        options,
      );
    return out;
  }
  throw new TypeError(
    `the default collate cannot batch ${kind(first)} (at item 0${path}); items may contain tensors, numbers, booleans, bigints, typed arrays, strings, arrays and plain objects — pass collate to the DataLoader for anything else`,
  );
}

/**
 * Turns a list of dataset items into a batch, as PyTorch's `default_collate`:
 *
 * - tensors are stacked along a new first dimension (`[B, ...shape]`);
 * - numbers become a `float32` tensor `[B]` (JavaScript cannot tell `1` from `1.0`), bigints an
 *   `int32` tensor (for class indices), booleans a `bool` tensor;
 * - typed arrays of equal length become a tensor `[B, length]` (`Int32Array` → int32,
 *   `Uint8Array` → bool, other typed arrays → float32, as `tensor()` does);
 * - strings stay a `string[]`;
 * - arrays (tuples) are transposed: a batch of `[x, y]` pairs becomes `[collate(xs), collate(ys)]`,
 *   and a batch of number arrays becomes one tensor per position, as in PyTorch (use a typed
 *   array or a tensor to get one `[B, n]` tensor);
 * - plain objects are collated key by key.
 *
 * Mismatched items (different shapes, lengths or kinds) give an error naming the items.
 *
 * @example
 * ```ts
 * import { defaultCollate } from '@fackel/data';
 * const [x, y] = defaultCollate([
 *   [Float32Array.of(1, 2), 0],
 *   [Float32Array.of(3, 4), 1],
 * ]); // x: float32 [2, 2], y: float32 [2]
 * ```
 */
export function defaultCollate<T>(batch: readonly T[], options: CollateOptions = {}): Collated<T> {
  if (!Array.isArray(batch) || batch.length === 0) throw new TypeError('collate needs a non-empty array of items');
  return collateAt(batch, '', options) as Collated<T>;
}
