import { registerCpuBackend } from '@fackel/backend-cpu';
import { tensor, type Tensor } from '@fackel/tensor';
import { describe, expect, it, vi } from 'vitest';
import {
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiStepLR,
  ReduceLROnPlateau,
  SequentialLR,
  SGD,
  StepLR,
  type LRScheduler,
  type LrLambda,
  type SchedulerStateDict,
} from '../src/index.js';
import { errorMessage as err, fixtures, type SchedulerFixture } from './helpers.js';

registerCpuBackend();

// The LambdaLR functions of scripts/gen_optim_fixtures.py.
const LAMBDAS: Record<string, LrLambda> = {
  pow095: (e) => 0.95 ** e,
  inv: (e) => 1 / (e + 1),
  warmup5: (e) => Math.min(1, (e + 1) / 5),
};

type Scheduler = LRScheduler | ReduceLROnPlateau;

function makeScheduler(opt: SGD, spec: SchedulerFixture['schedulers'][number]): Scheduler {
  const o = spec.options as never;
  switch (spec.name) {
    case 'StepLR':
      return new StepLR(opt, o);
    case 'MultiStepLR':
      return new MultiStepLR(opt, o);
    case 'ExponentialLR':
      return new ExponentialLR(opt, o);
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(opt, o);
    case 'LambdaLR': {
      const f = spec.options.lrLambda as string | string[];
      return new LambdaLR(opt, { lrLambda: Array.isArray(f) ? f.map((n) => LAMBDAS[n]) : LAMBDAS[f] });
    }
    case 'LinearLR':
      return new LinearLR(opt, o);
    case 'SequentialLR': {
      const { schedulers, milestones } = spec.options as { schedulers: SchedulerFixture['schedulers']; milestones: number[] };
      return new SequentialLR(opt, { schedulers: schedulers.map((s) => makeScheduler(opt, s) as LRScheduler), milestones });
    }
    case 'ReduceLROnPlateau':
      return new ReduceLROnPlateau(opt, o);
    default:
      throw new Error(`unknown scheduler ${spec.name}`);
  }
}

function setup(fx: SchedulerFixture): { params: Tensor[]; opt: SGD; scheds: Scheduler[] } {
  const params = fx.lrs.map(() => tensor([0]));
  const opt = new SGD(
    params.map((p, i) => ({ params: [p], lr: fx.lrs[i] })),
    { lr: fx.lrs[0] },
  );
  const scheds = fx.schedulers.map((s) => makeScheduler(opt, s));
  return { params, opt, scheds };
}

function advance(fx: SchedulerFixture, opt: SGD, scheds: Scheduler[], step: number): void {
  opt.step();
  for (const s of scheds) {
    if (s instanceof ReduceLROnPlateau) s.step(fx.metrics![step]);
    else s.step();
  }
}

function expectLrs(actual: number[], expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((lr, i) => {
    if (!(Math.abs(lr - expected[i]) <= 1e-12 * Math.abs(expected[i]) + 1e-300)) {
      expect.fail(`${what}: group ${i} has lr ${lr} but PyTorch gives ${expected[i]}`);
    }
  });
}

describe('learning-rate sequences match PyTorch', () => {
  it.each(fixtures().schedulers.map((fx) => [fx.id, fx] as const))('%s', (_id, fx) => {
    const { params, opt, scheds } = setup(fx);
    const last = scheds[scheds.length - 1];
    expectLrs(
      opt.paramGroups.map((g) => g.lr),
      fx.lastLr[0],
      `${fx.id} after construction`,
    );
    expectLrs(last.getLastLr(), fx.lastLr[0], `${fx.id} getLastLr() after construction`);
    for (let s = 0; s < fx.steps; s++) {
      advance(fx, opt, scheds, s);
      expectLrs(
        opt.paramGroups.map((g) => g.lr),
        fx.lastLr[s + 1],
        `${fx.id} after step ${s + 1}`,
      );
      expectLrs(last.getLastLr(), fx.lastLr[s + 1], `${fx.id} getLastLr() after step ${s + 1}`);
    }
    for (const p of params) p.dispose();
  });
});

