// The errors of @fackel/tensor's public API on their own (reference backends from
// ./helpers.ts): each is of the documented class and names the op, the shapes, dtypes or
// devices involved.
import { afterAll, describe, expect, it } from 'vitest';
import {
  DTypeError,
  DeviceError,
  DisposedError,
  FackelError,
  ShapeError,
  ZeroDivisionError,
  arange,
  destroyDevice,
  getDevice,
  rand,
  registerBackend,
  tensor,
  zeros,
} from '../src/index.js';
import { refBackend } from './helpers.js';

registerBackend('cpu', () => refBackend());
registerBackend('other', () => refBackend('other', ['bool', 'int32', 'float32']));
afterAll(async () => {
  await destroyDevice('cpu');
  await destroyDevice('other');
});

/** The error `fn` throws (fails the test when it throws none). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('ShapeError', () => {
  it('broadcasting names the op, both shapes and the dimension', () => {
    const e = thrown(() => zeros([2, 3]).add(zeros([4])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e).toBeInstanceOf(FackelError);
    expect(e.message).toBe('add: shapes [2,3] and [4] cannot be broadcast together (size 3 vs 4 at dimension 1)');
    expect(thrown(() => zeros([5, 1, 2]).mul(zeros([3, 3]))).message).toBe(
      'mul: shapes [5,1,2] and [3,3] cannot be broadcast together (size 2 vs 3 at dimension 2)',
    );
  });

  it('view ops name the op, the dim and the sizes', () => {
    const x = zeros([2, 3]);
    expect(thrown(() => x.select(1, 3)).message).toBe('select: index 3 is out of bounds for dimension 1 with size 3');
    expect(thrown(() => x.transpose(0, 2)).message).toBe('transpose: dimension 2 is out of range for a tensor of rank 2 (expected to be in range [-2, 1])');
    expect(thrown(() => x.narrow(1, 2, 2)).message).toBe('narrow: start (2) + length (2) exceeds dimension size (3) of dim 1 in shape [2,3]');
    expect(thrown(() => x.permute([0, 0])).message).toBe('permute: repeated dim in [0,0]');
    expect(thrown(() => x.expand([3, 3])).message).toMatch(/^expand: .*\[2,3\].*\[3,3\]|^expand: /);
    expect(thrown(() => x.expand([3, 3]))).toBeInstanceOf(ShapeError);
    expect(thrown(() => x.view([4]))).toBeInstanceOf(ShapeError);
    expect(thrown(() => x.view([4])).message).toBe('view: shape [4] is invalid for input of size 6');
    expect(thrown(() => zeros([2, 3, 4]).t()).message).toBe('t: expects a tensor with <= 2 dimensions, but got 3D (use transpose or mT)');
  });

  it('checkShape limits: negative, fractional and too large shapes', () => {
    expect(thrown(() => zeros([2, -1])).message).toBe('zeros: invalid shape [2,-1]: size -1 at dimension 1 is not a non-negative integer');
    expect(thrown(() => rand([1.5]))).toBeInstanceOf(ShapeError);
    expect(thrown(() => rand([1.5])).message).toBe('rand: invalid shape [1.5]: size 1.5 at dimension 0 is not a non-negative integer');
    const big = thrown(() => zeros([65536, 32768]));
    expect(big).toBeInstanceOf(ShapeError);
    expect(big.message).toMatch(
      /^zeros: shape \[65536,32768\] of float32 needs .* \(2147483648 elements\); the largest tensor Fackel can allocate holds 2\^31-1 = 2147483647 elements$/,
    );
    expect(zeros([2147483647, 0]).shape).toEqual([2147483647, 0]); // empty: allowed
    expect(thrown(() => zeros([65536, 1]).add(zeros([32768]))).message).toBe(
      'add: shapes [65536,1] and [32768] broadcast to [65536,32768], 2147483648 elements; the largest tensor Fackel can allocate holds 2^31-1 = 2147483647 elements',
    );
  });
});

describe('views larger than a tensor can be', () => {
  it('expand refuses a view of more than 2^31-1 elements before anything reads it', () => {
    const x = zeros([1, 1]);
    const e = thrown(() => x.expand([65536, 65536]));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toMatch(/^expand: shape \[65536,65536\] of float32 needs .*2\^31-1/);
    expect(x.expand([46340, 46340]).shape).toEqual([46340, 46340]); // 2 147 395 600 elements: allowed
  });
});

describe('DeviceError and DTypeError', () => {
  it('mixing devices names both', () => {
    const a = zeros([2]);
    const b = zeros([2], { device: 'other' });
    const e = thrown(() => a.add(b));
    expect(e).toBeInstanceOf(DeviceError);
    expect(e.message).toBe("add: expected all tensors to be on the same device, but found tensors on 'cpu' and 'other'");
  });

  it('an unknown device is a DeviceError naming it', () => {
    const e = thrown(() => getDevice('nowhere'));
    expect(e).toBeInstanceOf(DeviceError);
    expect(e.message).toMatch(/'nowhere'/);
  });

  it('a dtype the device cannot store is a DTypeError naming dtype, device and what it supports', () => {
    const e = thrown(() => zeros([1], { dtype: 'float64', device: 'other' }));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toBe("zeros: dtype float64 is not supported on device 'other' (supported: bool, int32, float32)");
  });
});

describe('DisposedError', () => {
  it('names the op, shape and dtype of a tensor used after dispose()', () => {
    const x = arange(3, { dtype: 'float32' });
    x.dispose();
    expect(x.isDisposed).toBe(true);
    const e = thrown(() => x.add(1));
    expect(e).toBeInstanceOf(DisposedError);
    expect(e.message).toBe('add: tensor [3] float32 was used after dispose()');
    expect(thrown(() => x.dataSync())).toBeInstanceOf(DisposedError);
    expect(thrown(() => x.view([3]))).toBeInstanceOf(DisposedError);
    x.dispose(); // a second dispose is harmless
  });
});

describe('ZeroDivisionError', () => {
  it('integer fmod by the number 0 names the dtype and shape', () => {
    const e = thrown(() => tensor([1, 2], { dtype: 'int32' }).fmod(0));
    expect(e).toBeInstanceOf(ZeroDivisionError);
    expect(e.message).toBe('fmod: integer division by zero (int32 tensor [2] divided by the number 0); use float operands to get NaN instead');
  });
});
