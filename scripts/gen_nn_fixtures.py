#!/usr/bin/python3
"""PyTorch reference fixtures of @fackel/nn, and a checker for files Fackel writes.

Run with Debian's PyTorch (python3-torch 1.13; it has no `safetensors` module, so the
format is read and written by hand here):

    /usr/bin/python3 scripts/gen_nn_fixtures.py            # (re)writes packages/nn/test/fixtures/
    /usr/bin/python3 scripts/gen_nn_fixtures.py --verify F  # loads a Fackel-written .safetensors into torch

Fixtures (committed, deterministic for a given torch version):
  layers.json   Linear, Embedding, activations, Flatten, softplus: forward + gradients
  losses.json   every loss and option: forward + input gradients
  rnn.json      LSTM / GRU / RNN / cells: inputs, outputs, gradients (weights below)
  init.json     statistics of PyTorch's default and explicit initialisations, calculate_gain
  *.safetensors weights exported from torch modules (state_dict keys), read by the tests

JSON tensors are {"shape": [...], "data": [...]} (row-major; float32 values printed with
9 significant digits, which round-trips float32; "nan", "inf", "-inf" as strings) or,
for int32 data, {"shape": [...], "dtype": "int32", "data": [...]}.

--verify prints one JSON object on stdout: every tensor's dtype, shape and values, and when
the file's __metadata__ names a model ("fackel_model": "charrnn" with "vocab", "hidden",
"layers"), the model is rebuilt in torch, loaded with load_state_dict(strict=True) and run
on the deterministic input described in packages/nn/test/python.test.ts; its output is
printed as "output".
"""

import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'packages', 'nn', 'test', 'fixtures')

from safetensors_io import read_safetensors, write_safetensors  # noqa: E402  (scripts/ is on sys.path)

# ----------------------------------------------------------------------------- JSON helpers

def enc_float(v):
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    f = float('%.9g' % v)
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


def tj(t):
    """A tensor as JSON."""
    t = t.detach().cpu().contiguous()
    if t.dtype in (torch.int64, torch.int32):
        return {'shape': list(t.shape), 'dtype': 'int32', 'data': [int(v) for v in t.reshape(-1).tolist()]}
    if t.dtype == torch.bool:
        return {'shape': list(t.shape), 'dtype': 'bool', 'data': [bool(v) for v in t.reshape(-1).tolist()]}
    return {'shape': list(t.shape), 'data': [enc_float(float(v)) for v in t.float().reshape(-1).tolist()]}


GEN = torch.Generator().manual_seed(1234)


def randn(*shape, scale=1.0):
    return (torch.randn(*shape, generator=GEN) * scale).float()


def rand(*shape, lo=0.0, hi=1.0):
    return (torch.rand(*shape, generator=GEN) * (hi - lo) + lo).float()


def randint(lo, hi, *shape):
    return torch.randint(lo, hi, shape, generator=GEN)


def leaf(t):
    return t.detach().clone().requires_grad_(True)


def grad_of(t):
    return None if t.grad is None else tj(t.grad)


# ----------------------------------------------------------------------------- layers

