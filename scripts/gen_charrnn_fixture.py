#!/usr/bin/env python3
"""PyTorch reference for @fackel/charrnn (the workshop's Uebung 3 model).

Run with Debian's python3-torch (torch 1.13 has no safetensors module, so the format is
written and read by hand: 8-byte little-endian header length, JSON header, raw bytes).

  /usr/bin/python3 scripts/gen_charrnn_fixture.py [gen]
      Trains a small pytorch-charRNN-style model (one-hot -> LSTM -> dropout -> Linear) on
      ../shared/data/tx_DE_4_Oh_Tannenbaum.txt and writes the committed fixture
      packages/charrnn/test/fixtures/torch-charrnn.{safetensors,json,expected.json}:
      weights with PyTorch's state-dict names, a fackel-charrnn checkpoint JSON, and the
      logits PyTorch gives for a fixed prime.

  /usr/bin/python3 scripts/gen_charrnn_fixture.py logits CKPT.json PRIME
      Loads a checkpoint written by fackel-charrnn into the same torch model
      (load_state_dict, strict) and prints the logits for PRIME as JSON.

  /usr/bin/python3 scripts/gen_charrnn_fixture.py bench --input FILE --steps N [...]
      Trains the same model with the same batching, optimizer and clipping for N steps and
      prints one JSON line: characters per second and the validation loss (eval mode).
"""
import argparse
import json
import math
import os
import sys
import time

import torch
from torch import nn

from safetensors_io import read_safetensors, write_safetensors  # scripts/ is on sys.path

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
DATA = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'data'))
FIXTURES = os.path.join(ROOT, 'packages', 'charrnn', 'test', 'fixtures')


class CharRNN(nn.Module):
    """pytorch-charRNN's model: one-hot -> LSTM (dropout between layers) -> dropout -> Linear."""

    def __init__(self, vocab_size, hidden, layers, dropout):
        super().__init__()
        self.vocab_size = vocab_size
        self.hidden = hidden
        self.lstm = nn.LSTM(vocab_size, hidden, layers, dropout=dropout if layers > 1 else 0.0, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden, vocab_size)
        self.fc.bias.data.fill_(0)
        self.fc.weight.data.uniform_(-1, 1)

    def forward(self, ids, hc=None):
        x = nn.functional.one_hot(ids.long(), self.vocab_size).float()
        out, hc = self.lstm(x, hc)
        out = self.dropout(out)
        return self.fc(out.reshape(-1, self.hidden)), hc


def vocab_of(text):
    return sorted(set(text), key=ord)  # fackel's CharVocab.fromText: by code point


def read_text(paths):
    return '\n'.join(open(p, encoding='utf-8').read().replace('\r\n', '\n') for p in paths)


def streams(ids, batch, seq):
    """fackel's charBatches layout: batch rows of contiguous text, targets = next character."""
    n = (len(ids) - 1) // (batch * seq)
    length = n * batch * seq
    x = ids[:length].reshape(batch, -1)
    y = ids[1:length + 1].reshape(batch, -1)
    return n, x, y


def batches(ids, batch, seq):
    n, x, y = streams(ids, batch, seq)
    for i in range(n):
        yield x[:, i * seq:(i + 1) * seq], y[:, i * seq:(i + 1) * seq]


def evaluate(model, ids, batch, seq):
    model.eval()
    total, count, hc = 0.0, 0, None
    with torch.no_grad():
        for x, y in batches(ids, batch, seq):
            logits, hc = model(x, hc)
            total += nn.functional.cross_entropy(logits, y.reshape(-1).long()).item()
            count += 1
    model.train()
    return total / count if count else float('nan')


def split(text, chars, val_frac):
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.int32)
    n_val = int(math.floor(len(ids) * val_frac))
    return ids[:len(ids) - n_val], ids[len(ids) - n_val:]


def train(model, train_ids, batch, seq, steps, lr, clip, optimizer='adam'):
    opt = torch.optim.Adam(model.parameters(), lr=lr) if optimizer == 'adam' else torch.optim.RMSprop(model.parameters(), lr=lr, alpha=0.95)
    model.train()
    step, losses = 0, []
    start = time.perf_counter()
    while step < steps:
        hc = None
        for x, y in batches(train_ids, batch, seq):
            if hc is not None:
                hc = tuple(h.detach() for h in hc)
            logits, hc = model(x, hc)
            loss = nn.functional.cross_entropy(logits, y.reshape(-1).long())
            opt.zero_grad()
            loss.backward()
            if clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            losses.append(loss.item())
            step += 1
            if step >= steps:
                break
    return losses, time.perf_counter() - start


