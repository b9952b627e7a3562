// Shape and value limits checked before anything is allocated (issue 12, item 9). The
// behaviour conformance suite in @fackel/testkit checks the same through the creation
// functions on every backend; these pin the helpers themselves.
import { describe, expect, it } from 'vitest';
import { checkedValue } from '../src/dtype.js';
import { ShapeError } from '../src/errors.js';
import { MAX_NUMEL, broadcastShapes, checkShape } from '../src/shape.js';

describe('checkShape', () => {
  it('accepts up to 2^31-1 elements and names the bytes of a larger shape', () => {
    expect(checkShape([MAX_NUMEL], 'zeros', 'float32')).toEqual([2147483647]);
    expect(checkShape([0, 1e20], 'zeros', 'float32')).toEqual([0, 1e20]); // empty: nothing to allocate
    expect(() => checkShape([2 ** 31], 'zeros', 'float64')).toThrow(
      'zeros: shape [2147483648] of float64 needs 17.2 GB (2147483648 elements); the largest tensor Fackel can allocate holds 2^31-1 = 2147483647 elements',
    );
    expect(() => checkShape([1e200, 1e200], 'ones', 'int32')).toThrow(
      /^ones: shape \[1e\+200,1e\+200\] of int32 needs more bytes than a double can count \(Infinity elements\)/,
    );
    expect(() => checkShape([1e10, 1e10, 1e10], 'rand', 'float32')).toThrow(/needs 4\.0e\+30 bytes/);
    expect(() => checkShape([3e9], 'zeros')).toThrow(/^zeros: shape \[3000000000\] has 3000000000 elements; the largest/);
    expect(() => checkShape([1e6, 1e6], 'zeros', 'float32')).toThrow(ShapeError);
  });

  it('names the offending size and dimension', () => {
    expect(() => checkShape([2, -1], 'zeros')).toThrow('zeros: invalid shape [2,-1]: size -1 at dimension 1 is not a non-negative integer');
    expect(() => checkShape([NaN], 'zeros')).toThrow('size NaN at dimension 0');
    expect(() => checkShape(['3' as unknown as number], 'zeros')).toThrow(
      'zeros: invalid shape [3]: size string "3" at dimension 0 is not a non-negative integer',
    );
  });
});

describe('broadcastShapes', () => {
  it('refuses a broadcast result larger than 2^31-1 elements', () => {
    expect(() => broadcastShapes([65536, 1], [1, 65536], 'mul')).toThrow(
      'mul: shapes [65536,1] and [1,65536] broadcast to [65536,65536], 4294967296 elements; the largest tensor Fackel can allocate holds 2^31-1 = 2147483647 elements',
    );
    expect(broadcastShapes([46340, 1], [1, 46340])).toEqual([46340, 46340]);
  });
});

describe('checkedValue', () => {
  it('truncates in-range int32 values and refuses NaN, infinities and overflow', () => {
    expect(checkedValue(-2.9, 'int32', 'full')).toBe(-2);
    expect(checkedValue(2147483647, 'int32', 'full')).toBe(2147483647);
    expect(checkedValue(-2147483648, 'int32', 'full')).toBe(-2147483648);
    for (const v of [2147483648, -2147483649, 2147483647.5, NaN, Infinity, -Infinity, 1e20]) {
      expect(() => checkedValue(v, 'int32', 'full')).toThrow(`full: value ${v} cannot be converted to int32 without overflow`);
    }
    expect(checkedValue(NaN, 'bool', 'full')).toBe(1);
    expect(checkedValue(0, 'bool', 'full')).toBe(0);
    expect(checkedValue(1e300, 'float32', 'full')).toBe(1e300);
  });
});
