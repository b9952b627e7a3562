import { describe, expect, it } from 'vitest';
import { assertClose, compareValues, type ReadableTensor } from '../src/compare.js';
import type { FixtureTensor } from '../src/types.js';

function fake(dtype: string, shape: number[], values: number[]): ReadableTensor {
  const arr = dtype === 'float32' ? new Float32Array(values) : dtype === 'int32' ? new Int32Array(values) : new Uint8Array(values);
  return { dtype, shape, data: async () => arr };
}

const f32 = (shape: number[], data: FixtureTensor['data']): FixtureTensor => ({ dtype: 'float32', shape, data });

describe('assertClose', () => {
  const expected = f32([2, 2], [1, 2, 3, 4]);

  it('passes on equal values and within tolerance', async () => {
    await assertClose(fake('float32', [2, 2], [1, 2, 3, 4]), expected);
    await assertClose(fake('float32', [2, 2], [1, 2, 3, 4.0001]), expected, { rtol: 1e-4, atol: 0 });
  });

  it('fails on a wrong value, naming the label, the worst index, actual and expected', async () => {
    const p = assertClose(fake('float32', [2, 2], [1, 2.5, 3, 5]), expected, { label: 'add/demo' });
    await expect(p).rejects.toThrow(/^add\/demo: 2 of 4 elements differ/);
    // the worst element is index 3 (|diff| 1 > 0.5)
    await expect(assertClose(fake('float32', [2, 2], [1, 2.5, 3, 5]), expected, { label: 'x' })).rejects.toThrow(
      /worst at index 3 \[1, 1\]: actual 5, expected 4/,
    );
  });

  it('fails just outside the tolerance', async () => {
    await expect(assertClose(fake('float32', [1], [1.001]), f32([1], [1]), { rtol: 1e-4, atol: 1e-5 })).rejects.toThrow(/1 of 1 elements differ/);
    await expect(assertClose(fake('float32', [1], [Math.fround(1.0000001)]), f32([1], [1]), { rtol: 0, atol: 0 })).rejects.toThrow();
  });

  it('fails on a wrong shape even with the same number of elements', async () => {
    await expect(assertClose(fake('float32', [4], [1, 2, 3, 4]), expected, { label: 's' })).rejects.toThrow(
      /^s: shape mismatch: expected float32 \[2, 2\], got float32 \[4\]/,
    );
    await expect(assertClose(fake('float32', [4, 1], [1, 2, 3, 4]), expected)).rejects.toThrow(/shape mismatch/);
  });

  it('fails on a wrong dtype even with equal values', async () => {
    await expect(assertClose(fake('int32', [2, 2], [1, 2, 3, 4]), expected, { label: 'd' })).rejects.toThrow(
      /^d: dtype mismatch: expected float32 \[2, 2\], got int32 \[2, 2\]/,
    );
    await expect(assertClose(fake('bool', [2], [1, 0]), { dtype: 'int32', shape: [2], data: [1, 0] })).rejects.toThrow(/dtype mismatch/);
  });

  it('fails when the tensor yields the wrong number of values', async () => {
    await expect(assertClose(fake('float32', [2, 2], [1, 2, 3]), expected)).rejects.toThrow(/read 3 values/);
  });

  it('treats NaN as equal to NaN but not to a number, and needs infinities to match', async () => {
    await assertClose(fake('float32', [3], [NaN, Infinity, -Infinity]), f32([3], ['nan', 'inf', '-inf']));
    await expect(assertClose(fake('float32', [1], [0]), f32([1], ['nan']))).rejects.toThrow(/actual 0, expected NaN/);
    await expect(assertClose(fake('float32', [1], [NaN]), f32([1], [0]))).rejects.toThrow(/actual NaN, expected 0/);
    await expect(assertClose(fake('float32', [1], [-Infinity]), f32([1], ['inf']))).rejects.toThrow(/actual -Infinity, expected Infinity/);
    await expect(assertClose(fake('float32', [1], [1e30]), f32([1], ['inf']), { rtol: 1, atol: 1 })).rejects.toThrow();
  });

  it('compares int32 and bool exactly', async () => {
    await assertClose(fake('int32', [3], [1, -2, 3]), { dtype: 'int32', shape: [3], data: [1, -2, 3] });
    await expect(assertClose(fake('int32', [3], [1, -2, 4]), { dtype: 'int32', shape: [3], data: [1, -2, 3] }, { rtol: 1, atol: 10 })).rejects.toThrow(
      /worst at index 2 \[2\]: actual 4, expected 3/,
    );
    await assertClose(fake('bool', [2], [1, 0]), { dtype: 'bool', shape: [2], data: [true, false] });
    await expect(assertClose(fake('bool', [2], [1, 1]), { dtype: 'bool', shape: [2], data: [true, false] })).rejects.toThrow(/actual true, expected false/);
  });

  it('handles 0-d and empty tensors', async () => {
    await assertClose(fake('float32', [], [2.5]), f32([], [2.5]));
    await expect(assertClose(fake('float32', [], [2]), f32([], [2.5]))).rejects.toThrow(/worst at index 0: actual 2/);
    await assertClose(fake('float32', [0, 3], []), f32([0, 3], []));
    await expect(assertClose(fake('float32', [3, 0], []), f32([0, 3], []))).rejects.toThrow(/shape mismatch/);
  });

  it('compareValues returns null on success and a message otherwise', () => {
    expect(compareValues([1], 'float32', [1], f32([1], [1]))).toBeNull();
    expect(compareValues([1], 'float32', [2], f32([1], [1]))).toMatch(/elements differ/);
  });
});
