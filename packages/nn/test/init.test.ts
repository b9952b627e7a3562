import { describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { Generator, defaultGenerator, manualSeed, zeros, type Tensor } from '@fackel/tensor';
import { Embedding, GRU, LSTM, Linear, RNN, init, type Nonlinearity } from '../src/index.js';
import { fixture } from './helpers.js';

registerCpuBackend();

interface Stats {
  mean: number;
  std: number;
  min: number;
  max: number;
  numel: number;
  bound?: number;
}
const fx = fixture<{ defaults: Record<string, Stats & { value?: number }>; explicit: Record<string, Stats>; gain: Record<string, number> }>('init.json');

function stats(t: Tensor): Stats {
  const d = t.dataSync();
  let s = 0;
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of d) {
    s += v;
    mn = Math.min(mn, v);
    mx = Math.max(mx, v);
  }
  const mean = s / d.length;
  let ss = 0;
  for (const v of d) ss += (v - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (d.length - 1)), min: mn, max: mx, numel: d.length };
}

/** Our sample statistics against PyTorch's: two independent samples of one distribution. */
function expectSameDistribution(ours: Stats, torch: Stats, label: string, uniform: boolean): void {
  expect(ours.numel, `${label}: numel`).toBe(torch.numel);
  const n = torch.numel;
  const se = torch.std / Math.sqrt(n);
  expect(Math.abs(ours.mean - torch.mean), `${label}: mean ${ours.mean} vs torch ${torch.mean}`).toBeLessThan(6 * Math.SQRT2 * se + 1e-12);
  expect(Math.abs(ours.std / torch.std - 1), `${label}: std ${ours.std} vs torch ${torch.std}`).toBeLessThan(6 / Math.sqrt(n) + 1e-6);
  if (uniform) {
    const span = torch.max - torch.min;
    expect(ours.min, `${label}: min`).toBeGreaterThanOrEqual(torch.min - span * (20 / n) - 1e-7);
    expect(ours.max, `${label}: max`).toBeLessThanOrEqual(torch.max + span * (20 / n) + 1e-7);
    if (torch.bound !== undefined) {
      expect(Math.max(-ours.min, ours.max), `${label}: bound`).toBeLessThanOrEqual(torch.bound);
    }
  }
}

describe("default initialisations follow PyTorch's (statistics against torch's own)", () => {
  manualSeed(123);
  const lin = new Linear(400, 300);
  const emb = new Embedding(500, 64, { paddingIdx: 3 });
  const lstm = new LSTM(65, 128, { numLayers: 2 });
  const gru = new GRU(30, 100);
  const rnn = new RNN(30, 50);
  const ours: Record<string, Tensor> = {
    'Linear(400,300).weight': lin.weight,
    'Linear(400,300).bias': lin.bias!,
    'Embedding(500,64).weight': emb.weight,
    'GRU(30,100).weight_hh_l0': gru.stateDict().weight_hh_l0!,
    'RNN(30,50).weight_ih_l0': rnn.stateDict().weight_ih_l0!,
  };
  for (const [k, p] of lstm.namedParameters()) ours[`LSTM(65,128,2).${k}`] = p;
  for (const [key, torchStats] of Object.entries(fx.defaults)) {
    if (key.endsWith('paddingRowAbsSum')) continue;
    it(key, () => expectSameDistribution(stats(ours[key]), torchStats, key, !key.startsWith('Embedding')));
  }
  it('Embedding(paddingIdx).weight[paddingIdx] is zero', () => {
    expect(Array.from(emb.weight.select(0, 3).dataSync()).reduce((a, b) => a + Math.abs(b), 0)).toBe(
      fx.defaults['Embedding(500,64,padding_idx=3).paddingRowAbsSum'].value,
    );
  });
});

describe('init functions (statistics against torch.nn.init)', () => {
  const g = new Generator(99);
  const fill: Record<string, (t: Tensor) => Tensor> = {
    'uniform_(-0.5,2)': (t) => init.uniform_(t, -0.5, 2, { generator: g }),
    'normal_(1,0.5)': (t) => init.normal_(t, 1, 0.5, { generator: g }),
    'xavierUniform_(gain=2)': (t) => init.xavierUniform_(t, 2, { generator: g }),
    'xavierNormal_()': (t) => init.xavierNormal_(t, 1, { generator: g }),
    'kaimingUniform_(relu)': (t) => init.kaimingUniform_(t, { nonlinearity: 'relu', generator: g }),
    'kaimingUniform_(a=sqrt5)': (t) => init.kaimingUniform_(t, { a: Math.sqrt(5), generator: g }),
    'kaimingNormal_(fan_out,relu)': (t) => init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu', generator: g }),
    'orthogonal_(gain=1.5)': (t) => init.orthogonal_(t, 1.5, { generator: g }),
  };
  for (const [key, torchStats] of Object.entries(fx.explicit)) {
    it(key, () => {
      const t = fill[key](zeros([256, 512]));
      expectSameDistribution(stats(t), torchStats, key, key.includes('niform'));
    });
  }

  it('calculateGain matches torch for every nonlinearity', () => {
    for (const [key, value] of Object.entries(fx.gain)) {
      const [nl, param] = key.split(':');
      expect(init.calculateGain(nl as Nonlinearity, param === undefined ? undefined : Number(param)), key).toBeCloseTo(value, 12);
    }
    expect(() => init.calculateGain('swish' as Nonlinearity)).toThrow("calculateGain: unsupported nonlinearity 'swish'");
  });

  it('orthogonal_ gives orthonormal rows or columns scaled by gain', () => {
    for (const shape of [
      [6, 4],
      [4, 6],
      [5, 5],
      [3, 2, 2],
    ]) {
      const t = init.orthogonal_(zeros(shape), 2, { generator: new Generator(1) });
      const m = t.reshape([shape[0], -1]);
      const gram = m.shape[0] >= m.shape[1] ? m.t().matmul(m) : m.matmul(m.t());
      const n = gram.shape[0];
      const d = gram.dataSync();
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(d[i * n + j]).toBeCloseTo(i === j ? 4 : 0, 4);
    }
  });

  it('constant_, zeros_, ones_ fill; fan-based inits need 2 dims', () => {
    expect(Array.from(init.constant_(zeros([3]), 0.25).dataSync())).toEqual([0.25, 0.25, 0.25]);
    expect(Array.from(init.ones_(zeros([2])).dataSync())).toEqual([1, 1]);
    expect(Array.from(init.zeros_(init.ones_(zeros([2]))).dataSync())).toEqual([0, 0]);
    expect(() => init.xavierUniform_(zeros([5]))).toThrow(
      'init.xavierUniform_: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (got shape [5])',
    );
    expect(() => init.uniform_(zeros([2], { dtype: 'int32' }))).toThrow('init.uniform_: expected a floating-point tensor, got int32');
    expect(init.calculateFanInAndFanOut(zeros([6, 8, 3, 3]))).toEqual({ fanIn: 72, fanOut: 54 });
  });

  it('draws from the given generator, or from defaultGenerator', () => {
    const a = init.normal_(zeros([10]), 0, 1, { generator: new Generator(5) }).dataSync();
    const b = init.normal_(zeros([10]), 0, 1, { generator: new Generator(5) }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    manualSeed(8);
    const c = new Linear(4, 4).weight.dataSync();
    defaultGenerator.manualSeed(8);
    const d = new Linear(4, 4).weight.dataSync();
    expect(Array.from(c)).toEqual(Array.from(d));
  });
});
