// splitAxes: the kept and reduced dimensions of a strided layout, as the reductions of both
// backends walk them.
import { describe, expect, it } from 'vitest';
import { splitAxes } from '../src/shape.js';

describe('splitAxes', () => {
  it('keeps the dimensions not in axes and reduces the others, each with its strides, in order', () => {
    expect(splitAxes([2, 3, 4], [12, 4, 1], [1])).toEqual({ keptShape: [2, 4], keptStrides: [12, 1], redShape: [3], redStrides: [4] });
    expect(splitAxes([2, 3, 4], [1, 2, 6], [2, 0])).toEqual({ keptShape: [3], keptStrides: [2], redShape: [2, 4], redStrides: [1, 6] });
  });

  it('handles no axes, all axes and rank 0', () => {
    expect(splitAxes([5, 2], [2, 1], [])).toEqual({ keptShape: [5, 2], keptStrides: [2, 1], redShape: [], redStrides: [] });
    expect(splitAxes([5, 2], [0, 1], [0, 1])).toEqual({ keptShape: [], keptStrides: [], redShape: [5, 2], redStrides: [0, 1] });
    expect(splitAxes([], [], [])).toEqual({ keptShape: [], keptStrides: [], redShape: [], redStrides: [] });
  });
});
