import { registerCpuBackend } from '@fackel/backend-cpu';
import { FackelError, getDevice, tensor, memory, randn, type Tensor } from '@fackel/tensor';
import { describe, expect, it, vi } from 'vitest';
import { clipGradNorm_, clipGradValue_ } from '../src/index.js';
import { expectTensorClose } from '@fackel/testkit';
import { fixtures, fromFixture } from './helpers.js';

registerCpuBackend();

const RTOL = 2e-6;
const ATOL = 1e-7;

describe('gradient clipping matches PyTorch', () => {
  it.each(fixtures().clip.map((fx) => [fx.id, fx] as const))('%s', (_id, fx) => {
    const params: Tensor[] = fx.grads.map((g) => {
      const p = g === null ? tensor([0, 0]) : fromFixture(g).mul(0);
      p.grad = g === null ? null : fromFixture(g);
      return p;
    });
    if (fx.fn === 'clipGradNorm_') {
      const normType = fx.normType === 'inf' ? Infinity : fx.normType!;
      const total = clipGradNorm_(params, fx.maxNorm!, normType);
      expect(total.shape).toEqual([]);
      const t = total.itemSync();
      expect(Math.abs(t - fx.totalNorm!) / fx.totalNorm!, `${fx.id}: total norm ${t} vs ${fx.totalNorm}`).toBeLessThan(RTOL);
      total.dispose();
    } else {
      clipGradValue_(params, fx.clipValue!);
    }
    params.forEach((p, i) => {
      const expected = fx.clipped[i];
      if (expected === null || expected === undefined) expect(p.grad).toBeNull();
      else expectTensorClose(p.grad!, expected, { rtol: RTOL, atol: ATOL }, `${fx.id}: gradient ${i}`);
      p.dispose();
    });
  });
});

describe('clipGradNorm_', () => {
  it('computes on the device: no readback, no tensors left behind but the returned norm', () => {
    const backend = getDevice('cpu').backend;
    const ps = [randn([10, 10]), randn([7])];
    for (const p of ps) p.grad = randn(p.shape);
    const before = memory().tensors;
    const read = vi.spyOn(backend, 'read');
    const readSync = vi.spyOn(backend as Required<typeof backend>, 'readSync');
    const total = clipGradNorm_(ps, 0.5);
    expect(read).not.toHaveBeenCalled();
    expect(readSync).not.toHaveBeenCalled();
    read.mockRestore();
    readSync.mockRestore();
    expect(memory().tensors).toBe(before + 1);
    // afterwards the combined norm is maxNorm (up to the 1e-6 PyTorch adds)
    const after = clipGradNorm_(ps, 1e9);
    expect(after.itemSync()).toBeCloseTo(0.5, 5);
    for (const t of [total, after, ...ps]) t.dispose();
  });

  it('accepts a single tensor, returns tensor(0) without gradients, and explains bad arguments', () => {
    const w = tensor([0, 0]);
    w.grad = tensor([3, 4]);
    const total = clipGradNorm_(w, 1);
    expect(total.itemSync()).toBe(5);
    expect(w.grad.tolistSync()).toEqual([Math.fround(3 / (5 + 1e-6)), Math.fround(4 / (5 + 1e-6))].map((v) => expect.closeTo(v, 6)));
    const none = clipGradNorm_([tensor([1])], 1);
    expect(none.itemSync()).toBe(0);
    expect(() => clipGradNorm_([w], 1, 0)).toThrow(new FackelError('clipGradNorm_: normType must be a positive number or Infinity, got number 0'));
    expect(() => clipGradNorm_(3 as never, 1)).toThrow(
      'clipGradNorm_: parameters must be a tensor or an iterable of tensors (e.g. model.parameters()), got number 3',
    );
    expect(() => clipGradValue_([w], -1)).toThrow('clipGradValue_: clipValue must be a number >= 0, got number -1');
    for (const t of [total, none, w]) t.dispose();
  });
});
