import { CpuBackend, registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd } from '@fackel/autograd';
import { getDevice, memory, noGrad, randn, registerBackend, tensor, tidy, zeros, type Tensor } from '@fackel/tensor';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  Adagrad,
  Adam,
  AdamW,
  CosineAnnealingLR,
  LinearLR,
  type Optimizer,
  RMSprop,
  SGD,
  SequentialLR,
  StepLR,
  flattenStateDict,
  unflattenStateDict,
  type JsonValue,
  type LRScheduler,
  type OptimizerStateDict,
  type SchedulerStateDict,
} from '../src/index.js';
import { closeness, expectTensorClose } from '@fackel/testkit';
import { errorMessage as err, expectJsonClose, fixtures, fromFixture, values, type FT, type OptimizerFixture } from './helpers.js';

registerCpuBackend();
enableAutograd();

type AnyOptimizer = Optimizer<{ lr: number }>;

function makeOptimizer(name: OptimizerFixture['optimizer'], params: unknown, options: Record<string, unknown>): AnyOptimizer {
  const p = params as never;
  const o = options as never;
  switch (name) {
    case 'SGD':
      return new SGD(p, o) as unknown as AnyOptimizer;
    case 'Adam':
      return new Adam(p, o) as unknown as AnyOptimizer;
    case 'AdamW':
      return new AdamW(p, o) as unknown as AnyOptimizer;
    case 'RMSprop':
      return new RMSprop(p, o) as unknown as AnyOptimizer;
    case 'Adagrad':
      return new Adagrad(p, o) as unknown as AnyOptimizer;
  }
}

function makeScheduler(spec: OptimizerFixture['scheduler'], opt: AnyOptimizer): LRScheduler | null {
  if (spec === null) return null;
  if (spec.name === 'StepLR') return new StepLR(opt, spec.options as never);
  if (spec.name === 'CosineAnnealingLR') return new CosineAnnealingLR(opt, spec.options as never);
  if (spec.name === 'LinearLR') return new LinearLR(opt, spec.options as never);
  if (spec.name === 'SequentialLR') {
    const { schedulers, milestones } = spec.options as { schedulers: NonNullable<OptimizerFixture['scheduler']>[]; milestones: number[] };
    return new SequentialLR(opt, { schedulers: schedulers.map((s) => makeScheduler(s, opt)!), milestones });
  }
  throw new Error(`no scheduler ${spec.name} in this test`);
}

/** Parameters, gradient coefficients, optimizer and scheduler of a fixture case. */
class Run {
  readonly params: Tensor[];
  readonly a: Tensor[];
  readonly b: Tensor[];
  opt: AnyOptimizer;
  sched: LRScheduler | null;
  step = 0;

  constructor(
    readonly fx: OptimizerFixture,
    initial: readonly FT[] = fx.params,
  ) {
    this.params = initial.map(fromFixture);
    this.a = fx.a.map(fromFixture);
    this.b = fx.b.map(fromFixture);
    this.opt = this.newOptimizer();
    this.sched = makeScheduler(fx.scheduler, this.opt);
  }

  newOptimizer(): AnyOptimizer {
    const fx = this.fx;
    const arg = fx.groups === null ? this.params : fx.groups.map((g) => ({ params: g.params.map((i) => this.params[i]), ...g.options }));
    return makeOptimizer(fx.optimizer, arg, fx.options);
  }

  /** One training step: gradients a·p + b (except skipped ones), optimizer step, scheduler step. */
  advance(): void {
    const s = this.step;
    this.opt.zeroGrad();
    this.params.forEach((p, i) => {
      if (this.fx.skipGrad.some(([st, pi]) => st === s && pi === i)) return;
      p.grad = tidy(() => this.a[i].mul(p).add(this.b[i]));
    });
    this.opt.step();
    this.sched?.step();
    this.step++;
  }

  dispose(): void {
    this.opt.zeroGrad();
    this.opt.dispose();
    for (const t of [...this.params, ...this.a, ...this.b]) t.dispose();
  }
}

