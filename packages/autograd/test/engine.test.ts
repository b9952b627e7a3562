import { beforeAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { memory, noGrad, randn, tensor, tidy, Generator, zeros, type Tensor } from '@fackel/tensor';
import { defineFunction, enableAutograd, grad, gradcheck } from '../src/index.js';

beforeAll(() => {
  registerCpuBackend();
  enableAutograd();
});

// biome-ignore lint/suspicious/noExplicitAny: tolistSync's nested result is compared with toEqual
const list = (t: Tensor | null): any => t!.tolistSync();

describe('backward', () => {
  it('computes the gradient of a scalar and accumulates until cleared', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(list(x.grad)).toEqual([2, 4, 6]);
    x.mul(x).sum().backward();
    expect(list(x.grad)).toEqual([4, 8, 12]);
    x.grad = null;
    x.mul(3).sum().backward();
    expect(list(x.grad)).toEqual([3, 3, 3]);
  });

  it('needs a gradient for non-scalar outputs and says so', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/implicitly created only for scalar outputs.*shape \[2\]/);
    y.backward(tensor([1, 10]));
    expect(list(x.grad)).toEqual([2, 20]);
  });

  it('names the op in gradFn and knows leaves', () => {
    const x = tensor([1], { requiresGrad: true });
    const y = x.mul(2).logSoftmax(0);
    expect(y.gradFn?.name).toBe('LogSoftmaxBackward');
    expect(x.isLeaf).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(y.detach().requiresGrad).toBe(false);
  });

  it('refuses a second backward without retainGraph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(list(x.grad)[0]).toBeCloseTo(2 * Math.E, 5);
    expect(() => y.backward()).toThrow(/backward through the graph a second time.*retainGraph/);
  });

  it('visits a diamond and a reused tensor once per path', () => {
    const x = tensor([2], { requiresGrad: true });
    const a = x.mul(3);
    const b = a.mul(a); // a reused
    const c = a.add(b); // diamond
    c.sum().backward();
    // c = 3x + 9x^2, dc/dx = 3 + 18x = 39
    expect(list(x.grad)).toEqual([39]);
  });

  it('runs backward through a 500-step recurrence in linear time', () => {
    const w = tensor([[0.5]], { requiresGrad: true });
    let h = tensor([[1]]);
    for (let i = 0; i < 500; i++) h = h.matmul(w).tanh().add(0.1);
    const t0 = performance.now();
    h.sum().backward();
    const dt = performance.now() - t0;
    expect(Number.isFinite(list(w.grad)[0][0])).toBe(true);
    expect(dt).toBeLessThan(5000);
  });

  it('records nothing inside noGrad and keeps no memory for backward', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() => y.sum().backward()).toThrow(/does not require grad/);
  });

  it('detects an in-place change of a saved tensor', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const a = tensor([3, 4]);
    const y = x.mul(a).sum();
    a.mul_(2);
    expect(() => y.backward()).toThrow(/modified by an in-place operation.*version/);
  });

  it('rejects in-place updates of leaves that require grad outside noGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.sub_(1)).toThrow(/leaf tensor that requires grad.*noGrad/);
    noGrad(() => x.sub_(1));
    expect(list(x)).toEqual([0, 1]);
  });

  it('retainGrad keeps the gradient of a non-leaf', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3).retainGrad();
    y.mul(y).sum().backward();
    expect(list(y.grad)).toEqual([6, 12]);
    expect(list(x.grad)).toEqual([18, 36]);
  });

  it('frees saved tensors after backward (memory returns to baseline)', () => {
    const w = randn([8, 4], { requiresGrad: true });
    const x = randn([16, 8]);
    // warm up so w.grad exists
    tidy(() => x.matmul(w).tanh().sum()).backward();
    const before = memory();
    const loss = tidy(() => x.matmul(w).tanh().softmax(1).log().mean());
    expect(memory().storages).toBeGreaterThan(before.storages);
    loss.backward();
    loss.dispose();
    expect(memory().storages).toBe(before.storages);
    expect(memory().tensors).toBe(before.tensors);
  });

  it('unbroadcasts gradients', () => {
    const a = tensor([[1, 2, 3]], { requiresGrad: true });
    const b = tensor([[1], [2]], { requiresGrad: true });
    a.mul(b).sum().backward();
    expect(list(a.grad)).toEqual([[3, 3, 3]]);
    expect(list(b.grad)).toEqual([[6], [6]]);
  });

  it('says non-differentiable ops cannot be differentiated', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.argmax().float().backward()).toThrow(/not differentiable|does not require grad/);
  });
});

