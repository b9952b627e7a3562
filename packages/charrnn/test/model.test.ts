import { beforeAll, describe, expect, test } from 'vitest';
import { Generator, memory, randint, tensor, tidy, type Tensor } from '@fackel/tensor';
import { CharRNN, setupDevice } from '../src/index.js';

beforeAll(async () => {
  await setupDevice('cpu');
});

const cfg = { vocabSize: 11, hiddenSize: 8, numLayers: 2, dropout: 0, embeddingSize: 0 };

function maxDiff(a: Tensor, b: Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

describe('CharRNN', () => {
  test('has PyTorch state-dict names, shapes and the original fc init', () => {
    const m = new CharRNN({ ...cfg, dropout: 0.5 }, { generator: new Generator(3) });
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual([
      'lstm.weight_ih_l0',
      'lstm.weight_hh_l0',
      'lstm.bias_ih_l0',
      'lstm.bias_hh_l0',
      'lstm.weight_ih_l1',
      'lstm.weight_hh_l1',
      'lstm.bias_ih_l1',
      'lstm.bias_hh_l1',
      'fc.weight',
      'fc.bias',
    ]);
    expect(sd['lstm.weight_ih_l0'].shape).toEqual([32, 11]);
    expect(sd['lstm.weight_ih_l1'].shape).toEqual([32, 8]);
    expect(sd['fc.weight'].shape).toEqual([11, 8]);
    expect(m.lstm.dropout).toBe(0.5);
    expect(m.dropout.p).toBe(0.5);
    const w = Array.from(sd['fc.weight'].dataSync());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(1);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.5); // U(-1, 1), not PyTorch's ±1/√8
    expect(Array.from(sd['fc.bias'].dataSync()).every((v) => v === 0)).toBe(true);
    const bound = 1 / Math.sqrt(8);
    expect(Math.max(...Array.from(sd['lstm.weight_hh_l0'].dataSync()).map(Math.abs))).toBeLessThanOrEqual(bound);
    for (const t of Object.values(sd)) t.dispose();
  });

  test('init "pytorch" keeps the default Linear init; an embedding adds embedding.weight', () => {
    const m = new CharRNN(cfg, { init: 'pytorch' });
    const w = Array.from(m.fc.weight.dataSync());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(8));
    const e = new CharRNN({ ...cfg, embeddingSize: 5 });
    expect(Object.keys(e.stateDict())[0]).toBe('embedding.weight');
    expect(e.lstm.inputSize).toBe(5);
  });

  test('the fused LSTM layer computes what nn.LSTM computes: logits, state and every gradient', () => {
    for (const embeddingSize of [0, 4]) {
      const a = new CharRNN({ ...cfg, embeddingSize }, { generator: new Generator(7) });
      const b = new CharRNN({ ...cfg, embeddingSize }, { generator: new Generator(7), fused: false });
      const x = randint(0, 11, [3, 6], { dtype: 'int32', generator: new Generator(1) });
      const y = randint(0, 11, [18], { dtype: 'int32', generator: new Generator(2) });
      const h0 = tidy(
        () =>
          [
            tensor(Array.from({ length: 2 * 3 * 8 }, (_, i) => Math.sin(i))).reshape([2, 3, 8]),
            tensor(Array.from({ length: 48 }, (_, i) => Math.cos(i))).reshape([2, 3, 8]),
          ] as [Tensor, Tensor],
      );
      for (const m of [a, b]) {
        const [logits] = m.forward(x, h0);
        logits.logSoftmax(1).gather(1, y.unsqueeze(1)).mean().neg().backward();
      }
      const [la, sa] = a.forward(x, h0);
      const [lb, sb] = b.forward(x, h0);
      expect(maxDiff(la, lb)).toBeLessThan(1e-5);
      expect(maxDiff(sa[0], sb[0])).toBeLessThan(1e-5);
      expect(maxDiff(sa[1], sb[1])).toBeLessThan(1e-5);
      const pa = a.namedParameters();
      const pb = b.namedParameters();
      for (let i = 0; i < pa.length; i++) {
        expect(pa[i][1].grad, pa[i][0]).not.toBeNull();
        expect(maxDiff(pa[i][1].grad!, pb[i][1].grad!), pa[i][0]).toBeLessThan(1e-5);
      }
    }
  });

  test('forward returns logits [batch·seq, vocab] in batch-major order', () => {
    const m = new CharRNN(cfg);
    m.eval();
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: 'int32' },
    );
    const [logits] = m.forward(x);
    expect(logits.shape).toEqual([6, 11]);
    // row 3 (batch 1, step 0) depends only on x[1, 0]
    const [single] = m.forward(tensor([[4]], { dtype: 'int32' }));
    expect(maxDiff(logits.narrow(0, 3, 1), single)).toBeLessThan(1e-6);
  });

  test('a training step inside tidy leaves no tensors behind', () => {
    const m = new CharRNN(cfg);
    const before = memory().tensors;
    const x = randint(0, 11, [2, 5], { dtype: 'int32' });
    tidy(() => {
      const [l] = m.forward(x);
      l.sum().backward();
    });
    m.zeroGrad();
    x.dispose();
    expect(memory().tensors).toBe(before);
  });
});
