#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of @fackel/testkit.

Run with Debian's PyTorch (not a virtualenv python):

    /usr/bin/python3 scripts/gen_fixtures.py        # or: pnpm fixtures

It writes packages/testkit/fixtures/ops.json (committed), so tests never need Python.
The output is deterministic: the same torch version writes the same bytes.
The format is described in scripts/README.md and packages/testkit/src/types.ts.
"""

import json
import math
import os
import sys
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'packages', 'testkit', 'fixtures')

torch.manual_seed(0)
GEN = torch.Generator().manual_seed(20240601)

TORCH_DTYPE = {'float32': torch.float32, 'int32': torch.int32, 'bool': torch.bool}


def fixture_dtype(dt):
    if dt in (torch.float32, torch.float64, torch.float16):
        if dt != torch.float32:
            raise ValueError(f'unexpected float dtype {dt}')
        return 'float32'
    if dt in (torch.int32, torch.int64, torch.int16, torch.int8, torch.uint8):
        return 'int32'  # Fackel has no int64: torch.long results map to int32
    if dt == torch.bool:
        return 'bool'
    raise ValueError(f'unsupported dtype {dt}')


# --------------------------------------------------------------------------------------
# Input specifications
# --------------------------------------------------------------------------------------

class Spec:
    """A fixture input tensor: base data (row-major) + shape + dtype + view ops."""

    def __init__(self, dtype, shape, data, view=None):
        self.dtype = dtype
        self.shape = list(shape)
        self.data = list(data)
        self.view = list(view or [])
        assert len(self.data) == math.prod(self.shape), (shape, len(self.data))

    def v(self, *ops):
        """A copy with more view ops appended."""
        return Spec(self.dtype, self.shape, self.data, self.view + [list(o) for o in ops])

    def T(self, d0=0, d1=1):
        return self.v(['transpose', d0, d1])

    def base(self):
        return torch.tensor(self.data, dtype=TORCH_DTYPE[self.dtype]).reshape(self.shape)

    def build(self):
        x = self.base()
        for op in self.view:
            x = apply_view(x, op)
        return x

    def to_json(self):
        out = {'dtype': self.dtype, 'shape': self.shape, 'data': encode_values(self.data, self.dtype)}
        if self.view:
            out['view'] = self.view
        return out


def apply_view(x, op):
    kind = op[0]
    if kind == 'transpose':
        return x.transpose(op[1], op[2])
    if kind == 'permute':
        return x.permute(*op[1])
    if kind == 'slice':
        _, dim, start, end, step = op
        idx = [slice(None)] * x.dim()
        idx[dim] = slice(start, end, step)
        return x[tuple(idx)]
    if kind == 'expand':
        return x.expand(*op[1])
    if kind == 'narrow':
        return x.narrow(op[1], op[2], op[3])
    raise ValueError(f'unknown view op {kind}')


def _rnd(n):
    return torch.randn(n, generator=GEN, dtype=torch.float64).tolist()


def _unif(n, lo, hi):
    return (torch.rand(n, generator=GEN, dtype=torch.float64) * (hi - lo) + lo).tolist()


def _avoid(vals, avoid, margin=0.02):
    out = []
    for v in vals:
        for p in avoid:
            if abs(v - p) < margin:
                v = p + (margin * 2 if v >= p else -margin * 2)
        out.append(v)
    return out


def randn(*shape, scale=1.0, shift=0.0, avoid=(), decimals=3):
    n = math.prod(shape)
    vals = [v * scale + shift for v in _rnd(n)]
    vals = _avoid(vals, avoid)
    return Spec('float32', shape, [round(v, decimals) for v in vals])


def unif(lo, hi, *shape, avoid=(), decimals=3):
    n = math.prod(shape)
    vals = _avoid(_unif(n, lo, hi), avoid)
    return Spec('float32', shape, [round(v, decimals) for v in vals])


def away0(*shape, lo=0.25, hi=2.0):
    """Values with |v| in [lo, hi] and random sign (no zeros)."""
    n = math.prod(shape)
    mags = _unif(n, lo, hi)
    signs = _unif(n, -1, 1)
    return Spec('float32', shape, [round(m if s >= 0 else -m, 3) for m, s in zip(mags, signs)])


def distinct(*shape, step=0.125, offset=0.0):
    """Distinct values (a shuffled grid) so that max/min/sort/topk have no ties."""
    n = math.prod(shape)
    perm = torch.randperm(n, generator=GEN).tolist()
    return Spec('float32', shape, [(p - n // 2) * step + offset for p in perm])


def ints(lo, hi, *shape):
    n = math.prod(shape)
    return Spec('int32', shape, torch.randint(lo, hi, (n,), generator=GEN).tolist())


def distinct_ints(*shape, lo=-50):
    n = math.prod(shape)
    perm = torch.randperm(n, generator=GEN).tolist()
    return Spec('int32', shape, [p * 3 + lo for p in perm])


def bools(*shape, p=0.5):
    n = math.prod(shape)
    return Spec('bool', shape, [bool(v < p) for v in _unif(n, 0, 1)])


def lit(values, dtype='float32', shape=None):
    t = torch.tensor(values, dtype=torch.float64 if dtype == 'float32' else None)
    flat = t.reshape(-1).tolist()
    if dtype == 'bool':
        flat = [bool(v) for v in flat]
    elif dtype == 'int32':
        flat = [int(v) for v in flat]
    return Spec(dtype, list(shape if shape is not None else t.shape), flat)


def scalar(v, dtype='float32'):
    return Spec(dtype, [], [v])


# --------------------------------------------------------------------------------------
# Value encoding
# --------------------------------------------------------------------------------------

def encode_float(v):
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    # the shortest decimal that rounds back to the same float32
    return float(str(np.float32(v)))


def encode_values(vals, dtype):
    if dtype == 'float32':
        return [encode_float(float(v)) for v in vals]
    if dtype == 'int32':
        out = [int(v) for v in vals]
        for v in out:
            assert -2**31 <= v < 2**31, v
        return out
    return [bool(v) for v in vals]


def tensor_json(t):
    t = t.detach()
    dtype = fixture_dtype(t.dtype)
    flat = t.contiguous().reshape(-1).tolist()
    return {'dtype': dtype, 'shape': list(t.shape), 'data': encode_values(flat, dtype)}


# --------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------

CASES = []
IDS = set()

# ops that never carry gradients (their outputs are integer/bool or piecewise constant in
# a way Fackel does not differentiate)
NONDIFF = {'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalNot', 'isnan',
           'argmax', 'argmin', 'oneHot', 'detach', 'int', 'bool'}


SCALAR_AS_TENSOR = {'maximum', 'minimum'}


def snake(name):
    return ''.join('_' + c.lower() if c.isupper() else c for c in name)


def is_spec(x):
    return isinstance(x, Spec)


def case(cid, op, inputs, args=(), fn=None, call='method', grad=True, options=None, args_first=False):
    """Adds one case.

    `inputs` are Specs, numbers or lists of Specs; `args` are the trailing Fackel
    arguments (None = omitted/undefined). `fn(*torch_inputs)` computes the torch result;
    without it the torch method/function of the same (snake_case) name is called with
    `args` the same way Fackel is.
    """
    assert cid not in IDS, f'duplicate id {cid}'
    IDS.add(cid)
    args = list(args)

    def build(i):
        if is_spec(i):
            t = i.build()
            if grad and t.dtype == torch.float32:
                t = t.detach().clone() if op.endswith('_') else t.detach().requires_grad_()
            elif op.endswith('_'):
                t = t.clone() if not i.view else t  # in-place on a view writes its base; fine
            return t
        if isinstance(i, list):
            return [build(j) for j in i]
        return i

    def torch_inputs():
        return [build(i) for i in inputs]

    tin = torch_inputs()
    if fn is None and op in SCALAR_AS_TENSOR:
        # torch has no (tensor, number) overload here; a 0-d tensor promotes like a number
        tin = [torch.tensor(t) if isinstance(t, (int, float)) and not isinstance(t, bool) else t for t in tin]
    if fn is None:
        name = snake(op)
        if call == 'method':
            fn = lambda x, *rest: getattr(x, name)(*rest, *args)  # noqa: E731
        elif call == 'function':
            fn = lambda *xs: getattr(torch, name)(*xs, *args)  # noqa: E731
        else:
            raise ValueError('property cases need fn')

    if op == 'fmod' and grad and any(isinstance(t, torch.Tensor) and t.requires_grad for t in tin):
        # d fmod(a, b)/db = -trunc(a / b) jumps where a / b is an integer: stay away from there
        a, b = [t.detach().double() if isinstance(t, torch.Tensor) else torch.tensor(float(t)) for t in tin]
        r = a / b
        assert bool(((r - r.round()).abs() > 1e-3).all()), f'{cid}: a / b too close to an integer'
    result = fn(*tin)
    if op.endswith('_'):
        result = tin[0]  # in-place: the case's output is the mutated first input

    if isinstance(result, torch.Tensor):
        outputs = result
        first = result
    elif hasattr(result, 'values') and hasattr(result, 'indices'):
        outputs = [result.values, result.indices]
        first = result.values
    elif isinstance(result, (list, tuple)):
        outputs = list(result)
        first = outputs[0]
    else:
        raise TypeError(f'{cid}: unexpected result {type(result)}')

    entry = {'id': cid, 'op': op, 'call': call}
    if args_first:
        entry['argsFirst'] = True

    def enc_input(i):
        if is_spec(i):
            return i.to_json()
        if isinstance(i, list):
            return [enc_input(j) for j in i]
        if isinstance(i, bool):
            return i
        if isinstance(i, float):
            return encode_float(i)
        return i

    entry['inputs'] = [enc_input(i) for i in inputs]
    if args:
        entry['args'] = args
    if options is not None:
        entry['options'] = options
    entry['output'] = tensor_json(outputs) if isinstance(outputs, torch.Tensor) else [tensor_json(o) for o in outputs]

    # gradients of sum(first_output * gradOutput) w.r.t. every float tensor input
    leaves = []

    def collect(t):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            leaves.append(t)
        elif isinstance(t, list):
            for u in t:
                collect(u)

    for t in tin:
        collect(t)
    if (grad and op not in NONDIFF and not op.endswith('_') and leaves
            and first.dtype == torch.float32 and first.requires_grad):
        gout = torch.tensor([round(v, 3) for v in _rnd(first.numel())], dtype=torch.float32).reshape(first.shape)
        gs = torch.autograd.grad(first, leaves, gout, allow_unused=True)
        gmap = {id(l): g for l, g in zip(leaves, gs)}

        def enc_grad(t):
            if isinstance(t, list):
                return [enc_grad(u) for u in t]
            if isinstance(t, torch.Tensor) and id(t) in gmap:
                g = gmap[id(t)]
                # None: no path from this input to the output (e.g. the `other` of expandAs)
                return None if g is None else tensor_json(g)
            return None

        entry['gradOutput'] = tensor_json(gout)
        entry['grads'] = [enc_grad(t) for t in tin]
        for g in entry['grads']:
            if isinstance(g, dict):
                assert all(v == v for v in g['data'] if isinstance(v, float)), f'{cid}: NaN gradient'
    CASES.append(entry)


def rdims(d):
    return tuple(d) if isinstance(d, list) else d


def all_dims(x):
    return tuple(range(x.dim()))


# --------------------------------------------------------------------------------------
# Elementwise unary
# --------------------------------------------------------------------------------------

def unary_cases():
    domains = {
        'neg': lambda *s: randn(*s),
        'abs': lambda *s: away0(*s),
        'sign': lambda *s: away0(*s),
        'exp': lambda *s: randn(*s),
        'log': lambda *s: unif(0.1, 4, *s),
        'sqrt': lambda *s: unif(0.1, 4, *s),
        'rsqrt': lambda *s: unif(0.1, 4, *s),
        'reciprocal': lambda *s: away0(*s),
        'square': lambda *s: randn(*s, scale=1.5),
        'tanh': lambda *s: randn(*s, scale=1.5),
        'sigmoid': lambda *s: randn(*s, scale=2),
        'relu': lambda *s: randn(*s, avoid=(0,)),
        'erf': lambda *s: randn(*s),
        'sin': lambda *s: randn(*s, scale=2),
        'cos': lambda *s: randn(*s, scale=2),
        'floor': lambda *s: randn(*s, scale=3, avoid=(-3, -2, -1, 0, 1, 2, 3)),
        'ceil': lambda *s: randn(*s, scale=3, avoid=(-3, -2, -1, 0, 1, 2, 3)),
        'round': lambda *s: randn(*s, scale=3, avoid=(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)),
        'log1p': lambda *s: unif(-0.9, 3, *s),
        'expm1': lambda *s: randn(*s),
        'logicalNot': lambda *s: randn(*s),
    }
    for op, gen in domains.items():
        case(f'{op}/0d', op, [gen()])
        case(f'{op}/1d', op, [gen(7)])
        case(f'{op}/2d', op, [gen(3, 4)])
        case(f'{op}/transposed', op, [gen(3, 4).T()])
        case(f'{op}/sliced-step2', op, [gen(4, 6).v(['slice', 1, 1, 6, 2])])
        case(f'{op}/empty', op, [gen(0, 3)])
        case(f'{op}/function', op, [gen(2, 3)], call='function')
    case('neg/expanded', 'neg', [randn(1, 4).v(['expand', [3, 4]])])
    case('exp/permuted', 'exp', [randn(2, 3, 4).v(['permute', [2, 0, 1]])])
    case('sigmoid/extreme', 'sigmoid', [lit([-100.0, -20.0, 0.0, 20.0, 100.0])])
    case('tanh/extreme', 'tanh', [lit([-50.0, -5.0, 0.0, 5.0, 50.0])])
    case('exp/large', 'exp', [lit([-200.0, 88.0, 89.0, 0.0])], grad=False)
    case('log/zero', 'log', [lit([0.0, 1.0, 2.0])], grad=False)
    case('log1p/tiny', 'log1p', [lit([1e-8, -1e-8, 1e-4, 0.0])])
    case('expm1/tiny', 'expm1', [lit([1e-8, -1e-8, 1e-4, 0.0])])
    case('erf/wide', 'erf', [lit([-6.0, -2.0, -0.5, 0.0, 0.25, 1.0, 3.0, 6.0])])
    case('round/half-to-even', 'round',
         [lit([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999997, -0.49999997, 4.7, -4.7])])
    case('floor/negatives', 'floor', [lit([-2.5, -2.0, -0.1, 0.1, 2.0, 2.5])], grad=False)
    case('ceil/negatives', 'ceil', [lit([-2.5, -2.0, -0.1, 0.1, 2.0, 2.5])], grad=False)
    case('sign/with-zero', 'sign', [lit([-3.0, 0.0, 2.0, -0.5])], grad=False)
    case('reciprocal/zero', 'reciprocal', [lit([0.0, -0.0, 4.0])], grad=False)
    case('rsqrt/zero', 'rsqrt', [lit([0.0, 4.0, 0.25])], grad=False)
    case('sqrt/negative-nan', 'sqrt', [lit([-1.0, 0.0, 4.0])], grad=False)
    # integer inputs
    case('neg/int32', 'neg', [ints(-20, 20, 3, 4)])
    case('abs/int32', 'abs', [ints(-20, 20, 3, 4)])
    case('sign/int32', 'sign', [lit([-5, 0, 7, -1], 'int32')])
    case('square/int32', 'square', [ints(-20, 20, 2, 3)])
    case('relu/int32', 'relu', [ints(-20, 20, 2, 3)])
    case('exp/int32-promotes', 'exp', [ints(-3, 4, 2, 3)])
    case('sqrt/int32-promotes', 'sqrt', [ints(0, 20, 2, 3)])
    case('logicalNot/int32', 'logicalNot', [lit([0, 3, -1, 0], 'int32')])
    case('logicalNot/bool', 'logicalNot', [bools(2, 3)])
    case('logicalNot/float-zeros', 'logicalNot', [lit([0.0, -0.0, 1.5, -2.0])])
    case('isnan/float', 'isnan', [lit([1.0, float('nan'), float('inf'), -float('inf'), 0.0])])
    case('isnan/int32', 'isnan', [lit([1, 2], 'int32')])
    case('isnan/transposed', 'isnan',
         [lit([[1.0, float('nan'), 3.0], [float('nan'), 5.0, 6.0]]).T()])


# --------------------------------------------------------------------------------------
# Elementwise binary
# --------------------------------------------------------------------------------------

def binary_cases():
    # per op: generator for the first and second operand over a shape
    def pos(*s):
        return unif(0.5, 2.0, *s)

    gens = {
        'add': (randn, randn),
        'sub': (randn, randn),
        'mul': (randn, randn),
        'div': (randn, away0),
        'pow': (pos, lambda *s: randn(*s, scale=0.8)),
        # maximum/minimum: two interleaved grids never tie
        'maximum': (lambda *s: distinct(*s), lambda *s: distinct(*s, offset=1 / 16)),
        'minimum': (lambda *s: distinct(*s), lambda *s: distinct(*s, offset=1 / 16)),
        'fmod': (lambda *s: randn(*s, scale=3), lambda *s: away0(*s, lo=0.7, hi=2.0)),
    }
    scalars = {'add': 2.5, 'sub': 2.5, 'mul': -1.5, 'div': 2.5, 'pow': 2, 'maximum': 0.03125,
               'minimum': 0.03125, 'fmod': 1.5}
    firsts = {'add': 2.5, 'sub': 2.5, 'mul': -1.5, 'div': 2.5, 'pow': 2.0, 'maximum': 0.03125,
              'minimum': 0.03125, 'fmod': 1.5}
    for op, (ga, gb) in gens.items():
        case(f'{op}/same-shape', op, [ga(3, 4), gb(3, 4)])
        case(f'{op}/broadcast-row', op, [ga(3, 4), gb(4)])
        case(f'{op}/broadcast-col', op, [ga(3, 4), gb(3, 1)])
        case(f'{op}/broadcast-both', op, [ga(3, 1), gb(1, 4)])
        case(f'{op}/broadcast-3d', op, [ga(2, 1, 4), gb(3, 1)])
        case(f'{op}/0d-with-2d', op, [ga(), gb(2, 3)])
        case(f'{op}/2d-with-0d', op, [ga(2, 3), gb()])
        case(f'{op}/0d-0d', op, [ga(), gb()])
        case(f'{op}/scalar-second', op, [ga(2, 3), scalars[op]])
        if op != 'fmod':  # torch.fmod has no (number, tensor) overload
            case(f'{op}/scalar-first-function', op, [firsts[op], gb(2, 3)], call='function',
                 fn=(lambda o: (lambda a, b: getattr(torch, snake(o))(torch.tensor(a), b)))(op))
        case(f'{op}/function', op, [ga(2, 3), gb(2, 3)], call='function')
        case(f'{op}/transposed', op, [ga(4, 3).T(), gb(3, 4)])
        case(f'{op}/both-transposed', op, [ga(4, 3).T(), gb(4, 3).T()])
        case(f'{op}/expanded', op, [ga(3, 4), gb(1, 4).v(['expand', [3, 4]])])
        case(f'{op}/sliced', op, [ga(3, 8).v(['slice', 1, 0, 8, 2]), gb(6, 4).v(['slice', 0, 1, 6, 2])])
        case(f'{op}/permuted-3d', op, [ga(4, 2, 3).v(['permute', [1, 2, 0]]), gb(3, 4)])
        case(f'{op}/empty', op, [ga(0, 3), gb(3)])
    # alpha (add/sub take `alpha` like torch)
    case('add/alpha', 'add', [randn(2, 3), randn(3)], args=[2.5], fn=lambda a, b: torch.add(a, b, alpha=2.5))
    case('sub/alpha', 'sub', [randn(2, 3), randn(2, 3)], args=[-0.5], fn=lambda a, b: torch.sub(a, b, alpha=-0.5))
    case('sub/alpha-function', 'sub', [randn(2, 3), randn(2, 1)], args=[3], call='function',
         fn=lambda a, b: torch.sub(a, b, alpha=3))
    case('add/alpha-int32', 'add', [ints(-9, 9, 2, 3), ints(-9, 9, 2, 3)], args=[2],
         fn=lambda a, b: torch.add(a, b, alpha=2))
    # integer and mixed dtypes
    case('add/int32', 'add', [ints(-50, 50, 3, 4), ints(-50, 50, 4)])
    case('sub/int32', 'sub', [ints(-50, 50, 3, 4), ints(-50, 50, 3, 4)])
    case('mul/int32', 'mul', [ints(-50, 50, 3, 4), ints(-50, 50, 3, 1)])
    case('add/int32-scalar-int', 'add', [ints(-50, 50, 2, 3), 3])
    case('add/int32-scalar-float', 'add', [ints(-50, 50, 2, 3), 0.5])
    case('mul/int32-float32', 'mul', [ints(-5, 5, 2, 3), randn(2, 3)])
    case('add/float32-int32', 'add', [randn(2, 3), ints(-5, 5, 3)])
    case('sub/scalar-int-first-int32', 'sub', [10, ints(-5, 5, 2, 3)], call='function',
         fn=lambda a, b: torch.sub(torch.tensor(a, dtype=torch.int32), b))
    case('div/int32', 'div', [ints(-20, 20, 3, 4), lit([[3, -4, 5, 7]], 'int32')])
    case('div/int32-scalar-int', 'div', [ints(-20, 20, 2, 3), 4])
    case('div/int32-exact', 'div', [lit([6, -9, 12], 'int32'), lit([3, 3, -4], 'int32')])
    case('div/scalar-first-int32', 'div', [7, lit([2, -3, 4], 'int32')], call='function',
         fn=lambda a, b: torch.div(torch.tensor(a, dtype=torch.int32), b))
    case('pow/int32', 'pow', [ints(-4, 5, 2, 3), lit([0, 1, 3], 'int32')])
    case('pow/int32-scalar', 'pow', [ints(-6, 6, 2, 3), 2])
    case('maximum/int32', 'maximum', [distinct_ints(3, 4), distinct_ints(4, lo=-49)])
    case('minimum/int32', 'minimum', [distinct_ints(3, 4), distinct_ints(4, lo=-49)])
    case('fmod/int32', 'fmod', [lit([7, -7, 7, -7, 0, 9], 'int32'), lit([3, 3, -3, -3, 5, 4], 'int32')])
    case('fmod/signs', 'fmod', [lit([5.5, -5.5, 5.5, -5.5]), lit([2.0, 2.0, -2.0, -2.0])])
    # pow variants
    case('pow/scalar-3-negative-base', 'pow', [randn(2, 3), 3])
    case('pow/scalar-half', 'pow', [unif(0.2, 3, 2, 3), 0.5])
    case('pow/scalar-minus-one', 'pow', [away0(2, 3), -1])
    case('pow/scalar-zero', 'pow', [randn(2, 3), 0])
    case('pow/scalar-1.5', 'pow', [unif(0.2, 3, 2, 3), 1.5])
    case('pow/base-2-function', 'pow', [2, randn(3, 2)], call='function',
         fn=lambda a, b: torch.pow(a, b))
    # division by zero
    case('div/by-zero', 'div', [lit([1.0, -1.0, 0.0]), lit([0.0, 0.0, 0.0])], grad=False)
    case('div/int32-by-zero', 'div', [lit([1, -1, 0], 'int32'), lit([0, 0, 0], 'int32')], grad=False)


def comparison_cases():
    for op in ['eq', 'ne', 'lt', 'le', 'gt', 'ge']:
        # small integer-valued floats so that equality actually happens
        a = lambda *s: Spec('float32', s, [float(v) for v in ints(-2, 3, *s).data])  # noqa: E731
        case(f'{op}/same-shape', op, [a(3, 4), a(3, 4)])
        case(f'{op}/broadcast', op, [a(3, 1), a(4)])
        case(f'{op}/scalar', op, [a(2, 3), 1.0])
        case(f'{op}/scalar-first-function', op, [1.0, a(2, 3)], call='function',
             fn=(lambda o: (lambda s, b: getattr(torch, o)(torch.tensor(s), b)))(op))
        case(f'{op}/int32', op, [ints(-2, 3, 3, 4), ints(-2, 3, 4)])
        case(f'{op}/int32-float32', op, [ints(-2, 3, 2, 3), lit([0.5, 1.0, -1.0])])
        case(f'{op}/transposed', op, [a(4, 3).T(), a(3, 4)])
        case(f'{op}/0d', op, [a(), a()])
        case(f'{op}/empty', op, [a(0, 2), a(2)])
        case(f'{op}/function', op, [a(2, 3), a(2, 3)], call='function')
    case('eq/bool', 'eq', [bools(2, 3), bools(2, 3)])
    case('ne/bool', 'ne', [bools(2, 3), bools(3)])
    case('lt/bool', 'lt', [bools(2, 3), bools(2, 3)])
    case('eq/int32-scalar', 'eq', [ints(0, 3, 2, 3), 2])
    for op in ['logicalAnd', 'logicalOr']:
        case(f'{op}/bool', op, [bools(3, 4), bools(3, 4)])
        case(f'{op}/bool-broadcast', op, [bools(3, 1), bools(4)])
        case(f'{op}/float', op, [lit([0.0, 1.5, -0.0, 2.0]), lit([3.0, 0.0, 1.0, -1.0])])
        case(f'{op}/int32-bool', op, [lit([0, 2, 0, -3], 'int32'), lit([True, True, False, False], 'bool')])
        case(f'{op}/transposed', op, [bools(4, 3).T(), bools(3, 4)])
        case(f'{op}/function', op, [bools(2, 3), bools(2, 3)], call='function')
        case(f'{op}/empty', op, [bools(0, 3), bools(3)])


def clamp_where_cases():
    x = lambda *s: randn(*s, avoid=(-0.5, 0.5))  # noqa: E731
    case('clamp/both', 'clamp', [x(3, 4)], args=[-0.5, 0.5])
    case('clamp/min-only', 'clamp', [x(3, 4)], args=[-0.5], fn=lambda t: t.clamp(min=-0.5))
    case('clamp/max-only', 'clamp', [x(3, 4)], args=[None, 0.5], fn=lambda t: t.clamp(max=0.5))
    case('clamp/0d', 'clamp', [scalar(1.25)], args=[-0.5, 0.5])
    case('clamp/transposed', 'clamp', [x(4, 3).T()], args=[-0.5, 0.5])
    case('clamp/empty', 'clamp', [x(0, 2)], args=[-0.5, 0.5])
    case('clamp/int32', 'clamp', [ints(-20, 20, 3, 4)], args=[-5, 5])
    case('clamp/int32-min-only', 'clamp', [ints(-20, 20, 3, 4)], args=[0], fn=lambda t: t.clamp(min=0))
    case('clamp/function', 'clamp', [x(2, 3)], args=[-0.5, 0.5], call='function')

    case('where/same-shape', 'where', [bools(3, 4), randn(3, 4), randn(3, 4)], call='function')
    case('where/broadcast', 'where', [bools(3, 1), randn(3, 4), randn(4)], call='function')
    case('where/broadcast-cond', 'where', [bools(2, 3, 4), randn(3, 4), randn(1, 4)], call='function')
    case('where/scalar-b', 'where', [bools(3, 4), randn(3, 4), 0.0], call='function')
    case('where/scalar-a', 'where', [bools(3, 4), -1.5, randn(3, 4)], call='function')
    case('where/int32', 'where', [bools(3, 4), ints(-9, 9, 3, 4), ints(-9, 9, 4)], call='function')
    case('where/int32-scalar', 'where', [bools(3, 4), ints(-9, 9, 3, 4), 0], call='function')
    case('where/transposed', 'where', [bools(4, 3).T(), randn(4, 3).T(), randn(3, 4)], call='function')
    case('where/0d', 'where', [scalar(True, 'bool'), scalar(1.5), scalar(-2.0)], call='function')
    case('where/empty', 'where', [bools(0, 3), randn(0, 3), randn(3)], call='function')

    case('maskedFill/same-shape', 'maskedFill', [randn(3, 4), bools(3, 4)], args=[0.0])
    case('maskedFill/broadcast-mask', 'maskedFill', [randn(3, 4), bools(4)], args=[-1e9])
    case('maskedFill/transposed', 'maskedFill', [randn(4, 3).T(), bools(3, 4)], args=[2.5])
    case('maskedFill/int32', 'maskedFill', [ints(-9, 9, 3, 4), bools(3, 1)], args=[7])
    case('maskedFill/inf', 'maskedFill', [randn(2, 3), bools(2, 3)], args=['-inf'],
         fn=lambda t, m: t.masked_fill(m, float('-inf')), grad=False)
    case('maskedFill/0d', 'maskedFill', [scalar(1.5), scalar(True, 'bool')], args=[0.0])
    case('maskedFill/empty', 'maskedFill', [randn(0, 3), bools(3)], args=[0.0])


# --------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------

def red(x, name, dim, keepdim, **kw):
    f = getattr(torch, name)
    if dim is None:
        if keepdim:
            return f(x, dim=all_dims(x), keepdim=True, **kw)
        return f(x, **kw)
    return f(x, dim=rdims(dim), keepdim=keepdim, **kw)


def reduction_cases():
    for op, gen in [('sum', randn), ('mean', randn), ('prod', lambda *s: away0(*s, lo=0.5, hi=1.5))]:
        def add(cid, x, dim=None, keepdim=None, grad=True, o=op):
            args = [] if dim is None and keepdim is None else [dim, keepdim] if keepdim is not None else [dim]
            if o == 'prod' and isinstance(dim, list):
                # torch.prod has no multi-dim overload: reduce one dim at a time
                def fn(t, d=dim, k=keepdim):
                    for dd in sorted([dd % t.dim() for dd in d], reverse=True):
                        t = t.prod(dd, keepdim=bool(k))
                    return t
            elif o == 'prod' and dim is None and keepdim:
                def fn(t):
                    for dd in reversed(range(t.dim())):
                        t = t.prod(dd, keepdim=True)
                    return t
            else:
                fn = lambda t, d=dim, k=keepdim: red(t, o, d, bool(k))  # noqa: E731
            case(f'{o}/{cid}', o, [x], args=args, fn=fn, grad=grad)

        add('all', gen(3, 4))
        add('all-keepdim', gen(3, 4), None, True)
        add('dim0', gen(3, 4), 0)
        add('dim1', gen(3, 4), 1)
        add('dim-neg1-keepdim', gen(3, 4), -1, True)
        add('dim1-3d', gen(2, 3, 4), 1)
        add('dims-0-2', gen(2, 3, 4), [0, 2])
        add('dims-neg-keepdim', gen(2, 3, 4), [-1, 0], True)
        add('all-dims-list', gen(2, 3, 4), [0, 1, 2])
        add('transposed-dim0', gen(4, 3).T(), 0)
        add('permuted-dim2', gen(2, 3, 4).v(['permute', [2, 0, 1]]), 2)
        add('sliced', gen(4, 6).v(['slice', 1, 0, 6, 3]), 1)
        add('expanded', gen(1, 4).v(['expand', [3, 4]]), 0)
        add('0d', gen())
        add('0d-dim0', gen(), 0)
        add('1d', gen(9), 0)
        add('empty-all', gen(0, 3))
        add('empty-dim0', gen(0, 3), 0)
        add('empty-dim1', gen(0, 3), 1)
        add('large-row', gen(2, 300), 1)
    case('sum/int32', 'sum', [ints(-50, 50, 3, 4)], args=[1])
    case('sum/int32-all', 'sum', [ints(-50, 50, 3, 4)])
    case('sum/bool-count', 'sum', [bools(3, 4)], args=[1])
    case('sum/bool-all', 'sum', [bools(3, 4)])
    case('prod/int32', 'prod', [ints(-3, 4, 2, 4)], args=[1], fn=lambda t: t.prod(1))
    case('prod/with-zero', 'prod', [lit([[1.5, 0.0, 2.0], [3.0, -1.0, 0.5]])], args=[1],
         fn=lambda t: t.prod(1))

    # max / min
    for op in ['max', 'min']:
        case(f'{op}/all', op, [distinct(3, 4)])
        case(f'{op}/all-transposed', op, [distinct(4, 3).T()])
        case(f'{op}/all-int32', op, [distinct_ints(3, 4)])
        case(f'{op}/all-0d', op, [scalar(2.5)])
        case(f'{op}/dim0', op, [distinct(3, 4)], args=[0])
        case(f'{op}/dim1-keepdim', op, [distinct(3, 4)], args=[1, True])
        case(f'{op}/dim-neg1', op, [distinct(2, 3, 4)], args=[-1])
        case(f'{op}/dim1-3d', op, [distinct(2, 3, 4)], args=[1])
        case(f'{op}/dim0-transposed', op, [distinct(4, 3).T()], args=[0])
        case(f'{op}/dim1-sliced', op, [distinct(3, 8).v(['slice', 1, 1, 8, 2])], args=[1])
        case(f'{op}/dim-int32', op, [distinct_ints(3, 4)], args=[1])
        case(f'{op}/dim-0d', op, [scalar(2.5)], args=[0])
        case(f'{op}/dim-empty-other', op, [randn(0, 3)], args=[1])
        case(f'{op}/large-row', op, [distinct(2, 300, step=0.01)], args=[1])
    # amax / amin: reductions without indices over one or several dims
    for op in ['amax', 'amin']:
        f = getattr(torch, op)
        case(f'{op}/all', op, [distinct(3, 4)], fn=lambda t, f=f: f(t, dim=(0, 1)))
        case(f'{op}/dim1', op, [distinct(3, 4)], args=[1], fn=lambda t, f=f: f(t, 1))
        case(f'{op}/dims-keepdim', op, [distinct(2, 3, 4)], args=[[0, -1], True],
             fn=lambda t, f=f: f(t, (0, -1), True))
        case(f'{op}/transposed', op, [distinct(4, 3).T()], args=[0], fn=lambda t, f=f: f(t, 0))
        case(f'{op}/int32', op, [distinct_ints(3, 4)], args=[0], fn=lambda t, f=f: f(t, 0))
    for op in ['argmax', 'argmin']:
        case(f'{op}/all', op, [distinct(3, 4)])
        case(f'{op}/dim0', op, [distinct(3, 4)], args=[0])
        case(f'{op}/dim1-keepdim', op, [distinct(3, 4)], args=[1, True])
        case(f'{op}/dim-neg1-3d', op, [distinct(2, 3, 4)], args=[-1])
        case(f'{op}/transposed', op, [distinct(4, 3).T()], args=[1])
        case(f'{op}/int32', op, [distinct_ints(3, 4)], args=[0])
        case(f'{op}/ties-first', op, [lit([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0]])], args=[1])
        case(f'{op}/all-transposed', op, [distinct(4, 3).T()])

    # logsumexp
    case('logsumexp/dim1', 'logsumexp', [randn(3, 4)], args=[1])
    case('logsumexp/dim0-keepdim', 'logsumexp', [randn(3, 4)], args=[0, True])
    case('logsumexp/dim-neg1-3d', 'logsumexp', [randn(2, 3, 4)], args=[-1])
    case('logsumexp/dims-list', 'logsumexp', [randn(2, 3, 4)], args=[[0, 2]],
         fn=lambda t: torch.logsumexp(t, (0, 2)))
    case('logsumexp/large-values', 'logsumexp', [lit([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0]])],
         args=[1])
    case('logsumexp/transposed', 'logsumexp', [randn(4, 3).T()], args=[1])
    case('logsumexp/neg-inf-row', 'logsumexp', [lit([[float('-inf'), 0.0], [1.0, 2.0]])], args=[1], grad=False)

    # var / std
    for op in ['var', 'std']:
        def vs(t, dim=None, unbiased=True, keepdim=False, o=op):
            f = getattr(torch, o)
            if dim is None:
                if keepdim:
                    return f(t, dim=all_dims(t), unbiased=unbiased, keepdim=True)
                return f(t, unbiased=unbiased)
            return f(t, dim=rdims(dim), unbiased=unbiased, keepdim=keepdim)

        x = lambda *s: randn(*s, shift=0.5)  # noqa: E731
        case(f'{op}/all', op, [x(3, 4)], fn=lambda t, f=vs: f(t))
        case(f'{op}/all-biased', op, [x(3, 4)], args=[None, False], fn=lambda t, f=vs: f(t, None, False))
        case(f'{op}/dim1', op, [x(3, 4)], args=[1], fn=lambda t, f=vs: f(t, 1))
        case(f'{op}/dim1-biased', op, [x(3, 4)], args=[1, False], fn=lambda t, f=vs: f(t, 1, False))
        case(f'{op}/dim0-keepdim', op, [x(3, 4)], args=[0, True, True], fn=lambda t, f=vs: f(t, 0, True, True))
        case(f'{op}/dim-neg1-3d', op, [x(2, 3, 4)], args=[-1], fn=lambda t, f=vs: f(t, -1))
        case(f'{op}/dims-0-2-biased-keepdim', op, [x(2, 3, 4)], args=[[0, 2], False, True],
             fn=lambda t, f=vs: f(t, [0, 2], False, True))
        case(f'{op}/transposed', op, [x(4, 3).T()], args=[1], fn=lambda t, f=vs: f(t, 1))
        case(f'{op}/large-row', op, [x(2, 300)], args=[1], fn=lambda t, f=vs: f(t, 1))
        case(f'{op}/offset-mean', op, [randn(2, 50, scale=0.1, shift=100)], args=[1],
             fn=lambda t, f=vs: f(t, 1))

    # norm(p, dim, keepdim) = torch.linalg.vector_norm
    def nrm(t, p=2, dim=None, keepdim=False):
        return torch.linalg.vector_norm(t, ord=p, dim=rdims(dim), keepdim=keepdim)

    xn = lambda *s: away0(*s, lo=0.1, hi=2.0)  # noqa: E731
    case('norm/default', 'norm', [xn(3, 4)], fn=lambda t: nrm(t))
    for p in [1, 2, 3]:
        case(f'norm/p{p}-all', 'norm', [xn(3, 4)], args=[p], fn=lambda t, p=p: nrm(t, p))
        case(f'norm/p{p}-dim1', 'norm', [xn(3, 4)], args=[p, 1], fn=lambda t, p=p: nrm(t, p, 1))
        case(f'norm/p{p}-dim0-keepdim', 'norm', [xn(3, 4)], args=[p, 0, True],
             fn=lambda t, p=p: nrm(t, p, 0, True))
        case(f'norm/p{p}-dims-list', 'norm', [xn(2, 3, 4)], args=[p, [0, -1]],
             fn=lambda t, p=p: nrm(t, p, [0, -1]))
        case(f'norm/p{p}-transposed', 'norm', [xn(4, 3).T()], args=[p, -1],
             fn=lambda t, p=p: nrm(t, p, -1))
    case('norm/p2-all-keepdim', 'norm', [xn(3, 4)], args=[2, None, True],
         fn=lambda t: nrm(t, 2, [0, 1], True))
    case('norm/empty', 'norm', [randn(0, 3)], args=[2, 0], fn=lambda t: nrm(t, 2, 0), grad=False)

    # cumsum
    case('cumsum/1d', 'cumsum', [randn(7)], args=[0])
    case('cumsum/dim0', 'cumsum', [randn(3, 4)], args=[0])
    case('cumsum/dim1', 'cumsum', [randn(3, 4)], args=[1])
    case('cumsum/dim-neg1-3d', 'cumsum', [randn(2, 3, 4)], args=[-1])
    case('cumsum/dim1-3d', 'cumsum', [randn(2, 3, 4)], args=[1])
    case('cumsum/transposed', 'cumsum', [randn(4, 3).T()], args=[1])
    case('cumsum/int32', 'cumsum', [ints(-9, 9, 3, 4)], args=[1])
    case('cumsum/bool', 'cumsum', [bools(2, 5)], args=[1])
    case('cumsum/0d', 'cumsum', [scalar(2.5)], args=[0])
    case('cumsum/empty', 'cumsum', [randn(0, 3)], args=[1])
    case('cumsum/long', 'cumsum', [randn(300)], args=[0])

    # sort / topk (no ties)
    case('sort/default', 'sort', [distinct(3, 5)])
    case('sort/descending', 'sort', [distinct(3, 5)], args=[-1, True])
    case('sort/dim0', 'sort', [distinct(4, 3)], args=[0])
    case('sort/dim1-3d-descending', 'sort', [distinct(2, 4, 3)], args=[1, True])
    case('sort/transposed', 'sort', [distinct(5, 3).T()], args=[-1])
    case('sort/int32', 'sort', [distinct_ints(3, 5)], args=[1, True])
    case('sort/1d', 'sort', [distinct(9)])
    case('sort/0d', 'sort', [scalar(1.5)])
    case('sort/empty', 'sort', [randn(0, 3)], args=[0])
    case('sort/long-row', 'sort', [distinct(2, 200, step=0.01)])
    # ties: Fackel's sort is stable (torch.sort(stable=True)), also when descending
    ties = [[2.0, 1.0, 2.0, 0.0, 1.0, 2.0], [0.5, 0.5, 0.5, -1.0, 0.5, -1.0]]
    case('sort/ties-stable', 'sort', [lit(ties)], fn=lambda t: torch.sort(t, stable=True), grad=False)
    case('sort/ties-stable-descending', 'sort', [lit(ties)], args=[-1, True],
         fn=lambda t: torch.sort(t, dim=-1, descending=True, stable=True), grad=False)
    case('topk/k2', 'topk', [distinct(3, 5)], args=[2])
    case('topk/k1-dim0', 'topk', [distinct(4, 3)], args=[1, 0])
    case('topk/k3-dim-neg1-3d', 'topk', [distinct(2, 3, 5)], args=[3, -1])
    case('topk/k-all', 'topk', [distinct(2, 4)], args=[4])
    case('topk/k0', 'topk', [distinct(2, 4)], args=[0])
    case('topk/transposed', 'topk', [distinct(5, 3).T()], args=[2, 1])
    case('topk/int32', 'topk', [distinct_ints(3, 5)], args=[2])
    case('topk/1d', 'topk', [distinct(8)], args=[3])


# --------------------------------------------------------------------------------------
# Linear algebra
# --------------------------------------------------------------------------------------

def linalg_cases():
    mm = [
        ('1d-1d', [4], [4]),
        ('1d-2d', [4], [4, 3]),
        ('2d-1d', [3, 4], [4]),
        ('2d-2d', [3, 4], [4, 5]),
        ('3d-3d', [2, 3, 4], [2, 4, 5]),
        ('3d-2d', [2, 3, 4], [4, 5]),
        ('2d-3d', [3, 4], [2, 4, 5]),
        ('1d-3d', [4], [2, 4, 3]),
        ('3d-1d', [2, 3, 4], [4]),
        ('broadcast-batch', [2, 1, 3, 4], [5, 4, 2]),
        ('broadcast-batch-both', [3, 1, 2, 4], [1, 2, 4, 3]),
        ('1x1', [1, 1], [1, 1]),
        ('inner-empty', [2, 0], [0, 3]),
        ('outer-empty', [0, 3], [3, 2]),
        ('batch-empty', [0, 2, 3], [3, 2]),
        ('large', [8, 32], [32, 16]),
    ]
    for name, sa, sb in mm:
        case(f'matmul/{name}', 'matmul', [randn(*sa), randn(*sb)])
    case('matmul/function', 'matmul', [randn(3, 4), randn(4, 2)], call='function')
    case('matmul/function-batched', 'matmul', [randn(2, 1, 3, 4), randn(5, 4, 2)], call='function')
    case('matmul/a-transposed', 'matmul', [randn(4, 3).T(), randn(4, 5)])
    case('matmul/b-transposed', 'matmul', [randn(3, 4), randn(5, 4).T()])
    case('matmul/both-transposed-batched', 'matmul', [randn(2, 4, 3).T(1, 2), randn(2, 5, 4).T(1, 2)])
    case('matmul/expanded-batch', 'matmul', [randn(1, 3, 4).v(['expand', [2, 3, 4]]), randn(2, 4, 2)])
    case('matmul/sliced', 'matmul', [randn(3, 8).v(['slice', 1, 0, 8, 2]), randn(4, 3)])
    case('matmul/permuted', 'matmul', [randn(3, 2, 4).v(['permute', [1, 0, 2]]), randn(4, 3)])
    case('matmul/0-batch-broadcast', 'matmul', [randn(2, 3), randn(4, 1, 3, 2)])
    case('bmm/basic', 'bmm', [randn(2, 3, 4), randn(2, 4, 5)])
    case('bmm/function', 'bmm', [randn(3, 2, 2), randn(3, 2, 4)], call='function')
    case('bmm/transposed', 'bmm', [randn(2, 4, 3).T(1, 2), randn(2, 5, 4).T(1, 2)])
    case('bmm/batch-transposed', 'bmm', [randn(3, 2, 4).v(['permute', [1, 0, 2]]), randn(2, 4, 3)])
    case('bmm/expanded', 'bmm', [randn(1, 3, 4).v(['expand', [2, 3, 4]]), randn(2, 4, 2)])
    case('bmm/empty-batch', 'bmm', [randn(0, 3, 4), randn(0, 4, 2)])
    case('t/2d', 't', [randn(3, 4)])
    case('t/transposed', 't', [randn(3, 4).T()])
    case('t/1d', 't', [randn(4)])
    case('mT/2d', 'mT', [randn(3, 4)], call='property', fn=lambda x: x.mT)
    case('mT/3d', 'mT', [randn(2, 3, 4)], call='property', fn=lambda x: x.mT)
    case('mT/4d-permuted', 'mT', [randn(2, 3, 4, 5).v(['permute', [1, 0, 3, 2]])], call='property',
         fn=lambda x: x.mT)


# --------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------

def view_cases():
    case('reshape/2d-to-1d', 'reshape', [randn(3, 4)], args=[[12]])
    case('reshape/infer', 'reshape', [randn(3, 4)], args=[[2, -1]])
    case('reshape/to-3d', 'reshape', [randn(3, 4)], args=[[2, 3, 2]])
    case('reshape/transposed-copies', 'reshape', [randn(3, 4).T()], args=[[12]])
    case('reshape/to-0d', 'reshape', [randn(1, 1)], args=[[]])
    case('reshape/from-0d', 'reshape', [scalar(1.5)], args=[[1, 1]])
    case('reshape/empty', 'reshape', [randn(0, 4)], args=[[2, 0, 2]])
    case('reshape/expanded', 'reshape', [randn(1, 3).v(['expand', [2, 3]])], args=[[6]])
    case('reshape/int32', 'reshape', [ints(0, 9, 2, 3)], args=[[3, 2]])
    case('view/contiguous', 'view', [randn(3, 4)], args=[[4, 3]])
    case('view/infer', 'view', [randn(2, 3, 4)], args=[[-1, 4]])
    case('transpose/2d', 'transpose', [randn(3, 4)], args=[0, 1])
    case('transpose/3d-neg', 'transpose', [randn(2, 3, 4)], args=[-1, 0])
    case('transpose/same-dim', 'transpose', [randn(2, 3)], args=[1, 1])
    case('transpose/of-transposed', 'transpose', [randn(3, 4).T()], args=[0, 1])
    case('permute/3d', 'permute', [randn(2, 3, 4)], args=[[2, 0, 1]])
    case('permute/neg-dims', 'permute', [randn(2, 3, 4)], args=[[-1, -3, -2]])
    case('permute/identity', 'permute', [randn(2, 3)], args=[[0, 1]])
    case('permute/bool', 'permute', [bools(2, 3)], args=[[1, 0]])
    case('narrow/dim0', 'narrow', [randn(5, 3)], args=[0, 1, 3])
    case('narrow/dim-neg1', 'narrow', [randn(3, 5)], args=[-1, 2, 2])
    case('narrow/zero-length', 'narrow', [randn(3, 5)], args=[1, 2, 0])
    case('narrow/transposed', 'narrow', [randn(3, 5).T()], args=[0, 1, 2])

    def sl(x, dim, start, end, step):
        idx = [slice(None)] * x.dim()
        idx[dim] = slice(start, end, step)
        return x[tuple(idx)]

    for cid, shape, args in [
        ('dim0', (6, 3), [0, 1, 4]),
        ('step2', (3, 7), [1, 0, 7, 2]),
        ('step3-start1', (3, 8), [1, 1, 8, 3]),
        ('no-end', (3, 6), [1, 2]),
        ('start-only-none', (6, 2), [0, None, 3]),
        ('negative-start', (3, 6), [1, -3]),
        ('negative-end', (6, 3), [0, 1, -1]),
        ('end-past', (4, 3), [0, 2, 100]),
        ('empty-result', (4, 3), [0, 3, 2]),
        ('dim-neg1-step2', (2, 3, 5), [-1, 0, 5, 2]),
    ]:
        a = args + [None] * (4 - len(args))
        step = a[3] if a[3] is not None else 1
        case(f'slice/{cid}', 'slice', [randn(*shape)], args=args,
             fn=lambda x, a=a, step=step: sl(x, a[0], a[1], a[2], step))
    case('slice/transposed', 'slice', [randn(6, 4).T()], args=[1, 1, 6, 2],
         fn=lambda x: x[:, 1:6:2])
    case('select/dim0', 'select', [randn(3, 4)], args=[0, 1])
    case('select/dim1-neg-index', 'select', [randn(3, 4)], args=[1, -1])
    case('select/dim-neg1-3d', 'select', [randn(2, 3, 4)], args=[-1, 2])
    case('select/1d-to-0d', 'select', [randn(5)], args=[0, 3])
    case('select/transposed', 'select', [randn(3, 4).T()], args=[0, 2])
    case('expand/row', 'expand', [randn(1, 4)], args=[[3, 4]])
    case('expand/keep-minus1', 'expand', [randn(3, 1)], args=[[-1, 4]])
    case('expand/new-leading', 'expand', [randn(3)], args=[[2, 4, 3]])
    case('expand/0d', 'expand', [scalar(2.5)], args=[[2, 3]])
    case('expand/to-empty', 'expand', [randn(1, 3)], args=[[0, 3]])
    case('expand/transposed', 'expand', [randn(3, 1).T()], args=[[2, 1, 3]])
    case('expandAs/basic', 'expandAs', [randn(3, 1), randn(3, 4)])
    case('expandAs/new-dims', 'expandAs', [randn(4), randn(2, 3, 4)])
    case('squeeze/all', 'squeeze', [randn(1, 3, 1, 2)])
    case('squeeze/dim', 'squeeze', [randn(1, 3, 1, 2)], args=[2])
    case('squeeze/dim-neg', 'squeeze', [randn(3, 1)], args=[-1])
    case('squeeze/non-size-1-noop', 'squeeze', [randn(3, 2)], args=[0])
    case('squeeze/to-0d', 'squeeze', [randn(1, 1)])
    case('unsqueeze/dim0', 'unsqueeze', [randn(3, 4)], args=[0])
    case('unsqueeze/middle', 'unsqueeze', [randn(3, 4)], args=[1])
    case('unsqueeze/neg1', 'unsqueeze', [randn(3, 4)], args=[-1])
    case('unsqueeze/0d', 'unsqueeze', [scalar(2.0)], args=[0])
    case('unsqueeze/transposed', 'unsqueeze', [randn(3, 4).T()], args=[1])
    case('flatten/all', 'flatten', [randn(2, 3, 4)])
    case('flatten/start1', 'flatten', [randn(2, 3, 4)], args=[1])
    case('flatten/0-1', 'flatten', [randn(2, 3, 4)], args=[0, 1])
    case('flatten/neg', 'flatten', [randn(2, 3, 4, 2)], args=[-3, -2])
    case('flatten/0d', 'flatten', [scalar(1.0)])
    case('flatten/transposed', 'flatten', [randn(3, 4).T()])
    case('unflatten/dim1', 'unflatten', [randn(2, 6)], args=[1, [2, 3]])
    case('unflatten/infer', 'unflatten', [randn(12, 2)], args=[0, [3, -1]])
    case('unflatten/neg-dim', 'unflatten', [randn(2, 6)], args=[-1, [3, 2]])
    case('contiguous/transposed', 'contiguous', [randn(3, 4).T()])
    case('contiguous/sliced', 'contiguous', [randn(4, 6).v(['slice', 1, 1, 6, 2])])
    case('contiguous/expanded', 'contiguous', [randn(1, 3).v(['expand', [2, 3]])])
    case('contiguous/already', 'contiguous', [randn(2, 3)])
    case('detach/basic', 'detach', [randn(2, 3)])
    case('clone/basic', 'clone', [randn(2, 3)])
    case('clone/transposed', 'clone', [randn(3, 2).T()])
    case('clone/int32', 'clone', [ints(-9, 9, 2, 3)])
    case('clone/bool-expanded', 'clone', [bools(1, 3).v(['expand', [2, 3]])])


# --------------------------------------------------------------------------------------
# Indexing and joining
# --------------------------------------------------------------------------------------

def indexing_cases():
    def gather(x, dim, idx):
        return torch.gather(x, dim, idx.long())

    case('gather/dim1', 'gather', [randn(3, 4), lit([[0, 3], [1, 1], [2, 0]], 'int32')], args=[1],
         args_first=True, fn=lambda x, i: gather(x, 1, i))
    case('gather/dim0', 'gather', [randn(3, 4), lit([[2, 0, 1, 1], [0, 0, 2, 1]], 'int32')], args=[0],
         args_first=True, fn=lambda x, i: gather(x, 0, i))
    case('gather/dim-neg1-3d', 'gather', [randn(2, 3, 4), ints(0, 4, 2, 3, 5)], args=[-1],
         args_first=True, fn=lambda x, i: gather(x, -1, i))
    case('gather/index-smaller', 'gather', [randn(4, 5), ints(0, 5, 2, 3)], args=[1],
         args_first=True, fn=lambda x, i: gather(x, 1, i))
    case('gather/transposed', 'gather', [randn(4, 3).T(), lit([[3, 0], [1, 2], [0, 0]], 'int32')], args=[1],
         args_first=True, fn=lambda x, i: gather(x, 1, i))
    case('gather/index-transposed', 'gather', [randn(3, 4), lit([[0, 1, 2], [3, 3, 0]], 'int32').T()],
         args=[1], args_first=True, fn=lambda x, i: gather(x, 1, i))
    case('gather/int32-values', 'gather', [ints(-9, 9, 3, 4), lit([[1], [0], [3]], 'int32')], args=[1],
         args_first=True, fn=lambda x, i: gather(x, 1, i))
    case('gather/empty-index', 'gather', [randn(3, 4), Spec('int32', [3, 0], [])], args=[1],
         args_first=True, fn=lambda x, i: gather(x, 1, i))

    def isel(x, dim, idx):
        return torch.index_select(x, dim, idx.long())

    case('indexSelect/dim0', 'indexSelect', [randn(4, 3), lit([2, 0, 2], 'int32')], args=[0],
         args_first=True, fn=lambda x, i: isel(x, 0, i))
    case('indexSelect/dim1', 'indexSelect', [randn(3, 5), lit([4, 1], 'int32')], args=[1],
         args_first=True, fn=lambda x, i: isel(x, 1, i))
    case('indexSelect/dim-neg1-3d', 'indexSelect', [randn(2, 3, 4), lit([3, 3, 0, 1, 2], 'int32')], args=[-1],
         args_first=True, fn=lambda x, i: isel(x, -1, i))
    case('indexSelect/transposed', 'indexSelect', [randn(5, 3).T(), lit([0, 4], 'int32')], args=[1],
         args_first=True, fn=lambda x, i: isel(x, 1, i))
    case('indexSelect/empty-index', 'indexSelect', [randn(4, 3), Spec('int32', [0], [])], args=[0],
         args_first=True, fn=lambda x, i: isel(x, 0, i))
    case('indexSelect/int32-values', 'indexSelect', [ints(0, 99, 4, 2), lit([3, 1], 'int32')], args=[0],
         args_first=True, fn=lambda x, i: isel(x, 0, i))
    case('indexSelect/1d', 'indexSelect', [randn(6), lit([5, 0, 0, 3], 'int32')], args=[0],
         args_first=True, fn=lambda x, i: isel(x, 0, i))

    def sadd(x, dim, idx, src):
        return torch.scatter_add(x, dim, idx.long(), src)

    case('scatterAdd/dim1', 'scatterAdd',
         [randn(3, 4), lit([[0, 0, 3], [1, 2, 1], [3, 3, 3]], 'int32'), randn(3, 3)], args=[1],
         args_first=True, fn=lambda x, i, s: sadd(x, 1, i, s))
    case('scatterAdd/dim0', 'scatterAdd',
         [randn(3, 4), lit([[2, 0, 1, 1], [2, 2, 0, 1]], 'int32'), randn(2, 4)], args=[0],
         args_first=True, fn=lambda x, i, s: sadd(x, 0, i, s))
    case('scatterAdd/zeros-base', 'scatterAdd',
         [Spec('float32', [5], [0.0] * 5), lit([0, 4, 4, 1, 0, 4], 'int32'), randn(6)], args=[0],
         args_first=True, fn=lambda x, i, s: sadd(x, 0, i, s))
    case('scatterAdd/dim-neg1-3d', 'scatterAdd', [randn(2, 2, 3), ints(0, 3, 2, 2, 4), randn(2, 2, 4)],
         args=[-1], args_first=True, fn=lambda x, i, s: sadd(x, -1, i, s))
    case('scatterAdd/transposed-base', 'scatterAdd',
         [randn(4, 3).T(), lit([[0, 3], [1, 1], [2, 0]], 'int32'), randn(3, 2)], args=[1],
         args_first=True, fn=lambda x, i, s: sadd(x, 1, i, s))
    case('scatterAdd/int32', 'scatterAdd',
         [Spec('int32', [4], [0] * 4), lit([0, 1, 1, 3, 3, 3], 'int32'), Spec('int32', [6], [1] * 6)],
         args=[0], args_first=True, fn=lambda x, i, s: sadd(x, 0, i, s))

    # cat / stack
    case('cat/dim0', 'cat', [[randn(2, 3), randn(1, 3), randn(3, 3)]], args=[0], call='function')
    case('cat/dim1', 'cat', [[randn(2, 3), randn(2, 1)]], args=[1], call='function')
    case('cat/dim-neg1-3d', 'cat', [[randn(2, 3, 2), randn(2, 3, 4)]], args=[-1], call='function')
    case('cat/default-dim', 'cat', [[randn(1, 2), randn(2, 2)]], call='function')
    case('cat/with-empty', 'cat', [[randn(2, 3), randn(0, 3), randn(1, 3)]], args=[0], call='function')
    case('cat/single', 'cat', [[randn(2, 3)]], args=[1], call='function')
    case('cat/transposed', 'cat', [[randn(3, 2).T(), randn(2, 2)]], args=[1], call='function')
    case('cat/expanded', 'cat', [[randn(1, 3).v(['expand', [2, 3]]), randn(1, 3)]], args=[0], call='function')
    case('cat/int32', 'cat', [[ints(0, 9, 2, 2), ints(0, 9, 2, 3)]], args=[1], call='function')
    case('cat/bool', 'cat', [[bools(2), bools(3)]], args=[0], call='function')
    case('cat/1d', 'cat', [[randn(2), randn(3), randn(1)]], call='function')
    case('stack/dim0', 'stack', [[randn(2, 3), randn(2, 3), randn(2, 3)]], args=[0], call='function')
    case('stack/dim1', 'stack', [[randn(2, 3), randn(2, 3)]], args=[1], call='function')
    case('stack/dim-neg1', 'stack', [[randn(2, 3), randn(2, 3)]], args=[-1], call='function')
    case('stack/default-dim', 'stack', [[randn(3), randn(3)]], call='function')
    case('stack/0d', 'stack', [[scalar(1.0), scalar(2.0), scalar(3.0)]], call='function')
    case('stack/transposed', 'stack', [[randn(3, 2).T(), randn(2, 3)]], args=[1], call='function')
    case('stack/int32', 'stack', [[ints(0, 9, 2), ints(0, 9, 2)]], args=[1], call='function')
    case('stack/empty', 'stack', [[randn(0, 2), randn(0, 2)]], args=[1], call='function')

    # split / chunk (a list output; gradients are those of the first piece)
    case('split/size-even', 'split', [randn(6, 2)], args=[2])
    case('split/size-uneven', 'split', [randn(7, 2)], args=[3])
    case('split/sizes-dim1', 'split', [randn(2, 6)], args=[[1, 3, 2], 1])
    case('split/size-dim-neg1', 'split', [randn(2, 3, 5)], args=[2, -1])
    case('split/sizes-with-zero', 'split', [randn(4, 2)], args=[[0, 3, 1]])
    case('split/transposed', 'split', [randn(5, 3).T()], args=[2, 1])
    case('split/int32', 'split', [ints(0, 9, 5)], args=[2])
    case('split/size-larger', 'split', [randn(3, 2)], args=[5])
    case('chunk/even', 'chunk', [randn(6, 2)], args=[3])
    case('chunk/uneven', 'chunk', [randn(7, 2)], args=[3])
    case('chunk/fewer-than-asked', 'chunk', [randn(6, 2)], args=[4])
    case('chunk/dim1', 'chunk', [randn(2, 5)], args=[2, 1])
    case('chunk/dim-neg1', 'chunk', [randn(2, 3, 4)], args=[2, -1])
    case('chunk/more-than-size', 'chunk', [randn(2, 3)], args=[5])

    # oneHot
    def oh(t, n):
        return F.one_hot(t.long(), n)

    case('oneHot/1d', 'oneHot', [lit([0, 2, 1, 3], 'int32')], args=[4], call='function',
         fn=lambda t: oh(t, 4))
    case('oneHot/2d', 'oneHot', [lit([[0, 2], [1, 1], [4, 0]], 'int32')], args=[5], call='function',
         fn=lambda t: oh(t, 5))
    case('oneHot/0d', 'oneHot', [scalar(2, 'int32')], args=[3], call='function', fn=lambda t: oh(t, 3))
    case('oneHot/empty', 'oneHot', [Spec('int32', [0], [])], args=[3], call='function',
         fn=lambda t: oh(t, 3))
    case('oneHot/transposed', 'oneHot', [lit([[0, 1, 2], [2, 1, 0]], 'int32').T()], args=[3],
         call='function', fn=lambda t: oh(t, 3))

    # softmax / logSoftmax
    for op, f in [('softmax', torch.softmax), ('logSoftmax', torch.log_softmax)]:
        case(f'{op}/dim1', op, [randn(3, 4)], args=[1], fn=lambda x, f=f: f(x, 1))
        case(f'{op}/dim0', op, [randn(3, 4)], args=[0], fn=lambda x, f=f: f(x, 0))
        case(f'{op}/dim-neg1-3d', op, [randn(2, 3, 4)], args=[-1], fn=lambda x, f=f: f(x, -1))
        case(f'{op}/dim1-3d', op, [randn(2, 3, 4)], args=[1], fn=lambda x, f=f: f(x, 1))
        case(f'{op}/1d', op, [randn(5)], args=[0], fn=lambda x, f=f: f(x, 0))
        case(f'{op}/transposed', op, [randn(4, 3).T()], args=[1], fn=lambda x, f=f: f(x, 1))
        case(f'{op}/large-values', op, [lit([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0]])],
             args=[1], fn=lambda x, f=f: f(x, 1))
        case(f'{op}/neg-inf', op, [lit([[float('-inf'), 0.0, 1.0], [2.0, float('-inf'), 0.5]])],
             args=[1], fn=lambda x, f=f: f(x, 1), grad=False)
        case(f'{op}/empty', op, [randn(0, 3)], args=[1], fn=lambda x, f=f: f(x, 1))
        case(f'{op}/long-row', op, [randn(2, 200, scale=3)], args=[1], fn=lambda x, f=f: f(x, 1))

    # fused softmax with cross-entropy: the per-row loss for class-index targets
    def ce(ignore=-100):
        return lambda x, t: F.cross_entropy(x, t.long(), reduction='none', ignore_index=ignore)
    case('softmaxCrossEntropy/basic', 'softmaxCrossEntropy', [randn(4, 5), lit([0, 4, 2, 1], 'int32')],
         call='function', fn=ce())
    case('softmaxCrossEntropy/ignored-rows', 'softmaxCrossEntropy',
         [randn(5, 3), lit([0, -100, 2, 1, -100], 'int32')], call='function', fn=ce())
    case('softmaxCrossEntropy/ignore-class', 'softmaxCrossEntropy', [randn(4, 3), lit([0, 1, 2, 1], 'int32')],
         args=[{'ignoreIndex': 1}], call='function', fn=ce(1))
    case('softmaxCrossEntropy/large-logits', 'softmaxCrossEntropy',
         [lit([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]]), lit([1, 1], 'int32')], call='function', fn=ce())
    case('softmaxCrossEntropy/transposed', 'softmaxCrossEntropy', [randn(6, 4).T(), lit([5, 0, 3, 1], 'int32')],
         call='function', fn=ce())


# --------------------------------------------------------------------------------------
# Casts, in-place ops, creation
# --------------------------------------------------------------------------------------

def cast_cases():
    trunc = lit([-2.7, -1.5, -0.5, 0.0, 0.5, 1.5, 2.7, 100.9, -100.9])
    case('to/float-to-int32-truncates', 'to', [trunc], args=['int32'], fn=lambda x: x.to(torch.int32))
    case('to/float-to-bool', 'to', [lit([0.0, -0.0, 0.5, -2.0, 3.0])], args=['bool'],
         fn=lambda x: x.to(torch.bool))
    case('to/int32-to-float32', 'to', [ints(-9, 9, 2, 3)], args=['float32'], fn=lambda x: x.to(torch.float32))
    case('to/int32-to-bool', 'to', [lit([0, 1, -3, 0], 'int32')], args=['bool'], fn=lambda x: x.to(torch.bool))
    case('to/bool-to-int32', 'to', [bools(2, 3)], args=['int32'], fn=lambda x: x.to(torch.int32))
    case('to/bool-to-float32', 'to', [bools(2, 3)], args=['float32'], fn=lambda x: x.to(torch.float32))
    case('to/float32-same', 'to', [randn(2, 3)], args=['float32'], fn=lambda x: x.to(torch.float32))
    case('to/transposed-to-int32', 'to', [randn(3, 2, scale=5).T()], args=['int32'],
         fn=lambda x: x.to(torch.int32))
    case('to/empty', 'to', [randn(0, 2)], args=['int32'], fn=lambda x: x.to(torch.int32))
    case('float/from-int32', 'float', [ints(-9, 9, 2, 3)])
    case('float/from-bool', 'float', [bools(3)])
    case('float/from-float', 'float', [randn(2, 3)])
    case('float/expanded-int32', 'float', [ints(-9, 9, 1, 3).v(['expand', [2, 3]])])
    case('int/from-float', 'int', [trunc])
    case('int/from-bool', 'int', [bools(2, 3)])
    case('int/0d', 'int', [scalar(-3.99)])
    case('bool/from-int32', 'bool', [lit([0, 5, -1, 0], 'int32')])
    case('bool/from-float', 'bool', [lit([0.0, 1e-30, -0.0, 2.0])])
    case('bool/transposed', 'bool', [lit([[0.0, 1.0, 2.0], [3.0, 0.0, 0.0]]).T()])


def inplace_cases():
    # the case's output is the first input after the call (Fackel returns `this`)
    case('copy_/same-shape', 'copy_', [randn(2, 3), randn(2, 3)])
    case('copy_/broadcast-src', 'copy_', [randn(2, 3), randn(3)])
    case('copy_/into-transposed', 'copy_', [randn(3, 2).T(), randn(2, 3)])
    case('copy_/from-transposed', 'copy_', [randn(2, 3), randn(3, 2).T()])
    case('copy_/int32', 'copy_', [ints(0, 9, 2, 2), ints(0, 9, 2, 2)])
    case('fill_/float', 'fill_', [randn(2, 3)], args=[1.5])
    case('fill_/int32', 'fill_', [ints(0, 9, 2, 3)], args=[7])
    case('fill_/sliced', 'fill_', [randn(3, 6).v(['slice', 1, 0, 6, 2])], args=[-2.0])
    case('zero_/float', 'zero_', [randn(2, 3)])
    case('zero_/transposed', 'zero_', [randn(3, 2).T()])
    case('add_/tensor', 'add_', [randn(2, 3), randn(2, 3)])
    case('add_/alpha', 'add_', [randn(2, 3), randn(2, 3)], args=[-0.5],
         fn=lambda a, b: a.add_(b, alpha=-0.5))
    case('add_/broadcast', 'add_', [randn(2, 3), randn(3)])
    case('add_/scalar', 'add_', [randn(2, 3), 1.5])
    case('add_/transposed', 'add_', [randn(3, 2).T(), randn(2, 3)])
    case('sub_/tensor', 'sub_', [randn(2, 3), randn(2, 3)])
    case('sub_/scalar', 'sub_', [randn(2, 3), 0.25])
    case('mul_/tensor', 'mul_', [randn(2, 3), randn(2, 1)])
    case('mul_/scalar', 'mul_', [randn(2, 3), -2.0])
    case('div_/tensor', 'div_', [randn(2, 3), away0(2, 3)])
    case('div_/scalar', 'div_', [randn(2, 3), 4.0])
    case('clamp_/both', 'clamp_', [randn(3, 4)], args=[-0.5, 0.5])
    case('clamp_/transposed', 'clamp_', [randn(4, 3).T()], args=[-0.5, 0.5])
    case('maskedFill_/broadcast', 'maskedFill_', [randn(2, 3), bools(3)], args=[-1.0],
         fn=lambda t, m: t.masked_fill_(m, -1.0))
    case('sub_/alpha', 'sub_', [randn(2, 3), randn(2, 3)], args=[2.0], fn=lambda a, b: a.sub_(b, alpha=2.0))
    case('add_/int32', 'add_', [ints(0, 9, 2, 3), ints(0, 9, 2, 3)])


def creation_cases():
    def c(cid, op, args, fn, options=None, inputs=()):
        case(cid, op, list(inputs), args=args, call='function', fn=fn, options=options, grad=False)

    c('zeros/2d', 'zeros', [[2, 3]], lambda: torch.zeros(2, 3), {})
    c('zeros/int32', 'zeros', [[3]], lambda: torch.zeros(3, dtype=torch.int32), {'dtype': 'int32'})
    c('zeros/0d', 'zeros', [[]], lambda: torch.zeros([]), {})
    c('zeros/empty', 'zeros', [[0, 2]], lambda: torch.zeros(0, 2), {})
    c('ones/2d', 'ones', [[2, 3]], lambda: torch.ones(2, 3), {})
    c('ones/bool', 'ones', [[2]], lambda: torch.ones(2, dtype=torch.bool), {'dtype': 'bool'})
    c('full/float', 'full', [[2, 2], 2.5], lambda: torch.full((2, 2), 2.5), {})
    c('full/int32', 'full', [[3], 7], lambda: torch.full((3,), 7, dtype=torch.int32), {'dtype': 'int32'})
    c('full/neg-inf', 'full', [[2], '-inf'], lambda: torch.full((2,), float('-inf')), {})
    c('zerosLike/float', 'zerosLike', [], lambda x: torch.zeros_like(x), inputs=[randn(2, 3)])
    c('zerosLike/int32', 'zerosLike', [], lambda x: torch.zeros_like(x), inputs=[ints(0, 9, 3)])
    c('onesLike/transposed', 'onesLike', [], lambda x: torch.ones_like(x), inputs=[randn(3, 2).T()])
    c('fullLike/float', 'fullLike', [-1.25], lambda x: torch.full_like(x, -1.25), inputs=[randn(2, 2)])
    c('fullLike/int32', 'fullLike', [4], lambda x: torch.full_like(x, 4), inputs=[ints(0, 9, 2)])
    c('arange/end-float32', 'arange', [5], lambda: torch.arange(5, dtype=torch.float32), {'dtype': 'float32'})
    c('arange/end-int32', 'arange', [5], lambda: torch.arange(5, dtype=torch.int32), {'dtype': 'int32'})
    c('arange/default-dtype-int', 'arange', [4], lambda: torch.arange(4), {})
    c('arange/default-dtype-float', 'arange', [0, 1, 0.25], lambda: torch.arange(0, 1, 0.25), {})
    c('arange/start-end-step', 'arange', [1, 8, 2], lambda: torch.arange(1, 8, 2, dtype=torch.float32),
      {'dtype': 'float32'})
    c('arange/negative-step', 'arange', [5, 0, -1.5], lambda: torch.arange(5, 0, -1.5), {})
    c('arange/empty', 'arange', [0], lambda: torch.arange(0, dtype=torch.float32), {'dtype': 'float32'})
    c('linspace/0-1', 'linspace', [0, 1, 5], lambda: torch.linspace(0, 1, 5), {})
    c('linspace/neg', 'linspace', [-2, 3, 6], lambda: torch.linspace(-2, 3, 6), {})
    c('linspace/one-step', 'linspace', [-1, 1, 1], lambda: torch.linspace(-1, 1, 1), {})
    c('eye/square', 'eye', [3], lambda: torch.eye(3), {})
    c('eye/rect', 'eye', [2, 4], lambda: torch.eye(2, 4), {})
    c('eye/tall', 'eye', [4, 2], lambda: torch.eye(4, 2), {})


def nan_cases():
    nan, inf = float('nan'), float('inf')
    x = lit([[1.0, nan, 3.0], [-1.0, 0.5, 2.0]])
    case('nan/max-all', 'max', [x], grad=False)
    case('nan/min-all', 'min', [x], grad=False)
    case('nan/max-dim', 'max', [x], args=[1], grad=False)
    case('nan/min-dim', 'min', [x], args=[1], grad=False)
    case('nan/max-dim0', 'max', [lit([[1.0, 2.0], [nan, 0.0], [3.0, nan]])], args=[0], grad=False)
    case('nan/argmax', 'argmax', [x], args=[1], grad=False)
    case('nan/argmin', 'argmin', [x], args=[1], grad=False)
    case('nan/sum', 'sum', [x], args=[1], grad=False)
    case('nan/maximum', 'maximum', [lit([nan, 1.0, nan, -inf]), lit([0.0, nan, nan, 2.0])], grad=False)
    case('nan/minimum', 'minimum', [lit([nan, 1.0, nan, inf]), lit([0.0, nan, nan, 2.0])], grad=False)
    for op in ['eq', 'ne', 'lt', 'le', 'gt', 'ge']:
        case(f'nan/{op}', op, [lit([nan, nan, 1.0, inf, -inf]), lit([nan, 1.0, nan, inf, inf])])
    case('nan/eq-scalar-nan', 'eq', [lit([nan, 1.0]), nan])
    case('nan/ne-scalar-nan', 'ne', [lit([nan, 1.0]), nan])
    case('nan/clamp', 'clamp', [lit([nan, -5.0, 5.0])], args=[-1.0, 1.0], grad=False)
    case('nan/relu', 'relu', [lit([nan, -1.0, 1.0])], grad=False)
    case('nan/to-bool', 'to', [lit([nan, 0.0])], args=['bool'], fn=lambda t: t.to(torch.bool))
    case('nan/where', 'where', [lit([True, False], 'bool'), lit([nan, nan]), lit([1.0, 2.0])],
         call='function', grad=False)
    case('nan/softmax-inf', 'softmax', [lit([[inf, 0.0], [1.0, 2.0]])], args=[1],
         fn=lambda t: torch.softmax(t, 1), grad=False)
    case('inf/exp', 'exp', [lit([inf, -inf, 0.0])], grad=False)
    case('inf/sigmoid', 'sigmoid', [lit([inf, -inf, 0.0])], grad=False)
    case('inf/tanh', 'tanh', [lit([inf, -inf, 0.0])], grad=False)
    case('inf/sum', 'sum', [lit([inf, -inf, 1.0])], grad=False)
    case('inf/max', 'max', [lit([[-inf, -inf], [inf, 1.0]])], args=[1], grad=False)
    case('nan/sort', 'sort', [lit([3.0, nan, -1.0, 2.0])], grad=False)
    case('nan/cumsum', 'cumsum', [lit([1.0, nan, 2.0])], args=[0], grad=False)
    case('nan/fmod-by-zero', 'fmod', [lit([1.0, -1.0, 0.0]), 0.0], grad=False)
    case('nan/maskedFill-nan', 'maskedFill', [lit([1.0, 2.0]), lit([True, False], 'bool')], args=['nan'],
         fn=lambda t, m: t.masked_fill(m, nan), grad=False)


# --------------------------------------------------------------------------------------
# Elementwise unary ops added later. Their cases come after all others, so that adding one
# leaves every earlier case (and its random inputs) byte for byte the same. One line per op:
# its input domain and the torch function (None: the torch method of the same name).
# --------------------------------------------------------------------------------------

LATER_UNARY = {
    'atan': (lambda *s: randn(*s, scale=2), None),
    'asin': (lambda *s: unif(-0.95, 0.95, *s), None),
    'acos': (lambda *s: unif(-0.95, 0.95, *s), None),
    'sinh': (lambda *s: randn(*s, scale=2), None),
    'cosh': (lambda *s: randn(*s, scale=2), None),
    'log2': (lambda *s: unif(0.1, 4, *s), None),
    'exp2': (lambda *s: randn(*s, scale=2), None),
    'softplus': (lambda *s: randn(*s, scale=3), F.softplus),
    'gelu': (lambda *s: randn(*s, scale=2), F.gelu),
    'silu': (lambda *s: randn(*s, scale=2), F.silu),
}


def later_unary_cases():
    for op, (gen, fn) in LATER_UNARY.items():
        case(f'{op}/0d', op, [gen()], fn=fn)
        case(f'{op}/1d', op, [gen(7)], fn=fn)
        case(f'{op}/2d', op, [gen(3, 4)], fn=fn)
        case(f'{op}/transposed', op, [gen(3, 4).T()], fn=fn)
        case(f'{op}/sliced-step2', op, [gen(4, 6).v(['slice', 1, 1, 6, 2])], fn=fn)
        case(f'{op}/empty', op, [gen(0, 3)], fn=fn)
        case(f'{op}/function', op, [gen(2, 3)], call='function', fn=fn)
        if fn is None:  # torch's activations take no integer tensors
            case(f'{op}/int32-promotes', op, [ints(1, 4, 2, 3)])
    # case ids name the op-table entry they exercise: gelu's tanh form is the entry geluTanh
    tanh_form = lambda t: F.gelu(t, approximate='tanh')  # noqa: E731
    case('geluTanh/2d', 'gelu', [randn(3, 4, scale=2)], options={'approximate': 'tanh'}, fn=tanh_form)
    case('geluTanh/transposed', 'gelu', [randn(3, 4, scale=2).T()], options={'approximate': 'tanh'}, fn=tanh_form)
    case('geluTanh/function', 'gelu', [randn(2, 3, scale=2)], options={'approximate': 'tanh'}, call='function', fn=tanh_form)
    case('geluTanh/wide', 'gelu', [lit([-8.0, -3.0, -0.5, 0.0, 0.5, 3.0, 8.0])], options={'approximate': 'tanh'}, fn=tanh_form)
    case('gelu/none-explicit', 'gelu', [randn(2, 3, scale=2)], options={'approximate': 'none'}, fn=F.gelu)
    case('gelu/wide', 'gelu', [lit([-8.0, -3.0, -0.5, 0.0, 0.5, 3.0, 8.0])], fn=F.gelu)
    case('softplus/threshold', 'softplus', [lit([-30.0, -1.0, 0.0, 1.0, 19.5, 20.5, 30.0])], fn=F.softplus)
    case('softplus/beta-threshold', 'softplus', [randn(3, 4, scale=3)], options={'beta': 2, 'threshold': 4},
         fn=lambda t: F.softplus(t, beta=2, threshold=4))
    case('softplus/beta-half', 'softplus', [randn(2, 5, scale=3)], options={'beta': 0.5}, call='function',
         fn=lambda t: F.softplus(t, beta=0.5))
    case('silu/wide', 'silu', [lit([-30.0, -5.0, -1.0, 0.0, 1.0, 5.0, 30.0])], fn=F.silu)
    case('sinh/wide', 'sinh', [lit([-5.0, -1e-3, 0.0, 1e-4, 3.0, 5.0])], fn=None)
    case('cosh/wide', 'cosh', [lit([-5.0, -1e-3, 0.0, 1e-4, 3.0, 5.0])], fn=None)
    case('asin/edges', 'asin', [lit([-1.0, -0.5, 0.0, 0.5, 1.0, 1.5])], grad=False)
    case('acos/edges', 'acos', [lit([-1.0, -0.5, 0.0, 0.5, 1.0, 1.5])], grad=False)
    case('log2/powers', 'log2', [lit([0.0, 0.125, 1.0, 8.0, 1024.0, -1.0])], grad=False)
    case('exp2/integers', 'exp2', [lit([-10.0, -1.0, 0.0, 1.0, 10.0, 127.0, 128.0])], grad=False)


def main():
    unary_cases()
    binary_cases()
    comparison_cases()
    clamp_where_cases()
    reduction_cases()
    linalg_cases()
    view_cases()
    indexing_cases()
    cast_cases()
    inplace_cases()
    creation_cases()
    nan_cases()
    later_unary_cases()

    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, 'ops.json')
    header = {'generator': 'scripts/gen_fixtures.py', 'torch': torch.__version__}
    lines = ['{', f'"generator":{json.dumps(header["generator"])},', f'"torch":{json.dumps(header["torch"])},',
             '"cases":[']
    for i, c in enumerate(CASES):
        sep = ',' if i + 1 < len(CASES) else ''
        lines.append(json.dumps(c, separators=(',', ':'), allow_nan=False) + sep)
    lines.append(']}')
    text = '\n'.join(lines) + '\n'
    json.loads(text)  # sanity
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)

    per_op = Counter(c['op'] for c in CASES)
    graded = sum(1 for c in CASES if 'grads' in c)
    print(f'wrote {os.path.relpath(path, ROOT)}: {len(CASES)} cases ({graded} with gradients), '
          f'{len(text.encode()) / 1024:.0f} KiB', file=sys.stderr)
    for op, n in sorted(per_op.items()):
        print(f'  {op:12s} {n}', file=sys.stderr)


if __name__ == '__main__':
    main()