describe('scheduler state dicts resume exactly', () => {
  it.each(fixtures().schedulers.map((fx) => [fx.id, fx] as const))('%s', (_id, fx) => {
    const k = Math.floor(fx.steps / 3);
    const straight = setup(fx);
    for (let s = 0; s < fx.steps; s++) advance(fx, straight.opt, straight.scheds, s);

    const first = setup(fx);
    for (let s = 0; s < k; s++) advance(fx, first.opt, first.scheds, s);
    const saved = JSON.parse(JSON.stringify({ optimizer: first.opt.stateDict(), schedulers: first.scheds.map((s) => s.stateDict()) })) as {
      optimizer: ReturnType<SGD['stateDict']>;
      schedulers: SchedulerStateDict[];
    };

    const resumed = setup(fx); // constructing the schedulers changes the lrs; the state dicts put them back
    resumed.opt.loadStateDict(saved.optimizer);
    resumed.scheds.forEach((s, i) => s.loadStateDict(saved.schedulers[i]));
    for (let s = k; s < fx.steps; s++) advance(fx, resumed.opt, resumed.scheds, s);

    expect(resumed.opt.paramGroups.map((g) => g.lr)).toEqual(straight.opt.paramGroups.map((g) => g.lr));
    resumed.scheds.forEach((s, i) => expect(s.stateDict()).toEqual(straight.scheds[i].stateDict()));
    for (const p of [...straight.params, ...first.params, ...resumed.params]) p.dispose();
  });
});