def gen_layers():
    cases = {}

    def linear_case(name, fin, fout, xshape, bias=True):
        torch.manual_seed(11)
        m = nn.Linear(fin, fout, bias=bias)
        x = leaf(randn(*xshape))
        out = m(x)
        g = randn(*out.shape)
        (out * g).sum().backward()
        cases[name] = {
            'inFeatures': fin, 'outFeatures': fout, 'bias': bias,
            'params': {k: tj(v) for k, v in m.state_dict().items()},
            'input': tj(x), 'output': tj(out), 'gradOutput': tj(g),
            'grads': {'input': grad_of(x), **{k: grad_of(p) for k, p in m.named_parameters()}},
        }

    linear_case('linear/2d', 5, 3, (4, 5))
    linear_case('linear/3d-nobias', 6, 4, (2, 3, 6), bias=False)
    linear_case('linear/1d', 3, 2, (3,))

    def embedding_case(name, num, dim, idx, padding_idx=None, pad_row=None):
        torch.manual_seed(12)
        m = nn.Embedding(num, dim, padding_idx=padding_idx)
        if pad_row is not None:
            with torch.no_grad():
                m.weight[padding_idx] = pad_row
        out = m(idx)
        g = randn(*out.shape)
        (out * g).sum().backward()
        cases[name] = {
            'numEmbeddings': num, 'embeddingDim': dim, 'paddingIdx': padding_idx,
            'params': {'weight': tj(m.weight)}, 'input': tj(idx.int()), 'output': tj(out), 'gradOutput': tj(g),
            'grads': {'weight': grad_of(m.weight)},
        }

    embedding_case('embedding/basic', 10, 4, torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]]))
    embedding_case('embedding/padding', 10, 4, torch.tensor([[0, 2, 0, 5], [4, 3, 2, 9]]), padding_idx=0)
    embedding_case('embedding/padding-nonzero-row', 7, 3, torch.tensor([1, 6, 6, 2]), padding_idx=-1, pad_row=torch.tensor([1.5, -2.0, 0.25]))

    base = torch.tensor([[-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0], [-20.0, -0.1, 0.1, 2.0, 7.5, 12.0, 40.0]])
    base3 = randn(2, 3, 4, scale=2.0)
    acts = [
        ('sigmoid', lambda x: torch.sigmoid(x), {}, base),
        ('tanh', lambda x: torch.tanh(x), {}, base),
        ('relu', lambda x: F.relu(x), {}, base),
        ('leakyRelu', lambda x: F.leaky_relu(x), {}, base),
        ('leakyRelu', lambda x: F.leaky_relu(x, 0.2), {'negativeSlope': 0.2}, base),
        ('gelu', lambda x: F.gelu(x), {}, base),
        ('gelu', lambda x: F.gelu(x, approximate='tanh'), {'approximate': 'tanh'}, base),
        ('softmax', lambda x: F.softmax(x, dim=1), {'dim': 1}, base),
        ('softmax', lambda x: F.softmax(x, dim=0), {'dim': 0}, base),
        ('softmax', lambda x: F.softmax(x, dim=-1), {'dim': -1}, base3),
        ('logSoftmax', lambda x: F.log_softmax(x, dim=1), {'dim': 1}, base),
        ('logSoftmax', lambda x: F.log_softmax(x, dim=1), {'dim': 1}, base3),
        ('logSoftmax', lambda x: F.log_softmax(x, dim=1), {'dim': 1}, torch.tensor([[1000.0, 0.0, -1000.0], [1e4, 1e4 + 1, 1e4 + 2]])),
        ('softplus', lambda x: F.softplus(x), {}, torch.tensor([[-100.0, -20.0, -1.0, 0.0, 1e-4, 1.0, 20.0, 100.0]])),
        ('flatten', lambda x: torch.flatten(x, 1), {}, base3),
        ('flatten', lambda x: torch.flatten(x, 0, 1), {'startDim': 0, 'endDim': 1}, base3),
    ]
    counts = {}
    for name, fn, opts, x0 in acts:
        x = leaf(x0)
        out = fn(x)
        g = randn(*out.shape)
        (out * g).sum().backward()
        counts[name] = counts.get(name, 0) + 1
        cases[f'act/{name}/{counts[name]}'] = {
            'op': name, 'options': opts, 'input': tj(x), 'output': tj(out), 'gradOutput': tj(g), 'grads': {'input': grad_of(x)},
        }
    return cases


# ----------------------------------------------------------------------------- losses

