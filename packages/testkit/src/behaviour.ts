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
      const x = t([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const v = x.transpose(0, 1);
      const r = x.reshape([6]);
      const n = x.narrow(1, 1, 2);
      F.noGrad(() => x.mul_(10));
      expect(await list(v)).toEqual([
        [10, 40],
        [20, 50],
        [30, 60],
      ]);
      expect(await list(r)).toEqual([10, 20, 30, 40, 50, 60]);
      F.noGrad(() => n.fill_(0));
      expect(await list(x)).toEqual([
        [10, 0, 0],
        [40, 0, 0],
      ]);
      expect(x.version).toBe(2);
      for (const a of [x, v, r, n]) a.dispose();
    });

    it('view refuses a non-contiguous layout while reshape copies', async () => {
      const x = t([
        [1, 2],
        [3, 4],
      ]).t();
      expect(() => x.view([4])).toThrow(/view: size \[4\] is not compatible with the input's layout.*Use \.reshape/);
      expect(await list(x.reshape([4]))).toEqual([1, 3, 2, 4]);
      expect(x.contiguous().isContiguous()).toBe(true);
    });

    it('broadcasts with NumPy rules and scalar operands on either side', async () => {
      const a = t([[1], [2]]);
      const b = t([10, 20, 30]);
      expect(await list(a.add(b))).toEqual([
        [11, 21, 31],
        [12, 22, 32],
      ]);
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
      expect(() =>
        F.matmul(
          t([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          F.zeros([4, 5], { device }),
        ),
      ).toThrow('matmul: shapes [2,3] and [4,5] cannot be multiplied (3 != 4)');
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
      const x = t([
        [1.5, 2],
        [3, 4],
      ]);
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
      const x = t([
        [1, 5],
        [7, 2],
      ]);
      expect(await list(x.where(x.gt(3), 0))).toEqual([
        [0, 5],
        [7, 0],
      ]);
      const [values, indices] = x.max(1);
      expect(await list(values!)).toEqual([5, 7]);
      expect(await list(indices!)).toEqual([1, 0]);
      expect(indices!.dtype).toBe('int32');
    });

    it('refuses impossible sizes with one error naming the op, the shape and the bytes, before allocating', () => {
      const before = F.memory(device);
      const limit = 'the largest tensor Fackel can allocate holds 2^31-1 = 2147483647 elements';
      expect(() => F.zeros([1e6, 1e6], { device })).toThrow(`zeros: shape [1000000,1000000] of float32 needs 4.0 TB (1000000000000 elements); ${limit}`);
      expect(() => F.randn([1e12], { device })).toThrow(`randn: shape [1000000000000] of float32 needs 4.0 TB (1000000000000 elements); ${limit}`);
      expect(() => F.arange(0, 1e12, { device })).toThrow(`arange: shape [1000000000000] of int32 needs 4.0 TB (1000000000000 elements); ${limit}`);
      expect(() => F.full([2 ** 31], 1, { device, dtype: 'bool' })).toThrow(`full: shape [2147483648] of bool needs 2.1 GB (2147483648 elements); ${limit}`);
      expect(() => F.eye(1e5, { device })).toThrow(/^eye: shape \[100000,100000\] of float32 needs 40\.0 GB/);
      expect(() => F.randperm(2 ** 40, { device })).toThrow(/^randperm: shape \[1099511627776\] of int32 needs 4\.4 TB/);
      expect(() => F.linspace(0, 1, 2 ** 32, { device })).toThrow(/^linspace: shape \[4294967296\] of float32 needs 17\.2 GB/);
      expect(() => F.zeros([2, -1], { device })).toThrow('zeros: invalid shape [2,-1]: size -1 at dimension 1 is not a non-negative integer');
      expect(() => F.ones([NaN], { device })).toThrow('ones: invalid shape [NaN]: size NaN at dimension 0 is not a non-negative integer');
      expect(() => F.rand([2, 1.5], { device })).toThrow('rand: invalid shape [2,1.5]: size 1.5 at dimension 1 is not a non-negative integer');
      expect(() => F.zeros([Infinity], { device })).toThrow('zeros: invalid shape [Infinity]: size Infinity at dimension 0 is not a non-negative integer');
      const col = F.zeros([100000, 1], { device });
      const row = F.zeros([1, 100000], { device });
      expect(() => col.add(row)).toThrow(`add: shapes [100000,1] and [1,100000] broadcast to [100000,100000], 10000000000 elements; ${limit}`);
      col.dispose();
      row.dispose();
      expect(F.memory(device)).toMatchObject({ tensors: before.tensors, storages: before.storages, bytes: before.bytes });
    });

    it('refuses int32 values that overflow when creating from numbers, while casts truncate silently', async () => {
      const int32 = { device, dtype: 'int32' } as const;
      const range = 'int32 holds integers from -2147483648 to 2147483647 (use dtype float32 for other values)';
      expect(() => F.tensor([2 ** 31], int32)).toThrow(`tensor: value 2147483648 at [0] cannot be converted to int32 without overflow; ${range}`);
      expect(() =>
        F.tensor(
          [
            [1, 2],
            [3, NaN],
          ],
          int32,
        ),
      ).toThrow(/^tensor: value NaN at \[1, 1\] cannot be converted to int32 without overflow/);
      expect(() => F.tensor([1e20], int32)).toThrow(/^tensor: value 100000000000000000000 at \[0\] cannot be converted to int32/);
      expect(() => F.tensor(new Float64Array([0, -Infinity]), int32)).toThrow(/^tensor: value -Infinity at \[1\] cannot/);
      expect(() => F.tensor(2147483647.5, int32)).toThrow(/^tensor: value 2147483647\.5 cannot be converted to int32/);
      expect(() => F.full([2], 2 ** 31, int32)).toThrow(`full: value 2147483648 cannot be converted to int32 without overflow; ${range}`);
      expect(() => F.randint(0, 2 ** 32, [3], { device })).toThrow(/^randint: value 4294967295 \(high - 1\) cannot be converted to int32 without overflow/);
      expect(await list(F.randint(-5, 2 ** 31, [0], { device }))).toEqual([]);
      expect(() => F.arange(2 ** 31 - 2, 2 ** 31 + 1, { device })).toThrow(/^arange: value 2147483648 at \[2\] cannot be converted to int32/);
      const z = F.zeros([2], int32);
      expect(() => z.fill_(-(2 ** 31) - 1)).toThrow(/^fill_: value -2147483649 cannot be converted to int32 without overflow/);
      expect(() => z.fill_(NaN)).toThrow(/^fill_: value NaN cannot/);
      expect(await list(z)).toEqual([0, 0]);
      expect(await list(z.fill_(-7.9))).toEqual([-7, -7]);
      z.dispose();
      expect(await list(F.tensor([2 ** 31 - 1, -(2 ** 31), 1.7, -1.7], int32))).toEqual([2147483647, -2147483648, 1, -1]);
      expect(await list(F.full([2], -2.9, int32))).toEqual([-2, -2]);
      expect(await list(F.tensor([2, 0, NaN], { device, dtype: 'bool' }))).toEqual([true, false, true]);
      expect(await list(F.tensor([1e300], { device }))).toEqual([Infinity]); // float32 overflows to inf, as in PyTorch
      // A cast is not a creation from numbers: it truncates without a check, as in PyTorch.
      expect(() => t([3e9, NaN, 1.5]).to('int32')).not.toThrow();
    });

    it('raises ZeroDivisionError for integer fmod by zero; float fmod gives NaN', async () => {
      const a = t([5, -7], { dtype: 'int32' });
      expect(() => a.fmod(0)).toThrow(F.ZeroDivisionError);
      expect(() => a.fmod(0)).toThrow('fmod: integer division by zero (int32 tensor [2] divided by the number 0); use float operands to get NaN instead');
      expect(() => t([true], { dtype: 'bool' }).fmod(0)).toThrow(F.ZeroDivisionError);
      expect(await list(a.fmod(3))).toEqual([2, -1]);
      expect(await list(t([5, -7]).fmod(0))).toEqual([NaN, NaN]);
      expect(await list(a.fmod(t([0, 2])))).toEqual([NaN, -1]);
      const divisor = t([3, 0], { dtype: 'int32' });
      if (F.getDevice(device).backend.readSync) {
        // The CPU kernel checks a tensor divisor element by element and frees its output.
        const before = F.memory(device);
        expect(() => a.fmod(divisor)).toThrow(F.ZeroDivisionError);
        expect(() => F.fmod(7, divisor)).toThrow(/^fmod: integer division by zero \(the integer divisor tensor holds a 0\)/);
        expect(F.memory(device)).toMatchObject({ tensors: before.tensors, storages: before.storages, bytes: before.bytes });
      } else {
        // A GPU kernel cannot raise without a readback: a zero element gives 0 (documented on fmod).
        expect(await list(a.fmod(divisor))).toEqual([2, 0]);
      }
    });

    it('rejects negative, NaN, infinite or all-zero multinomial probabilities, naming the row', async () => {
      const g = new F.Generator(0);
      expect(await list(F.multinomial(t([0, 1, 0]), 1, false, { generator: g }))).toEqual([1]);
      expect(
        await list(
          F.multinomial(
            t([
              [0, 2],
              [3, 0],
            ]),
            2,
            true,
            { generator: g },
          ),
        ),
      ).toEqual([
        [1, 1],
        [0, 0],
      ]);
      const bad: [F.TensorData, number, boolean, string | RegExp][] = [
        [
          [0.5, -1, 0.5],
          1,
          true,
          'multinomial: probability tensor contains either inf, nan or element < 0 (-1 at index 1); expected finite, non-negative probabilities',
        ],
        [
          [
            [1, 1],
            [NaN, 1],
          ],
          1,
          false,
          /^multinomial: probability tensor contains either inf, nan or element < 0 \(NaN at \[1, 0\]\)/,
        ],
        [[[1, Infinity]], 1, true, /^multinomial: probability tensor contains .* \(Infinity at \[0, 1\]\)/],
        [
          [
            [1, 1],
            [0, 0],
          ],
          1,
          true,
          'multinomial: invalid multinomial distribution (sum of probabilities <= 0) in row 1; expected at least one positive probability per row',
        ],
        [[0, 0, 0], 1, false, 'multinomial: invalid multinomial distribution (sum of probabilities <= 0); expected at least one positive probability per row'],
        [
          [
            [1, 0, 1],
            [0, 0, 1],
          ],
          2,
          false,
          /^multinomial: invalid multinomial distribution \(with replacement=false, not enough categories to sample\) in row 1: 1 of 3 probabilities are positive, 2 samples/,
        ],
      ];
      for (const [probs, n, replacement, message] of bad) {
        const p = t(probs);
        if (F.getDevice(device).backend.readSync) {
          expect(() => F.multinomial(p, n, replacement, { generator: g })).toThrow(message);
        } else {
          // WebGPU cannot read back synchronously: no check, but the indices stay in range (documented).
          const idx = (await F.multinomial(p, n, replacement, { generator: g }).data()) as Int32Array;
          for (const i of idx) expect(i >= 0 && i < p.shape[p.ndim - 1]).toBe(true);
        }
      }
    });

    it('refuses nested arrays deeper than 64 levels (or cyclic) with a clear error instead of a stack overflow', async () => {
      let deep: F.TensorData = 1;
      for (let i = 0; i < 10_000; i++) deep = [deep];
      const message = 'tensor: the nested arrays are more than 64 levels deep (or cyclic); a tensor made from nested arrays has at most 64 dimensions';
      expect(() => t(deep)).toThrow(message);
      const cyclic: unknown[] = [];
      cyclic.push(cyclic);
      expect(() => t(cyclic as F.TensorData)).toThrow(message);
      let ok: F.TensorData = 7;
      for (let i = 0; i < 64; i++) ok = [ok];
      const x = t(ok);
      expect(x.ndim).toBe(64);
      expect(await x.reshape([]).item()).toBe(7);
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