describe('grad (functional)', () => {
  it('returns gradients without touching .grad', () => {
    const x = tensor([2], { requiresGrad: true });
    const [dx] = grad([x.pow(3).sum()], [x]);
    expect(list(dx!)).toEqual([12]);
    expect(x.grad).toBeNull();
  });
  it('captures the gradient of a non-leaf input', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    const [gh, gx] = grad([h.pow(2).sum()], [h, x]);
    expect(list(gh)).toEqual([6, 12]);
    expect(list(gx)).toEqual([18, 36]);
    expect(h.grad).toBeNull();
  });

  it('errors for unused inputs unless allowed', () => {
    const x = tensor([2], { requiresGrad: true });
    const z = tensor([2], { requiresGrad: true });
    expect(() => grad([x.mul(2).sum()], [z])).toThrow(/does not appear in the graph/);
  });
});

describe('defineFunction', () => {
  it('runs a user forward and backward', () => {
    const calls: string[] = [];
    const Cube = defineFunction({
      name: 'Cube',
      forward(ctx, x) {
        ctx.saveForBackward(x as Tensor);
        return (x as Tensor).pow(3);
      },
      backward(ctx, g) {
        calls.push('backward');
        return [g.mul(ctx.saved[0].square()).mul(3)];
      },
    });
    const x = tensor([1, 2], { requiresGrad: true });
    const y = Cube.apply(x);
    expect(y.gradFn?.name).toBe('CubeBackward');
    y.sum().backward();
    expect(list(x.grad)).toEqual([3, 12]);
    expect(calls).toEqual(['backward']);
  });
});

describe('gradcheck', () => {
  it('passes a correct rule and reports the worst element of a wrong one', async () => {
    const x = randn([3, 4], { dtype: 'float64', requiresGrad: true, generator: new Generator(1) });
    const r = await gradcheck((a) => a.tanh().mul(a).sum(1), [x]);
    expect(r.passed).toBe(true);
    const Wrong = defineFunction({
      name: 'WrongSquare',
      forward: (_c, a) => (a as Tensor).square(),
      backward: (_c, g) => [g.mul(3)],
    });
    await expect(gradcheck((a) => Wrong.apply(a), [x])).rejects.toThrow(/Jacobian mismatch for input 0 at flat index \d+: analytic/);
  });
  it('needs an input that requires grad', async () => {
    await expect(gradcheck((a) => a.mul(2), [zeros([2])])).rejects.toThrow(/no input requires grad/);
  });
});

describe('softmaxCrossEntropy', () => {
  it('passes gradcheck (fused CPU kernel, float64) and gives no gradient to the target', async () => {
    const { softmaxCrossEntropy } = await import('@fackel/tensor');
    const x = randn([4, 3], { dtype: 'float64', requiresGrad: true, generator: new Generator(9) });
    const t = tensor([2, 0, -100, 1], { dtype: 'int32' });
    const r = await gradcheck((a) => softmaxCrossEntropy(a, t).mul(tensor([1, -2, 3, 0.5], { dtype: 'float64' })), [x]);
    expect(r.passed).toBe(true);
    const [gx] = grad([softmaxCrossEntropy(x, t).sum()], [x]);
    expect((gx!.tolistSync() as number[][])[2]).toEqual([0, 0, 0]);
  });
});

describe('lstmCell', () => {
  it('matches the reference composition and passes gradcheck (fused CPU kernel, float64)', async () => {
    const { lstmCell } = await import('@fackel/tensor');
    const g = new Generator(3);
    const gates = randn([3, 8], { dtype: 'float64', requiresGrad: true, generator: g });
    const c = randn([3, 2], { dtype: 'float64', requiresGrad: true, generator: g });
    const hc = lstmCell(gates, c);
    const i = gates.narrow(1, 0, 2).sigmoid(),
      f = gates.narrow(1, 2, 2).sigmoid();
    const gg = gates.narrow(1, 4, 2).tanh(),
      o = gates.narrow(1, 6, 2).sigmoid();
    const cNew = f.mul(c).add(i.mul(gg));
    const ref = o.mul(cNew.tanh());
    const diff = hc.narrow(1, 0, 2).sub(ref).abs().max().itemSync() + hc.narrow(1, 2, 2).sub(cNew).abs().max().itemSync();
    expect(diff).toBeLessThan(1e-12);
    const r = await gradcheck((a, b) => lstmCell(a, b), [gates, c]);
    expect(r.passed).toBe(true);
  });
});

describe('adamStep_', () => {
  it('refuses to update a parameter that requires grad while recording is on', async () => {
    const { adamStep_, ones, zeros } = await import('@fackel/tensor');
    const p = ones([3], { requiresGrad: true });
    const o = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 };
    expect(() => adamStep_(p, ones([3]), zeros([3]), zeros([3]), null, o)).toThrow(/requires grad and recording is on.*noGrad/);
    noGrad(() => adamStep_(p, ones([3]), zeros([3]), zeros([3]), null, o));
    expect(list(p)[0]).toBeCloseTo(0.9, 5);
  });
});
