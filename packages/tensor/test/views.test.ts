// View ops of @fackel/tensor on their own (reference backend from ./helpers.ts): the shapes,
// strides and offsets each produces (as torch's .stride() and .storage_offset() give them),
// that views share storage and copy nothing, and view()'s refusal of incompatible layouts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arange, destroyDevice, getDevice, registerBackend, tensor, zeros, type Tensor } from '../src/index.js';
import { refBackend, type RefBackend } from './helpers.js';

let be: RefBackend;
registerBackend('cpu', () => (be = refBackend()));
beforeAll(() => {
  getDevice('cpu');
});
afterAll(() => destroyDevice('cpu'));

const values = (t: Tensor): number[] => Array.from(t.dataSync());
const layout = (t: Tensor): [readonly number[], readonly number[], number] => [t.shape, t.strides, t.offset];

/** 0..23 as a [2, 3, 4] float32 tensor. */
const base = (): Tensor => arange(24, { dtype: 'float32' }).reshape([2, 3, 4]);

describe('view ops: shapes, strides and offsets', () => {
  it('reshape/view of a contiguous tensor keep the storage', () => {
    const x = base();
    const copies = be.copies;
    expect(layout(x.view([6, 4]))).toEqual([[6, 4], [4, 1], 0]);
    expect(layout(x.reshape([4, -1]))).toEqual([[4, 6], [6, 1], 0]);
    expect(layout(x.view([24]))).toEqual([[24], [1], 0]);
    expect(be.copies).toBe(copies);
  });

  it('transpose, permute and t swap strides', () => {
    const x = base();
    expect(layout(x.transpose(0, 2))).toEqual([[4, 3, 2], [1, 4, 12], 0]);
    expect(layout(x.permute([1, 2, 0]))).toEqual([[3, 4, 2], [4, 1, 12], 0]);
    expect(layout(x.permute([-1, 0, 1]))).toEqual([[4, 2, 3], [1, 12, 4], 0]);
    const m = arange(6, { dtype: 'float32' }).reshape([2, 3]).t();
    expect(layout(m)).toEqual([[3, 2], [1, 3], 0]);
    expect(values(m)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(m.isContiguous()).toBe(false);
  });

  it('select, narrow and slice move the offset', () => {
    const x = base();
    expect(layout(x.select(1, 2))).toEqual([[2, 4], [12, 1], 8]);
    expect(values(x.select(1, 2))).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
    expect(layout(x.select(0, -1))).toEqual([[3, 4], [4, 1], 12]);
    expect(layout(x.narrow(2, 1, 2))).toEqual([[2, 3, 2], [12, 4, 1], 1]);
    expect(layout(x.slice(2, 1, null, 2))).toEqual([[2, 3, 2], [12, 4, 2], 1]);
    expect(values(x.slice(2, 1, null, 2).select(0, 0))).toEqual([1, 3, 5, 7, 9, 11]);
    expect(layout(x.slice(1, -2))).toEqual([[2, 2, 4], [12, 4, 1], 4]);
    expect(x.slice(1, 5, 9).shape).toEqual([2, 0, 4]); // clamped: empty
  });

  it('expand sets stride 0 on broadcast dimensions', () => {
    const r = tensor([[1], [2]]);
    const e = r.expand([3, 2, 4]);
    expect(layout(e)).toEqual([[3, 2, 4], [0, 1, 0], 0]);
    expect(values(e.select(0, 2))).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    expect(layout(r.expand([-1, 2]))).toEqual([[2, 2], [1, 0], 0]);
  });

  it('squeeze, unsqueeze, flatten and unflatten', () => {
    const x = zeros([2, 1, 3, 1]);
    expect(layout(x.squeeze())).toEqual([[2, 3], [3, 1], 0]);
    expect(x.squeeze(1).shape).toEqual([2, 3, 1]);
    expect(x.squeeze(0).shape).toEqual([2, 1, 3, 1]); // size 2: unchanged, as in PyTorch
    expect(x.squeeze([1, 3]).shape).toEqual([2, 3]);
    const y = base();
    expect(layout(y.unsqueeze(1))).toEqual([[2, 1, 3, 4], [12, 12, 4, 1], 0]); // torch: size·stride of the next dim
    expect(layout(y.unsqueeze(3))).toEqual([[2, 3, 4, 1], [12, 4, 1, 1], 0]);
    expect(y.unsqueeze(-1).shape).toEqual([2, 3, 4, 1]);
    expect(layout(y.flatten(1))).toEqual([[2, 12], [12, 1], 0]);
    expect(y.flatten().shape).toEqual([24]);
    expect(layout(y.unflatten(2, [2, 2]))).toEqual([[2, 3, 2, 2], [12, 4, 2, 1], 0]);
    expect(y.unflatten(1, [-1, 1]).shape).toEqual([2, 3, 1, 4]);
  });
});

describe('views share storage', () => {
  it('an in-place write through a view shows in the base and in other views', () => {
    const x = zeros([2, 3]);
    const row = x.select(0, 1);
    const col = x.t().select(0, 2); // column 2 of x
    row.fill_(5);
    expect(values(x)).toEqual([0, 0, 0, 5, 5, 5]);
    col.copy_(tensor([7, 8]));
    expect(values(x)).toEqual([0, 0, 7, 5, 5, 8]);
    expect(values(row)).toEqual([5, 5, 8]);
  });

  it('views keep the storage alive after the base is disposed', () => {
    const x = arange(4, { dtype: 'float32' });
    const v = x.view([2, 2]);
    x.dispose();
    expect(values(v)).toEqual([0, 1, 2, 3]);
    v.dispose();
  });
});

describe('view() vs reshape() on non-contiguous layouts', () => {
  it('view refuses a layout it cannot express, naming shapes and strides', () => {
    const m = base().transpose(1, 2); // [2, 4, 3], strides [12, 1, 4]
    expect(() => m.view([2, 12])).toThrow(
      "view: size [2,12] is not compatible with the input's layout (shape [2,4,3], strides [12,1,4]): at least one dimension spans across two contiguous subspaces. Use .reshape(...) instead",
    );
    expect(layout(m.view([2, 4, 3, 1]))).toEqual([[2, 4, 3, 1], [12, 1, 4, 4], 0]); // expressible; torch's strides
  });

  it('reshape copies when it must, and the copy is contiguous with the right values', () => {
    const m = arange(6, { dtype: 'float32' }).reshape([2, 3]).t();
    const copies = be.copies;
    const r = m.reshape([6]);
    expect(be.copies).toBe(copies + 1);
    expect(layout(r)).toEqual([[6], [1], 0]);
    expect(values(r)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(() => m.reshape([4])).toThrow('reshape: shape [4] is invalid for input of size 6');
    expect(() => m.reshape([-1, -1])).toThrow('reshape: only one dimension can be inferred (-1) in [-1,-1]');
  });

  it('contiguous() copies a strided view, and only aliases a contiguous tensor', () => {
    const x = base();
    const copies = be.copies;
    expect(layout(x.contiguous())).toEqual(layout(x));
    expect(be.copies).toBe(copies);
    const c = x.permute([2, 0, 1]).contiguous();
    expect(layout(c)).toEqual([[4, 2, 3], [6, 3, 1], 0]);
    expect(values(c).slice(0, 6)).toEqual([0, 4, 8, 12, 16, 20]);
  });
});