def gen_losses():
    cases = {}

    def case(cid, op, fn, inp, target, options, extra_inputs=None, grads=True):
        x = leaf(inp)
        out = fn(x)
        if out.dim() == 0:
            g = torch.tensor(1.0)
        else:
            g = randn(*out.shape)
        entry = {'op': op, 'options': options, 'input': tj(inp), 'target': tj(target), 'output': tj(out)}
        if extra_inputs:
            entry['tensors'] = {k: tj(v) for k, v in extra_inputs.items()}
        if grads:
            (out * g).sum().backward()
            entry['gradOutput'] = tj(g)
            entry['grads'] = {'input': grad_of(x)}
        cases[cid] = entry

    for red in ('mean', 'sum', 'none'):
        x, y = randn(3, 4), randn(3, 4)
        case(f'mse/{red}', 'MSELoss', lambda a: F.mse_loss(a, y, reduction=red), x, y, {'reduction': red})
        x, y = randn(3, 4), randn(3, 4)
        case(f'l1/{red}', 'L1Loss', lambda a: F.l1_loss(a, y, reduction=red), x, y, {'reduction': red})
        p, y = rand(3, 4, lo=0.02, hi=0.98), rand(3, 4)
        case(f'bce/{red}', 'BCELoss', lambda a: F.binary_cross_entropy(a, y, reduction=red), p, y, {'reduction': red})
        x, y = randn(3, 4, scale=3.0), (rand(3, 4) > 0.5).float()
        case(f'bcelogits/{red}', 'BCEWithLogitsLoss', lambda a: F.binary_cross_entropy_with_logits(a, y, reduction=red), x, y, {'reduction': red})

    p, y, w = rand(3, 4, lo=0.02, hi=0.98), (rand(3, 4) > 0.5).float(), rand(4, lo=0.5, hi=2.0)
    case('bce/weight', 'BCELoss', lambda a: F.binary_cross_entropy(a, y, weight=w), p, y, {}, {'weight': w})
    # saturated probabilities: log clamped at -100 (forward only; PyTorch's backward divides by eps there)
    p = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5])
    y = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0])
    case('bce/saturated', 'BCELoss', lambda a: F.binary_cross_entropy(a, y, reduction='none'), p, y, {'reduction': 'none'}, grads=False)

    x = torch.tensor([[-100.0, -20.0, -1.0, 0.0], [0.0, 1.0, 20.0, 100.0], [1e4, -1e4, 3.0, -3.0]])
    y = torch.tensor([[1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 0.3, 0.7]])
    case('bcelogits/extreme', 'BCEWithLogitsLoss', lambda a: F.binary_cross_entropy_with_logits(a, y, reduction='none'), x, y, {'reduction': 'none'})
    x, y, pw, w = randn(5, 3, scale=2.0), (rand(5, 3) > 0.5).float(), torch.tensor([0.5, 2.0, 5.0]), rand(5, 1, lo=0.5, hi=1.5)
    case('bcelogits/posweight', 'BCEWithLogitsLoss', lambda a: F.binary_cross_entropy_with_logits(a, y, pos_weight=pw), x, y, {}, {'posWeight': pw})
    case('bcelogits/posweight-weight-sum', 'BCEWithLogitsLoss', lambda a: F.binary_cross_entropy_with_logits(a, y, weight=w, pos_weight=pw, reduction='sum'), x, y,
         {'reduction': 'sum'}, {'posWeight': pw, 'weight': w})

    # cross-entropy with class indices
    C = 5
    x, t = randn(6, C, scale=2.0), randint(0, C, 6)
    for red in ('mean', 'sum', 'none'):
        case(f'ce/index/{red}', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, t, reduction=red), x, t, {'reduction': red})
    w = rand(C, lo=0.2, hi=3.0)
    for red in ('mean', 'sum', 'none'):
        case(f'ce/weight/{red}', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, t, weight=w, reduction=red), x, t, {'reduction': red}, {'weight': w})
    ti = t.clone()
    ti[1] = -100
    ti[4] = -100
    case('ce/ignore-default', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, ti), x, ti, {})
    case('ce/ignore-weight-none', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, ti, weight=w, reduction='none'), x, ti, {'reduction': 'none'}, {'weight': w})
    case('ce/ignore-custom', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, t, ignore_index=2, weight=w), x, t, {'ignoreIndex': 2}, {'weight': w})
    for red in ('mean', 'sum', 'none'):
        case(f'ce/smoothing/{red}', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, ti, label_smoothing=0.1, reduction=red), x, ti,
             {'labelSmoothing': 0.1, 'reduction': red})
        case(f'ce/smoothing-weight/{red}', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, ti, weight=w, label_smoothing=0.25, reduction=red), x, ti,
             {'labelSmoothing': 0.25, 'reduction': red}, {'weight': w})
    x1, t1 = randn(C), torch.tensor(3)
    case('ce/unbatched', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, t1), x1, t1, {})
    x4, t4 = randn(2, C, 3, 2), randint(0, C, 2, 3, 2)
    t4[0, 1, 1] = -100
    for red in ('mean', 'none'):
        case(f'ce/4d/{red}', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, t4, reduction=red), x4, t4, {'reduction': red})
    case('ce/4d-smoothing-weight', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, t4, weight=w, label_smoothing=0.2), x4, t4, {'labelSmoothing': 0.2}, {'weight': w})
    # probabilities
    pt = F.softmax(randn(6, C), dim=1)
    for red in ('mean', 'sum', 'none'):
        case(f'ce/prob/{red}', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, pt, reduction=red), x, pt, {'reduction': red})
    case('ce/prob-smoothing-weight', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, pt, weight=w, label_smoothing=0.1), x, pt, {'labelSmoothing': 0.1}, {'weight': w})
    pt3 = F.softmax(randn(2, C, 4), dim=1)
    x3 = randn(2, C, 4)
    case('ce/prob-3d', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, pt3), x3, pt3, {})
    # stability: huge logits
    xb = torch.tensor([[1e4, 0.0, -1e4], [50.0, 50.0, 50.0], [-1e4, -1e4, 1e4 + 0.5]])
    tb = torch.tensor([1, 2, 2])
    case('ce/huge-logits', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, tb, reduction='none'), xb, tb, {'reduction': 'none'})
    # all targets ignored: mean is nan (0/0), as in PyTorch
    ta = torch.tensor([-100, -100])
    case('ce/all-ignored', 'CrossEntropyLoss', lambda a: F.cross_entropy(a, ta), randn(2, 3), ta, {}, grads=False)

    # NLL
    lp = F.log_softmax(randn(6, C), dim=1)
    case('nll/mean', 'NLLLoss', lambda a: F.nll_loss(a, t), lp, t, {})
    case('nll/weight-ignore', 'NLLLoss', lambda a: F.nll_loss(a, ti, weight=w), lp, ti, {}, {'weight': w})
    case('nll/sum', 'NLLLoss', lambda a: F.nll_loss(a, t, reduction='sum', ignore_index=0), lp, t, {'reduction': 'sum', 'ignoreIndex': 0})
    lp3 = F.log_softmax(randn(2, C, 3), dim=1)
    t3 = randint(0, C, 2, 3)
    case('nll/3d-none', 'NLLLoss', lambda a: F.nll_loss(a, t3, reduction='none'), lp3, t3, {'reduction': 'none'})
    return cases


