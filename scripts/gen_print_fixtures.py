#!/usr/bin/python3
"""Generates PyTorch's printed form of a set of tensors, for Fackel's tensor printing tests.

Run with Debian's PyTorch (not a virtualenv python):

    /usr/bin/python3 scripts/gen_print_fixtures.py

It writes packages/tensor/test/fixtures/print.json (committed), so tests never need Python.
The output is deterministic: the same torch version writes the same bytes.

Format:

    { "generator": ..., "torch": ...,
      "cases": [ {
          "id": "float/fixed",
          "dtype": "float32" | "float64" | "int32" | "bool",   # Fackel's dtype (torch int64 -> int32)
          "shape": [...],
          "data": [values, "nan", "inf", "-inf", true, ...]    # row-major, or instead:
          "gen": { "n": N, "mul": m, "mod": M | null, "add": a, "div": d },
                  # value i = ((i * m) % M + a) / d (integers until the division; bool: != 0)
          "view": [ ["t"] | ["narrow", dim, start, length] | ["permute", [...]] | ["expand", [...]] ],
          "requiresGrad": true,                                 # optional: a leaf that requires grad
          "gradFn": "MulBackward0",                             # optional: the result of `leaf * 1`
          "torch": "tensor([...])"                              # str(t) in torch
      } ] }

Both sides compute `gen` values in double precision (exact integer arithmetic, one correctly
rounded division) and round them to the dtype, so they hold identical elements. The test maps
the documented spelling differences (`dtype=torch.int64` → `dtype=int32`, `True` → `true`,
`requires_grad=True` → `requiresGrad=true`, `grad_fn=<MulBackward0>` → `gradFn=<MulBackward>`).
"""

import json
import math
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'packages', 'tensor', 'test', 'fixtures', 'print.json')

TORCH_DTYPE = {'float32': torch.float32, 'float64': torch.float64, 'int32': torch.int64, 'bool': torch.bool}
NAN, INF = float('nan'), float('inf')


def encode(v):
    if isinstance(v, float) and math.isnan(v):
        return 'nan'
    if isinstance(v, float) and math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


def gen_values(g, dtype):
    out = []
    for i in range(g['n']):
        k = i * g['mul']
        if g.get('mod') is not None:
            k %= g['mod']
        k += g.get('add', 0)
        if dtype == 'bool':
            out.append(k != 0)
        elif dtype == 'int32':
            out.append(k)
        else:
            out.append(k / g.get('div', 1))
    return out


def case(id, shape, data=None, dtype='float32', gen=None, view=(), requires_grad=False, grad_fn=False):
    values = gen_values(gen, dtype) if gen is not None else data
    t = torch.tensor(values, dtype=TORCH_DTYPE[dtype]).reshape(shape)
    for v in view:
        if v[0] == 't':
            t = t.t()
        elif v[0] == 'narrow':
            t = t.narrow(v[1], v[2], v[3])
        elif v[0] == 'permute':
            t = t.permute(*v[1])
        elif v[0] == 'expand':
            t = t.expand(*v[1])
        else:
            raise ValueError(v[0])
    c = {'id': id, 'dtype': dtype, 'shape': list(shape)}
    if gen is not None:
        c['gen'] = gen
    else:
        c['data'] = [encode(v) for v in data]
    if view:
        c['view'] = [list(v) for v in view]
    if requires_grad or grad_fn:
        t = t.clone().requires_grad_()
        c['requiresGrad'] = True
    if grad_fn:
        t = t * 1
        c['gradFn'] = type(t.grad_fn).__name__
    c['torch'] = str(t)
    return c


