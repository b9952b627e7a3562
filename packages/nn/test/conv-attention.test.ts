// Convolution, pooling, normalisation, attention and activation layers on the CPU: PyTorch's
// values and gradients (fixtures), finite-difference gradchecks in float64, the im2col/col2im
// kernels against their reference composition, state-dict names and defaults.
import { describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd, gradcheck } from '@fackel/autograd';
import { Generator, col2im, getDevice, im2col, memory, randn, tensor, tidy, zeros, type Tensor } from '@fackel/tensor';
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Flatten,
  LayerNorm,
  Linear,
  MaxPool2d,
  MultiheadAttention,
  ReLU,
  Sequential,
  TransformerEncoderLayer,
  functional as F,
} from '../src/index.js';
import { defineFixtureTests } from './conv-attention-cases.js';
import { FWD, GRAD } from './helpers.js';

registerCpuBackend();
enableAutograd();

describe('conv, pooling, norms, attention: PyTorch fixtures (cpu)', () => {
  defineFixtureTests('cpu', FWD, GRAD);
});

/** Runs `fn` with the CPU backend's im2col/col2im kernels removed (the reference composition). */
function withoutKernels<T>(fn: () => T): T {
  const fused = getDevice('cpu').backend.fused as Record<string, unknown>;
  const saved = [fused.im2col, fused.col2im];
  delete fused.im2col;
  delete fused.col2im;
  try {
    return fn();
  } finally {
    [fused.im2col, fused.col2im] = saved;
  }
}

describe('im2col / col2im', () => {
  const geometries = [
    { shape: [2, 3, 6, 5], o: { kernelSize: [3, 3] as [number, number] } },
    {
      shape: [1, 2, 7, 6],
      o: {
        kernelSize: [3, 2] as [number, number],
        stride: [2, 3] as [number, number],
        padding: [1, 2] as [number, number],
        dilation: [2, 1] as [number, number],
      },
    },
    { shape: [2, 1, 5, 5], o: { kernelSize: [4, 4] as [number, number], padding: [1, 2, 2, 1] as [number, number, number, number], padValue: -Infinity } },
    { shape: [1, 2, 3, 9], o: { kernelSize: [1, 3] as [number, number], stride: [1, 4] as [number, number], padding: [0, 3] as [number, number] } },
  ];
  for (const [i, { shape, o }] of geometries.entries()) {
    it(`the CPU kernels equal the reference composition (geometry ${i})`, () => {
      const x = randn(shape, { generator: new Generator(i) });
      const k = im2col(x, o);
      const r = withoutKernels(() => im2col(x, o));
      expect(k.shape).toEqual(r.shape);
      expect(Array.from(k.dataSync())).toEqual(Array.from(r.dataSync()));
      const cols = randn(k.shape, { generator: new Generator(10 + i) });
      const size: [number, number] = [shape[2], shape[3]];
      const ki = col2im(cols, size, o);
      const ri = withoutKernels(() => col2im(cols, size, o));
      const a = ki.dataSync();
      const b = ri.dataSync();
      for (let j = 0; j < a.length; j++) expect(a[j]).toBeCloseTo(b[j], 5);
    });
  }

  it('are adjoint: <im2col(x), c> = <x, col2im(c)>', () => {
    const o = {
      kernelSize: [3, 2] as [number, number],
      stride: [2, 1] as [number, number],
      padding: [1, 1] as [number, number],
      dilation: [1, 2] as [number, number],
    };
    const x = randn([2, 3, 7, 6], { dtype: 'float64', generator: new Generator(3) });
    const cols = im2col(x, o);
    const c = randn(cols.shape, { dtype: 'float64', generator: new Generator(4) });
    const lhs = cols.mul(c).sum().itemSync();
    const rhs = x
      .mul(col2im(c, [7, 6], o))
      .sum()
      .itemSync();
    expect(lhs).toBeCloseTo(rhs, 9);
  });

  it('pass finite-difference gradchecks (float64)', async () => {
    const o = {
      kernelSize: [2, 3] as [number, number],
      stride: [1, 2] as [number, number],
      padding: [1, 0] as [number, number],
      dilation: [2, 1] as [number, number],
    };
    const x = randn([1, 2, 5, 6], { dtype: 'float64', requiresGrad: true, generator: new Generator(5) });
    expect((await gradcheck((a) => im2col(a, o), [x])).passed).toBe(true);
    const cols = randn(im2col(x.detach(), o).shape, { dtype: 'float64', requiresGrad: true, generator: new Generator(6) });
    expect((await gradcheck((c) => col2im(c, [5, 6], o), [cols])).passed).toBe(true);
  });

  it('name the op and the shapes in their errors', () => {
    expect(() => im2col(zeros([2, 3, 4]), { kernelSize: [2, 2] })).toThrow('im2col: expected a 4-D input [N, C, H, W], got [2,3,4]');
    expect(() => im2col(zeros([1, 1, 2, 2]), { kernelSize: [3, 3] })).toThrow('im2col: the input of spatial size [2, 2]');
    expect(() => im2col(zeros([1, 1, 2, 2], { dtype: 'int32' }), { kernelSize: [1, 1] })).toThrow('im2col: expected a floating-point tensor, got int32');
    expect(() => col2im(zeros([1, 4, 5]), [3, 3], { kernelSize: [2, 2] })).toThrow('col2im: the columns [1,4,5] hold 5 windows');
  });
});