// Tolerances against PyTorch's float32 trajectories. The CPU fused Adam kernel works in
// float64 per element (PyTorch rounds after every op, and uses FMA), and elementwise ops
// differ from PyTorch's vectorised ones in the last bit, so errors of a few float32 ulps
// accumulate over the steps.
const RTOL = 1e-5;
const ATOL = 1e-6;
const worst = new Map<string, number>();

afterAll(() => {
  // The largest error ratio seen per optimizer (1 = at the tolerance), for the record.
  const summary = [...worst].map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
  console.log(`optimizer trajectories vs PyTorch, worst |err|/(${ATOL} + ${RTOL}·|x|): ${summary}`);
});

describe('optimizer trajectories match PyTorch', () => {
  it.each(fixtures().optimizers.map((fx) => [fx.id, fx] as const))('%s', (_id, fx) => {
    const run = new Run(fx);
    for (let s = 0; s < fx.steps; s++) {
      run.advance();
      run.params.forEach((p, i) => {
        const c = closeness(p.dataSync(), fx.trajectory[s][i].data, RTOL, ATOL);
        worst.set(fx.optimizer, Math.max(worst.get(fx.optimizer) ?? 0, c));
        expectTensorClose(p, fx.trajectory[s][i], { rtol: RTOL, atol: ATOL }, `${fx.id}: parameter ${i} after step ${s + 1}`);
      });
      const lrs = run.opt.paramGroups.map((g) => g.lr);
      lrs.forEach((lr, g) => expect(lr).toBeCloseTo(fx.lrs[s][g], 14));
    }
    // the final state dict has PyTorch's layout and values (names in camelCase)
    const sd = run.opt.stateDict();
    expectJsonClose(sd.paramGroups, fx.stateDict.paramGroups, `${fx.id}: paramGroups`);
    for (const [i, theirs] of Object.entries(fx.stateDict.state)) {
      const mine = sd.state[Number(i)] ?? {}; // PyTorch lists parameters with empty state too
      expect(Object.keys(mine).sort(), `${fx.id}: state keys of parameter ${i}`).toEqual(Object.keys(theirs).sort());
      for (const [k, v] of Object.entries(theirs)) {
        if (typeof v === 'number') expect(mine[k]).toBe(v);
        else expectTensorClose(mine[k] as Tensor, v, { rtol: RTOL, atol: ATOL }, `${fx.id}: state ${k} of parameter ${i}`);
      }
    }
    expect(Object.keys(sd.state).every((i) => i in fx.stateDict.state)).toBe(true);
    run.dispose();
  });
});

/** A state dict through a checkpoint-like round trip: tensors as number arrays, all JSON. */
function throughJson<T>(sd: object): { value: T; cleanup(): void } {
  const { tensors, json } = flattenStateDict(sd);
  const stored = JSON.stringify({
    json,
    tensors: Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.dataSync()) }])),
  });
  const parsed = JSON.parse(stored) as { json: JsonValue; tensors: Record<string, FT> };
  const loaded = Object.fromEntries(Object.entries(parsed.tensors).map(([k, t]) => [k, fromFixture(t)]));
  return { value: unflattenStateDict<T>(parsed.json, loaded), cleanup: () => Object.values(loaded).forEach((t) => t.dispose()) };
}

