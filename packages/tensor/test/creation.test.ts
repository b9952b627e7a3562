// @fackel/tensor's creation functions on their own (a reference backend from ./helpers.ts):
// values, shapes, dtypes and the dtype each infers, as PyTorch does (Fackel's documented
// differences: a JavaScript number array gives float32, integer arange gives int32).
import { afterAll, describe, expect, it } from 'vitest';
import {
  Generator,
  arange,
  destroyDevice,
  eye,
  full,
  fullLike,
  linspace,
  manualSeed,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  randperm,
  registerBackend,
  tensor,
  zeros,
  zerosLike,
} from '../src/index.js';
import { refBackend } from './helpers.js';

registerBackend('cpu', () => refBackend());
afterAll(() => destroyDevice('cpu'));

const values = (t: { dataSync(): ArrayLike<number> }): number[] => Array.from(t.dataSync());

describe('zeros, ones, full and the *Like variants', () => {
  it('fill the shape with the value, float32 by default', () => {
    const z = zeros([2, 3]);
    expect([z.shape, z.dtype, z.strides, z.offset]).toEqual([[2, 3], 'float32', [3, 1], 0]);
    expect(values(z)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(values(ones([3], { dtype: 'int32' }))).toEqual([1, 1, 1]);
    expect(ones([3], { dtype: 'int32' }).dtype).toBe('int32');
    const f = full([2, 2], 7.5);
    expect([f.dtype, values(f)]).toEqual(['float32', [7.5, 7.5, 7.5, 7.5]]);
    expect(full([2], 0.1).dataSync()).toEqual(new Float32Array([0.1, 0.1])); // rounded to float32
  });

  it('infer bool from a boolean value and truncate an int32 value toward zero', () => {
    const b = full([2], true);
    expect([b.dtype, values(b)]).toEqual(['bool', [1, 1]]);
    expect(values(full([2], -2.7, { dtype: 'int32' }))).toEqual([-2, -2]);
    expect(() => full([1], NaN, { dtype: 'int32' })).toThrow(/full/);
    expect(() => full([1], 2 ** 31, { dtype: 'int32' })).toThrow(/full/);
  });

  it('make 0-d and empty tensors', () => {
    const s = zeros([]);
    expect([s.shape, s.numel(), s.itemSync()]).toEqual([[], 1, 0]);
    const e = ones([0, 4]);
    expect([e.shape, e.numel(), values(e)]).toEqual([[0, 4], 0, []]);
  });

  it('*Like copy the shape and dtype, each overridable', () => {
    const x = tensor([[1, 2, 3]], { dtype: 'int32' });
    const z = zerosLike(x);
    expect([z.shape, z.dtype, values(z)]).toEqual([[1, 3], 'int32', [0, 0, 0]]);
    const o = onesLike(x, { dtype: 'float64' });
    expect([o.dtype, values(o)]).toEqual(['float64', [1, 1, 1]]);
    expect(values(fullLike(x, 4))).toEqual([4, 4, 4]);
  });
});

describe('tensor()', () => {
  it('infers the shape from nested arrays and the dtype from the values', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect([x.shape, x.dtype, x.strides, values(x)]).toEqual([[3, 2], 'float32', [2, 1], [1, 2, 3, 4, 5, 6]]);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([true, 2]).dtype).toBe('float32'); // mixed booleans and numbers: numbers
    expect(values(tensor([true, 2]))).toEqual([1, 2]);
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor(new Uint8Array([1, 0])).dtype).toBe('bool');
    expect(tensor(new Float32Array([1])).dtype).toBe('float32');
    expect(tensor(3).shape).toEqual([]);
    expect(tensor([]).shape).toEqual([0]);
  });

  it('converts to the dtype asked for, as a cast does', () => {
    expect(values(tensor([1.9, -1.9, 0], { dtype: 'int32' }))).toEqual([1, -1, 0]);
    expect(values(tensor([0.5, 0, -2], { dtype: 'bool' }))).toEqual([1, 0, 1]);
    expect(tensor([1 / 3], { dtype: 'float64' }).dataSync()[0]).toBe(1 / 3);
    expect(tensor([1 / 3]).dataSync()[0]).toBe(Math.fround(1 / 3));
  });

  it('refuses ragged arrays, non-numbers and tensors, naming where', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow('tensor: expected a sequence of length 2 at [1] (dim 1), got length 1; nested arrays must be rectangular');
    expect(() => tensor([1, 'a' as unknown as number])).toThrow('tensor: expected a number or boolean at [1], got string');
    expect(() => tensor(zeros([1]) as never)).toThrow('tensor: got a Tensor; use t.clone() or t.detach() instead');
  });
});

