import { indexSelect, select, tensor, type Tensor } from '@fackel/tensor';
import { checkIndex, Dataset } from './dataset.js';

/**
 * A dataset of tensors that share their first dimension, as `torch.utils.data.TensorDataset`:
 * item `i` is `[t0[i], t1[i], …]` (views). A {@link DataLoader} with the default collate reads
 * whole batches with one `indexSelect` per tensor instead of stacking single items.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { TensorDataset, DataLoader } from '@fackel/data';
 * const ds = new TensorDataset(tensor([[1, 2], [3, 4], [5, 6]]), tensor([0, 1, 0]));
 * const [x, y] = ds.getItem(1); // x: [3, 4], y: 1 (0-d)
 * ```
 */
export class TensorDataset extends Dataset<Tensor[]> {
  /** The tensors, in order. */
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new TypeError('TensorDataset needs at least one tensor');
    tensors.forEach((t, k) => {
      if (typeof t !== 'object' || t === null || (t as { isTensor?: unknown }).isTensor !== true) {
        throw new TypeError(`TensorDataset: argument ${k} is not a Tensor`);
      }
      if (t.ndim === 0) throw new TypeError(`TensorDataset: tensor ${k} is 0-d; every tensor needs a first dimension to index`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, k) => {
      if (t.shape[0] !== n) {
        throw new TypeError(
          `TensorDataset: all tensors must have the same size in dimension 0, but tensor 0 has ${n} and tensor ${k} has ${t.shape[0]} (shapes [${tensors[0].shape.join(', ')}] and [${t.shape.join(', ')}])`,
        );
      }
    });
    this.tensors = Object.freeze([...tensors]);
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** `[t0[index], t1[index], …]` as views of the tensors. */
  getItem(index: number): Tensor[] {
    checkIndex(index, this.length, 'TensorDataset');
    return this.tensors.map((t) => select(t, 0, index));
  }

  /**
   * The rows at `indices` of every tensor, as new tensors (`indexSelect` along dimension 0).
   *
   * @example
   * ```ts
   * import { tensor } from '@fackel/tensor';
   * import { TensorDataset } from '@fackel/data';
   * const ds = new TensorDataset(tensor([[1, 2], [3, 4], [5, 6]]), tensor([0, 1, 0]));
   * const [x, y] = ds.getBatch([2, 0]); // x: [[5, 6], [1, 2]], y: [0, 0]
   * ```
   */
  getBatch(indices: ArrayLike<number>): Tensor[] {
    const n = this.length;
    const idx = Int32Array.from(indices as ArrayLike<number>);
    for (const i of idx) checkIndex(i, n, 'TensorDataset');
    return this.tensors.map((t) => {
      const it = tensor(idx, { dtype: 'int32', device: t.device });
      try {
        return indexSelect(t, 0, it);
      } finally {
        it.dispose();
      }
    });
  }
}