describe('gradchecks of the layers (float64, finite differences)', () => {
  const g = (): Generator => new Generator(7);
  const check = async (fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): Promise<void> => {
    const r = await gradcheck(fn, inputs, { raiseException: false });
    expect(r.passed, JSON.stringify(r.worst)).toBe(true);
  };

  it('conv2d (stride, padding, dilation, groups, bias)', async () => {
    const x = randn([2, 4, 6, 5], { dtype: 'float64', requiresGrad: true, generator: g() });
    const w = randn([6, 2, 3, 2], { dtype: 'float64', requiresGrad: true, generator: g() });
    const b = randn([6], { dtype: 'float64', requiresGrad: true, generator: g() });
    await check((a, ww, bb) => F.conv2d(a, ww, bb, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }), [x, w, b]);
  });

  it("conv1d with padding 'same'", async () => {
    const x = randn([2, 3, 7], { dtype: 'float64', requiresGrad: true, generator: g() });
    const w = randn([2, 3, 4], { dtype: 'float64', requiresGrad: true, generator: g() });
    await check((a, ww) => F.conv1d(a, ww, null, { padding: 'same' }), [x, w]);
  });

  it('pooling', async () => {
    const x = randn([1, 2, 6, 5], { dtype: 'float64', requiresGrad: true, generator: g() });
    await check((a) => F.maxPool2d(a, 3, { stride: 2, padding: 1 }), [x]);
    await check((a) => F.avgPool2d(a, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [x]);
    await check((a) => F.adaptiveAvgPool2d(a, [4, 3]), [x]);
  });

  it('layerNorm and batchNorm', async () => {
    const x = randn([3, 4, 5], { dtype: 'float64', requiresGrad: true, generator: g() });
    const w = randn([5], { dtype: 'float64', requiresGrad: true, generator: g() });
    const b = randn([5], { dtype: 'float64', requiresGrad: true, generator: g() });
    await check((a, ww, bb) => F.layerNorm(a, [5], ww, bb), [x, w, b]);
    const wc = randn([4], { dtype: 'float64', requiresGrad: true, generator: g() });
    await check((a, ww) => F.batchNorm(a, null, null, ww, null, true), [x, wc]);
  });

  it('scaledDotProductAttention (causal and masked)', async () => {
    const q = randn([2, 5, 4], { dtype: 'float64', requiresGrad: true, generator: g() });
    const k = randn([2, 5, 4], { dtype: 'float64', requiresGrad: true, generator: g() });
    const v = randn([2, 5, 3], { dtype: 'float64', requiresGrad: true, generator: g() });
    await check((a, b, c) => F.scaledDotProductAttention(a, b, c, { isCausal: true }), [q, k, v]);
    const mask = randn([5, 5], { dtype: 'float64', generator: g() });
    await check((a, b, c) => F.scaledDotProductAttention(a, b, c, { attnMask: mask, scale: 0.7 }), [q, k, v]);
  });

  it('MultiheadAttention and TransformerEncoderLayer', async () => {
    const mha = new MultiheadAttention(6, 2, { dtype: 'float64', generator: g() });
    const x = randn([4, 2, 6], { dtype: 'float64', requiresGrad: true, generator: g() });
    await check((a) => mha.forward(a, a, a)[0], [x]);
    const layer = new TransformerEncoderLayer(6, 3, { dimFeedforward: 8, dropout: 0, activation: 'gelu', normFirst: true, dtype: 'float64', generator: g() });
    await check((a) => layer.forward(a, { isCausal: true }), [x]);
  });
});

