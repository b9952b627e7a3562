// nn.LSTM's fused layers (one autograd node per layer and direction, src/lstm-fused.ts)
// against its step-by-step path (`fused = false`): outputs, final states and every gradient
// (input, h0, c0, weights, biases) to 1e-5, for stacked layers, dropout between layers from a
// seeded generator, batchFirst, bidirectional, no bias, unbatched input and one-step
// sequences; on the CPU and, where an adapter exists, on WebGPU.
import { enableAutograd } from '@fackel/autograd';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { Generator, memory, noGrad, randn, tidy, type Tensor } from '@fackel/tensor';
import { describe, expect, it } from 'vitest';
import { LSTM, type RNNOptions } from '../src/index.js';
import { setupWebGPU } from './webgpu-helpers.js';

registerCpuBackend();
enableAutograd();
const skipGpu = await setupWebGPU('the fused LSTM');

interface Case {
  name: string;
  options: RNNOptions;
  input: number;
  hidden: number;
  /** Input shape (2-D: unbatched). */
  shape: number[];
  /** Pass [h0, c0] (requiring grad). */
  hx: boolean;
  training?: boolean;
}

const CASES: Case[] = [
  { name: '1 layer, time-major, no initial state', options: {}, input: 3, hidden: 5, shape: [6, 4, 3], hx: false },
  { name: '2 layers, batchFirst, [h0, c0] with gradients', options: { numLayers: 2, batchFirst: true }, input: 4, hidden: 6, shape: [3, 7, 4], hx: true },
  {
    name: '3 layers, dropout 0.4 between layers (seeded), time-major, [h0, c0]',
    options: { numLayers: 3, dropout: 0.4 },
    input: 5,
    hidden: 4,
    shape: [5, 3, 5],
    hx: true,
    training: true,
  },
  {
    name: '2 layers, dropout 0.5, batchFirst (masks in the batch-first layout)',
    options: { numLayers: 2, dropout: 0.5, batchFirst: true },
    input: 3,
    hidden: 8,
    shape: [4, 6, 3],
    hx: false,
    training: true,
  },
  {
    name: 'bidirectional, 2 layers, batchFirst, [h0, c0]',
    options: { numLayers: 2, bidirectional: true, batchFirst: true },
    input: 3,
    hidden: 5,
    shape: [2, 6, 3],
    hx: true,
  },
  { name: 'no bias, unbatched, [h0, c0]', options: { bias: false }, input: 4, hidden: 3, shape: [5, 4], hx: true },
  { name: 'one time step, 2 layers, [h0, c0]', options: { numLayers: 2 }, input: 2, hidden: 9, shape: [1, 3, 2], hx: true },
];

interface Result {
  values: Record<string, Float32Array | Float64Array | Int32Array | Uint8Array>;
}

async function runCase(c: Case, fused: boolean, device: string): Promise<Result> {
  const g = new Generator(42);
  const lstm = new LSTM(c.input, c.hidden, { ...c.options, generator: g });
  lstm.fused = fused;
  lstm.generator = new Generator(9); // the dropout masks: the same stream for both paths
  if (device !== 'cpu') await lstm.to(device);
  if (!c.training) lstm.eval();
  const D = c.options.bidirectional ? 2 : 1;
  const L = (c.options.numLayers ?? 1) * D;
  const batched = c.shape.length === 3;
  const N = batched ? c.shape[c.options.batchFirst ? 0 : 1] : 0;
  const stateShape = batched ? [L, N, c.hidden] : [L, c.hidden];
  const data = new Generator(7);
  const onDevice = async (t: Tensor): Promise<Tensor> => (device === 'cpu' ? t : t.to(device));
  const x = (await onDevice(randn(c.shape, { generator: data }))).requiresGrad_(true);
  const h0 = (await onDevice(randn(stateShape, { generator: data }))).requiresGrad_(true);
  const c0 = (await onDevice(randn(stateShape, { generator: data }))).requiresGrad_(true);
  const [out, [hN, cN]] = lstm.forward(x, c.hx ? [h0, c0] : null);
  // weight every output element differently, so that each gradient path is exercised
  const w = [out, hN, cN].map((t) => randn(t.shape, { generator: data }));
  const wd = await Promise.all(w.map(onDevice));
  tidy(() => out.mul(wd[0]).sum().add(hN.mul(wd[1]).sum()).add(cN.mul(wd[2]).sum())).backward();
  const values: Result['values'] = {};
  values.out = await out.data();
  values.hN = await hN.data();
  values.cN = await cN.data();
  values['grad x'] = await x.grad!.data();
  if (c.hx) {
    values['grad h0'] = await h0.grad!.data();
    values['grad c0'] = await c0.grad!.data();
  }
  for (const [name, p] of lstm.namedParameters()) {
    expect(p.grad, `grad ${name}`).not.toBeNull();
    values[`grad ${name}`] = await p.grad!.data();
  }
  expect(out.shape).toEqual(batched ? (c.options.batchFirst ? [N, c.shape[1], D * c.hidden] : [c.shape[0], N, D * c.hidden]) : [c.shape[0], D * c.hidden]);
  return { values };
}

