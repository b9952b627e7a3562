import { describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd, gradcheck } from '@fackel/autograd';
import { Generator, rand, randn, tensor, type Tensor } from '@fackel/tensor';
import { BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss, functional as F, type Loss } from '../src/index.js';
import { expectTensorClose, type JsonTensor } from '@fackel/testkit';
import { FWD, GRAD, T, fixture } from './helpers.js';

registerCpuBackend();
enableAutograd();

interface Case {
  op: string;
  options: Record<string, unknown>;
  input: JsonTensor;
  target: JsonTensor;
  tensors?: Record<string, JsonTensor>;
  output: JsonTensor;
  gradOutput?: JsonTensor;
  grads?: { input: JsonTensor | null };
}
const cases = fixture<{ cases: Record<string, Case> }>('losses.json').cases;

function build(c: Case): [Loss, (x: Tensor, t: Tensor) => Tensor] {
  const o = { ...c.options } as Record<string, unknown>;
  for (const [k, v] of Object.entries(c.tensors ?? {})) o[k] = T(v);
  switch (c.op) {
    case 'MSELoss':
      return [new MSELoss(o), (x, t) => F.mseLoss(x, t, o)];
    case 'L1Loss':
      return [new L1Loss(o), (x, t) => F.l1Loss(x, t, o)];
    case 'BCELoss':
      return [new BCELoss(o), (x, t) => F.binaryCrossEntropy(x, t, o)];
    case 'BCEWithLogitsLoss':
      return [new BCEWithLogitsLoss(o), (x, t) => F.binaryCrossEntropyWithLogits(x, t, o)];
    case 'CrossEntropyLoss':
      return [new CrossEntropyLoss(o), (x, t) => F.crossEntropy(x, t, o)];
    case 'NLLLoss':
      return [new NLLLoss(o), (x, t) => F.nllLoss(x, t, o)];
    default:
      throw new Error(c.op);
  }
}

describe('losses against PyTorch (forward 1e-5, input gradient 1e-4)', () => {
  for (const [id, c] of Object.entries(cases)) {
    it(id, () => {
      const [module, fn] = build(c);
      for (const [k, f] of [(x: Tensor, t: Tensor) => module.forward(x, t), fn].entries()) {
        const label = `${id} (${k === 0 ? 'module' : 'functional'})`;
        const x = T(c.input, { requiresGrad: true });
        const y = f(x, T(c.target));
        expectTensorClose(y, c.output, FWD, `${label} output`);
        if (c.grads) {
          y.mul(T(c.gradOutput!)).sum().backward();
          expectTensorClose(x.grad, c.grads.input, GRAD, `${label} grad`);
        }
      }
    });
  }
});

describe('loss gradients by finite differences (float64, gradcheck)', () => {
  const g = new Generator(3);
  const f64 = { dtype: 'float64' as const, generator: g };
  const idx = tensor([0, 3, 1, 3, 2], { dtype: 'int32' });
  const idxIgnored = tensor([0, -100, 1, 3, 2], { dtype: 'int32' });
  const weight = rand([4], f64).add(0.5);
  const checks: [string, (x: Tensor) => Tensor, () => Tensor][] = [
    ['mseLoss', (x) => F.mseLoss(x, randTarget), () => randn([3, 4], f64)],
    ['l1Loss', (x) => F.l1Loss(x, randTarget, { reduction: 'sum' }), () => randn([3, 4], f64)],
    ['binaryCrossEntropy (weight)', (x) => F.binaryCrossEntropy(x, probTarget, { weight: weight }), () => rand([3, 4], f64).mul(0.9).add(0.05)],
    ['binaryCrossEntropyWithLogits (posWeight)', (x) => F.binaryCrossEntropyWithLogits(x, probTarget, { posWeight: weight }), () => randn([3, 4], f64).mul(3)],
    ['crossEntropy (indices, weight, ignore, smoothing)', (x) => F.crossEntropy(x, idxIgnored, { weight, labelSmoothing: 0.2 }), () => randn([5, 4], f64)],
    ['crossEntropy (probabilities)', (x) => F.crossEntropy(x, probs, { reduction: 'sum' }), () => randn([5, 4], f64)],
    [
      'crossEntropy ([N, C, d])',
      (x) =>
        F.crossEntropy(
          x,
          tensor(
            [
              [0, 1, 2],
              [3, 3, 0],
            ],
            { dtype: 'int32' },
          ),
          { reduction: 'none' },
        ),
      () => randn([2, 4, 3], f64),
    ],
    ['nllLoss (weight)', (x) => F.nllLoss(x.logSoftmax(1), idx, { weight }), () => randn([5, 4], f64)],
    ['softplus', (x) => F.softplus(x), () => randn([10], f64).mul(30)],
  ];
  const randTarget = randn([3, 4], f64);
  const probTarget = rand([3, 4], f64);
  const probs = randn([5, 4], f64).softmax(1);
  for (const [name, fn, make] of checks) {
    it(name, async () => {
      const x = make().requiresGrad_(true);
      const r = await gradcheck(fn, [x], { atol: 1e-6, rtol: 1e-4 });
      expect(r.passed).toBe(true);
    });
  }
});

