import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd, gradcheck } from '@fackel/autograd';
import { Generator, noGrad, randn, tidy, type Tensor } from '@fackel/tensor';
import { GRU, GRUCell, LSTM, LSTMCell, Linear, Module, RNN, RNNCell, loadSafetensors, type RNNBase } from '../src/index.js';
import { expectTensorClose, type JsonTensor } from '@fackel/testkit';
import { FIXTURES, FWD, GRAD, T, charInput, fixture } from './helpers.js';

registerCpuBackend();
enableAutograd();

interface Case {
  options: Record<string, unknown> & { kind: string };
  input: JsonTensor;
  hx?: JsonTensor[];
  outputs: JsonTensor[];
  gradOutputs: JsonTensor[];
  grads: Record<string, JsonTensor | null> & { hx?: (JsonTensor | null)[] };
  params?: Record<string, JsonTensor>;
  weightsFile?: string;
}
interface RnnFixture {
  cases: Record<string, Case>;
  charrnn: { vocab: number; hidden: number; layers: number; batch: number; seq: number; keys: string[]; output: JsonTensor };
}
const fx = fixture<RnnFixture>('rnn.json');

function build(o: Case['options']): Module {
  const { kind, inputSize, hiddenSize, ...rest } = o as Record<string, unknown> & { kind: string; inputSize: number; hiddenSize: number };
  switch (kind) {
    case 'LSTM':
      return new LSTM(inputSize, hiddenSize, rest);
    case 'GRU':
      return new GRU(inputSize, hiddenSize, rest);
    case 'RNN':
      return new RNN(inputSize, hiddenSize, rest);
    case 'LSTMCell':
      return new LSTMCell(inputSize, hiddenSize, rest);
    case 'GRUCell':
      return new GRUCell(inputSize, hiddenSize, rest);
    case 'RNNCell':
      return new RNNCell(inputSize, hiddenSize, rest);
    default:
      throw new Error(kind);
  }
}

async function weights(c: Case): Promise<Record<string, Tensor>> {
  if (c.weightsFile) return (await loadSafetensors(join(FIXTURES, c.weightsFile))).tensors;
  return Object.fromEntries(Object.entries(c.params!).map(([k, v]) => [k, T(v)]));
}

describe('recurrent layers against PyTorch (weights exported by torch; forward 1e-5, gradients 1e-4)', () => {
  for (const [id, c] of Object.entries(fx.cases)) {
    it(id, async () => {
      const m = build(c.options);
      const sd = await weights(c);
      expect(Object.keys(sd).sort()).toEqual(Object.keys(m.stateDict()).sort());
      m.loadStateDict(sd); // strict: same keys and shapes as PyTorch's state_dict
      const x = T(c.input, { requiresGrad: true });
      const hx = c.hx?.map((h) => T(h, { requiresGrad: true }));
      const isCell = c.options.kind.endsWith('Cell');
      let outs: Tensor[];
      if (isCell) {
        const r = m.forward(x, hx === undefined ? undefined : hx.length === 1 ? hx[0] : hx) as Tensor | [Tensor, Tensor];
        outs = Array.isArray(r) ? r : [r];
      } else {
        const state = hx === undefined ? undefined : hx.length === 1 ? hx[0] : hx;
        const [out, st] = m.forward(x, state) as [Tensor, Tensor | [Tensor, Tensor]];
        outs = [out, ...(Array.isArray(st) ? st : [st])];
      }
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o, i) => expectTensorClose(o, c.outputs[i], FWD, `${id} output ${i}`));
      const loss = tidy(() => outs.map((o, i) => o.mul(T(c.gradOutputs[i])).sum()).reduce((a, b) => a.add(b)));
      loss.backward();
      expectTensorClose(x.grad, c.grads.input!, GRAD, `${id} grad input`);
      for (const [name, p] of m.namedParameters()) expectTensorClose(p.grad, c.grads[name] as JsonTensor, GRAD, `${id} grad ${name}`);
      hx?.forEach((h, i) => expectTensorClose(h.grad, c.grads.hx![i], GRAD, `${id} grad hx[${i}]`));
    });
  }
});

