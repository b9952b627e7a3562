// The layout helpers both backends share: layoutKind names how a kernel addresses a view,
// coalesce merges the dimensions every operand walks as one.
import { describe, expect, it } from 'vitest';
import { coalesce, contiguousStrides, isBroadcastScalarLayout, layoutKind } from '../src/shape.js';

describe('layoutKind', () => {
  it('names contiguous, broadcast-scalar and strided layouts', () => {
    expect(layoutKind([2, 3], [3, 1])).toBe('contiguous');
    expect(layoutKind([2, 3], [3, 1])).toBe(layoutKind([2, 3], contiguousStrides([2, 3])));
    expect(layoutKind([2, 1, 3], [3, 99, 1])).toBe('contiguous'); // size-1 dims may have any stride
    expect(layoutKind([2, 3], [0, 0])).toBe('scalar');
    expect(layoutKind([4, 1], [0, 7])).toBe('scalar');
    expect(layoutKind([3, 2], [1, 3])).toBe('strided');
    expect(layoutKind([2, 3], [0, 1])).toBe('strided'); // a broadcast row
    expect(layoutKind([3, 0], [5, 7])).toBe('contiguous'); // nothing to read
  });

  it('checks contiguity first: one element is contiguous, not a scalar', () => {
    expect(layoutKind([], [])).toBe('contiguous');
    expect(layoutKind([1, 1], [0, 0])).toBe('contiguous');
    expect(isBroadcastScalarLayout([1, 1], [0, 0])).toBe(true);
    expect(isBroadcastScalarLayout([2], [1])).toBe(false);
  });
});

describe('coalesce', () => {
  it('merges dimensions that every stride list walks as one', () => {
    expect(coalesce([2, 3, 4], [[12, 4, 1]])).toEqual({ shape: [24], strides: [[1]] });
    expect(
      coalesce(
        [2, 3, 4],
        [
          [12, 4, 1],
          [0, 0, 0],
        ],
      ),
    ).toEqual({ shape: [24], strides: [[1], [0]] });
    // a broadcast middle dim splits the walk for the operand that has it
    expect(
      coalesce(
        [2, 3, 4],
        [
          [12, 4, 1],
          [4, 0, 1],
        ],
      ),
    ).toEqual({
      shape: [2, 3, 4],
      strides: [
        [12, 4, 1],
        [4, 0, 1],
      ],
    });
  });

  it('keeps a transpose at rank 2 and drops size-1 dimensions', () => {
    expect(coalesce([3, 2], [[1, 3]])).toEqual({ shape: [3, 2], strides: [[1, 3]] });
    expect(coalesce([3, 1, 2], [[1, 50, 3]])).toEqual({ shape: [3, 2], strides: [[1, 3]] });
  });

  it('returns at least rank 1', () => {
    expect(coalesce([], [[]])).toEqual({ shape: [1], strides: [[1]] });
    expect(
      coalesce(
        [1, 1],
        [
          [0, 0],
          [5, 1],
        ],
      ),
    ).toEqual({ shape: [1], strides: [[1], [1]] });
  });

  it('walks the same elements as the uncoalesced layout', () => {
    const shape = [2, 3, 4, 5];
    const strides = [
      [60, 20, 5, 1],
      [0, 0, 5, 1],
      [120, 40, 10, 2],
    ];
    const walk = (sh: readonly number[], st: readonly number[]): number[] => {
      const out: number[] = [];
      const idx = sh.map(() => 0);
      const n = sh.reduce((a, b) => a * b, 1);
      for (let i = 0; i < n; i++) {
        out.push(idx.reduce((acc, v, d) => acc + v * st[d], 0));
        for (let d = sh.length - 1; d >= 0; d--) {
          if (++idx[d] < sh[d]) break;
          idx[d] = 0;
        }
      }
      return out;
    };
    const c = coalesce(shape, strides);
    strides.forEach((st, k) => expect(walk(c.shape, c.strides[k])).toEqual(walk(shape, st)));
    expect(c.shape.length).toBeLessThan(shape.length);
  });
});
