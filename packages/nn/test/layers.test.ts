import { describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd } from '@fackel/autograd';
import { Generator, ones, randn, tensor, zeros, type Tensor } from '@fackel/tensor';
import {
  Dropout,
  Embedding,
  Flatten,
  GELU,
  Identity,
  LeakyReLU,
  Linear,
  LogSoftmax,
  ReLU,
  Sigmoid,
  Softmax,
  Tanh,
  functional as F,
  type Module,
} from '../src/index.js';
import { expectTensorClose, type JsonTensor } from '@fackel/testkit';
import { FWD, GRAD, T, fixture } from './helpers.js';

registerCpuBackend();
enableAutograd();

interface Case {
  params?: Record<string, JsonTensor>;
  input: JsonTensor;
  output: JsonTensor;
  gradOutput: JsonTensor;
  grads: Record<string, JsonTensor | null>;
  [k: string]: unknown;
}
const cases = fixture<{ cases: Record<string, Case> }>('layers.json').cases;

function backwardWith(out: Tensor, g: JsonTensor): void {
  out.mul(T(g)).sum().backward();
}

describe('Linear (PyTorch fixtures)', () => {
  for (const id of ['linear/2d', 'linear/3d-nobias', 'linear/1d']) {
    it(id, () => {
      const c = cases[id];
      const m = new Linear(c.inFeatures as number, c.outFeatures as number, { bias: c.bias as boolean });
      m.loadStateDict(Object.fromEntries(Object.entries(c.params!).map(([k, v]) => [k, T(v)])));
      const x = T(c.input, { requiresGrad: true });
      const y = m.forward(x);
      expectTensorClose(y, c.output, FWD, `${id} output`);
      backwardWith(y, c.gradOutput);
      expectTensorClose(x.grad, c.grads.input!, GRAD, `${id} grad input`);
      for (const [name, p] of m.namedParameters()) expectTensorClose(p.grad, c.grads[name], GRAD, `${id} grad ${name}`);
    });
  }

  it('names its parameters like PyTorch and initialises them from U(-1/sqrt(in), 1/sqrt(in))', () => {
    const m = new Linear(4, 3, { generator: new Generator(1) });
    expect(m.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['weight', [3, 4]],
      ['bias', [3]],
    ]);
    const bound = 1 / Math.sqrt(4);
    for (const p of m.parameters()) for (const v of p.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(new Linear(4, 3, { bias: false }).bias).toBeNull();
    expect(new Linear(4, 3, { bias: false }).parameters().length).toBe(1);
    // the same generator seed gives the same weights
    const a = new Linear(5, 5, { generator: new Generator(9) }).weight.dataSync();
    const b = new Linear(5, 5, { generator: new Generator(9) }).weight.dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('rejects a wrong input width naming the layer and the shapes', () => {
    expect(() => new Linear(8, 6).forward(zeros([4, 7]))).toThrow('Linear: expected input with last dimension 8 (inFeatures), got shape [4,7]');
    expect(() => new Linear(8, 6).forward(zeros([]))).toThrow('Linear: expected input with last dimension 8');
    expect(() => new Linear(0.5, 6)).toThrow('Linear: inFeatures must be a non-negative integer, got 0.5');
  });

  it('creates float64 parameters on request (for gradcheck)', () => {
    const m = new Linear(3, 2, { dtype: 'float64' });
    expect(m.weight.dtype).toBe('float64');
    expect(m.forward(randn([2, 3], { dtype: 'float64' })).dtype).toBe('float64');
  });
});

describe('Embedding (PyTorch fixtures)', () => {
  for (const id of ['embedding/basic', 'embedding/padding', 'embedding/padding-nonzero-row']) {
    it(id, () => {
      const c = cases[id];
      const m = new Embedding(c.numEmbeddings as number, c.embeddingDim as number, { paddingIdx: c.paddingIdx as number | null });
      m.loadStateDict({ weight: T(c.params!.weight!) });
      const y = m.forward(T(c.input));
      expectTensorClose(y, c.output, FWD, `${id} output`);
      backwardWith(y, c.gradOutput);
      expectTensorClose(m.weight.grad, c.grads.weight!, GRAD, `${id} grad weight`);
    });
  }

  it('zeroes the padding row at initialisation and checks indices', () => {
    const e = new Embedding(6, 3, { paddingIdx: -2 });
    expect(e.paddingIdx).toBe(4);
    expect(Array.from(e.weight.narrow(0, 4, 1).dataSync())).toEqual([0, 0, 0]);
    expect(() => e.forward(tensor([1, 6], { dtype: 'int32' }))).toThrow('Embedding: index 6 is out of range for 6 embeddings (valid: 0 to 5)');
    expect(() => e.forward(tensor([1, 2]))).toThrow(
      "Embedding: expected int32 indices, got float32 (cast them with .int(), or create them with { dtype: 'int32' })",
    );
    expect(() => new Embedding(6, 3, { paddingIdx: 6 })).toThrow('Embedding: paddingIdx must be an integer within numEmbeddings (6), i.e. in [-6, 5], got 6');
  });

  it('fromPretrained copies and freezes', () => {
    const w = randn([4, 2]);
    const e = Embedding.fromPretrained(w);
    expect(e.weight.requiresGrad).toBe(false);
    expect(Array.from(e.weight.dataSync())).toEqual(Array.from(w.dataSync()));
    expect(Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad).toBe(true);
  });
});

describe('activations (PyTorch fixtures)', () => {
  const make = (op: string, o: Record<string, unknown>): ((x: Tensor) => Tensor)[] => {
    switch (op) {
      case 'sigmoid':
        return [(x) => new Sigmoid().forward(x), (x) => F.sigmoid(x)];
      case 'tanh':
        return [(x) => new Tanh().forward(x), (x) => F.tanh(x)];
      case 'relu':
        return [(x) => new ReLU().forward(x), (x) => F.relu(x)];
      case 'leakyRelu':
        return [(x) => new LeakyReLU(o.negativeSlope as number | undefined).forward(x), (x) => F.leakyRelu(x, o.negativeSlope as number | undefined)];
      case 'gelu':
        return [(x) => new GELU(o.approximate as 'tanh' | undefined).forward(x), (x) => F.gelu(x, o.approximate as 'tanh' | undefined)];
      case 'softmax':
        return [(x) => new Softmax(o.dim as number).forward(x), (x) => F.softmax(x, o.dim as number)];
      case 'logSoftmax':
        return [(x) => new LogSoftmax(o.dim as number).forward(x), (x) => F.logSoftmax(x, o.dim as number)];
      case 'softplus':
        return [(x) => F.softplus(x)];
      case 'flatten':
        return [
          (x) => new Flatten(o.startDim as number | undefined, o.endDim as number | undefined).forward(x),
          (x) => F.flatten(x, o.startDim as number | undefined, o.endDim as number | undefined),
        ];
      default:
        throw new Error(op);
    }
  };
  for (const [id, c] of Object.entries(cases).filter(([k]) => k.startsWith('act/'))) {
    it(id, () => {
      for (const [k, fn] of make(c.op as string, c.options as Record<string, unknown>).entries()) {
        const x = T(c.input, { requiresGrad: true });
        const y = fn(x);
        expectTensorClose(y, c.output, FWD, `${id} (${k === 0 ? 'module' : 'functional'}) output`);
        backwardWith(y, c.gradOutput);
        expectTensorClose(x.grad, c.grads.input!, GRAD, `${id} (${k === 0 ? 'module' : 'functional'}) grad`);
      }
    });
  }

  it('needs an explicit dim for Softmax and LogSoftmax', () => {
    expect(() => new (Softmax as unknown as new () => Module)()).toThrow(
      'Softmax: give the dimension to normalise over, e.g. new Softmax(1) for [N, C] input (got undefined)',
    );
    expect(() => new GELU('fast' as 'tanh')).toThrow("GELU: approximate must be 'none' or 'tanh', got 'fast'");
  });

  it('Identity returns its input', () => {
    const x = ones([2]);
    expect(new Identity().forward(x)).toBe(x);
  });
});

describe('Dropout', () => {
  it('drops with probability p, scales by 1/(1-p), and is reproducible from its generator', () => {
    const x = ones([20000]);
    const d = new Dropout(0.3, { generator: new Generator(5) });
    const y = d.forward(x).dataSync();
    let zerosN = 0;
    let others = 0;
    for (const v of y) {
      if (v === 0) zerosN++;
      else if (Math.abs(v - 1 / 0.7) > 1e-6) others++;
    }
    expect(others).toBe(0);
    expect(zerosN / y.length).toBeGreaterThan(0.28);
    expect(zerosN / y.length).toBeLessThan(0.32);
    const again = new Dropout(0.3, { generator: new Generator(5) }).forward(x).dataSync();
    expect(Array.from(again)).toEqual(Array.from(y));
  });

  it('is the identity in eval mode and for p = 0; p = 1 zeroes', () => {
    const x = randn([3, 4]);
    expect(new Dropout(0.5).eval().forward(x)).toBe(x);
    expect(new Dropout(0).forward(x)).toBe(x);
    expect(Array.from(new Dropout(1).forward(x).dataSync()).every((v) => v === 0)).toBe(true);
    expect(() => new Dropout(1.5)).toThrow('Dropout: dropout probability has to be between 0 and 1, but got 1.5');
  });

  it('passes gradients only through kept elements', () => {
    const x = ones([1000], { requiresGrad: true });
    const y = F.dropout(x, 0.5, true, { generator: new Generator(2) });
    y.sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual(Array.from(y.dataSync()));
  });
});