def cases():
    return [
        # floats: integer mode, fixed, scientific
        case('float/int-mode', [2, 2], [7, 10, 15, 22]),
        case('float/int-mode-negative', [4], [-1, 20, -300, 4]),
        case('float/fixed', [2, 2], [0.5, -1.25, 3.14159, 2]),
        case('float/fixed-rounding', [6], [0.03125, 0.09375, -0.03125, 1.00005, 2.5, 1 / 3]),
        case('float/negative', [2, 3], [-1.5, 2.25, -3, 0.125, -0.001, 10]),
        case('float/zeros', [2, 3], [0, 0, 0, 0, 0, 0]),
        case('float/negative-zero', [3], [1, -0.0, 2]),
        case('float/sci-small', [3], [1e-5, 1, 2]),
        case('float/sci-ratio', [3], [0.1, 50, 200]),
        case('float/sci-ratio-int', [3], [1, 2, 2000]),
        case('float/sci-large', [2], [2e8, 1.5]),
        case('float/sci-large-int', [2], [3e8, 1]),
        case('float/sci-ties', [3], [12.3125, 0.03125, 1e-5]),
        case('float/sci-extremes', [4], [1e38, -1e-38, 3e-45, 0]),
        case('float/ratio-1000', [2], [1, 1000]),
        case('float/max-1e8', [2], [1e8, 1e6]),
        # nan and inf
        case('nonfinite/mixed-fixed', [4], [NAN, INF, -INF, 1.5]),
        case('nonfinite/mixed-int', [4], [NAN, 1, 2, -INF]),
        case('nonfinite/only', [3], [NAN, INF, -INF]),
        case('nonfinite/zero-nan', [2], [0, NAN]),
        case('nonfinite/sci', [4], [1e-5, NAN, INF, -2]),
        case('nonfinite/2d', [2, 2], [NAN, 100.5, -INF, 1]),
        # integers and booleans
        case('int/1d', [4], [1, -20, 300, 0], 'int32'),
        case('int/2d', [2, 3], [1, 100, -5, 7, 0, -1234], 'int32'),
        case('int/extremes', [2], [2147483647, -2147483648], 'int32'),
        case('bool/1d', [3], [True, False, True], 'bool'),
        case('bool/2d', [2, 2], [False, False, True, False], 'bool'),
        case('bool/all-true', [2], [True, True], 'bool'),
        # 0-d
        case('scalar/fixed', [], [3.5]),
        case('scalar/int-mode', [], [3.0]),
        case('scalar/sci', [], [1e-5]),
        case('scalar/zero', [], [0.0]),
        case('scalar/negative-zero', [], [-0.0]),
        case('scalar/nan', [], [NAN]),
        case('scalar/-inf', [], [-INF]),
        case('scalar/int', [], [7], 'int32'),
        case('scalar/bool', [], [True], 'bool'),
        case('scalar/float64', [], [0.1], 'float64'),
        case('scalar/requires-grad', [], [2.0], requires_grad=True),
        # empty
        case('empty/1d', [0], []),
        case('empty/2d', [0, 3], []),
        case('empty/3d', [2, 0, 3], []),
        case('empty/int', [0], [], 'int32'),
        case('empty/int-2d', [3, 0], [], 'int32'),
        case('empty/bool', [0], [], 'bool'),
        case('empty/float64', [0, 2], [], 'float64'),
        # nesting
        case('3d/int-mode', [2, 3, 4], gen={'n': 24, 'mul': 1, 'add': 0, 'div': 1}),
        case('3d/fixed', [2, 3, 4], gen={'n': 24, 'mul': 7, 'mod': 24, 'add': -12, 'div': 10}),
        case('4d/int', [2, 2, 2, 3], gen={'n': 24, 'mul': 5, 'mod': 24, 'add': -3}, dtype='int32'),
        case('3d/bool', [2, 2, 3], gen={'n': 12, 'mul': 1, 'mod': 3}, dtype='bool'),
        # long rows wrap at 80 columns
        case('wrap/fixed', [30], gen={'n': 30, 'mul': 1, 'add': 0, 'div': 3}),
        case('wrap/int', [40], gen={'n': 40, 'mul': 37, 'mod': 1000, 'add': -500}, dtype='int32'),
        case('wrap/2d', [3, 25], gen={'n': 75, 'mul': 13, 'mod': 75, 'add': -30, 'div': 4}),
        case('wrap/3d-sci', [2, 2, 12], gen={'n': 48, 'mul': 997, 'mod': 100003, 'add': 1, 'div': 1000}),
        case('wrap/bool', [30], gen={'n': 30, 'mul': 1, 'mod': 4}, dtype='bool'),
        # summarised: more than 1000 elements, 3 edge items per dimension
        case('summary/2d-sci', [100, 100], gen={'n': 10000, 'mul': 1, 'add': 0, 'div': 1}),
        case('summary/2d-int', [100, 100], gen={'n': 10000, 'mul': 1, 'add': 0}, dtype='int32'),
        case('summary/2d-fixed', [40, 50], gen={'n': 2000, 'mul': 37, 'mod': 1001, 'add': -500, 'div': 300}),
        case('summary/1d', [2000], gen={'n': 2000, 'mul': 1, 'add': 0, 'div': 7}),
        case('summary/1d-int', [1001], gen={'n': 1001, 'mul': 1, 'add': 0}, dtype='int32'),
        case('summary/3d', [20, 30, 40], gen={'n': 24000, 'mul': 7, 'mod': 24000, 'add': 0, 'div': 8}),
        case('summary/row', [1, 2000], gen={'n': 2000, 'mul': 3, 'mod': 2000, 'add': 0, 'div': 2}),
        case('summary/column', [2000, 1], gen={'n': 2000, 'mul': 1, 'add': -1000, 'div': 1}),
        case('summary/short-dim0', [4, 300], gen={'n': 1200, 'mul': 11, 'mod': 1200, 'add': 0, 'div': 1}),
        case('summary/bool', [40, 40], gen={'n': 1600, 'mul': 1, 'mod': 3}, dtype='bool'),
        case('summary/edges-only', [2000], gen={'n': 2000, 'mul': 1, 'add': -1000, 'div': 100000}),
        # views (non-contiguous)
        case('view/transpose', [2, 3], [1.5, 2, 3, 4, 5, 6], view=[('t',)]),
        case('view/narrow', [3, 4], gen={'n': 12, 'mul': 1, 'add': 0}, dtype='int32', view=[('narrow', 1, 1, 2)]),
        case('view/permute-summary', [30, 40, 2], gen={'n': 2400, 'mul': 1, 'add': 0, 'div': 4}, view=[('permute', [2, 0, 1])]),
        case('view/expand', [3, 1], [1, 2, 3], view=[('expand', [3, 4])]),
        # dtype, requires_grad, grad_fn suffixes (and their wrapping past 80 columns)
        case('suffix/float64', [2], [1.5, 2], 'float64'),
        case('suffix/requires-grad', [2], [1, 2], requires_grad=True),
        case('suffix/grad-fn', [2, 2], [1, 2, 3, 4], grad_fn=True),
        case('suffix/float64-grad-fn', [3], [0.5, 1, 2], 'float64', grad_fn=True),
        case('suffix/wraps', [9], gen={'n': 9, 'mul': 1, 'add': 1, 'div': 8}, dtype='float64', requires_grad=True),
        case('suffix/wraps-2d', [2, 9], gen={'n': 18, 'mul': 1, 'add': 1, 'div': 8}, grad_fn=True),
        case('suffix/sci-float64', [2], [1e100, 1e-100], 'float64'),
        # decimals rounded exactly, halves to even (not as JavaScript's toFixed/toExponential)
        case('float64/ties', [4], [0.03125, 0.09375, 1.00005, 2.5], 'float64'),
        case('float64/sci-ties', [3], [12.3125, 1e-5, 9.99995e-5], 'float64'),
        case('float64/carry-subnormal', [2], [9.99996e-5, 5e-324], 'float64'),
    ]


def main():
    data = {'generator': 'scripts/gen_print_fixtures.py', 'torch': torch.__version__, 'cases': cases()}
    ids = [c['id'] for c in data['cases']]
    assert len(ids) == len(set(ids)), 'duplicate ids'
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = json.dumps(data, indent=1, ensure_ascii=False)
    with open(OUT, 'w') as f:
        f.write(text + '\n')
    print(f"{len(data['cases'])} cases; {len(text) / 1024:.0f} KiB written to {os.path.relpath(OUT, ROOT)}")


if __name__ == '__main__':
    main()
