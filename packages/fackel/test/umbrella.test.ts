import { describe, expect, it } from 'vitest';
import { data, getDefaultDevice, isGradEnabled, tensor } from '../src/index.js';

describe('fackel umbrella', () => {
  it('has the CPU device ready and autograd on, like torch', () => {
    expect(getDefaultDevice().name).toBe('cpu');
    expect(isGradEnabled()).toBe(true);
    const w = tensor([1], { requiresGrad: true });
    w.mul(3).sub(6).pow(2).sum().backward();
    expect(w.grad!.tolistSync()).toEqual([-18]);
  });
  it('exposes the data package as a namespace', () => {
    expect(typeof data.DataLoader).toBe('function');
  });
});
