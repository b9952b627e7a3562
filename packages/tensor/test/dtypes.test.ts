// Type promotion of @fackel/tensor on its own (reference backend from ./helpers.ts), against
// PyTorch's rules for these four dtypes (bool < int32 < float32 < float64; Fackel's int32
// stands where PyTorch has int64): a number operand does not raise a tensor's float dtype,
// a non-integer number makes an integer tensor float32, division is true division, and
// comparisons give bool.
import { afterAll, describe, expect, it } from 'vitest';
import { DTYPES, DTypeError, destroyDevice, promoteTypes, registerBackend, tensor, type DType, type Tensor } from '../src/index.js';
import { refBackend } from './helpers.js';

registerBackend('cpu', () => refBackend());
afterAll(() => destroyDevice('cpu'));

const values = (t: Tensor): number[] => Array.from(t.dataSync());
const t = (data: number[] | boolean[], dtype: DType): Tensor => tensor(data, { dtype });

describe('promoteTypes', () => {
  it("is PyTorch's table for bool, int32, float32 and float64", () => {
    // torch.promote_types over (bool, int64, float32, float64), int64 written as int32
    const want: Record<DType, Record<DType, DType>> = {
      bool: { bool: 'bool', int32: 'int32', float32: 'float32', float64: 'float64' },
      int32: { bool: 'int32', int32: 'int32', float32: 'float32', float64: 'float64' },
      float32: { bool: 'float32', int32: 'float32', float32: 'float32', float64: 'float64' },
      float64: { bool: 'float64', int32: 'float64', float32: 'float64', float64: 'float64' },
    };
    for (const a of DTYPES) for (const b of DTYPES) expect(`${a}+${b}=${promoteTypes(a, b)}`).toBe(`${a}+${b}=${want[a][b]}`);
  });
});

describe('binary ops promote their operands', () => {
  it('tensor with tensor: the larger dtype', () => {
    const i = t([1, 2, 3], 'int32');
    const f = t([0.5, 0.25, 2], 'float32');
    const r = i.add(f);
    expect([r.dtype, values(r)]).toEqual(['float32', [1.5, 2.25, 5]]);
    expect(f.add(i).dtype).toBe('float32');
    expect(f.add(t([1, 1, 1], 'float64')).dtype).toBe('float64');
    expect(i.mul(t([1, 1, 1], 'float64')).dtype).toBe('float64');
    const b = t([true, false, true], 'bool');
    expect([i.add(b).dtype, values(i.add(b))]).toEqual(['int32', [2, 2, 4]]);
    expect(b.add(f).dtype).toBe('float32');
  });

  it('bool with bool stays bool (addition is a logical or, as in PyTorch)', () => {
    const r = t([true, true, false], 'bool').add(t([true, false, false], 'bool'));
    expect([r.dtype, values(r)]).toEqual(['bool', [1, 1, 0]]);
  });

  it('tensor with number: an integer keeps the tensor dtype, a fraction makes integers float32', () => {
    const i = t([1, 2, 3], 'int32');
    expect([i.add(2).dtype, values(i.add(2))]).toEqual(['int32', [3, 4, 5]]);
    expect([i.add(0.5).dtype, values(i.add(0.5))]).toEqual(['float32', [1.5, 2.5, 3.5]]);
    expect(t([1], 'float32').add(2).dtype).toBe('float32');
    expect(t([1], 'float64').add(0.1).dtype).toBe('float64');
    expect(t([1], 'float64').add(0.1).dataSync()[0]).toBe(1.1); // the number stays float64
    expect(t([1], 'float32').add(0.1).dataSync()[0]).toBe(Math.fround(1 + Math.fround(0.1)));
    const b = t([true, false], 'bool');
    expect([b.add(2).dtype, values(b.add(2))]).toEqual(['int32', [3, 2]]);
    expect(b.mul(1.5).dtype).toBe('float32');
  });

  it('division is true division: integers give float32', () => {
    const i = t([1, 2, 3], 'int32');
    const r = i.div(2);
    expect([r.dtype, values(r)]).toEqual(['float32', [0.5, 1, 1.5]]);
    const q = i.div(t([2, 4, 3], 'int32'));
    expect([q.dtype, values(q)]).toEqual(['float32', [0.5, 0.5, 1]]);
    expect(t([true], 'bool').div(t([true], 'bool')).dtype).toBe('float32');
    expect(t([1], 'float64').div(i.narrow(0, 0, 1)).dtype).toBe('float64');
  });

  it('comparisons give bool and compare in the promoted dtype', () => {
    const i = t([1, 2, 3], 'int32');
    const lt = i.lt(2.5); // 2.5 is not truncated to 2
    expect([lt.dtype, values(lt)]).toEqual(['bool', [1, 1, 0]]);
    expect(values(i.eq(t([1, 2.5, 3], 'float32')))).toEqual([1, 0, 1]);
  });

  it("int32 arithmetic wraps around as two's complement", () => {
    expect(values(t([2147483647], 'int32').add(1))).toEqual([-2147483648]);
  });
});

describe('unary ops keep the dtype, or say why not', () => {
  it('abs and neg keep integer dtypes; neg of a bool is refused', () => {
    const i = t([-2, 3], 'int32');
    expect([i.abs().dtype, values(i.abs())]).toEqual(['int32', [2, 3]]);
    expect([i.neg().dtype, values(i.neg())]).toEqual(['int32', [2, -3]]);
    expect(() => t([true], 'bool').neg()).toThrow(DTypeError);
    expect(() => t([true], 'bool').neg()).toThrow('neg: not supported for bool tensors; use logicalNot() to invert a mask');
    expect(t([1], 'int32').isnan().dtype).toBe('bool');
  });

  it('casts convert as PyTorch does: toward zero for int32, nonzero for bool', () => {
    const f = t([1.7, -1.7, 0, 0.25], 'float32');
    expect([f.int().dtype, values(f.int())]).toEqual(['int32', [1, -1, 0, 0]]);
    expect(values(f.bool())).toEqual([1, 1, 0, 1]);
    expect(values(t([true, false], 'bool').float())).toEqual([1, 0]);
    expect(f.double().dtype).toBe('float64');
  });
});
