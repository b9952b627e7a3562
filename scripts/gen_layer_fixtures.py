#!/usr/bin/python3
"""PyTorch reference fixtures of @fackel/nn's convolution, pooling, normalisation, attention and
activation layers (issue 14). Run with Debian's PyTorch (python3-torch 1.13):

    /usr/bin/python3 scripts/gen_layer_fixtures.py   # (re)writes packages/nn/test/fixtures/conv-attention.json

Each case holds the module's constructor arguments, its state dict ("params", PyTorch's names),
the input(s), the output, a random output gradient and the gradients of the inputs and of every
parameter after backward of sum(output * gradOutput). Batch-norm cases add the buffers after
the training passes and an eval-mode output. torch 1.13 has no F.scaled_dot_product_attention,
so its reference is the explicit formula softmax(q kᵀ · scale + mask) v (PyTorch 2 semantics).
JSON tensors are written as in gen_nn_fixtures.py (float32, 9 significant digits).
"""

import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_nn_fixtures import OUT_DIR, tj  # noqa: E402

GEN = torch.Generator().manual_seed(1414)


def randn(*shape):
    return torch.randn(*shape, generator=GEN).float()


def leaf(t):
    return t.detach().clone().requires_grad_(True)


def grad_of(t):
    return None if t.grad is None else tj(t.grad)


def module_case(m, inputs, kwargs=None, extra=None, randomize_params=False, forward=None):
    kwargs = kwargs or {}
    if randomize_params:
        with torch.no_grad():
            for _, p in m.named_parameters():
                p.add_(randn(*p.shape) * 0.3)
    params = {k: tj(v) for k, v in m.state_dict().items()}
    xs = [leaf(x) if x.is_floating_point() else x for x in inputs]
    out = forward(m, xs, kwargs) if forward else m(*xs, **kwargs)
    if isinstance(out, tuple):
        out = out[0]
    g = randn(*out.shape)
    (out * g).sum().backward()
    case = {
        'params': params,
        'inputs': [tj(x) for x in xs],
        'output': tj(out),
        'gradOutput': tj(g),
        'grads': {
            'inputs': [grad_of(x) if x.is_floating_point() else None for x in xs],
            **{k: grad_of(p) for k, p in m.named_parameters()},
        },
    }
    if extra:
        case.update(extra)
    return case