describe('arange, linspace, eye', () => {
  it("arange counts with PyTorch's end-exclusive rule; int32 for integer arguments", () => {
    const a = arange(5);
    expect([a.dtype, values(a)]).toEqual(['int32', [0, 1, 2, 3, 4]]);
    expect(values(arange(2, 11, 3))).toEqual([2, 5, 8]);
    expect(values(arange(5, 0, -2))).toEqual([5, 3, 1]);
    const f = arange(0, 1, 0.25);
    expect([f.dtype, values(f)]).toEqual(['float32', [0, 0.25, 0.5, 0.75]]);
    expect(values(arange(1, 2.5, 0.5))).toEqual([1, 1.5, 2]);
    expect(arange(3, { dtype: 'float32' }).dtype).toBe('float32');
    expect(arange(3, 3).shape).toEqual([0]);
    expect(() => arange(0, 5, 0)).toThrow('arange: step must be nonzero');
    expect(() => arange(5, 0)).toThrow('arange: upper bound and larger bound inconsistent with step sign (start=5, end=0, step=1)');
  });

  it('linspace includes both ends exactly', () => {
    expect(values(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(values(linspace(-1, 1, 1))).toEqual([-1]);
    expect(linspace(0, 1, 0).shape).toEqual([0]);
    const l = linspace(0, 0.3, 4).dataSync();
    expect(l[3]).toBe(Math.fround(0.3));
    expect(l[1]).toBe(Math.fround(0.1));
    expect(() => linspace(0, 1, 2.5)).toThrow('linspace: number of steps must be a non-negative integer, got 2.5');
  });

  it('eye makes square and rectangular identities', () => {
    expect(values(eye(2))).toEqual([1, 0, 0, 1]);
    const r = eye(2, 3, { dtype: 'int32' });
    expect([r.shape, r.dtype, values(r)]).toEqual([[2, 3], 'int32', [1, 0, 0, 0, 1, 0]]);
    expect(values(eye(3, 1))).toEqual([1, 0, 0]);
  });
});

describe('random creation with a generator', () => {
  it('rand draws float32 uniforms from the generator in row-major order', () => {
    const g = new Generator(42);
    const x = rand([2, 3], { generator: g });
    const ref = new Generator(42);
    const want = Float32Array.from({ length: 6 }, () => ref.randomFloat32());
    expect([x.shape, x.dtype]).toEqual([[2, 3], 'float32']);
    expect(x.dataSync()).toEqual(want);
    expect(g.getState()).toEqual(ref.getState()); // consumed exactly six draws
    for (const v of x.dataSync()) expect(v >= 0 && v < 1).toBe(true);
  });

  it('Generator.fillFloat32 gives the randomFloat32 stream (float32 and float64 arrays) and leaves the state where the draws would', () => {
    for (const n of [0, 1, 7, 1000]) {
      const g = new Generator(n + 3);
      const ref = new Generator(n + 3);
      const want = Array.from({ length: n }, () => ref.randomFloat32());
      expect(Array.from(g.fillFloat32(new Float32Array(n)))).toEqual(want);
      expect(g.getState()).toEqual(ref.getState());
      const want64 = Array.from({ length: n }, () => ref.randomFloat32());
      expect(Array.from(g.fillFloat32(new Float64Array(n)))).toEqual(want64);
      expect(g.nextUint32()).toBe(ref.nextUint32());
    }
    const ref64 = new Generator(5);
    expect(rand([4], { generator: new Generator(5), dtype: 'float64' }).dataSync()).toEqual(Float64Array.from({ length: 4 }, () => ref64.randomFloat32()));
  });

  it('gives the same numbers for the same seed (these exact ones: checkpoints rely on them)', () => {
    const a = rand([3], { generator: new Generator(7) }).dataSync();
    expect(rand([3], { generator: new Generator(7) }).dataSync()).toEqual(a);
    expect(rand([3], { generator: new Generator(8) }).dataSync()).not.toEqual(a);
    expect(Array.from(a)).toEqual([0.23382771015167236, 0.5122323632240295, 0.4489145278930664]);
    manualSeed(3);
    const d1 = rand([4]).dataSync();
    manualSeed(3);
    expect(rand([4]).dataSync()).toEqual(d1);
  });

  it('randn, randint and randperm use the generator and their documented dtypes', () => {
    const n = Array.from(randn([1000], { generator: new Generator(1) }).dataSync());
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const variance = n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1)).toBeLessThan(0.15);
    const ri = randint(-2, 3, [200], { generator: new Generator(2) });
    expect(ri.dtype).toBe('int32');
    expect(new Set(ri.dataSync())).toEqual(new Set([-2, -1, 0, 1, 2]));
    const p = randperm(6, { generator: new Generator(5) });
    expect(p.dtype).toBe('int32');
    expect(Array.from(p.dataSync()).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => randint(3, 3, [1])).toThrow('randint: expected integers low < high, got low=3, high=3');
  });
});