describe('loss errors name the loss and the shapes', () => {
  it('refuses silently broadcasting shapes', () => {
    expect(() => new MSELoss().forward(randn([4, 1]), randn([4]))).toThrow(
      "MSELoss: the target's shape [4] differs from the input's [4,1]; they must be equal (PyTorch would broadcast them, which is almost always a bug). Reshape one of them, e.g. target.reshape([4,1])",
    );
  });

  it('explains class-index targets', () => {
    const ce = new CrossEntropyLoss();
    expect(() => ce.forward(randn([4, 10]), tensor([1, 2, 3, 4]))).toThrow(
      "CrossEntropyLoss: a floating-point target is read as class probabilities and must have the input's shape [4,10], got [4]; for class indices pass an int32 tensor (tensor([...], { dtype: 'int32' }) or target.int())",
    );
    expect(() => ce.forward(randn([4, 10]), tensor([[1], [2], [3], [4]], { dtype: 'int32' }))).toThrow(
      'CrossEntropyLoss: expected class-index target of shape [4] for input [4,10] (input [N, C] needs target [N]), got [4,1]',
    );
    expect(() => ce.forward(randn([2, 3]), tensor([1, 3], { dtype: 'int32' }))).toThrow(
      'CrossEntropyLoss: target 3 is out of bounds for 3 classes (valid: 0 to 2, or ignoreIndex -100)',
    );
    expect(() => new CrossEntropyLoss({ weight: tensor([1, 2]) }).forward(randn([2, 3]), tensor([1, 0], { dtype: 'int32' }))).toThrow(
      'CrossEntropyLoss: the weight must have one entry per class, shape [3], got [2]',
    );
    expect(() => new NLLLoss().forward(randn([2, 3]), tensor([1, 0]))).toThrow('NLLLoss: expected int32 class indices as the target, got float32');
    expect(() => new MSELoss({ reduction: 'avg' as 'mean' })).toThrow("MSELoss: reduction must be 'mean', 'sum' or 'none', got 'avg'");
    expect(() => new CrossEntropyLoss({ labelSmoothing: 1.5 }).forward(randn([2, 3]), tensor([1, 0], { dtype: 'int32' }))).toThrow(
      'CrossEntropyLoss: labelSmoothing must be between 0 and 1, got 1.5',
    );
  });

  it('keeps class weights as buffers in the state dict, as PyTorch does', () => {
    expect(Object.keys(new CrossEntropyLoss({ weight: tensor([1, 2, 3]) }).stateDict())).toEqual(['weight']);
    expect(Object.keys(new BCEWithLogitsLoss({ posWeight: tensor([2]) }).stateDict())).toEqual(['pos_weight']);
    expect(Object.keys(new CrossEntropyLoss().stateDict())).toEqual([]);
  });
});