describe('scheduler behaviour', () => {
  function sgd(...lrs: number[]): { opt: SGD; params: Tensor[] } {
    const params = lrs.map(() => tensor([0]));
    return {
      opt: new SGD(
        params.map((p, i) => ({ params: [p], lr: lrs[i] })),
        { lr: lrs[0] },
      ),
      params,
    };
  }

  it('records initialLr in each group, and resumes from lastEpoch with it', () => {
    const { opt, params } = sgd(0.1, 0.2);
    const a = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.2]);
    for (let i = 0; i < 3; i++) {
      opt.step();
      a.step();
    }
    expect(a.getLastLr()).toEqual([0.05, 0.1]);
    expect(a.lastEpoch).toBe(3);
    // PyTorch's way of resuming without a state dict: pass lastEpoch
    const b = new StepLR(opt, { stepSize: 2, gamma: 0.5, lastEpoch: 3 });
    expect(b.lastEpoch).toBe(4);
    expect(b.getLastLr()).toEqual([0.025, 0.05]);
    const { opt: fresh } = sgd(0.1);
    expect(() => new ExponentialLR(fresh, { gamma: 0.9, lastEpoch: 5 })).toThrow(
      "ExponentialLR: parameter group 0 has no initialLr, which resuming a schedule (lastEpoch = 5) needs; load the optimizer's state dict first, or start with lastEpoch = -1",
    );
    for (const p of params) p.dispose();
  });

  it('warns once when scheduler.step() comes before optimizer.step(), as PyTorch does', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { opt, params } = sgd(0.1);
    const s = new ExponentialLR(opt, { gamma: 0.5 });
    s.step();
    s.step();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^ExponentialLR\.step\(\) was called before SGD\.step\(\)\. Call optimizer\.step\(\) first/);
    warn.mockClear();
    const { opt: opt2, params: params2 } = sgd(0.1);
    const s2 = new ExponentialLR(opt2, { gamma: 0.5 });
    opt2.step();
    s2.step();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    for (const p of [...params, ...params2]) p.dispose();
  });

  it('ReduceLROnPlateau keeps its best value through JSON (null before the first metric)', () => {
    const { opt, params } = sgd(0.1);
    const s = new ReduceLROnPlateau(opt, { mode: 'max', patience: 0 });
    expect(s.stateDict().best).toBeNull();
    expect(s.getLastLr()).toEqual([0.1]);
    s.step(0.5);
    const t = new ReduceLROnPlateau(opt, { mode: 'max', patience: 0 });
    t.loadStateDict(JSON.parse(JSON.stringify(s.stateDict())));
    expect(t.best).toBe(0.5);
    t.step(0.4);
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.01, 15);
    const u = new ReduceLROnPlateau(opt);
    u.loadStateDict(JSON.parse(JSON.stringify(new ReduceLROnPlateau(opt).stateDict())));
    expect(u.best).toBe(Infinity);
    for (const p of params) p.dispose();
  });

  it('explains bad arguments', () => {
    const { opt, params } = sgd(0.1, 0.2);
    expect(err(() => new StepLR(opt, { stepSize: 0 }))).toBe('StepLR: stepSize must be an integer >= 1, got number 0');
    expect(err(() => new StepLR(opt, { step_size: 3 } as never))).toBe("StepLR: unknown option 'step_size' (options are: stepSize, gamma, lastEpoch)");
    expect(err(() => new StepLR({} as never, { stepSize: 3 }))).toBe('StepLR: the first argument must be an optimizer (such as new SGD(...)), got an object');
    expect(err(() => new LambdaLR(opt, { lrLambda: [(e) => e] }))).toBe('LambdaLR: expected 2 lrLambda function(s), one per parameter group, got 1');
    expect(err(() => new LambdaLR(opt, { lrLambda: () => Number.NaN }))).toBe('LambdaLR: lrLambda returned number NaN for epoch 0; it must return a number');
    expect(err(() => new ReduceLROnPlateau(opt, { factor: 1 }))).toBe('ReduceLROnPlateau: factor must be a finite number < 1, got number 1');
    expect(err(() => new ReduceLROnPlateau(opt, { minLr: [0.1] }))).toBe(
      'ReduceLROnPlateau: minLr must be a list of 2 number(s) (one per parameter group), got an array of length 1',
    );
    expect(err(() => new ReduceLROnPlateau(opt, { mode: 'up' as never }))).toBe("ReduceLROnPlateau: mode must be 'min' or 'max', got \"up\"");
    const plateau = new ReduceLROnPlateau(opt);
    const loss = tensor(1);
    expect(err(() => plateau.step(loss as never))).toBe(
      'ReduceLROnPlateau.step: the metric must be a number, got a tensor of shape []; read it first with await metric.item()',
    );
    const step = new StepLR(opt, { stepSize: 3 });
    expect(err(() => step.loadStateDict(new ExponentialLR(opt, { gamma: 0.5 }).stateDict()))).toBe(
      "StepLR.loadStateDict: the state dict has no 'stepSize'; was it saved from a different scheduler?",
    );
    expect(err(() => step.loadStateDict({ ...step.stateDict(), tMax: 3 }))).toBe(
      "StepLR.loadStateDict: unknown entry 'tMax' (a StepLR state dict has: lastEpoch, baseLrs, lastLr, stepCount, stepSize, gamma); was it saved from a different scheduler?",
    );
    opt.addParamGroup({ params: [tensor([0])] });
    opt.step();
    expect(err(() => step.step())).toBe(
      'StepLR: the optimizer has 3 parameter group(s) but the scheduler was created for 2; create the scheduler after adding all parameter groups',
    );
    loss.dispose();
    for (const p of params) p.dispose();
  });

  it('checks every option before touching the optimizer', () => {
    const { opt, params } = sgd(0.1);
    expect(() => new StepLR(opt, { stepSize: 2, gamma: 'half' as never })).toThrow('StepLR: gamma must be a finite number, got "half"');
    expect(() => new CosineAnnealingLR(opt, { tMax: 1.5 })).toThrow('CosineAnnealingLR: tMax must be an integer >= 1, got number 1.5');
    expect(() => new MultiStepLR(opt, { milestones: [3, -1] })).toThrow('MultiStepLR: milestones[1] must be an integer >= 0, got number -1');
    expect(opt.paramGroups[0].initialLr).toBeUndefined();
    expect(opt.paramGroups[0].lr).toBe(0.1);
    for (const p of params) p.dispose();
  });

  it('LinearLR and SequentialLR explain bad arguments', () => {
    const { opt, params } = sgd(0.1);
    const { opt: other, params: otherParams } = sgd(0.1);
    expect(() => new LinearLR(opt, { startFactor: 0 })).toThrow('LinearLR: startFactor must be a finite number in (0, 1], got number 0');
    expect(() => new LinearLR(opt, { endFactor: 1.5 })).toThrow('LinearLR: endFactor must be a finite number in [0, 1], got number 1.5');
    expect(() => new LinearLR(opt, { totalIters: 0 })).toThrow('LinearLR: totalIters must be an integer >= 1, got number 0');
    expect(() => new LinearLR(opt, { total_iters: 3 } as never)).toThrow(
      "LinearLR: unknown option 'total_iters' (options are: startFactor, endFactor, totalIters, lastEpoch)",
    );
    const warm = new LinearLR(opt, { totalIters: 2 });
    const decay = new ExponentialLR(opt, { gamma: 0.9 });
    expect(() => new SequentialLR(opt, { schedulers: [warm, decay], milestones: [] })).toThrow(
      'SequentialLR: expected 1 milestone(s), one fewer than the 2 scheduler(s), got an array of length 0',
    );
    expect(() => new SequentialLR(opt, { schedulers: [warm, decay], milestones: [0] })).toThrow(
      'SequentialLR: milestones[0] must be an integer >= 1, got number 0',
    );
    expect(() => new SequentialLR(opt, { schedulers: [warm, decay, decay], milestones: [4, 4] })).toThrow('SequentialLR: milestones must increase, got 4, 4');
    expect(() => new SequentialLR(other, { schedulers: [warm, decay], milestones: [2] })).toThrow(
      'SequentialLR: schedulers[0] (LinearLR) schedules a different optimizer; create every scheduler on the optimizer given to SequentialLR',
    );
    expect(() => new SequentialLR(opt, { schedulers: [warm, new ReduceLROnPlateau(opt) as never], milestones: [2] })).toThrow(
      'SequentialLR: schedulers[1] must be an epoch-based scheduler such as LinearLR or CosineAnnealingLR (not ReduceLROnPlateau or SequentialLR), got an object',
    );
    const seq = new SequentialLR(opt, { schedulers: [warm, decay], milestones: [2] });
    const longer = new SequentialLR(opt, { schedulers: [new LinearLR(opt), new ExponentialLR(opt, { gamma: 0.9 })], milestones: [3] });
    expect(() => longer.loadStateDict(seq.stateDict())).toThrow(
      "SequentialLR.loadStateDict: the state dict's milestones [2] differ from this scheduler's [3]; build the SequentialLR the same way before loading its state",
    );
    for (const p of [...params, ...otherParams]) p.dispose();
  });

  it('SequentialLR hands over at each milestone, the next scheduler starting from the initial rate', () => {
    const { opt, params } = sgd(1);
    const seq = new SequentialLR(opt, {
      schedulers: [new LinearLR(opt, { startFactor: 0.25, totalIters: 3 }), new StepLR(opt, { stepSize: 2, gamma: 0.5 })],
      milestones: [4],
    });
    const lrs = [seq.getLastLr()[0]];
    for (let i = 0; i < 8; i++) {
      opt.step();
      seq.step();
      lrs.push(seq.getLastLr()[0]);
    }
    expect(lrs.map((lr) => Number(lr!.toFixed(12)))).toEqual([0.25, 0.5, 0.75, 1, 1, 1, 0.5, 0.5, 0.25]);
    expect(seq.lastEpoch).toBe(8);
    expect(seq.schedulers[1].lastEpoch).toBe(4);
    for (const p of params) p.dispose();
  });
});
