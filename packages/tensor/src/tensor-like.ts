// The leaf of the tensor module graph: what the op modules need about tensors when they load,
// without importing tensor.ts (which imports every op module for its methods). Op modules import
// `Tensor` as a type only, test for tensors with the `isTensor` brand and make new tensors with
// `newTensor`, so each of them loads first and alone.
import type { Storage } from './device.js';
import type { Tensor } from './tensor.js';

/** A tensor or a plain number used as a scalar operand.
 * @example
 * ```ts
 * import { tensor, type TensorLike } from '@fackel/tensor';
 * const ops: TensorLike[] = [tensor([1, 2]), 3];
 * ```
 */
export type TensorLike = Tensor | number;

/** Nested arrays of numbers or booleans, as returned by `tolist()`.
 * @example
 * ```ts
 * import type { NestedArray } from '@fackel/tensor';
 * const a: NestedArray = [[1, 2], [3, 4]];
 * ```
 */
export type NestedArray = number | boolean | NestedArray[];

/** The result of `max(dim)`, `min(dim)`, `sort` and `topk`: values and int32 indices,
 * readable by name or by destructuring (`const [values, indices] = x.max(1)`).
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const { values, indices } = tensor([[1, 5], [7, 2]]).max(1);
 * const [v, i] = tensor([[1, 5], [7, 2]]).max(1);
 * ```
 */
export class ValuesIndices {
  constructor(
    /** The values (differentiable). */
    readonly values: Tensor,
    /** Their int32 positions along the reduced or sorted dimension. */
    readonly indices: Tensor,
  ) {}
  /** Yields `values`, then `indices`, so that `const [v, i] = x.max(1)` works. */
  *[Symbol.iterator](): Iterator<Tensor> {
    yield this.values;
    yield this.indices;
  }
}

/** Whether `x` is a tensor of any loaded copy of this package: the `isTensor` brand, what `x instanceof Tensor` tests.
 * @example
 * ```ts
 * import { isTensor, tensor } from '@fackel/tensor';
 * console.log(isTensor(tensor([1])), isTensor([1])); // true false
 * ```
 */
export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { isTensor?: unknown }).isTensor === true;
}

type TensorClass = new (storage: Storage, shape: readonly number[], strides: readonly number[], offset: number) => Tensor;
let tensorClass: TensorClass | null = null;

/** Called once by tensor.ts when it loads: the class {@link newTensor} instantiates. */
export function setTensorClass(cls: TensorClass): void {
  tensorClass = cls;
}

/** A new tensor over `storage` (what `new Tensor(...)` does, for modules that must not import tensor.ts). */
export function newTensor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  if (tensorClass === null) throw new Error('@fackel/tensor: tensor.ts is not loaded (import the package, not one of its modules)');
  return new tensorClass(storage, shape, strides, offset);
}