def checkpoint_json(weights_file, chars, hidden, layers, dropout, extra=None):
    meta = {
        'format': 'fackel-charrnn-checkpoint',
        'version': 1,
        'weights': weights_file,
        'model': {'vocabSize': len(chars), 'hiddenSize': hidden, 'numLayers': layers, 'dropout': dropout, 'embeddingSize': 0},
        'vocab': {'type': 'CharVocab', 'version': 1, 'chars': chars},
        'library': 'torch %s (scripts/gen_charrnn_fixture.py)' % torch.__version__,
    }
    if extra:
        meta.update(extra)
    return meta


def prime_logits(model, chars, prime):
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([[index[c] for c in prime]], dtype=torch.int32)
    model.eval()
    with torch.no_grad():
        logits, _ = model(ids)
    return logits.tolist()


def cmd_gen(_args):
    torch.manual_seed(1234)
    text = read_text([os.path.join(DATA, 'tx_DE_4_Oh_Tannenbaum.txt')])
    chars = vocab_of(text)
    hidden, layers, dropout = 32, 2, 0.1
    model = CharRNN(len(chars), hidden, layers, dropout)
    train_ids, _ = split(text, chars, 0.0)
    losses, _ = train(model, train_ids, 4, 16, 300, 0.01, 5.0)
    os.makedirs(FIXTURES, exist_ok=True)
    sd = {k: v for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(FIXTURES, 'torch-charrnn.safetensors'), list(sd.items()), {'format': 'pt'})
    meta = checkpoint_json('torch-charrnn.safetensors', chars, hidden, layers, dropout)
    with open(os.path.join(FIXTURES, 'torch-charrnn.json'), 'w', encoding='utf-8') as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
        f.write('\n')
    prime = 'O Tannenbaum, o Tannenbaum'
    expected = {
        'prime': prime,
        'logits': prime_logits(model, chars, prime),
        'torch': torch.__version__,
        'trainLossFirst': losses[0],
        'trainLossLast': losses[-1],
    }
    with open(os.path.join(FIXTURES, 'torch-charrnn.expected.json'), 'w', encoding='utf-8') as f:
        json.dump(expected, f, ensure_ascii=False)
        f.write('\n')
    print('wrote %s (loss %.4f -> %.4f)' % (FIXTURES, losses[0], losses[-1]))


def cmd_logits(args):
    with open(args.ckpt, encoding='utf-8') as f:
        meta = json.load(f)
    m = meta['model']
    model = CharRNN(m['vocabSize'], m['hiddenSize'], m['numLayers'], m['dropout'])
    weights, _ = read_safetensors(os.path.join(os.path.dirname(args.ckpt), meta['weights']))
    model.load_state_dict(weights, strict=True)
    print(json.dumps({'logits': prime_logits(model, meta['vocab']['chars'], args.prime), 'keys': list(weights.keys())}))


def cmd_bench(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    text = read_text(args.input)
    chars = vocab_of(text)
    model = CharRNN(len(chars), args.rnn_size, args.num_layers, args.dropout)
    train_ids, val_ids = split(text, chars, args.val_frac)
    losses, seconds = train(model, train_ids, args.batch_size, args.seq_length, args.steps, args.learning_rate, args.grad_clip, args.optimizer)
    val = evaluate(model, val_ids, args.batch_size, args.seq_length)
    chars_per_sec = args.steps * args.batch_size * args.seq_length / seconds
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'steps': args.steps, 'seconds': seconds,
                      'charsPerSec': chars_per_sec, 'valLoss': val, 'lastLoss': losses[-1]}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd')
    sub.add_parser('gen')
    lg = sub.add_parser('logits')
    lg.add_argument('ckpt')
    lg.add_argument('prime')
    b = sub.add_parser('bench')
    b.add_argument('--input', action='append', required=True)
    b.add_argument('--steps', type=int, default=100)
    b.add_argument('--rnn-size', type=int, default=128)
    b.add_argument('--num-layers', type=int, default=2)
    b.add_argument('--batch-size', type=int, default=50)
    b.add_argument('--seq-length', type=int, default=50)
    b.add_argument('--learning-rate', type=float, default=0.002)
    b.add_argument('--grad-clip', type=float, default=5.0)
    b.add_argument('--dropout', type=float, default=0.5)
    b.add_argument('--val-frac', type=float, default=0.1)
    b.add_argument('--optimizer', default='adam')
    b.add_argument('--seed', type=int, default=1)
    b.add_argument('--threads', type=int, default=0)
    args = p.parse_args()
    if args.cmd in (None, 'gen'):
        cmd_gen(args)
    elif args.cmd == 'logits':
        cmd_logits(args)
    else:
        cmd_bench(args)


if __name__ == '__main__':
    sys.exit(main())