describe('exact resume through stateDict → JSON → loadStateDict', () => {
  it.each(fixtures().optimizers.map((fx) => [fx.id, fx] as const))('%s', (_id, fx) => {
    const k = Math.floor(fx.steps / 2);
    const straight = new Run(fx);
    for (let s = 0; s < fx.steps; s++) straight.advance();

    const first = new Run(fx);
    for (let s = 0; s < k; s++) first.advance();
    const checkpoint = throughJson<{ params: Tensor[]; optimizer: OptimizerStateDict; scheduler: SchedulerStateDict | null }>({
      params: first.params,
      optimizer: first.opt.stateDict(),
      scheduler: first.sched?.stateDict() ?? null,
    });
    first.dispose();

    // a new process: same model layout, parameters from the checkpoint
    const resumed = new Run(
      fx,
      values(checkpoint.value.params).map((data, i) => ({ shape: fx.params[i].shape, data })),
    );
    resumed.opt.loadStateDict(checkpoint.value.optimizer);
    if (resumed.sched !== null) resumed.sched.loadStateDict(checkpoint.value.scheduler!);
    checkpoint.cleanup(); // loadStateDict copied what it needs
    resumed.step = k;
    for (let s = k; s < fx.steps; s++) resumed.advance();

    expect(values(resumed.params)).toEqual(values(straight.params));
    expect(resumed.opt.paramGroups.map((g) => g.lr)).toEqual(straight.opt.paramGroups.map((g) => g.lr));
    const a = flattenStateDict(resumed.opt.stateDict());
    const b = flattenStateDict(straight.opt.stateDict());
    expect(a.json).toEqual(b.json);
    expect(values(Object.values(a.tensors))).toEqual(values(Object.values(b.tensors)));
    if (resumed.sched) expect(resumed.sched.stateDict()).toEqual(straight.sched!.stateDict());
    resumed.dispose();
    straight.dispose();
  });
});

describe('memory', () => {
  const configs: [string, (ps: Tensor[]) => AnyOptimizer][] = [
    ['SGD', (ps) => new SGD(ps, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }) as unknown as AnyOptimizer],
    ['Adam', (ps) => new Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 1e-3 }) as unknown as AnyOptimizer],
    ['AdamW', (ps) => new AdamW(ps, { lr: 0.01 }) as unknown as AnyOptimizer],
    ['RMSprop', (ps) => new RMSprop(ps, { lr: 0.01, momentum: 0.9, centered: true, weightDecay: 1e-3 }) as unknown as AnyOptimizer],
    ['Adagrad', (ps) => new Adagrad(ps, { lr: 0.01, lrDecay: 0.01, weightDecay: 1e-3 }) as unknown as AnyOptimizer],
  ];

  it.each(configs)('%s keeps the live tensor count flat over 100 steps (gradients set by hand)', (_name, make) => {
    const params = [randn([8, 4]), randn([4])];
    const opt = make(params);
    const before = memory().tensors;
    const counts: number[] = [];
    for (let s = 0; s < 100; s++) {
      for (const p of params) p.grad = tidy(() => p.mul(0.5).add(1));
      opt.step();
      opt.zeroGrad();
      counts.push(memory().tensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1); // flat after the first step created the state
    opt.dispose();
    expect(memory().tensors).toBe(before);
    for (const p of params) p.dispose();
  });

  it.each(configs)('%s keeps memory flat in a training loop with autograd and zeroGrad', (_name, make) => {
    const x = randn([16, 3]);
    const y = tidy(() => x.matmul(tensor([[1], [-2], [0.5]])).add(0.3));
    const w = zeros([3, 1], { requiresGrad: true });
    const b = zeros([1], { requiresGrad: true });
    const opt = make([w, b]);
    const bytes: number[] = [];
    const counts: number[] = [];
    for (let s = 0; s < 100; s++) {
      tidy(() => x.matmul(w).add(b).sub(y).square().mean().backward());
      opt.step();
      opt.zeroGrad({ setToNone: s % 2 === 0 });
      counts.push(memory().tensors);
      bytes.push(memory().bytes);
    }
    // flat: every step ends with the same memory as two steps before (zeroGrad alternates
    // between disposing the gradients and zeroing them in place)
    for (let s = 4; s < 100; s++) {
      expect(counts[s], `tensors after step ${s}`).toBe(counts[s - 2]);
      expect(bytes[s], `bytes after step ${s}`).toBe(bytes[s - 2]);
    }
    opt.zeroGrad();
    opt.dispose();
    for (const t of [x, y, w, b]) t.dispose();
  });

  it('Adam and AdamW run the fused kernel and allocate nothing per step once the state exists', () => {
    const backend = getDevice('cpu').backend;
    for (const Ctor of [Adam, AdamW]) {
      const p = randn([32, 8]);
      const opt = new Ctor([p], { lr: 1e-3, amsgrad: true });
      p.grad = randn([32, 8]);
      opt.step(); // creates the state
      const fused = vi.spyOn(backend.fused!, 'adamStep');
      const alloc = vi.spyOn(backend, 'alloc');
      for (let s = 0; s < 5; s++) opt.step();
      expect(fused).toHaveBeenCalledTimes(5);
      expect(alloc).not.toHaveBeenCalled();
      fused.mockRestore();
      alloc.mockRestore();
      opt.dispose();
      p.dispose();
    }
  });
});

