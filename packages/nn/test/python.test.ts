import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { Generator, noGrad, tensor, type Tensor } from '@fackel/tensor';
import { LSTM, Linear, Module, saveSafetensors } from '../src/index.js';
import { expectTensorClose, scratch, type JsonTensor } from '@fackel/testkit';
import { FWD, charInput } from './helpers.js';

registerCpuBackend();

// The files Fackel writes must load in PyTorch. This needs Debian's python3 with torch;
// elsewhere the checks are skipped with the reason in their name.
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts', 'gen_nn_fixtures.py');
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const reason = hasTorch ? '' : ` (skipped: ${PYTHON} with torch is not available)`;

const tmp = scratch('nn');
afterAll(() => tmp.cleanup());

interface Report {
  metadata: Record<string, string> | null;
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | boolean)[] }>;
  output?: JsonTensor;
}

function verify(path: string): Report {
  const r = spawnSync(PYTHON, [SCRIPT, '--verify', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`gen_nn_fixtures.py --verify failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

class CharRNN extends Module<[Tensor], Tensor> {
  lstm: LSTM;
  fc: Linear;
  constructor(vocab: number, hidden: number, layers: number, g: Generator) {
    super();
    this.lstm = new LSTM(vocab, hidden, { numLayers: layers, dropout: 0.5, batchFirst: true, generator: g });
    this.fc = new Linear(hidden, vocab, { generator: g });
  }
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.lstm.forward(x)[0]);
  }
}

describe('files written by Fackel load in PyTorch', () => {
  it.skipIf(!hasTorch)(`a char-RNN state dict loads with load_state_dict(strict=True) and gives Fackel's output${reason}`, async () => {
    const [V, H, L, B, S] = [13, 10, 2, 3, 4];
    const m = new CharRNN(V, H, L, new Generator(17)).eval();
    const path = join(tmp.dir, 'charrnn.safetensors');
    await saveSafetensors(path, m.stateDict(), {
      format: 'pt',
      fackel_model: 'charrnn',
      vocab: `${V}`,
      hidden: `${H}`,
      layers: `${L}`,
      batch: `${B}`,
      seq: `${S}`,
    });
    const report = verify(path);
    expect(Object.keys(report.tensors).sort()).toEqual(Object.keys(m.stateDict()).sort());
    const y = noGrad(() => m.forward(charInput(V, B, S)));
    expectTensorClose(y, report.output!, FWD, 'torch output of the Fackel weights');
  });

  it.skipIf(!hasTorch)(`every dtype Fackel writes reads back in Python with its values${reason}`, async () => {
    const path = join(tmp.dir, 'dtypes.safetensors');
    const t = {
      f: tensor([
        [0.5, -1.25],
        [3, 1e-7],
      ]),
      i: tensor([-7, 0, 2147483647], { dtype: 'int32' }),
      b: tensor([true, false]),
      d: tensor([1 / 3], { dtype: 'float64' }),
      s: tensor(4),
    };
    await saveSafetensors(path, t, { note: 'ünïcödé ✓' });
    const r = verify(path);
    expect(r.metadata).toEqual({ note: 'ünïcödé ✓' });
    expect(r.tensors.f).toEqual({ dtype: 'float32', shape: [2, 2], values: Array.from(t.f.dataSync()) });
    expect(r.tensors.i).toEqual({ dtype: 'int32', shape: [3], values: [-7, 0, 2147483647] });
    expect(r.tensors.b).toEqual({ dtype: 'bool', shape: [2], values: [true, false] });
    expect(r.tensors.d).toEqual({ dtype: 'float64', shape: [1], values: [1 / 3] });
    expect(r.tensors.s).toEqual({ dtype: 'float32', shape: [], values: [4] });
  });
});
