#!/usr/bin/env python3
"""PyTorch reference for @fackel/charrnn's transformer (`fackel-charrnn train --model transformer`).

The model is a GPT laid out and named as nanoGPT's `model.py` (token and position embeddings
`transformer.wte`/`transformer.wpe`, pre-norm blocks `transformer.h.i` with `ln_1`,
`attn.c_attn`, `attn.c_proj`, `ln_2`, `mlp.c_fc`, `mlp.c_proj`, then `transformer.ln_f` and
`lm_head`, optionally tied to `wte`). Torch 1.13 has no `scaled_dot_product_attention`, so
the causal attention is written out (as nanoGPT's fallback path, with the mask not saved).
Run with Debian's python3-torch:

  /usr/bin/python3 scripts/gen_gpt_fixture.py [gen]
      Trains two small GPTs (biases and a separate head; no biases and a tied head) on
      ../shared/data/tx_DE_4_Oh_Tannenbaum.txt and writes the committed fixtures
      packages/charrnn/test/fixtures/torch-gpt-{separate,tied}.{safetensors,json} and
      torch-gpt.expected.json: weights under nanoGPT's names, fackel-charrnn checkpoint
      JSONs, and the logits PyTorch gives for a fixed prime.

  /usr/bin/python3 scripts/gen_gpt_fixture.py logits CKPT.json PRIME
      Loads a transformer checkpoint written by fackel-charrnn into the same torch model
      (load_state_dict, strict) and prints the logits for PRIME as JSON.

  /usr/bin/python3 scripts/gen_gpt_fixture.py bench --input FILE --steps N [...]
      Trains the same model as `fackel-charrnn train --model transformer` (the same batches:
      with --batching random (the default, as fackel's) nanoGPT's windows at random offsets
      into the training split, drawn by the same SplitMix64 counter as fackel's
      randomWindowOffsets, so both see the very same windows; with --batching streams the
      parallel streams of the text; the last --val-frac for validation, evaluated whole;
      AdamW with weight decay on the matrices only, linear warm-up and cosine decay,
      gradient clipping) for N steps and prints one JSON line: seconds, characters per
      second, the validation loss.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F

from safetensors_io import read_safetensors, write_safetensors  # scripts/ is on sys.path

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
DATA = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'data'))
FIXTURES = os.path.join(ROOT, 'packages', 'charrnn', 'test', 'fixtures')
PRIME = 'O Tannenbaum, o Tann'


class LayerNorm(nn.Module):
    """Layer norm with an optional bias (as nanoGPT's)."""

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_head, self.n_embd = cfg['nHead'], cfg['nEmbd']
        self.c_attn = nn.Linear(self.n_embd, 3 * self.n_embd, bias=cfg['bias'])
        self.c_proj = nn.Linear(self.n_embd, self.n_embd, bias=cfg['bias'])
        self.attn_dropout = nn.Dropout(cfg['dropout'])
        self.resid_dropout = nn.Dropout(cfg['dropout'])
        t = cfg['blockSize']
        self.register_buffer('mask', torch.tril(torch.ones(t, t, dtype=torch.bool)).view(1, 1, t, t), persistent=False)

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        heads = lambda z: z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)  # noqa: E731
        q, k, v = heads(q), heads(k), heads(v)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(~self.mask[:, :, :t, :t], float('-inf'))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        n = cfg['nEmbd']
        self.c_fc = nn.Linear(n, 4 * n, bias=cfg['bias'])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n, n, bias=cfg['bias'])
        self.dropout = nn.Dropout(cfg['dropout'])

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = LayerNorm(cfg['nEmbd'], cfg['bias'])
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = LayerNorm(cfg['nEmbd'], cfg['bias'])
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        n = cfg['nEmbd']
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(cfg['vocabSize'], n),
            wpe=nn.Embedding(cfg['blockSize'], n),
            drop=nn.Dropout(cfg['dropout']),
            h=nn.ModuleList([Block(cfg) for _ in range(cfg['nLayer'])]),
            ln_f=LayerNorm(n, cfg['bias']),
        ))
        self.lm_head = nn.Linear(n, cfg['vocabSize'], bias=False)
        if cfg['tieWeights']:
            self.transformer.wte.weight = self.lm_head.weight
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
        for name, p in self.named_parameters():
            if name.endswith('c_proj.weight'):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg['nLayer']))

    def forward(self, idx):
        t = idx.size(1)
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