# ----------------------------------------------------------------------------- RNNs

def rnn_case(cid, module, x, weights_file=None, hx=None, options=None):
    params = dict(module.named_parameters())
    if weights_file is not None:
        write_safetensors(os.path.join(OUT_DIR, weights_file), list(module.state_dict().items()), {'format': 'pt', 'source': 'gen_nn_fixtures.py'})
    x = leaf(x)
    hx_leaf = None
    if hx is not None:
        hx_leaf = tuple(leaf(h) for h in hx) if isinstance(hx, tuple) else leaf(hx)
    cell = isinstance(module, (nn.LSTMCell, nn.GRUCell, nn.RNNCell))
    out = module(x, hx_leaf) if hx_leaf is not None else module(x)
    if cell:
        outs = list(out) if isinstance(out, tuple) else [out]
    else:
        out_seq, state = out
        outs = [out_seq] + (list(state) if isinstance(state, tuple) else [state])
    gouts = [randn(*o.shape) for o in outs]
    sum((o * g).sum() for o, g in zip(outs, gouts)).backward()
    entry = {
        'options': options or {},
        'input': tj(x), 'outputs': [tj(o) for o in outs], 'gradOutputs': [tj(g) for g in gouts],
        'grads': {'input': grad_of(x), **{k: grad_of(p) for k, p in params.items()}},
    }
    if weights_file is None:
        entry['params'] = {k: tj(v) for k, v in module.state_dict().items()}
    else:
        entry['weightsFile'] = weights_file
    if hx_leaf is not None:
        hs = hx_leaf if isinstance(hx_leaf, tuple) else (hx_leaf,)
        entry['hx'] = [tj(h) for h in hs]
        entry['grads']['hx'] = [grad_of(h) for h in hs]
    return cid, entry