describe('state dicts, defaults and errors', () => {
  it('name parameters and buffers like PyTorch', () => {
    expect(Object.keys(new Conv2d(1, 2, 3).stateDict())).toEqual(['weight', 'bias']);
    expect(Object.keys(new BatchNorm2d(3).stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(Object.keys(new BatchNorm1d(3, { affine: false, trackRunningStats: false }).stateDict())).toEqual([]);
    expect(Object.keys(new LayerNorm([2, 3]).stateDict())).toEqual(['weight', 'bias']);
    expect(Object.keys(new MultiheadAttention(8, 2).stateDict())).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    expect(Object.keys(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }).stateDict())).toEqual([
      'self_attn.in_proj_weight',
      'self_attn.in_proj_bias',
      'self_attn.out_proj.weight',
      'self_attn.out_proj.bias',
      'linear1.weight',
      'linear1.bias',
      'linear2.weight',
      'linear2.bias',
      'norm1.weight',
      'norm1.bias',
      'norm2.weight',
      'norm2.bias',
    ]);
  });

  it('initialise as PyTorch: conv weights and biases within 1/sqrt(fanIn), norms ones/zeros, attention biases zero', () => {
    const conv = new Conv2d(4, 8, 3, { groups: 2, generator: new Generator(1) });
    const bound = 1 / Math.sqrt(2 * 9);
    for (const p of conv.parameters()) for (const v of p.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(Math.max(...conv.weight.dataSync().map(Math.abs))).toBeGreaterThan(bound * 0.8);
    const bn = new BatchNorm1d(3);
    expect(Array.from(bn.weight!.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(bn.running_var!.dataSync())).toEqual([1, 1, 1]);
    expect(bn.num_batches_tracked!.dtype).toBe('int32');
    const mha = new MultiheadAttention(8, 2, { generator: new Generator(2) });
    expect(Array.from(mha.in_proj_bias!.dataSync()).every((v) => v === 0)).toBe(true);
    const xavier = Math.sqrt(6 / (8 + 24));
    expect(Math.max(...mha.in_proj_weight.dataSync().map(Math.abs))).toBeLessThanOrEqual(xavier);
  });

  it('reject bad arguments, naming the layer and the shapes', () => {
    expect(() => new Conv2d(3, 4, 3).forward(zeros([2, 5, 8, 8]))).toThrow(
      'Conv2d: the input [2,5,8,8] has 5 channels, but the weight [4,3,3,3] with groups=1 expects 3',
    );
    expect(() => new Conv2d(3, 4, 3, { padding: 'same', stride: 2 })).toThrow("Conv2d: padding='same' is not supported for strided convolutions");
    expect(() => new Conv1d(3, 4, 3, { groups: 2 })).toThrow('Conv1d: inChannels 3 must be divisible by groups 2');
    expect(() => F.maxPool2d(zeros([1, 1, 4, 4]), 2, { padding: 2 })).toThrow('maxPool2d: padding should be at most half of the kernel size');
    expect(() => new LayerNorm(4).forward(zeros([2, 3]))).toThrow('LayerNorm: expected an input whose last dimensions are normalizedShape [4], got [2,3]');
    expect(() => new BatchNorm2d(3).forward(zeros([2, 3, 4]))).toThrow('BatchNorm2d: expected a 4-D [N, C, H, W] input, got [2,3,4]');
    expect(() => new BatchNorm1d(3).forward(zeros([1, 3]))).toThrow('BatchNorm1d: expected more than 1 value per channel when training');
    expect(() => new MultiheadAttention(10, 3)).toThrow('MultiheadAttention: embedDim 10 must be divisible by numHeads 3');
    expect(() => F.scaledDotProductAttention(zeros([2, 3, 4]), zeros([2, 5, 3]), zeros([2, 5, 4]))).toThrow(
      'scaledDotProductAttention: expected query [..., L, E], key [..., S, E]',
    );
  });

  it('a fully causal query row attends to itself only; a bool mask keeps where true', () => {
    const q = randn([1, 3, 2], { generator: new Generator(8) });
    const v = tensor([
      [
        [1, 0],
        [0, 1],
        [5, 5],
      ],
    ]);
    const out = F.scaledDotProductAttention(q, q, v, { isCausal: true }).tolistSync() as number[][][];
    expect(out[0][0]).toEqual([1, 0]);
    const keepFirst = tensor([
      [true, false, false],
      [true, false, false],
      [true, false, false],
    ]).bool();
    const out2 = F.scaledDotProductAttention(q, q, v, { attnMask: keepFirst }).tolistSync() as number[][][];
    for (const row of out2[0]) expect(row).toEqual([1, 0]);
  });

  it('BatchNorm in eval mode uses (and leaves) the running statistics', () => {
    const bn = new BatchNorm1d(2);
    bn.forward(randn([8, 2], { generator: new Generator(9) }));
    const mean = Array.from(bn.running_mean!.dataSync());
    bn.eval();
    bn.forward(randn([8, 2]));
    expect(Array.from(bn.running_mean!.dataSync())).toEqual(mean);
    expect(bn.num_batches_tracked!.itemSync()).toBe(1);
  });
});

describe('memory', () => {
  it('a conv + batch-norm + pooling training step returns to its tensor count', () => {
    const model = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(16, 3));
    const x = randn([5, 1, 4, 4], { generator: new Generator(1) });
    const step = (): void => {
      const loss = tidy(() => model.forward(x).square().mean());
      loss.backward();
      loss.dispose();
      for (const p of model.parameters()) {
        p.grad?.dispose();
        p.grad = null;
      }
    };
    step();
    const before = memory('cpu').tensors;
    for (let i = 0; i < 3; i++) step();
    expect(memory('cpu').tensors).toBe(before);
  });
});