describe('training with autograd', () => {
  it('fits a linear model with each optimizer', () => {
    const x = randn([64, 3]);
    const trueW = tensor([[2], [-1], [0.5]]);
    const y = tidy(() => x.matmul(trueW).add(0.25));
    const makers: [string, (ps: Tensor[]) => AnyOptimizer, number][] = [
      ['SGD', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9 }) as unknown as AnyOptimizer, 300],
      ['Adam', (ps) => new Adam(ps, { lr: 0.05 }) as unknown as AnyOptimizer, 600],
      ['AdamW', (ps) => new AdamW(ps, { lr: 0.05, weightDecay: 0 }) as unknown as AnyOptimizer, 600],
      ['RMSprop', (ps) => new RMSprop(ps, { lr: 0.01 }) as unknown as AnyOptimizer, 600],
      ['Adagrad', (ps) => new Adagrad(ps, { lr: 0.5 }) as unknown as AnyOptimizer, 600],
    ];
    for (const [name, make, steps] of makers) {
      const w = zeros([3, 1], { requiresGrad: true });
      const b = zeros([1], { requiresGrad: true });
      const opt = make([w, b]);
      let last = Infinity;
      for (let s = 0; s < steps; s++) {
        const loss = opt.step(() => {
          opt.zeroGrad();
          return tidy(() => {
            const l = x.matmul(w).add(b).sub(y).square().mean();
            l.backward();
            return l.itemSync();
          });
        });
        last = loss!;
      }
      expect(last, name).toBeLessThan(1e-3);
      expect(w.requiresGrad && w.isLeaf && w.gradFn === null, name).toBe(true);
      const wv = Array.from(w.dataSync());
      wv.forEach((v, i) => expect(v, `${name} w[${i}]`).toBeCloseTo([2, -1, 0.5][i], 1));
      opt.zeroGrad();
      opt.dispose();
      w.dispose();
      b.dispose();
    }
    for (const t of [x, trueW, y]) t.dispose();
  });

  it('updates without recording: parameters stay leaves and the step needs no noGrad from the caller', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const opt = new SGD([w], { lr: 0.5, momentum: 0.5 });
    w.grad = tensor([1, 1]);
    opt.step();
    expect(w.isLeaf).toBe(true);
    expect(w.gradFn).toBeNull();
    expect(w.tolistSync()).toEqual([0.5, 1.5]);
    opt.zeroGrad();
    opt.dispose();
    w.dispose();
  });
});