def gen_rnn():
    cases = {}
    torch.manual_seed(21)
    I, H, B, T = 5, 7, 3, 6
    lstm = nn.LSTM(I, H, num_layers=2, batch_first=True, dropout=0.0)
    x = randn(B, T, I)
    h0, c0 = randn(2, B, H, scale=0.5), randn(2, B, H, scale=0.5)
    opts = {'kind': 'LSTM', 'inputSize': I, 'hiddenSize': H, 'numLayers': 2, 'batchFirst': True}
    cid, e = rnn_case('lstm/2layer-batchfirst-hx', lstm, x, 'lstm2.safetensors', (h0, c0), opts)
    cases[cid] = e
    lstm.zero_grad()
    cid, e = rnn_case('lstm/2layer-batchfirst', lstm, x, 'lstm2.safetensors', None, opts)
    cases[cid] = e
    torch.manual_seed(22)
    bi = nn.LSTM(I, 4, num_layers=2, bidirectional=True)
    cid, e = rnn_case('lstm/bidirectional-timemajor', bi, randn(T, B, I), 'lstm_bi.safetensors', (randn(4, B, 4), randn(4, B, 4)),
                      {'kind': 'LSTM', 'inputSize': I, 'hiddenSize': 4, 'numLayers': 2, 'bidirectional': True})
    cases[cid] = e
    torch.manual_seed(23)
    un = nn.LSTM(I, 3, num_layers=1, bias=False)
    cid, e = rnn_case('lstm/unbatched-nobias', un, randn(T, I), None, None, {'kind': 'LSTM', 'inputSize': I, 'hiddenSize': 3, 'bias': False})
    cases[cid] = e
    torch.manual_seed(24)
    gru = nn.GRU(I, H, num_layers=2, batch_first=True)
    cid, e = rnn_case('gru/2layer-batchfirst-hx', gru, randn(B, T, I), 'gru2.safetensors', randn(2, B, H, scale=0.5),
                      {'kind': 'GRU', 'inputSize': I, 'hiddenSize': H, 'numLayers': 2, 'batchFirst': True})
    cases[cid] = e
    torch.manual_seed(25)
    gru_bi = nn.GRU(I, 3, bidirectional=True)
    cid, e = rnn_case('gru/bidirectional', gru_bi, randn(T, B, I), None, None, {'kind': 'GRU', 'inputSize': I, 'hiddenSize': 3, 'bidirectional': True})
    cases[cid] = e
    torch.manual_seed(26)
    rnn = nn.RNN(I, H, num_layers=2)
    cid, e = rnn_case('rnn/tanh-2layer-hx', rnn, randn(T, B, I), 'rnn2.safetensors', randn(2, B, H, scale=0.5),
                      {'kind': 'RNN', 'inputSize': I, 'hiddenSize': H, 'numLayers': 2})
    cases[cid] = e
    torch.manual_seed(27)
    rnn_relu = nn.RNN(I, 4, nonlinearity='relu', batch_first=True, bidirectional=True)
    cid, e = rnn_case('rnn/relu-bidirectional', rnn_relu, randn(B, T, I), None, None,
                      {'kind': 'RNN', 'inputSize': I, 'hiddenSize': 4, 'nonlinearity': 'relu', 'batchFirst': True, 'bidirectional': True})
    cases[cid] = e
    torch.manual_seed(28)
    for kind, mod, hx in [
        ('LSTMCell', nn.LSTMCell(I, H), (randn(B, H), randn(B, H))),
        ('GRUCell', nn.GRUCell(I, H), randn(B, H)),
        ('RNNCell', nn.RNNCell(I, H), randn(B, H)),
    ]:
        cid, e = rnn_case(f'cell/{kind}', mod, randn(B, I), None, hx, {'kind': kind, 'inputSize': I, 'hiddenSize': H})
        cases[cid] = e
    return cases