class CharRNN extends Module<[Tensor], Tensor> {
  lstm: LSTM;
  fc: Linear;
  constructor(vocab: number, hidden: number, layers: number) {
    super();
    this.lstm = new LSTM(vocab, hidden, { numLayers: layers, dropout: 0.5, batchFirst: true });
    this.fc = new Linear(hidden, vocab);
  }
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.lstm.forward(x)[0]);
  }
}

describe('the char-RNN of exercise 3', () => {
  it('loads a PyTorch state dict (safetensors written by torch) with the same keys and gives the same output', async () => {
    const c = fx.charrnn;
    const m = new CharRNN(c.vocab, c.hidden, c.layers).eval();
    expect(Object.keys(m.stateDict())).toEqual(c.keys);
    const { tensors, metadata } = await loadSafetensors(join(FIXTURES, 'charrnn_torch.safetensors'));
    expect(metadata?.fackel_model).toBe('charrnn');
    expect(m.loadStateDict(tensors)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const y = noGrad(() => m.forward(charInput(c.vocab, c.batch, c.seq)));
    expectTensorClose(y, c.output, FWD, 'charrnn output');
  });
});

describe('LSTM behaviour', () => {
  it('uses PyTorch parameter names, shapes and order, and draws from U(-1/sqrt(H), 1/sqrt(H))', () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, generator: new Generator(0) });
    expect(lstm.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0:16x3',
      'weight_hh_l0:16x4',
      'bias_ih_l0:16',
      'bias_hh_l0:16',
      'weight_ih_l0_reverse:16x3',
      'weight_hh_l0_reverse:16x4',
      'bias_ih_l0_reverse:16',
      'bias_hh_l0_reverse:16',
      'weight_ih_l1:16x8',
      'weight_hh_l1:16x4',
      'bias_ih_l1:16',
      'bias_hh_l1:16',
      'weight_ih_l1_reverse:16x8',
      'weight_hh_l1_reverse:16x4',
      'bias_ih_l1_reverse:16',
      'bias_hh_l1_reverse:16',
    ]);
    for (const p of lstm.parameters()) for (const v of p.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(0.5);
    expect(lstm.allWeights.length).toBe(4);
    expect(lstm.toString()).toBe('LSTM(3, 4, numLayers=2, bidirectional=true)');
  });

  it('returns [output, [hN, cN]] with the documented shapes, batched and unbatched', () => {
    const lstm = new LSTM(5, 6, { numLayers: 3, batchFirst: true });
    const [out, [h, c]] = lstm.forward(randn([2, 7, 5]));
    expect([out.shape, h.shape, c.shape]).toEqual([
      [2, 7, 6],
      [3, 2, 6],
      [3, 2, 6],
    ]);
    const [o1, [h1, c1]] = lstm.forward(randn([7, 5]));
    expect([o1.shape, h1.shape, c1.shape]).toEqual([
      [7, 6],
      [3, 6],
      [3, 6],
    ]);
    // the last output step is the last layer's final hidden state
    const [o2, [h2]] = new LSTM(5, 6).forward(randn([4, 2, 5]));
    expect(Array.from(o2.select(0, 3).dataSync())).toEqual(Array.from(h2.select(0, 0).dataSync()));
  });

  it('carries the state across calls exactly like one long sequence (truncated BPTT)', () => {
    const lstm = new LSTM(3, 5, { numLayers: 2, batchFirst: true, generator: new Generator(4) });
    const x = randn([2, 8, 3], { generator: new Generator(5) });
    const [full] = noGrad(() => lstm.forward(x));
    const [a, state] = noGrad(() => lstm.forward(x.narrow(1, 0, 5)));
    const [b] = noGrad(() => lstm.forward(x.narrow(1, 5, 3), state));
    expectTensorClose(b, { shape: [2, 3, 5], data: Array.from(full.narrow(1, 5, 3).contiguous().dataSync()) }, { atol: 1e-6, rtol: 1e-6 }, 'continued');
    expect(a.shape).toEqual([2, 5, 5]);
  });

  it('applies dropout between layers only in training mode, from its generator', () => {
    const x = randn([2, 6, 3], { generator: new Generator(1) });
    const make = (): LSTM => new LSTM(3, 8, { numLayers: 2, dropout: 0.5, batchFirst: true, generator: new Generator(7) });
    const m1 = make();
    const m2 = make();
    const [y1] = noGrad(() => m1.forward(x));
    const [y2] = noGrad(() => m2.forward(x));
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y2.dataSync())); // same seed, same masks
    const [y3] = noGrad(() => m1.forward(x));
    expect(Array.from(y3.dataSync())).not.toEqual(Array.from(y1.dataSync())); // new masks
    m1.eval();
    const [e1] = noGrad(() => m1.forward(x));
    const [e2] = noGrad(() => m1.forward(x));
    expect(Array.from(e1.dataSync())).toEqual(Array.from(e2.dataSync()));
  });

  it('names the module, the expected and the actual shapes in errors', () => {
    const lstm = new LSTM(65, 128, { numLayers: 2, batchFirst: true });
    expect(() => lstm.forward(randn([50, 50, 64]))).toThrow('LSTM: expected input with last dimension 65 (inputSize), got shape [50,50,64]');
    expect(() => lstm.forward(randn([50, 65]).reshape([50, 65, 1, 1]))).toThrow(
      'LSTM: expected input of 3 dimensions [batch, seq, inputSize] (or 2 for one unbatched sequence [seq, inputSize]), got shape [50,65,1,1]',
    );
    expect(() => lstm.forward(randn([4, 3, 65]), [randn([2, 128]), randn([2, 4, 128])])).toThrow(
      'LSTM: expected h0 of shape [2,4,128] (numLayers * numDirections, batch, hiddenSize), got [2,128]',
    );
    expect(() => lstm.forward(randn([4, 3, 65]).int())).toThrow('LSTM: the input must be floating point, got int32');
    expect(() => new GRU(3, 4).forward(randn([5, 2, 3]), randn([1, 3, 4]))).toThrow('GRU: expected h0 of shape [1,2,4]');
    expect(() => new LSTM(3, 4, { dropout: 2 })).toThrow('LSTM: dropout probability has to be between 0 and 1, but got 2');
    expect(() => new RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow("RNN: unknown nonlinearity 'sigmoid'; choose 'tanh' or 'relu'");
  });

  it('passes gradcheck in float64 (LSTM, GRU, RNN with initial states)', async () => {
    const g = new Generator(11);
    const o = { dtype: 'float64' as const, generator: g };
    for (const m of [
      new LSTM(3, 2, { numLayers: 2, batchFirst: true, ...o }),
      new GRU(3, 2, { bidirectional: true, ...o }),
      new RNN(3, 2, { numLayers: 2, ...o }),
    ] as RNNBase[]) {
      const x = randn([2, 3, 3], o).requiresGrad_(true);
      const L = m.numLayers * m.numDirections;
      const h0 = randn([L, m.batchFirst ? 2 : 3, 2], o).requiresGrad_(true);
      const fn = (xx: Tensor, hh: Tensor): Tensor => {
        const [out, st] = m.forward(xx, m.mode === 'LSTM' ? [hh, hh.mul(0.5)] : hh);
        const h = Array.isArray(st) ? st[1] : st;
        return out.sum(2).add(h.sum());
      };
      expect((await gradcheck(fn, [x, h0], { atol: 1e-6, rtol: 1e-4 })).passed).toBe(true);
      // the weights: analytic .grad against central differences at a few elements of each
      m.zeroGrad();
      const objective = (): Tensor => fn(x.detach(), h0.detach()).sum();
      objective().backward();
      for (const w of m.parameters()) {
        const flat = w.reshape([-1]);
        const ga = w.grad!.reshape([-1]).dataSync();
        for (const j of [0, Math.floor(flat.shape[0] / 2), flat.shape[0] - 1]) {
          const v0 = flat.dataSync()[j];
          const at = (v: number): number => {
            noGrad(() => flat.narrow(0, j, 1).fill_(v));
            return noGrad(() => objective().itemSync());
          };
          const numeric = (at(v0 + 1e-6) - at(v0 - 1e-6)) / 2e-6;
          at(v0);
          expect(Math.abs(numeric - ga[j])).toBeLessThan(1e-6 + 1e-4 * Math.abs(numeric));
        }
      }
    }
  });
});
