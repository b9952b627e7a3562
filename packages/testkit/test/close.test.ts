import { describe, expect, it } from 'vitest';
import { closeness, compareArrays, elementScore, expectArrayClose, expectTensorClose } from '../src/index.js';

describe('elementScore', () => {
  it('scores in units of the allowed error atol + rtol·|expected|', () => {
    expect(elementScore(1.5, 1, 0, 1)).toBe(0.5);
    expect(elementScore(3, 2, 0.5, 0)).toBe(1); // allowed 0.5·2 = 1, diff 1
    expect(elementScore(2, 2, 0, 0)).toBe(0);
    expect(elementScore(2.5, 2, 0, 0)).toBe(Infinity);
  });

  it('matches NaN only with NaN and infinities only exactly', () => {
    expect(elementScore(NaN, NaN, 0, 0)).toBe(0);
    expect(elementScore(NaN, 1, 1, 1)).toBe(Infinity);
    expect(elementScore(1, NaN, 1, 1)).toBe(Infinity);
    expect(elementScore(Infinity, Infinity, 0, 0)).toBe(0);
    expect(elementScore(-Infinity, Infinity, 1, 1)).toBe(Infinity);
    expect(elementScore(1e30, Infinity, 1, 1)).toBe(Infinity);
  });
});

describe('closeness', () => {
  it('is the worst element score', () => {
    expect(closeness([1, 2.05, 3], [1, 2, 3], 0, 0.1)).toBeCloseTo(0.5, 12);
    expect(closeness([1, 3], [1, 2], 0, 0.1)).toBeCloseTo(10, 12);
    expect(closeness([], [], 0, 0)).toBe(0);
    expect(closeness([1], [1, 2], 1, 1)).toBe(Infinity);
  });
});

describe('compareArrays and expectArrayClose', () => {
  it('return null / pass within tolerance', () => {
    expect(compareArrays([1, 2, NaN], [1, 2.000001, NaN], { rtol: 1e-5, atol: 0 })).toBeNull();
    expect(() => expectArrayClose(new Float32Array([0.1]), [0.1], { rtol: 0, atol: 0, float32: true })).not.toThrow();
  });

  it('name the label, the count, the worst element, actual, expected and the difference', () => {
    expect(compareArrays([1, 2.5, 3, 7], [1, 2, 3, 4], { label: 'demo', rtol: 0, atol: 0.1 })).toBe(
      'demo: 2 of 4 elements differ (rtol=0, atol=0.1); worst at index 3: actual 7, expected 4 (|diff| 3)',
    );
    expect(compareArrays([1, 2, 3, 9], [1, 2, 3, 4], { label: 'm', rtol: 0, atol: 0, shape: [2, 2] })).toMatch(
      /worst at index 3 \[1, 1\]: actual 9, expected 4/,
    );
    expect(() => expectArrayClose([1, NaN], [1, 2], { label: 'nan' })).toThrow(/^nan: 1 of 2 elements differ .*actual NaN, expected 2$/);
    expect(compareArrays([1], [1, 2], { label: 'len' })).toBe('len: got 1 elements, expected 2');
  });

  it('rounds the reference to float32 only when asked', () => {
    expect(compareArrays(new Float32Array([0.1]), [0.1], { rtol: 0, atol: 0 })).not.toBeNull();
    expect(compareArrays(new Float32Array([0.1]), [0.1], { rtol: 0, atol: 0, float32: true })).toBeNull();
  });

  it('uses float32 defaults (rtol 1.3e-6, atol 1e-5)', () => {
    expect(compareArrays([1 + 1e-5], [1])).toBeNull();
    expect(compareArrays([1 + 2e-5], [1])).not.toBeNull();
  });
});

describe('expectTensorClose', () => {
  const t = (shape: number[], values: number[]) => ({ shape, dataSync: () => Float32Array.from(values) });
  const tol = { rtol: 1e-5, atol: 1e-5 };

  it('passes on matching shape and values, decoding "nan"/"inf" and booleans', () => {
    expectTensorClose(t([2, 2], [1, NaN, Infinity, 1]), { shape: [2, 2], data: [1, 'nan', 'inf', true] }, tol, 'ok');
    expectTensorClose(null, null, tol, 'no grad');
  });

  it('fails on a shape, presence or value mismatch, naming the label', () => {
    expect(() => expectTensorClose(t([4], [1, 2, 3, 4]), { shape: [2, 2], data: [1, 2, 3, 4] }, tol, 'shape')).toThrow('shape: shape [4], expected [2, 2]');
    expect(() => expectTensorClose(t([1], [1]), null, tol, 'grad')).toThrow('grad: expected no tensor, got one of shape [1]');
    expect(() => expectTensorClose(null, { shape: [1], data: [1] }, tol, 'grad')).toThrow('grad: expected a tensor of shape [1], got none');
    expect(() => expectTensorClose(t([1, 2], [1, 2.1]), { shape: [1, 2], data: [1, 2] }, tol, 'val')).toThrow(
      /^val: 1 of 2 elements differ \(rtol=0.00001, atol=0.00001\); worst at index 1 \[0, 1\]: actual 2.0999999046325684, expected 2/,
    );
  });
});