class CharRNN(nn.Module):
    """The char-RNN of the workshop's exercise 3 (mcleonard/pytorch-charRNN), for the state dict tests."""

    def __init__(self, vocab, hidden, layers, dropout=0.5):
        super().__init__()
        self.lstm = nn.LSTM(vocab, hidden, layers, dropout=dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(self.dropout(out))


def charrnn_input(vocab, batch, seq):
    """The deterministic input of the state-dict checks: one-hot of (7 b + 3 t + 1) mod vocab."""
    idx = torch.tensor([[(7 * b + 3 * t + 1) % vocab for t in range(seq)] for b in range(batch)])
    return F.one_hot(idx, vocab).float()


def gen_charrnn():
    torch.manual_seed(31)
    V, Hd, L = 11, 16, 2
    m = CharRNN(V, Hd, L).eval()
    write_safetensors(os.path.join(OUT_DIR, 'charrnn_torch.safetensors'), list(m.state_dict().items()),
                      {'format': 'pt', 'fackel_model': 'charrnn', 'vocab': V, 'hidden': Hd, 'layers': L})
    x = charrnn_input(V, 2, 5)
    with torch.no_grad():
        out = m(x)
    return {'vocab': V, 'hidden': Hd, 'layers': L, 'batch': 2, 'seq': 5, 'keys': list(m.state_dict().keys()), 'output': tj(out)}


# ----------------------------------------------------------------------------- init statistics

def stats(t):
    t = t.detach().double()
    return {'mean': t.mean().item(), 'std': t.std().item(), 'min': t.min().item(), 'max': t.max().item(), 'numel': t.numel()}


def gen_init():
    torch.manual_seed(41)
    out = {'defaults': {}, 'explicit': {}, 'gain': {}}
    lin = nn.Linear(400, 300)
    out['defaults']['Linear(400,300).weight'] = {**stats(lin.weight), 'bound': 1 / math.sqrt(400)}
    out['defaults']['Linear(400,300).bias'] = {**stats(lin.bias), 'bound': 1 / math.sqrt(400)}
    emb = nn.Embedding(500, 64, padding_idx=3)
    out['defaults']['Embedding(500,64).weight'] = stats(emb.weight)
    out['defaults']['Embedding(500,64,padding_idx=3).paddingRowAbsSum'] = {'value': emb.weight[3].abs().sum().item()}
    lstm = nn.LSTM(65, 128, num_layers=2)
    for k, p in lstm.named_parameters():
        out['defaults'][f'LSTM(65,128,2).{k}'] = {**stats(p), 'bound': 1 / math.sqrt(128)}
    gru = nn.GRU(30, 100)
    out['defaults']['GRU(30,100).weight_hh_l0'] = {**stats(gru.weight_hh_l0), 'bound': 1 / math.sqrt(100)}
    rnn = nn.RNN(30, 50)
    out['defaults']['RNN(30,50).weight_ih_l0'] = {**stats(rnn.weight_ih_l0), 'bound': 1 / math.sqrt(50)}
    shape = (256, 512)

    def ex(name, fn):
        t = torch.empty(*shape)
        fn(t)
        out['explicit'][name] = stats(t)

    ex('uniform_(-0.5,2)', lambda t: nn.init.uniform_(t, -0.5, 2.0))
    ex('normal_(1,0.5)', lambda t: nn.init.normal_(t, 1.0, 0.5))
    ex('xavierUniform_(gain=2)', lambda t: nn.init.xavier_uniform_(t, gain=2.0))
    ex('xavierNormal_()', lambda t: nn.init.xavier_normal_(t))
    ex("kaimingUniform_(relu)", lambda t: nn.init.kaiming_uniform_(t, nonlinearity='relu'))
    ex("kaimingUniform_(a=sqrt5)", lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)))
    ex("kaimingNormal_(fan_out,relu)", lambda t: nn.init.kaiming_normal_(t, mode='fan_out', nonlinearity='relu'))
    ex('orthogonal_(gain=1.5)', lambda t: nn.init.orthogonal_(t, gain=1.5))
    for nl, param in [('linear', None), ('conv2d', None), ('sigmoid', None), ('tanh', None), ('relu', None), ('leaky_relu', None),
                      ('leaky_relu', 0.2), ('selu', None)]:
        key = nl if param is None else f'{nl}:{param}'
        out['gain'][key] = nn.init.calculate_gain(nl, param)
    return out


# ----------------------------------------------------------------------------- verify mode

def verify(path):
    tensors, meta = read_safetensors(path)
    report = {'metadata': meta, 'tensors': {}}
    for k, t in tensors.items():
        report['tensors'][k] = {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape),
                                'values': t.reshape(-1).double().tolist() if t.dtype != torch.bool else t.reshape(-1).tolist()}
    if meta and meta.get('fackel_model') == 'charrnn':
        V, Hd, L = int(meta['vocab']), int(meta['hidden']), int(meta['layers'])
        m = CharRNN(V, Hd, L).eval()
        m.load_state_dict(tensors, strict=True)
        with torch.no_grad():
            out = m(charrnn_input(V, int(meta.get('batch', 2)), int(meta.get('seq', 5))))
        report['output'] = tj(out)
    json.dump(report, sys.stdout)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == '--verify':
        verify(sys.argv[2])
        return
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = {'generator': 'scripts/gen_nn_fixtures.py', 'torch': torch.__version__}
    parts = {
        'layers.json': {'cases': gen_layers()},
        'losses.json': {'cases': gen_losses()},
        'rnn.json': {'cases': gen_rnn(), 'charrnn': gen_charrnn()},
        'init.json': gen_init(),
    }
    for name, body in parts.items():
        path = os.path.join(OUT_DIR, name)
        with open(path, 'w') as f:
            json.dump({**meta, **body}, f, separators=(',', ':'))
            f.write('\n')
        n = len(body['cases']) if 'cases' in body else len(body.get('defaults', {})) + len(body.get('explicit', {}))
        print(f'{name}: {n} cases, {os.path.getsize(path)} bytes')
    for f in sorted(os.listdir(OUT_DIR)):
        if f.endswith('.safetensors'):
            print(f'{f}: {os.path.getsize(os.path.join(OUT_DIR, f))} bytes')


if __name__ == '__main__':
    main()
