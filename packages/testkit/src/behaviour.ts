import * as F from '@fackel/tensor';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Facade behaviour every backend must show, beyond op values: views share storage, errors
 * name the op, shapes, dtypes and devices, dispose and tidy release memory, dtype rules,
 * scalars and broadcasting, async readback. Call at the top level of a test file.
 *
 * @example
 * ```ts
 * import { registerCpuBackend } from '@fackel/backend-cpu';
 * import { runBehaviourConformance } from '@fackel/testkit';
 * registerCpuBackend();
 * runBehaviourConformance({ device: 'cpu' });
 * ```
 */
export function runBehaviourConformance(options: { device: string }): void {
  const { device } = options;
  const t = (data: F.TensorData, o: F.TensorOptions = {}): F.Tensor => F.tensor(data, { device, ...o });
  const list = async (x: F.Tensor): Promise<F.NestedArray> => x.tolist();

  describe(`tensor behaviour on ${device}`, () => {
    beforeAll(async () => {
      await F.initDevice(device);
    });

    it('views share storage with their base and see in-place writes', async () => {
      const x = t([[1, 2, 3], [4, 5, 6]]);
      const v = x.transpose(0, 1);
      const r = x.reshape([6]);
      const n = x.narrow(1, 1, 2);
      F.noGrad(() => x.mul_(10));
      expect(await list(v)).toEqual([[10, 40], [20, 50], [30, 60]]);
      expect(await list(r)).toEqual([10, 20, 30, 40, 50, 60]);
      F.noGrad(() => n.fill_(0));
      expect(await list(x)).toEqual([[10, 0, 0], [40, 0, 0]]);
      expect(x.version).toBe(2);
      for (const a of [x, v, r, n]) a.dispose();
    });

    it('view refuses a non-contiguous layout while reshape copies', async () => {
      const x = t([[1, 2], [3, 4]]).t();
      expect(() => x.view([4])).toThrow(/view: size \[4\] is not compatible with the input's layout.*Use \.reshape/);
      expect(await list(x.reshape([4]))).toEqual([1, 3, 2, 4]);
      expect(x.contiguous().isContiguous()).toBe(true);
    });

    it('broadcasts with NumPy rules and scalar operands on either side', async () => {
      const a = t([[1], [2]]);
      const b = t([10, 20, 30]);
      expect(await list(a.add(b))).toEqual([[11, 21, 31], [12, 22, 32]]);
      expect(await list(F.sub(1, b))).toEqual([-9, -19, -29]);
      expect(() => t([1, 2]).add(t([1, 2, 3]))).toThrow('add: shapes [2] and [3] cannot be broadcast together');
    });

    it('follows dtype rules: int arithmetic stays int, division and exp make floats, comparisons make bools', async () => {
      const i = t([1, 2, 3], { dtype: 'int32' });
      expect(i.add(1).dtype).toBe('int32');
      expect(i.add(0.5).dtype).toBe('float32');
      expect(i.div(2).dtype).toBe('float32');
      expect(await list(i.div(2))).toEqual([0.5, 1, 1.5]);
      expect(i.exp().dtype).toBe('float32');
      expect(i.gt(1).dtype).toBe('bool');
      expect(await list(i.gt(1))).toEqual([false, true, true]);
      expect(i.sum().dtype).toBe('int32');
      expect(() => i.mean()).toThrow(/mean: .*floating point, got int32/);
      expect(await list(t([2.7, -2.7]).int())).toEqual([2, -2]);
    });

    it('names op, shapes, dtypes and devices in errors', () => {
      expect(() => F.matmul(t([[1, 2, 3], [4, 5, 6]]), F.zeros([4, 5], { device }))).toThrow('matmul: shapes [2,3] and [4,5] cannot be multiplied (3 != 4)');
      expect(() => t([1]).gather(0, t([0]))).toThrow(/gather: index must be an int32 tensor, got float32/);
      expect(() => t([1, 2]).sum(2)).toThrow('sum: dimension 2 is out of range for a tensor of rank 1 (expected to be in range [-1, 0])');
      expect(() => t([[1, 2]]).reshape([3])).toThrow('reshape: shape [3] is invalid for input of size 2');
      expect(() => F.cat([F.zeros([2, 3], { device }), F.zeros([2, 4], { device })], 0)).toThrow(/cat: sizes of tensors must match except in dimension 0/);
    });

    it('throws a clear error on use after dispose, and dispose is idempotent', () => {
      const x = t([1, 2]);
      x.dispose();
      x.dispose();
      expect(() => x.add(1)).toThrow(/add: tensor \[2\] float32 was used after dispose\(\)/);
    });

    it('releases memory with dispose and tidy, and storage lives while a view does', () => {
      const before = F.memory(device);
      const x = t([1, 2, 3, 4]);
      const v = x.reshape([2, 2]);
      x.dispose();
      expect(F.memory(device).storages).toBe(before.storages + 1);
      v.dispose();
      expect(F.memory(device).storages).toBe(before.storages);
      const kept = F.tidy(() => {
        const a = F.ones([8], { device }).mul(2).add(1);
        return { out: a.sum() };
      });
      expect(F.memory(device).tensors).toBe(before.tensors + 1);
      kept.out.dispose();
      expect(F.memory(device)).toMatchObject({ tensors: before.tensors, storages: before.storages, bytes: before.bytes });
    });

    it('reads back asynchronously: data, item, tolist', async () => {
      const x = t([[1.5, 2], [3, 4]]);
      expect(Array.from(await x.data())).toEqual([1.5, 2, 3, 4]);
      expect(await x.sum().item()).toBe(10.5);
      expect(await t([true, false]).tolist()).toEqual([true, false]);
      await expect(x.item()).rejects.toThrow(/a tensor with 4 elements .* cannot be converted to a number/);
    });

    it('creates 0-d and empty tensors and reduces them like PyTorch', async () => {
      const s = t(5);
      expect(s.shape).toEqual([]);
      expect(await s.item()).toBe(5);
      const e = F.zeros([0, 3], { device });
      expect(e.sum(0).shape).toEqual([3]);
      expect(await list(e.sum(0))).toEqual([0, 0, 0]);
      expect(() => e.max()).toThrow(/max: cannot reduce over dimension 0 of size 0/);
    });

    it('gives the same random numbers for the same seed on every device', async () => {
      const a = F.randn([5], { device, generator: new F.Generator(42) });
      const b = F.randn([5], { device: 'cpu', generator: new F.Generator(42) });
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    });

    it('keeps PyTorch argument order: x.where(condition, other), max(dim) values and indices', async () => {
      const x = t([[1, 5], [7, 2]]);
      expect(await list(x.where(x.gt(3), 0))).toEqual([[0, 5], [7, 0]]);
      const [values, indices] = x.max(1);
      expect(await list(values!)).toEqual([5, 7]);
      expect(await list(indices!)).toEqual([1, 0]);
      expect(indices!.dtype).toBe('int32');
    });

    it('moves tensors between devices and refuses to mix them in one op', async () => {
      const x = t([1, 2, 3]);
      const c = await x.to('cpu');
      expect(await list(c)).toEqual([1, 2, 3]);
      if (device !== 'cpu') {
        expect(c.device.name).toBe('cpu');
        expect(() => x.add(c)).toThrow(`add: expected all tensors to be on the same device, but found tensors on '${device}' and 'cpu'`);
        const back = await c.to(device);
        expect(back.device.name).toBe(device);
      }
    });
  });
}
