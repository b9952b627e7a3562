import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { Adam } from '@fackel/optim';
import { Generator, arange, tensor, type Tensor } from '@fackel/tensor';
import { LSTM, SAVE_STRUCTURE_KEY, save } from '../src/index.js';
import { scratch } from '@fackel/testkit';

registerCpuBackend();

// A file of save() must read in Python as ordinary safetensors: Debian's python3-torch has
// no `safetensors` module, so the repository's reader (scripts/safetensors_io.py, which
// torch fixtures use) stands in for `safetensors.torch.load_file`. Skipped without torch,
// unless CI is set.
const PYTHON = '/usr/bin/python3';
const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts');
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;
const skip = !hasTorch && !process.env.CI;
const reason = hasTorch ? '' : ` (skipped: ${PYTHON} with torch is not available)`;

const READER = `
import json, sys
sys.path.insert(0, sys.argv[1])
from safetensors_io import read_safetensors
tensors, meta = read_safetensors(sys.argv[2])
out = {'metadata': meta, 'structure': json.loads(meta['${SAVE_STRUCTURE_KEY}']), 'tensors': {}}
for name, t in tensors.items():
    out['tensors'][name] = {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'hex': t.contiguous().numpy().tobytes().hex()}
print(json.dumps(out))
`;

interface PythonView {
  metadata: Record<string, string>;
  structure: { version: number; root: Record<string, unknown> };
  tensors: Record<string, { dtype: string; shape: number[]; hex: string }>;
}

function readInPython(path: string): PythonView {
  const r = spawnSync(PYTHON, ['-c', READER, SCRIPTS, path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python could not read ${path}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as PythonView;
}

function hexOf(t: Tensor): string {
  const d = t.dataSync();
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
}

const tmp = scratch('nn');
afterAll(() => tmp.cleanup());

describe('save() files in Python', () => {
  it.skipIf(skip)(`read as ordinary safetensors: names, dtypes, shapes, bits, and the structure as JSON${reason}`, async () => {
    const lstm = new LSTM(4, 3, { generator: new Generator(5) });
    const opt = new Adam(lstm.parameters(), { lr: 0.01 });
    for (const p of lstm.parameters()) p.grad = p.detach().mul(0.5);
    opt.step();
    const value = {
      model: lstm.stateDict(),
      optimizer: opt.stateDict(),
      rng: new Generator(9).getState(),
      step: 1,
      extra: {
        f32: tensor(new Float32Array(new Uint32Array([0x80000000, 0x7fc00000, 0x00000001, 0x3dcccccd]).buffer)),
        f64: tensor(Float64Array.of(-0, 5e-324, 0.1), { dtype: 'float64' }),
        i32: tensor([[-2147483648, 7]], { dtype: 'int32' }),
        mask: tensor([true, false, true]),
        scalar: tensor(2.5),
        empty: tensor([], { dtype: 'float32' }).reshape([0, 2]),
        view: arange(6).float().reshape([2, 3]).t(),
        numbers: [0.1, 1e-300, -0, NaN],
      },
    };
    const path = join(tmp.dir, 'ckpt.safetensors');
    await save(value, path);
    const py = readInPython(path);
    const expected: Record<string, [Tensor, string]> = {
      'model.weight_ih_l0': [value.model.weight_ih_l0!, 'float32'],
      'model.bias_hh_l0': [value.model.bias_hh_l0!, 'float32'],
      'optimizer.state.0.expAvg': [value.optimizer.state[0].expAvg as Tensor, 'float32'],
      'optimizer.state.3.expAvgSq': [value.optimizer.state[3].expAvgSq as Tensor, 'float32'],
      'extra.f32': [value.extra.f32, 'float32'],
      'extra.f64': [value.extra.f64, 'float64'],
      'extra.i32': [value.extra.i32, 'int32'],
      'extra.mask': [value.extra.mask, 'bool'],
      'extra.scalar': [value.extra.scalar, 'float32'],
      'extra.empty': [value.extra.empty, 'float32'],
      'extra.view': [value.extra.view, 'float32'],
    };
    expect(Object.keys(py.tensors)).toHaveLength(4 + 4 * 2 + 7);
    for (const [name, [t, dtype]] of Object.entries(expected)) {
      expect(py.tensors[name], name).toEqual({ dtype, shape: [...t.shape], hex: hexOf(t) });
    }
    expect(py.tensors['extra.view'].shape).toEqual([3, 2]); // written contiguous, transposed
    expect(py.metadata.format).toBe('pt');
    const root = py.structure.root as {
      step: number;
      rng: unknown;
      model: Record<string, unknown>;
      optimizer: { paramGroups: { lr: number }[] };
      extra: { numbers: unknown[] };
    };
    expect(py.structure.version).toBe(1);
    expect(root.step).toBe(1);
    expect(root.rng).toEqual(new Generator(9).getState());
    expect(root.model.weight_ih_l0).toEqual({ $tensor: 'model.weight_ih_l0' });
    expect(root.optimizer.paramGroups[0].lr).toBe(0.01);
    expect(root.extra.numbers).toEqual([0.1, 1e-300, { $number: '-0' }, { $number: 'NaN' }]);
  });
});
