#!/usr/bin/env python3
"""PyTorch worker for `pnpm bench` (benchmarks/src/suites/compare.ts).

Run with Debian's python3-torch: /usr/bin/python3 benchmarks/reference/torch_worker.py --threads N.
The runner also sets OPENBLAS_NUM_THREADS=N and OMP_NUM_THREADS=N in the environment (read
when the libraries load); this script calls torch.set_num_threads(N) and checks that OpenBLAS
agrees.

Protocol (see benchmarks/src/compare/protocol.ts): one JSON request per line on stdin, one
reply per request on stdout, prefixed by MARKER. Every other output goes to stderr.
"""
import argparse
import ctypes
import gc
import json
import os
import re
import resource
import sys
import time

MARKER = '@@bench '
_proto = sys.stdout
sys.stdout = sys.stderr  # anything printed by libraries stays off the protocol stream

import torch  # noqa: E402
from torch import nn  # noqa: E402

# pytorch-charRNN's model, the one the fixtures of packages/charrnn are made with
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts'))
from gen_charrnn_fixture import CharRNN  # noqa: E402


def reply(obj):
    _proto.write(MARKER + json.dumps(obj) + '\n')
    _proto.flush()


def max_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def loaded_libraries(words):
    found = []
    try:
        with open('/proc/self/maps') as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and any(w in parts[5] for w in words) and parts[5] not in found:
                    found.append(parts[5])
    except OSError:
        pass
    return found


def openblas_info():
    """The OpenBLAS library torch loaded (from /proc/self/maps), its configuration and threads."""
    libs = loaded_libraries(['openblas'])
    blas_libs = loaded_libraries(['libblas', 'openblas', 'libmkl', 'blis', 'atlas'])
    info = {'blasLibraries': blas_libs, 'openblas': None, 'openblasConfig': None, 'openblasThreads': None}
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_config.restype = ctypes.c_char_p
            info['openblas'] = path
            info['openblasConfig'] = lib.openblas_get_config().decode()
            info['openblasThreads'] = lib.openblas_get_num_threads()
            break
        except (OSError, AttributeError):
            continue
    return info


def int_stream(seed):
    """mulberry32, as intStream() in protocol.ts."""
    state = [seed & 0xFFFFFFFF]

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def nxt(n):
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        t = state[0]
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) % n

    return nxt


class Case:
    def __init__(self, run, dispose=lambda: None):
        self.run = run
        self.dispose = dispose


def setup_charrnn(s):
    torch.manual_seed(1)
    model = CharRNN(s['vocab'], s['hidden'], s['layers'], s['dropout'])
    model.train()
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=s['lr'])
    nxt = int_stream(42)
    b, t, v = s['batch'], s['seq'], s['vocab']
    batches = []
    for _ in range(4):
        x = torch.tensor([nxt(v) for _ in range(b * t)], dtype=torch.long).reshape(b, t)
        y = torch.tensor([nxt(v) for _ in range(b * t)], dtype=torch.long)
        batches.append((x, y))
    st = {'i': 0, 'hc': None}

    def run():
        x, y = batches[st['i'] % len(batches)]
        st['i'] += 1
        hc = st['hc']
        if hc is not None:
            hc = tuple(h.detach() for h in hc)
        logits, hc = model(x, hc)
        loss = nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, s['clip'])
        opt.step()
        loss.item()  # what a training loop reads back
        st['hc'] = hc

    return Case(run)


def setup_pima(s):
    torch.manual_seed(0)
    rows = []
    with open(s['csv']) as f:
        for line in f:
            if line.strip():
                rows.append([float(c) for c in line.split(',')])
    data = torch.tensor(rows, dtype=torch.float32)
    x, y = data[:, :-1].contiguous(), data[:, -1:].contiguous()
    sizes = [x.shape[1]] + list(s['hidden']) + [1]
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.Sigmoid()]
    model = nn.Sequential(*layers)
    criterion = nn.BCELoss()
    opt = torch.optim.SGD(model.parameters(), lr=s['lr'])

    def run():
        loss = criterion(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return Case(run)


def setup(spec):
    kind = spec['kind']
    if kind == 'charrnn':
        return setup_charrnn(spec)
    if kind == 'pima':
        return setup_pima(spec)
    if kind == 'add':
        a, b, reps = torch.randn(spec['size']), torch.randn(spec['size']), spec['reps']

        def run_add():
            for _ in range(reps):
                torch.add(a, b)
        return Case(run_add)
    if kind == 'copy':
        src, dst, reps = torch.randn(spec['size']), torch.empty(spec['size']), spec['reps']

        def run_copy():
            for _ in range(reps):
                dst.copy_(src)
        return Case(run_copy)
    if kind == 'matmul':
        n, reps = spec['size'], spec['reps']
        a, b = torch.randn(n, n), torch.randn(n, n)

        def run_mm():
            for _ in range(reps):
                torch.mm(a, b)
        return Case(run_mm)
    raise ValueError('unknown case kind %r' % kind)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(True)
    cases = {}
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        rid = req.get('id', -1)
        try:
            op = req['op']
            if op == 'info':
                info = {'library': 'PyTorch', 'version': torch.__version__, 'threads': torch.get_num_threads(),
                        'interopThreads': torch.get_num_interop_threads(), 'python': sys.version.split()[0],
                        'executable': sys.executable,
                        'env': {k: os.environ.get(k) for k in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS')}}
                info.update(openblas_info())
                build = re.search(r'BLAS_INFO=(\w+)', torch.__config__.show())
                info['blasInfo'] = build.group(1) if build else None
                par = re.search(r'ATen parallel backend: (\S+)', torch.__config__.parallel_info())
                info['parallelBackend'] = par.group(1) if par else None
                reply({'id': rid, 'ok': True, 'info': info})
            elif op == 'setup':
                old = cases.pop(req['key'], None)
                if old:
                    old.dispose()
                cases[req['key']] = setup(req['spec'])
                gc.collect()
                reply({'id': rid, 'ok': True})
            elif op == 'run':
                case = cases[req['key']]
                times = []
                for _ in range(req['samples']):
                    t0 = time.perf_counter()
                    case.run()
                    times.append((time.perf_counter() - t0) * 1000.0)
                reply({'id': rid, 'ok': True, 'times': times})
            elif op == 'dispose':
                old = cases.pop(req['key'], None)
                if old:
                    old.dispose()
                gc.collect()
                reply({'id': rid, 'ok': True})
            elif op == 'memory':
                gc.collect()
                baseline = max_rss_kb()
                case = setup(req['spec'])
                for _ in range(req['steps']):
                    case.run()
                peak = max_rss_kb()
                reply({'id': rid, 'ok': True, 'baselineKB': baseline, 'peakKB': peak})
            elif op == 'exit':
                reply({'id': rid, 'ok': True})
                return
            else:
                raise ValueError('unknown op %r' % op)
        except Exception as e:  # noqa: BLE001 - reported to the runner, the worker stays usable
            import traceback
            reply({'id': rid, 'ok': False, 'error': '%s: %s\n%s' % (type(e).__name__, e, traceback.format_exc())})


if __name__ == '__main__':
    main()