describe('parameter groups, zeroGrad and options', () => {
  it('takes tensors or groups, fills in defaults, and reads options at each step', () => {
    const a = tensor([1, 1]);
    const b = tensor([1, 1]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1, momentum: 0 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    expect(opt.paramGroups[1]).toMatchObject({ momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
    a.grad = tensor([1, 2]);
    b.grad = tensor([1, 2]);
    opt.step();
    expect(a.tolistSync()).toEqual([Math.fround(0.9), Math.fround(0.8)]);
    expect(b.tolistSync()).toEqual([0.5, 0]);
    opt.paramGroups[0].lr = 1;
    opt.step();
    expect(a.tolistSync()).toEqual([Math.fround(Math.fround(0.9) - 1), Math.fround(Math.fround(0.8) - 2)]);
    const c = tensor([0]);
    opt.addParamGroup({ params: [c], lr: 2 });
    expect(opt.paramGroups).toHaveLength(3);
    expect(opt.stateDict().paramGroups.map((g) => g.params)).toEqual([[0], [1], [2]]);
    for (const t of [a, b, c]) t.dispose();
  });

  it('zeroGrad disposes gradients by default and zeroes them in place with setToNone: false', () => {
    const w = tensor([1, 2]);
    const opt = new Adam([w]);
    const g = tensor([3, 4]);
    w.grad = g;
    opt.zeroGrad({ setToNone: false });
    expect(w.grad).toBe(g);
    expect(g.tolistSync()).toEqual([0, 0]);
    opt.zeroGrad();
    expect(w.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
    w.dispose();
  });

  it('skips parameters without gradients and creates no state for them', () => {
    const a = tensor([1]);
    const b = tensor([1]);
    const opt = new Adam([a, b], { lr: 0.1 });
    a.grad = tensor([1]);
    opt.step();
    expect(b.tolistSync()).toEqual([1]);
    expect(Object.keys(opt.stateDict().state)).toEqual(['0']);
    opt.zeroGrad();
    opt.dispose();
    a.dispose();
    b.dispose();
  });

  it('step(closure) returns the closure result and records inside it', () => {
    const w = tensor([3], { requiresGrad: true });
    const opt = new SGD([w], { lr: 0.25 });
    const loss = opt.step(() => {
      const l = w.square().sum();
      expect(l.gradFn).not.toBeNull();
      l.backward();
      const v = l.itemSync();
      l.dispose();
      return v;
    });
    expect(loss).toBe(9);
    expect(w.tolistSync()).toEqual([1.5]);
    opt.zeroGrad();
    w.dispose();
  });

  it('explains bad arguments', () => {
    const w = tensor([1, 2]);
    expect(err(() => new SGD([w], {} as never))).toBe('SGD: the learning rate is required, e.g. new SGD(params, { lr: 0.01 })');
    expect(err(() => new SGD(w as never, { lr: 0.1 }))).toBe(
      'SGD: params must be a list of tensors or of parameter groups, but a single tensor was given; pass [tensor] (or model.parameters())',
    );
    expect(err(() => new Adam([]))).toBe('Adam: got an empty list of parameters; there is nothing to optimize');
    expect(err(() => new Adam([w], { lr: -1 }))).toBe('Adam: invalid lr -1; it must be >= 0');
    expect(err(() => new Adam([w], { betas: [0.9, 1] }))).toBe('Adam: invalid betas[1] 1; it must be >= 0 and < 1');
    expect(err(() => new AdamW([w], { learningRate: 0.1 } as never))).toBe(
      "AdamW: unknown option 'learningRate' (AdamW options are: lr, betas, eps, weightDecay, amsgrad)",
    );
    expect(err(() => new SGD([{ params: [w] }, { params: [w] }], { lr: 0.1 }))).toBe(
      'SGD: parameter group 1: parameter 0 appears more than once (in this group or an earlier one); each tensor may belong to one group only',
    );
    expect(err(() => new SGD([w], { lr: 0.1, nesterov: true }))).toBe(
      'SGD: Nesterov momentum needs momentum > 0 and dampening = 0 (got momentum 0, dampening 0)',
    );
    expect(err(() => new RMSprop([{ params: [w], momentum: -0.5 }]))).toBe('RMSprop: parameter group 0: invalid momentum -0.5; it must be >= 0');
    expect(err(() => new Adagrad([tensor([1, 2], { dtype: 'int32' })]))).toBe(
      'Adagrad: parameter group 0: parameter 0 has dtype int32; only floating-point tensors can be optimized',
    );
    const nonLeaf = tidy(() => tensor([1], { requiresGrad: true }).mul(2));
    expect(err(() => new SGD([nonLeaf], { lr: 0.1 }))).toMatch(/^SGD: parameter group 0: parameter 0 is not a leaf tensor \(it was computed by \w+\)/);
    const opt = new SGD([w], { lr: 0.1 });
    w.grad = tensor([1, 2, 3]);
    expect(err(() => opt.step())).toBe('SGD.step: parameter 0 of group 0 has shape [2] but its gradient has shape [3]');
    opt.zeroGrad();
    w.dispose();
    nonLeaf.dispose();
  });
});

describe('stateDict and loadStateDict', () => {
  function trained(): { w: Tensor; v: Tensor; opt: Adam } {
    const w = tensor([1, 2, 3]);
    const v = tensor([[1, 2]]);
    const opt = new Adam(
      [
        { params: [w], amsgrad: true },
        { params: [v], lr: 0.5 },
      ],
      { lr: 0.1 },
    );
    w.grad = tensor([0.1, 0.2, 0.3]);
    v.grad = tensor([[1, -1]]);
    opt.step();
    opt.step();
    return { w, v, opt };
  }

  it("has PyTorch's shape: state by parameter index, groups with indices and options", () => {
    const { w, v, opt } = trained();
    const sd = opt.stateDict();
    expect(sd.paramGroups).toEqual([
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, params: [0] },
      { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, params: [1] },
    ]);
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    expect(Object.keys(sd.state[0])).toEqual(['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq']);
    expect(sd.state[1].step).toBe(2);
    const { tensors, json } = flattenStateDict(sd, 'optimizer.');
    expect(Object.keys(tensors)).toEqual([
      'optimizer.state.0.expAvg',
      'optimizer.state.0.expAvgSq',
      'optimizer.state.0.maxExpAvgSq',
      'optimizer.state.1.expAvg',
      'optimizer.state.1.expAvgSq',
    ]);
    expect((json as { state: Record<string, unknown> }).state['1']).toEqual({
      step: 2,
      expAvg: { $tensor: 'optimizer.state.1.expAvg' },
      expAvgSq: { $tensor: 'optimizer.state.1.expAvgSq' },
    });
    opt.zeroGrad();
    opt.dispose();
    w.dispose();
    v.dispose();
  });

  it('copies loaded tensors, converting dtype, so the caller may dispose them', () => {
    const { w, v, opt } = trained();
    const sd = opt.stateDict();
    const w2 = tensor([1, 2, 3]);
    const v2 = tensor([[1, 2]]);
    const opt2 = new Adam([{ params: [w2] }, { params: [v2] }]);
    const exp = (sd.state[1].expAvg as Tensor).to('float64');
    opt2.loadStateDict({ ...sd, state: { ...sd.state, 1: { ...sd.state[1], expAvg: exp } } });
    exp.dispose();
    const loaded = opt2.stateDict();
    expect((loaded.state[1].expAvg as Tensor).dtype).toBe('float32');
    expect((loaded.state[1].expAvg as Tensor).tolistSync()).toEqual((sd.state[1].expAvg as Tensor).tolistSync());
    expect(loaded.state[0].expAvg).not.toBe(sd.state[0].expAvg);
    expect(opt2.paramGroups.map((g) => [g.lr, g.amsgrad])).toEqual([
      [0.1, true],
      [0.5, false],
    ]);
    opt.zeroGrad();
    opt.dispose();
    opt2.dispose();
    for (const t of [w, v, w2, v2]) t.dispose();
  });

  it('rejects a state dict that does not fit, and leaves the optimizer unchanged', () => {
    const { w, v, opt } = trained();
    const sd = opt.stateDict();
    const other = new Adam([tensor([0, 0, 0])]);
    expect(() => other.loadStateDict(sd)).toThrow('Adam.loadStateDict: the state dict has 2 parameter group(s) but this optimizer has 1');
    const w3 = tensor([0, 0]);
    const v3 = tensor([[0, 0]]);
    const wrongShape = new Adam([{ params: [w3] }, { params: [v3] }]);
    expect(() => wrongShape.loadStateDict(sd)).toThrow("Adam.loadStateDict: state 'expAvg' of parameter 0 has shape [3] but the parameter has shape [2]");
    expect(wrongShape.state.size).toBe(0);
    expect(wrongShape.paramGroups[0].amsgrad).toBe(false);
    const sgd = new SGD([{ params: [w] }, { params: [v] }], { lr: 0.1 });
    expect(() => sgd.loadStateDict(sd)).toThrow(
      "SGD.loadStateDict: parameter group 0: unknown option 'betas' (SGD options are: lr, momentum, dampening, nesterov, weightDecay, initialLr)",
    );
    expect(() =>
      opt.loadStateDict({
        state: {},
        paramGroups: [
          { params: [0, 1], lr: 0.1 },
          { params: [], lr: 1 },
        ],
      }),
    ).toThrow(
      'Adam.loadStateDict: parameter group 0 has 2 parameter(s) in the state dict but 1 in this optimizer; build the optimizer with the same parameters as the one that was saved',
    );
    expect(() => unflattenStateDict({ state: { 0: { expAvg: { $tensor: 'state.0.expAvg' } } } }, {})).toThrow(
      "unflattenStateDict: the state dict needs a tensor named 'state.0.expAvg', which is missing (got no tensors)",
    );
    opt.zeroGrad();
    opt.dispose();
    for (const t of [w, v, w3, v3]) t.dispose();
  });

  it('parameter updates from a loaded state continue in noGrad without touching the caller', () => {
    const w = tensor([1], { requiresGrad: true });
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    w.grad = tensor([1]);
    opt.step();
    const sd = opt.stateDict();
    const opt2 = new SGD([w], { lr: 0.1, momentum: 0.9 });
    opt2.loadStateDict(sd);
    opt.dispose(); // frees the first optimizer's buffer; the second has its own copy
    noGrad(() => opt2.step());
    expect((w.tolistSync() as number[])[0]).toBeCloseTo(1 - 0.1 - 0.1 * 1.9, 6);
    opt2.zeroGrad();
    opt2.dispose();
    w.dispose();
  });
});

describe('dtypes and devices', () => {
  it('updates float64 parameters (reference compositions) like float32 ones', () => {
    for (const fx of ['sgd/all', 'adam/amsgrad-weight-decay', 'adamw/amsgrad', 'rmsprop/all', 'adagrad/lr-decay'].map(
      (id) => fixtures().optimizers.find((f) => f.id === id)!,
    )) {
      const p64 = fx.params.map((t) => fromFixture(t).to('float64'));
      const a64 = fx.a.map((t) => fromFixture(t).to('float64'));
      const b64 = fx.b.map((t) => fromFixture(t).to('float64'));
      const opt = makeOptimizer(fx.optimizer, p64, fx.options);
      for (let s = 0; s < fx.steps; s++) {
        opt.zeroGrad();
        p64.forEach((p, i) => (p.grad = tidy(() => a64[i].mul(p).add(b64[i]))));
        opt.step();
      }
      p64.forEach((p, i) => {
        expect(p.dtype).toBe('float64');
        expectTensorClose(p, fx.trajectory[fx.steps - 1][i], { rtol: 1e-4, atol: 1e-5 }, `${fx.id} in float64: parameter ${i}`);
      });
      expect((opt.stateDict().state[0].step as number | undefined) ?? fx.steps).toBe(fx.steps);
      opt.zeroGrad();
      opt.dispose();
      for (const t of [...p64, ...a64, ...b64]) t.dispose();
    }
  });

  it("loadStateDict moves state tensors from another synchronous device to the parameter's", () => {
    registerBackend('cpu-other', () => new CpuBackend());
    const w = tensor([1, 2]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    const buf = tensor([0.5, -0.5], { device: 'cpu-other' });
    opt.loadStateDict({
      state: { 0: { momentumBuffer: buf } },
      paramGroups: [{ params: [0], lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }],
    });
    buf.dispose();
    const mine = opt.state.get(w)!.momentumBuffer as Tensor;
    expect(mine.device.name).toBe('cpu');
    expect(mine.tolistSync()).toEqual([0.5, -0.5]);
    w.grad = tensor([1, 1]);
    opt.step();
    expect(mine.tolistSync()).toEqual([Math.fround(0.45 + 1), Math.fround(-0.45 + 1)]);
    opt.zeroGrad();
    opt.dispose();
    w.dispose();
  });
});
