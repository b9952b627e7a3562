#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of @fackel/optim.

Run with Debian's PyTorch (not a virtualenv python):

    /usr/bin/python3 scripts/gen_optim_fixtures.py

It writes packages/optim/test/fixtures/optim.json (committed), so tests never need Python.
The output is deterministic: the same torch version writes the same bytes.

Format (options are written with Fackel's camelCase names):

    { "generator": ..., "torch": ...,
      "optimizers": [ {
          "id": "adam/amsgrad", "optimizer": "Adam",
          "options": { "lr": 0.01, "amsgrad": true },        # constructor defaults
          "groups": null | [ { "params": [0, 2], "options": { "lr": 0.1 } }, ... ],
          "params": [T, ...],                                # initial values
          "a": [T, ...], "b": [T, ...],                      # gradient of param i: a[i] * p[i] + b[i]
          "skipGrad": [[step, param], ...],                  # (step, param) pairs with grad = None
          "scheduler": null | { "name": "StepLR", "options": {...} },  # stepped after each step
          "steps": 8,
          "trajectory": [ [T per param] per step ],          # parameters after each step
          "lrs": [ [lr per group] per step ],                # group lrs after each step
          "stateDict": {                                     # optimizer.state_dict() at the end:
              "state": { "0": { "step": 8, "expAvg": T, ... } },   # keyed by torch's parameter index
              "paramGroups": [ { "params": [0, 1], "lr": ..., ... } ] } # the options Fackel has
      } ],
      "schedulers": [ {
          "id": "steplr/basic", "lrs": [0.1, 0.02],          # initial lr of each group
          "schedulers": [ { "name": "StepLR", "options": {...} } ],  # applied in order (chained)
                          # SequentialLR's options: { "schedulers": [specs], "milestones": [...] }
          "metrics": null | [numbers],                       # ReduceLROnPlateau.step(metric)
          "steps": 30,
          "lastLr": [ [lr per group] ] } ],                   # after construction, then after each step
      "clip": [ {
          "id": ..., "fn": "clipGradNorm_" | "clipGradValue_",
          "grads": [T | null, ...], "maxNorm": 1.0, "normType": 2 | "inf", "clipValue": 0.5,
          "totalNorm": number, "clipped": [T | null, ...] } ] }
    T = { "shape": [...], "data": [row-major float32 values] }

The gradient is computed the same way in torch and in the tests (`a * p` then `+ b`, both
float32 ops that round correctly), so both sides see the same gradient function.
"""

import json
import math
import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'packages', 'optim', 'test', 'fixtures', 'optim.json')

GEN = torch.Generator().manual_seed(20240611)

OPTIMIZERS = {
    'SGD': torch.optim.SGD,
    'Adam': torch.optim.Adam,
    'AdamW': torch.optim.AdamW,
    'RMSprop': torch.optim.RMSprop,
    'Adagrad': torch.optim.Adagrad,
}

OPTION_NAMES = {
    'lr': 'lr', 'momentum': 'momentum', 'dampening': 'dampening', 'nesterov': 'nesterov',
    'weightDecay': 'weight_decay', 'betas': 'betas', 'eps': 'eps', 'amsgrad': 'amsgrad',
    'alpha': 'alpha', 'centered': 'centered', 'lrDecay': 'lr_decay',
    'initialAccumulatorValue': 'initial_accumulator_value',
    'stepSize': 'step_size', 'gamma': 'gamma', 'milestones': 'milestones', 'tMax': 'T_max',
    'etaMin': 'eta_min', 'mode': 'mode', 'factor': 'factor', 'patience': 'patience',
    'threshold': 'threshold', 'thresholdMode': 'threshold_mode', 'cooldown': 'cooldown',
    'minLr': 'min_lr', 'startFactor': 'start_factor', 'endFactor': 'end_factor', 'totalIters': 'total_iters',
}

# torch's param-group keys that Fackel's optimizers have, and their Fackel names
CAMEL = {'lr': 'lr', 'momentum': 'momentum', 'dampening': 'dampening', 'nesterov': 'nesterov',
         'weight_decay': 'weightDecay', 'betas': 'betas', 'eps': 'eps', 'amsgrad': 'amsgrad', 'alpha': 'alpha',
         'centered': 'centered', 'lr_decay': 'lrDecay', 'initial_accumulator_value': 'initialAccumulatorValue',
         'initial_lr': 'initialLr'}

STATE_NAMES = {
    'step': 'step', 'exp_avg': 'expAvg', 'exp_avg_sq': 'expAvgSq', 'max_exp_avg_sq': 'maxExpAvgSq',
    'momentum_buffer': 'momentumBuffer', 'square_avg': 'squareAvg', 'grad_avg': 'gradAvg', 'sum': 'sum',
}

# LambdaLR functions by name; the tests define the same ones.
LAMBDAS = {
    'pow095': lambda e: 0.95 ** e,
    'inv': lambda e: 1.0 / (e + 1),
    'warmup5': lambda e: min(1.0, (e + 1) / 5),
}


def torch_options(options):
    out = {}
    for k, v in options.items():
        if k == 'lrLambda':
            out['lr_lambda'] = [LAMBDAS[n] for n in v] if isinstance(v, list) else LAMBDAS[v]
        else:
            out[OPTION_NAMES[k]] = tuple(v) if k == 'betas' else v
    return out


def f32(x):
    """The shortest decimal that rounds back to the same float32, as a Python float."""
    return float(repr(np.float32(x)))


def enc(t):
    if t is None:
        return None
    t = t.detach().to(torch.float32).contiguous()
    return {'shape': list(t.shape), 'data': [f32(v) for v in t.reshape(-1).tolist()]}


def randn(*shape):
    return torch.randn(*shape, generator=GEN, dtype=torch.float32)


def uniform(lo, hi, *shape):
    return torch.rand(*shape, generator=GEN, dtype=torch.float32) * (hi - lo) + lo


def make_scheduler(opt, spec):
    name = spec['name']
    cls = getattr(torch.optim.lr_scheduler, name)
    options = spec.get('options', {})
    if name == 'SequentialLR':  # the schedulers it runs are specs too, built first (in order)
        inner = [make_scheduler(opt, s) for s in options['schedulers']]
        return cls(opt, schedulers=inner, milestones=options['milestones'])
    return cls(opt, **torch_options(options))


# --------------------------------------------------------------------------------------
# Optimizers
# --------------------------------------------------------------------------------------

SHAPES = [[3, 4], [5], [2, 1, 3]]


def optimizer_case(cid, name, options, groups=None, steps=8, skip=(), scheduler=None, shapes=None):
    shapes = shapes or SHAPES
    init = [randn(*s) for s in shapes]
    a = [uniform(0.5, 2.0, *s) for s in shapes]
    b = [randn(*s) for s in shapes]
    params = [p.clone().requires_grad_(True) for p in init]
    if groups is None:
        opt = OPTIMIZERS[name](params, **torch_options(options))
    else:
        opt = OPTIMIZERS[name]([dict(params=[params[i] for i in g['params']], **torch_options(g.get('options', {})))
                                for g in groups], **torch_options(options))
    sched = make_scheduler(opt, scheduler) if scheduler else None
    skip = {tuple(s) for s in skip}
    trajectory, lrs = [], []
    for step in range(steps):
        with torch.no_grad():
            for i, p in enumerate(params):
                p.grad = None if (step, i) in skip else (a[i] * p + b[i]).detach()
        opt.step()
        if sched is not None:
            sched.step()
        trajectory.append([enc(p) for p in params])
        lrs.append([g['lr'] for g in opt.param_groups])
    sd = opt.state_dict()
    state = {}
    for k, st in sd['state'].items():
        state[str(k)] = {STATE_NAMES[n]: (float(v) if n == 'step' else enc(v)) for n, v in st.items() if v is not None}
    param_groups = []
    for g in sd['param_groups']:
        out = {CAMEL[k]: (list(v) if isinstance(v, tuple) else v) for k, v in g.items() if k in CAMEL}
        out['params'] = g['params']
        param_groups.append(out)
    return {
        'id': cid, 'optimizer': name, 'options': options, 'groups': groups,
        'params': [enc(p) for p in init], 'a': [enc(x) for x in a], 'b': [enc(x) for x in b],
        'skipGrad': [list(s) for s in sorted(skip)], 'scheduler': scheduler, 'steps': steps,
        'trajectory': trajectory, 'lrs': lrs, 'stateDict': {'state': state, 'paramGroups': param_groups},
    }


def optimizer_cases():
    two_groups = [{'params': [0, 2], 'options': {}}, {'params': [1], 'options': {}}]

    def groups_with(opts0, opts1):
        return [{'params': [0, 2], 'options': opts0}, {'params': [1], 'options': opts1}]

    cases = []
    c = lambda *args, **kw: cases.append(optimizer_case(*args, **kw))
    # SGD
    c('sgd/plain', 'SGD', {'lr': 0.1})
    c('sgd/momentum', 'SGD', {'lr': 0.05, 'momentum': 0.9})
    c('sgd/dampening', 'SGD', {'lr': 0.05, 'momentum': 0.9, 'dampening': 0.3})
    c('sgd/nesterov', 'SGD', {'lr': 0.05, 'momentum': 0.8, 'nesterov': True})
    c('sgd/weight-decay', 'SGD', {'lr': 0.1, 'weightDecay': 0.05})
    c('sgd/all', 'SGD', {'lr': 0.03, 'momentum': 0.7, 'nesterov': True, 'weightDecay': 0.01})
    c('sgd/groups', 'SGD', {'lr': 0.05, 'momentum': 0.9}, groups=groups_with({'lr': 0.1, 'weightDecay': 0.02}, {'momentum': 0.5, 'dampening': 0.1}))
    c('sgd/skip-grad', 'SGD', {'lr': 0.05, 'momentum': 0.9}, skip=[(0, 1), (3, 0), (4, 0), (6, 2)])
    # Adam
    c('adam/default', 'Adam', {})
    c('adam/lr', 'Adam', {'lr': 0.05})
    c('adam/betas-eps', 'Adam', {'lr': 0.02, 'betas': [0.8, 0.95], 'eps': 1e-3})
    c('adam/weight-decay', 'Adam', {'lr': 0.02, 'weightDecay': 0.1})
    c('adam/amsgrad', 'Adam', {'lr': 0.05, 'amsgrad': True}, steps=10)
    c('adam/amsgrad-weight-decay', 'Adam', {'lr': 0.02, 'amsgrad': True, 'weightDecay': 0.05, 'betas': [0.85, 0.9]})
    c('adam/groups', 'Adam', {'lr': 0.01}, groups=groups_with({'lr': 0.05, 'amsgrad': True}, {'betas': [0.5, 0.9], 'weightDecay': 0.1}))
    c('adam/skip-grad', 'Adam', {'lr': 0.03}, skip=[(0, 2), (1, 2), (5, 0)])
    # AdamW
    c('adamw/default', 'AdamW', {})
    c('adamw/weight-decay', 'AdamW', {'lr': 0.02, 'weightDecay': 0.3})
    c('adamw/amsgrad', 'AdamW', {'lr': 0.05, 'amsgrad': True, 'weightDecay': 0.1})
    c('adamw/groups', 'AdamW', {'lr': 0.02}, groups=groups_with({'weightDecay': 0.0}, {'lr': 0.05, 'weightDecay': 0.5, 'eps': 1e-4}))
    # RMSprop
    c('rmsprop/default', 'RMSprop', {})
    c('rmsprop/alpha', 'RMSprop', {'lr': 0.005, 'alpha': 0.9, 'eps': 1e-6})
    c('rmsprop/momentum', 'RMSprop', {'lr': 0.005, 'momentum': 0.9})
    c('rmsprop/centered', 'RMSprop', {'lr': 0.005, 'centered': True})
    c('rmsprop/all', 'RMSprop', {'lr': 0.003, 'alpha': 0.95, 'momentum': 0.5, 'centered': True, 'weightDecay': 0.05})
    c('rmsprop/groups', 'RMSprop', {'lr': 0.01}, groups=groups_with({'momentum': 0.8}, {'centered': True, 'lr': 0.002}))
    # Adagrad
    c('adagrad/default', 'Adagrad', {})
    c('adagrad/lr', 'Adagrad', {'lr': 0.2})
    c('adagrad/lr-decay', 'Adagrad', {'lr': 0.2, 'lrDecay': 0.1})
    c('adagrad/weight-decay', 'Adagrad', {'lr': 0.1, 'weightDecay': 0.1})
    c('adagrad/initial-accumulator', 'Adagrad', {'lr': 0.1, 'initialAccumulatorValue': 0.5, 'eps': 1e-6})
    # (a group's own initial_accumulator_value is ignored by torch, so it is set for all here)
    c('adagrad/groups', 'Adagrad', {'lr': 0.1, 'initialAccumulatorValue': 0.1}, groups=groups_with({'lrDecay': 0.05}, {'lr': 0.3, 'weightDecay': 0.1}))
    # optimizer + scheduler
    c('adam/steplr', 'Adam', {'lr': 0.05}, scheduler={'name': 'StepLR', 'options': {'stepSize': 3, 'gamma': 0.5}})
    c('sgd/cosine', 'SGD', {'lr': 0.1, 'momentum': 0.9}, groups=two_groups,
      scheduler={'name': 'CosineAnnealingLR', 'options': {'tMax': 5, 'etaMin': 0.001}}, steps=10)
    return cases


# --------------------------------------------------------------------------------------
# Schedulers
# --------------------------------------------------------------------------------------

def scheduler_case(cid, specs, lrs=(0.1, 0.02), steps=30, metrics=None):
    params = [torch.zeros(1, requires_grad=True) for _ in lrs]
    opt = torch.optim.SGD([{'params': [p], 'lr': lr} for p, lr in zip(params, lrs)], lr=lrs[0])
    scheds = [make_scheduler(opt, s) for s in specs]
    group_lrs = lambda: [g['lr'] for g in opt.param_groups]
    seq = [group_lrs()]
    for step in range(steps):
        opt.step()
        for s in scheds:
            if metrics is not None:
                s.step(metrics[step])
            else:
                s.step()
        if metrics is None:
            assert scheds[-1].get_last_lr() == group_lrs()
        seq.append(group_lrs())
    return {'id': cid, 'lrs': list(lrs), 'schedulers': specs, 'metrics': metrics, 'steps': steps, 'lastLr': seq}


def scheduler_cases():
    s = lambda name, **options: {'name': name, 'options': options}
    # a noisy loss curve that plateaus, then improves a little, then plateaus again
    plateau = [1.0, 0.8, 0.7, 0.69, 0.7, 0.71, 0.7, 0.72, 0.6, 0.61, 0.6, 0.6, 0.6, 0.59, 0.62,
               0.63, 0.64, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49999, 0.5, 0.5, 0.5]
    accuracy = [0.1, 0.3, 0.35, 0.36, 0.38, 0.37, 0.5, 0.51, 0.52, 0.5, 0.49, 0.55, 0.56, 0.57, 0.56,
                0.58, 0.57, 0.58, 0.57, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.61, 0.6, 0.6, 0.6, 0.6]
    return [
        scheduler_case('steplr/basic', [s('StepLR', stepSize=3, gamma=0.5)]),
        scheduler_case('steplr/default-gamma', [s('StepLR', stepSize=7)]),
        scheduler_case('multisteplr/basic', [s('MultiStepLR', milestones=[2, 5, 5, 9], gamma=0.3)]),
        scheduler_case('multisteplr/unsorted', [s('MultiStepLR', milestones=[12, 4])]),
        scheduler_case('exponentiallr/basic', [s('ExponentialLR', gamma=0.9)]),
        scheduler_case('cosine/eta-min', [s('CosineAnnealingLR', tMax=10, etaMin=0.001)], steps=45),
        scheduler_case('cosine/default', [s('CosineAnnealingLR', tMax=7)], steps=30),
        scheduler_case('lambdalr/one', [s('LambdaLR', lrLambda='pow095')]),
        scheduler_case('lambdalr/per-group', [s('LambdaLR', lrLambda=['warmup5', 'inv'])]),
        scheduler_case('chained/exponential-step', [s('ExponentialLR', gamma=0.95), s('StepLR', stepSize=4, gamma=0.5)]),
        scheduler_case('linearlr/default', [s('LinearLR')], steps=10),
        scheduler_case('linearlr/warmup', [s('LinearLR', startFactor=0.1, totalIters=4)], steps=10),
        scheduler_case('linearlr/decay', [s('LinearLR', startFactor=1.0, endFactor=0.2, totalIters=6)], steps=10),
        scheduler_case('chained/linear-exponential', [s('LinearLR', startFactor=0.5, totalIters=4), s('ExponentialLR', gamma=0.9)], steps=12),
        scheduler_case('sequential/linear-cosine', [s('SequentialLR', schedulers=[s('LinearLR', startFactor=0.01, totalIters=5), s('CosineAnnealingLR', tMax=20, etaMin=1e-4)], milestones=[5])], steps=40),
        scheduler_case('sequential/three', [s('SequentialLR', schedulers=[s('LinearLR', startFactor=0.5, totalIters=3), s('ExponentialLR', gamma=0.9), s('StepLR', stepSize=3, gamma=0.5)], milestones=[4, 10])], steps=20),
        scheduler_case('sequential/lambda-multistep', [s('SequentialLR', schedulers=[s('LambdaLR', lrLambda='warmup5'), s('MultiStepLR', milestones=[0, 3], gamma=0.5)], milestones=[5])], steps=12),
        scheduler_case('plateau/min-rel', [s('ReduceLROnPlateau', patience=2)], metrics=plateau),
        scheduler_case('plateau/min-abs-cooldown', [s('ReduceLROnPlateau', patience=1, thresholdMode='abs', threshold=0.01, cooldown=2, factor=0.5)], metrics=plateau),
        scheduler_case('plateau/max-minlr', [s('ReduceLROnPlateau', mode='max', patience=1, factor=0.2, minLr=[0.001, 0.0015])], metrics=accuracy),
        scheduler_case('plateau/max-abs', [s('ReduceLROnPlateau', mode='max', patience=0, thresholdMode='abs', threshold=0.015, minLr=0.0001)], metrics=accuracy),
    ]


# --------------------------------------------------------------------------------------
# Gradient clipping
# --------------------------------------------------------------------------------------

def clip_case(cid, fn, shapes, scale=1.0, **kw):
    grads = [None if s is None else randn(*s) * scale for s in shapes]
    params = []
    for g in grads:
        p = torch.zeros(g.shape if g is not None else (2,), requires_grad=True)
        p.grad = None if g is None else g.clone()
        params.append(p)
    out = {'id': cid, 'fn': fn, 'grads': [enc(g) for g in grads]}
    if fn == 'clipGradNorm_':
        norm_type = kw['normType']
        total = torch.nn.utils.clip_grad_norm_(params, kw['maxNorm'], norm_type=norm_type)
        out.update({'maxNorm': kw['maxNorm'], 'normType': 'inf' if norm_type == math.inf else norm_type, 'totalNorm': f32(total.item())})
    else:
        torch.nn.utils.clip_grad_value_(params, kw['clipValue'])
        out['clipValue'] = kw['clipValue']
    out['clipped'] = [None if g is None else enc(p.grad) for p, g in zip(params, grads)]
    return out


def clip_cases():
    shapes = [[4, 5], [7], [2, 3, 2]]
    return [
        clip_case('norm/l2', 'clipGradNorm_', shapes, maxNorm=1.0, normType=2.0),
        clip_case('norm/l2-no-clip', 'clipGradNorm_', shapes, maxNorm=100.0, normType=2.0),
        clip_case('norm/l1', 'clipGradNorm_', shapes, maxNorm=2.5, normType=1.0),
        clip_case('norm/inf', 'clipGradNorm_', shapes, maxNorm=0.5, normType=math.inf),
        clip_case('norm/inf-single', 'clipGradNorm_', [[3, 3]], maxNorm=0.5, normType=math.inf),
        clip_case('norm/p3', 'clipGradNorm_', shapes, maxNorm=1.5, normType=3.0),
        clip_case('norm/p0.5', 'clipGradNorm_', shapes, maxNorm=10.0, normType=0.5),
        clip_case('norm/with-none', 'clipGradNorm_', [[3], None, [2, 2]], maxNorm=0.7, normType=2.0),
        clip_case('norm/large', 'clipGradNorm_', [[40, 30], [64]], scale=50.0, maxNorm=5.0, normType=2.0),
        clip_case('value/basic', 'clipGradValue_', shapes, clipValue=0.5),
        clip_case('value/with-none', 'clipGradValue_', [None, [6]], clipValue=1.2),
    ]


def warmup_cosine_cases():
    """AdamW with a linear warm-up and a cosine decay (a GPT's schedule). Drawn after the clipping
    cases, so that adding them left the earlier cases' random numbers unchanged."""
    s = lambda name, **options: {'name': name, 'options': options}
    schedule = s('SequentialLR', schedulers=[s('LinearLR', startFactor=0.1, totalIters=3), s('CosineAnnealingLR', tMax=7, etaMin=1e-4)], milestones=[3])
    return [optimizer_case('adamw/warmup-cosine', 'AdamW', {'lr': 0.05, 'weightDecay': 0.1}, scheduler=schedule, steps=12)]


def main():
    torch.manual_seed(0)
    optimizers = optimizer_cases()
    schedulers = scheduler_cases()
    clip = clip_cases()
    optimizers += warmup_cosine_cases()
    data = {
        'generator': 'scripts/gen_optim_fixtures.py',
        'torch': torch.__version__,
        'optimizers': optimizers,
        'schedulers': schedulers,
        'clip': clip,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = json.dumps(data, separators=(',', ':'), sort_keys=False)
    with open(OUT, 'w') as f:
        f.write(text + '\n')
    print(f"{len(data['optimizers'])} optimizer, {len(data['schedulers'])} scheduler, {len(data['clip'])} clipping cases; "
          f'{len(text) / 1024:.0f} KiB written to {os.path.relpath(OUT, ROOT)}')


if __name__ == '__main__':
    main()