def vocab_of(text):
    return sorted(set(text), key=ord)  # fackel's CharVocab.fromText: by code point


def prime_logits(model, chars, prime):
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([[index[c] for c in prime]], dtype=torch.long)
    model.eval()
    with torch.no_grad():
        return model(ids)[0].tolist()


def gen_one(name, cfg, text, chars):
    torch.manual_seed(1234)
    model = GPT(cfg)
    ids = torch.tensor([chars.index(c) for c in text], dtype=torch.long)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    t = cfg['blockSize']
    model.train()
    for _ in range(150):
        starts = torch.randint(len(ids) - t - 1, (8,))
        x = torch.stack([ids[s:s + t] for s in starts])
        y = torch.stack([ids[s + 1:s + t + 1] for s in starts])
        loss = F.cross_entropy(model(x).view(-1, cfg['vocabSize']), y.view(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    weights = 'torch-gpt-%s.safetensors' % name
    write_safetensors(os.path.join(FIXTURES, weights), list(model.state_dict().items()), {'format': 'pt'})
    meta = {
        'format': 'fackel-charrnn-checkpoint',
        'version': 1,
        'weights': weights,
        'model': cfg,
        'vocab': {'type': 'CharVocab', 'version': 1, 'chars': chars},
        'library': 'torch %s (scripts/gen_gpt_fixture.py)' % torch.__version__,
    }
    with open(os.path.join(FIXTURES, 'torch-gpt-%s.json' % name), 'w', encoding='utf-8') as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
        f.write('\n')
    return {'logits': [[round(v, 7) for v in row] for row in prime_logits(model, chars, PRIME)], 'loss': loss.item(), 'keys': list(model.state_dict().keys())}


def cmd_gen():
    text = open(os.path.join(DATA, 'tx_DE_4_Oh_Tannenbaum.txt'), encoding='utf-8').read().replace('\r\n', '\n')
    chars = vocab_of(text)
    base = {'kind': 'transformer', 'vocabSize': len(chars), 'blockSize': 24, 'nLayer': 2, 'nHead': 2, 'nEmbd': 16, 'dropout': 0.0}
    os.makedirs(FIXTURES, exist_ok=True)
    expected = {'prime': PRIME, 'torch': torch.__version__}
    expected['separate'] = gen_one('separate', dict(base, bias=True, tieWeights=False), text, chars)
    expected['tied'] = gen_one('tied', dict(base, bias=False, tieWeights=True), text, chars)
    with open(os.path.join(FIXTURES, 'torch-gpt.expected.json'), 'w', encoding='utf-8') as f:
        json.dump(expected, f, ensure_ascii=False)
        f.write('\n')
    print('wrote %s (final losses %.4f, %.4f)' % (FIXTURES, expected['separate']['loss'], expected['tied']['loss']))


def cmd_logits(ckpt, prime):
    with open(ckpt, encoding='utf-8') as f:
        meta = json.load(f)
    model = GPT(meta['model'])
    weights, _ = read_safetensors(os.path.join(os.path.dirname(ckpt), meta['weights']))
    model.load_state_dict(weights, strict=True)
    print(json.dumps({'logits': prime_logits(model, meta['vocab']['chars'], prime), 'keys': list(weights.keys())}))


def streams(ids, batch, seq):
    """fackel's charBatches layout: batch rows of contiguous text, read in windows of seq."""
    n = (len(ids) - 1) // (batch * seq)
    length = n * batch * seq
    x = ids[:length].reshape(batch, -1)
    y = ids[1:length + 1].reshape(batch, -1)
    return [(x[:, i * seq:(i + 1) * seq], y[:, i * seq:(i + 1) * seq]) for i in range(n)]


MASK64 = (1 << 64) - 1


def split_mix64(seed, index):
    """The index-th output (0-based) of SplitMix64 seeded with seed: fackel's splitMix64."""
    z = (seed + (index + 1) * 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def random_windows(data, batch, seq, seed, step):
    """fackel's randomWindowBatch: batch windows of data at offsets drawn for this step
    (output step * batch + row of SplitMix64, modulo len(data) - seq), targets shifted by one."""
    count = len(data) - seq
    offsets = [split_mix64(seed, step * batch + r) % count for r in range(batch)]
    x = torch.stack([data[o:o + seq] for o in offsets])
    y = torch.stack([data[o + 1:o + 1 + seq] for o in offsets])
    return x, y


def cmd_bench(argv):
    p = argparse.ArgumentParser()
    p.add_argument('--input', required=True)
    p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--n-layer', type=int, default=4)
    p.add_argument('--n-head', type=int, default=4)
    p.add_argument('--n-embd', type=int, default=128)
    p.add_argument('--batch-size', type=int, default=12)
    p.add_argument('--seq-length', type=int, default=64)
    p.add_argument('--learning-rate', type=float, default=1e-3)
    p.add_argument('--min-lr', type=float, default=1e-4)
    p.add_argument('--warmup-steps', type=int, default=100)
    p.add_argument('--lr-decay-steps', type=int, default=0)
    p.add_argument('--weight-decay', type=float, default=0.1)
    p.add_argument('--beta2', type=float, default=0.99)
    p.add_argument('--grad-clip', type=float, default=1.0)
    p.add_argument('--dropout', type=float, default=0.0)
    p.add_argument('--val-frac', type=float, default=0.1)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--batching', choices=['random', 'streams'], default='random')
    a = p.parse_args(argv)
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    text = open(a.input, encoding='utf-8').read().replace('\r\n', '\n')
    chars = vocab_of(text)
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    n_val = int(math.floor(len(ids) * a.val_frac))
    train_ids = ids[:len(ids) - n_val]
    train_b = streams(train_ids, a.batch_size, a.seq_length)
    val_b = streams(ids[len(ids) - n_val:], a.batch_size, a.seq_length)
    cfg = {'kind': 'transformer', 'vocabSize': len(chars), 'blockSize': a.seq_length, 'nLayer': a.n_layer, 'nHead': a.n_head,
           'nEmbd': a.n_embd, 'dropout': a.dropout, 'bias': False, 'tieWeights': True}
    model = GPT(cfg)
    params = [q for q in model.parameters() if q.requires_grad]
    groups = [{'params': [q for q in params if q.dim() >= 2], 'weight_decay': a.weight_decay},
              {'params': [q for q in params if q.dim() < 2], 'weight_decay': 0.0}]
    opt = torch.optim.AdamW(groups, lr=a.learning_rate, betas=(0.9, a.beta2))
    decay = a.lr_decay_steps or a.steps

    def lr_at(it):
        if it < a.warmup_steps:
            return a.learning_rate * (it + 1) / (a.warmup_steps + 1)
        if it > decay:
            return a.min_lr
        ratio = (it - a.warmup_steps) / max(1, decay - a.warmup_steps)
        return a.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (a.learning_rate - a.min_lr)

    model.train()
    start = time.perf_counter()
    for it in range(a.steps):
        for g in opt.param_groups:
            g['lr'] = lr_at(it)
        if a.batching == 'random':
            x, y = random_windows(train_ids, a.batch_size, a.seq_length, a.seed, it)
        else:
            x, y = train_b[it % len(train_b)]
        loss = F.cross_entropy(model(x).view(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        if a.grad_clip > 0:
            nn.utils.clip_grad_norm_(model.parameters(), a.grad_clip)
        opt.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        val = sum(F.cross_entropy(model(x).view(-1, len(chars)), y.reshape(-1)).item() for x, y in val_b) / max(1, len(val_b))
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'steps': a.steps, 'seconds': seconds,
                      'charsPerSec': a.steps * a.batch_size * a.seq_length / seconds, 'valLoss': val, 'lastLoss': loss.item()}))


def main():
    args = sys.argv[1:]
    if not args or args[0] == 'gen':
        cmd_gen()
    elif args[0] == 'logits' and len(args) == 3:
        cmd_logits(args[1], args[2])
    elif args[0] == 'bench':
        cmd_bench(args[1:])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