function expectAgree(a: Result, b: Result, tol: number): void {
  expect(Object.keys(a.values)).toEqual(Object.keys(b.values));
  for (const k of Object.keys(b.values)) {
    const x = a.values[k];
    const y = b.values[k];
    expect(x.length, k).toBe(y.length);
    let worst = 0;
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
    expect(worst, k).toBeLessThan(tol);
  }
}

describe('nn.LSTM: fused layers vs the step-by-step path (CPU)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      expectAgree(await runCase(c, true, 'cpu'), await runCase(c, false, 'cpu'), 1e-5);
    });
  }

  it('records one node per layer and direction, whose backward names it', () => {
    const lstm = new LSTM(3, 4, { numLayers: 2 });
    const [out, [h]] = lstm.forward(randn([5, 2, 3]));
    const names = new Set<string>();
    const walk = (f: { name: string; nextFunctions: readonly (unknown | null)[] } | null, depth: number): void => {
      if (f === null || depth > 6) return;
      names.add(f.name);
      for (const n of f.nextFunctions) walk(n as typeof f | null, depth + 1);
    };
    walk(out.gradFn as never, 0);
    expect(names.has('LSTMLayerBackward')).toBe(true);
    expect(names.has('LstmCellBackward') || names.has('lstmCellBackward')).toBe(false);
    expect(h.gradFn).not.toBeNull();
  });

  it('records nothing and keeps no activations under noGrad; gives the same values', () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, generator: new Generator(1) });
    const x = randn([6, 2, 3], { generator: new Generator(2) });
    const [a] = noGrad(() => lstm.forward(x));
    expect(a.gradFn).toBeNull();
    lstm.fused = false;
    const [b] = noGrad(() => lstm.forward(x));
    expectAgree({ values: { out: a.dataSync() } }, { values: { out: b.dataSync() } }, 1e-6);
  });

  it('a training step inside tidy leaves no tensors behind, and backward frees the saved ones', () => {
    const lstm = new LSTM(3, 5, { numLayers: 2, dropout: 0.3, batchFirst: true });
    const x = randn([2, 4, 3]);
    const h0 = randn([2, 2, 5]).requiresGrad_(true);
    const step = (): void => {
      tidy(() => {
        const [out, [h, c]] = lstm.forward(x, [h0, h0.mul(0.5)]);
        out.sum().add(h.sum()).add(c.sum()).backward();
      });
      lstm.zeroGrad();
      h0.grad?.dispose();
      h0.grad = null;
    };
    step();
    const before = memory();
    step();
    expect(memory().tensors).toBe(before.tensors);
    expect(memory().bytes).toBe(before.bytes);
  });
});

describe.skipIf(skipGpu)('nn.LSTM: fused layers vs the step-by-step path (WebGPU)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      expectAgree(await runCase(c, true, 'webgpu'), await runCase(c, false, 'webgpu'), 1e-5);
    }, 120_000);
  }
});