def gen():
    cases = {}

    # ------------------------------------------------------------------ convolution
    def conv(name, cls, args, kw, xshape):
        torch.manual_seed(21)
        m = cls(*args, **kw)
        cases[name] = module_case(m, [randn(*xshape)], extra={'args': list(args), 'options': kw})

    conv('conv2d/basic', nn.Conv2d, (3, 4, 3), {}, (2, 3, 6, 5))
    conv('conv2d/stride-padding', nn.Conv2d, (2, 3, (3, 2)), {'stride': (2, 1), 'padding': (1, 2)}, (2, 2, 7, 5))
    conv('conv2d/dilation-groups', nn.Conv2d, (4, 6, 3), {'dilation': 2, 'groups': 2, 'padding': 2}, (2, 4, 7, 6))
    conv('conv2d/same-even-nobias', nn.Conv2d, (2, 2, 4), {'padding': 'same', 'bias': False}, (1, 2, 5, 6))
    conv('conv2d/depthwise-stride', nn.Conv2d, (3, 3, 3), {'groups': 3, 'stride': 2, 'padding': 1}, (2, 3, 6, 7))
    conv('conv2d/unbatched', nn.Conv2d, (3, 2, 2), {}, (3, 4, 4))
    conv('conv1d/basic', nn.Conv1d, (3, 4, 3), {}, (2, 3, 9))
    conv('conv1d/stride-dilation-groups', nn.Conv1d, (4, 2, 3), {'stride': 2, 'dilation': 2, 'groups': 2, 'padding': 1}, (2, 4, 11))
    conv('conv1d/same-dilated', nn.Conv1d, (2, 3, 4), {'padding': 'same', 'dilation': 2}, (2, 2, 8))

    # ------------------------------------------------------------------ pooling
    def pool(name, cls, args, kw, xshape):
        m = cls(*args, **kw)
        cases[name] = module_case(m, [randn(*xshape)], extra={'args': list(args), 'options': kw})

    pool('maxpool2d/k2', nn.MaxPool2d, (2,), {}, (2, 3, 6, 6))
    pool('maxpool2d/k3-s2-p1', nn.MaxPool2d, (3,), {'stride': 2, 'padding': 1}, (1, 2, 7, 6))
    pool('maxpool2d/dilation-ceil', nn.MaxPool2d, (2,), {'stride': 2, 'dilation': 2, 'ceil_mode': True}, (1, 2, 8, 7))
    pool('maxpool2d/unbatched-rect', nn.MaxPool2d, ((2, 3),), {'stride': (1, 2)}, (2, 5, 7))
    pool('avgpool2d/k2', nn.AvgPool2d, (2,), {}, (2, 3, 6, 6))
    pool('avgpool2d/k3-s2-p1-exclude-pad', nn.AvgPool2d, (3,), {'stride': 2, 'padding': 1, 'count_include_pad': False}, (1, 2, 7, 6))
    pool('avgpool2d/k3-s2-p1-ceil', nn.AvgPool2d, (3,), {'stride': 2, 'padding': 1, 'ceil_mode': True}, (1, 2, 6, 6))
    pool('avgpool2d/ceil-exclude-pad', nn.AvgPool2d, (3,), {'stride': 2, 'padding': 1, 'ceil_mode': True, 'count_include_pad': False}, (1, 2, 6, 6))
    pool('avgpool2d/divisor', nn.AvgPool2d, (2,), {'divisor_override': 3}, (1, 2, 4, 4))
    pool('adaptiveavgpool2d/1', nn.AdaptiveAvgPool2d, (1,), {}, (2, 3, 5, 5))
    pool('adaptiveavgpool2d/3x2', nn.AdaptiveAvgPool2d, ((3, 2),), {}, (1, 2, 7, 5))
    pool('adaptiveavgpool2d/divisible', nn.AdaptiveAvgPool2d, ((2, 3),), {}, (1, 2, 4, 6))
    pool('adaptiveavgpool2d/none-4', nn.AdaptiveAvgPool2d, ((None, 4),), {}, (1, 2, 3, 5))

    # ------------------------------------------------------------------ normalisation
    def layernorm(name, args, kw, xshape):
        m = nn.LayerNorm(*args, **kw)
        cases[name] = module_case(m, [randn(*xshape)], extra={'args': list(args), 'options': kw}, randomize_params=True)

    layernorm('layernorm/last', (6,), {}, (2, 3, 6))
    layernorm('layernorm/two-dims-eps', ([3, 4],), {'eps': 1e-3}, (2, 3, 4))
    layernorm('layernorm/no-affine', (5,), {'elementwise_affine': False}, (4, 5))

    def batchnorm(name, cls, num, kw, xshape, passes=2):
        m = cls(num, **kw)
        xs = [randn(*xshape) * 2 + 1 for _ in range(passes)]
        m.train()
        # the gradient case is the first pass; the later passes only move the running statistics
        case = module_case(m, [xs[0]], randomize_params=kw.get('affine', True))
        with torch.no_grad():
            for x in xs[1:]:
                m(x)
        x_eval = randn(*xshape)
        m.eval()
        with torch.no_grad():
            eval_out = m(x_eval)
        case.update({
            'args': [num], 'options': kw,
            'later': [tj(x) for x in xs[1:]],
            'buffers': {k: tj(v) for k, v in m.state_dict().items() if k.startswith('running') or k == 'num_batches_tracked'},
            'evalInput': tj(x_eval), 'evalOutput': tj(eval_out),
        })
        cases[name] = case

    batchnorm('batchnorm1d/2d-input', nn.BatchNorm1d, 4, {}, (6, 4))
    batchnorm('batchnorm1d/3d-input-momentum', nn.BatchNorm1d, 3, {'momentum': 0.3}, (4, 3, 5))
    batchnorm('batchnorm2d/default', nn.BatchNorm2d, 3, {}, (2, 3, 4, 4))
    batchnorm('batchnorm2d/cumulative-no-affine', nn.BatchNorm2d, 2, {'momentum': None, 'affine': False}, (3, 2, 3, 3), passes=3)

    # ------------------------------------------------------------------ activations
    def act(name, m, xshape, scale=3.0):
        cases[name] = module_case(m, [randn(*xshape) * scale])

    act('silu', nn.SiLU(), (3, 5))
    act('softplus/default', nn.Softplus(), (3, 5), scale=10.0)
    cases['softplus/default']['options'] = {}
    act('softplus/beta2-threshold3', nn.Softplus(beta=2, threshold=3), (3, 5))
    cases['softplus/beta2-threshold3']['options'] = {'beta': 2, 'threshold': 3}
    act('gelu/tanh', nn.GELU(approximate='tanh'), (3, 5))

    # ------------------------------------------------------------------ scaled dot-product attention
    def sdpa_ref(q, k, v, attn_mask=None, is_causal=False, scale=None):
        s = q @ k.transpose(-2, -1) * (scale if scale is not None else 1 / math.sqrt(q.shape[-1]))
        if is_causal:
            L, S = q.shape[-2], k.shape[-2]
            s = s.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float('-inf'))
        if attn_mask is not None:
            s = s.masked_fill(~attn_mask, float('-inf')) if attn_mask.dtype == torch.bool else s + attn_mask
        return torch.softmax(s, -1) @ v

    def sdpa(name, qs, ks, vs, mask=None, is_causal=False, scale=None):
        q, k, v = leaf(randn(*qs)), leaf(randn(*ks)), leaf(randn(*vs))
        out = sdpa_ref(q, k, v, mask, is_causal, scale)
        g = randn(*out.shape)
        (out * g).sum().backward()
        cases[name] = {
            'inputs': [tj(q), tj(k), tj(v)], 'attnMask': None if mask is None else tj(mask),
            'isCausal': is_causal, 'scale': scale,
            'output': tj(out), 'gradOutput': tj(g), 'grads': {'inputs': [grad_of(q), grad_of(k), grad_of(v)]},
        }

    sdpa('sdpa/plain', (2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7))
    sdpa('sdpa/causal', (2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 3), is_causal=True)
    bool_mask = torch.rand(5, 6, generator=GEN) > 0.4
    bool_mask[:, 0] = True
    sdpa('sdpa/bool-mask', (2, 5, 4), (2, 6, 4), (2, 6, 3), mask=bool_mask)
    sdpa('sdpa/float-mask-scale', (2, 2, 5, 4), (2, 2, 6, 4), (2, 2, 6, 4), mask=randn(2, 1, 5, 6), scale=0.3)

    # ------------------------------------------------------------------ multi-head attention
    def mha(name, e, h, kw, qs, ks, fwd):
        torch.manual_seed(31)
        m = nn.MultiheadAttention(e, h, **kw)
        q = randn(*qs)
        same = ks is None
        k = q if same else randn(*ks)
        v = q if same else randn(*ks)
        inputs = [q] if same else [q, k, v]
        masks = {}
        for key, val in fwd.items():
            if isinstance(val, torch.Tensor):
                masks[key] = val

        def run(mod, xs, _):
            if same:
                return mod(xs[0], xs[0], xs[0], **fwd)
            return mod(xs[0], xs[1], xs[2], **fwd)

        xs = [leaf(x) for x in inputs]
        params = {kk: tj(vv) for kk, vv in m.state_dict().items()}
        out, weights = run(m, xs, None)
        g = randn(*out.shape)
        (out * g).sum().backward()
        cases[name] = {
            'args': [e, h], 'options': kw, 'selfAttention': same,
            'forward': {kk: (tj(vv) if isinstance(vv, torch.Tensor) else vv) for kk, vv in fwd.items()},
            'params': params, 'inputs': [tj(x) for x in xs], 'output': tj(out),
            'weights': None if weights is None else tj(weights),
            'gradOutput': tj(g),
            'grads': {'inputs': [grad_of(x) for x in xs], **{kk: grad_of(p) for kk, p in m.named_parameters()}},
        }

    mha('mha/self-seq-first', 8, 2, {}, (5, 2, 8), None, {})
    kpm = torch.zeros(2, 6, dtype=torch.bool)
    kpm[0, 4:] = True
    kpm[1, 5:] = True
    am = torch.rand(4, 6, generator=GEN) > 0.7
    am[:, 0] = False
    mha('mha/cross-batch-first-masks', 8, 4, {'batch_first': True}, (2, 4, 8), (2, 6, 8),
        {'key_padding_mask': kpm, 'attn_mask': am, 'average_attn_weights': False})
    mha('mha/no-bias-float-mask', 6, 3, {'bias': False}, (4, 2, 6), (5, 2, 6), {'attn_mask': randn(4, 5), 'need_weights': False})

    # ------------------------------------------------------------------ transformer encoder layer
    def tel(name, d, h, kw, xshape, fwd):
        torch.manual_seed(41)
        m = nn.TransformerEncoderLayer(d, h, **kw)
        m.train()
        with torch.no_grad():
            for nm, p in m.named_parameters():
                if nm.startswith('norm'):
                    p.add_(randn(*p.shape) * 0.3)
        cases[name] = module_case(m, [randn(*xshape)], kwargs=fwd, extra={
            'args': [d, h], 'options': kw,
            'forward': {kk: tj(vv) for kk, vv in fwd.items()},
        })

    causal = torch.triu(torch.full((5, 5), float('-inf')), diagonal=1)
    tel('tel/post-norm-relu', 8, 2, {'dim_feedforward': 16, 'dropout': 0.0}, (5, 2, 8), {'src_mask': causal})
    kpm2 = torch.zeros(2, 5, dtype=torch.bool)
    kpm2[1, 3:] = True
    tel('tel/pre-norm-gelu-batch-first', 8, 4, {'dim_feedforward': 12, 'dropout': 0.0, 'activation': 'gelu', 'norm_first': True, 'batch_first': True, 'layer_norm_eps': 1e-6},
        (2, 5, 8), {'src_key_padding_mask': kpm2})
    return cases


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    body = {'generator': 'scripts/gen_layer_fixtures.py', 'torch': torch.__version__, 'cases': gen()}
    path = os.path.join(OUT_DIR, 'conv-attention.json')
    with open(path, 'w') as f:
        json.dump(body, f, separators=(',', ':'))
        f.write('\n')
    print(f'conv-attention.json: {len(body["cases"])} cases, {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    main()
