// Issue 13, item 5: a checkpoint's training state (optimizer, scheduler, generator, position,
// carried LSTM state) is ONE file written by save() of @fackel/nn, checked when read; the
// version-1 layout (that state split between the JSON and a flat safetensors file) still loads.
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { load, save, saveSafetensors } from '@fackel/nn';
import { flattenStateDict } from '@fackel/optim';
import { type Tensor, memory } from '@fackel/tensor';
import { CheckpointError, loadCheckpoint, setupDevice, train, type CheckpointMeta, type TrainingState } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { TANNENBAUM, TINY } from './helpers.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let dir: string;

beforeAll(async () => {
  await setupDevice('cpu');
  dir = scratch('charrnn').dir;
  // 14 steps: mid-epoch 2, with the LSTM state carried into the next batch
  await train({ inputs: [TANNENBAUM], ...TINY, saveDir: dir, maxSteps: 14, checkpointEvery: 7, valEvery: 0, sampleLength: 0 });
});

/** A copy of the run's directory whose latest state file is replaced by `value` (its size and hash recorded). */
async function withState(value: unknown): Promise<string> {
  const copy = scratch('charrnn').dir;
  cpSync(dir, copy, { recursive: true });
  const meta = JSON.parse(readFileSync(join(copy, 'latest.json'), 'utf8')) as CheckpointMeta;
  await save(value as object, join(copy, meta.state!));
  const bytes = readFileSync(join(copy, meta.state!));
  Object.assign(meta, { stateBytes: bytes.length, stateSha256: sha256(bytes) });
  writeFileSync(join(copy, 'latest.json'), JSON.stringify(meta));
  return copy;
}

describe('the training-state file', () => {
  test('is one save() file: optimizer, scheduler, generator, position and the carried LSTM state, named by path', async () => {
    const ck = await loadCheckpoint(dir);
    const st = await load<TrainingState>(join(dir, ck.meta.state!));
    expect(Object.keys(st).sort()).toEqual(['hidden', 'optimizer', 'optimizerKind', 'position', 'rng', 'scheduler']);
    expect(st.position).toMatchObject({ step: 14, epoch: 1, batch: 2, hidden: true });
    expect(st.position).toEqual(ck.meta.position); // the JSON keeps a copy
    expect(st.hidden!.h.shape).toEqual([TINY.numLayers, TINY.batchSize, TINY.rnnSize]);
    expect(Object.keys(ck.state)).toContain('hidden.c');
    expect(Object.keys(ck.state)).toContain('optimizer.state.3.expAvgSq');
    expect(ck.training!.optimizer.state[3].expAvgSq).toBe(ck.state['optimizer.state.3.expAvgSq']);
    expect((ck.meta as { optimizer?: unknown }).optimizer).toBeUndefined(); // no longer in the JSON
    for (const t of [...Object.values(ck.weights), ...Object.values(ck.state), ...Object.values(st.hidden!)]) t.dispose();
  });

  test('a state file that does not fit is refused, naming the path inside it; nothing stays allocated', async () => {
    const good = await load<TrainingState>(join(dir, JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')).state as string));
    const cases: [(s: TrainingState) => unknown, RegExp][] = [
      [(s) => ({ ...s, position: { ...s.position, step: -1 } }), /'position\.step' must be a whole number/],
      [(s) => ({ ...s, optimizerKind: 'sgd' }), /'optimizerKind' must be "adam", "rmsprop" or "adamw", got "sgd"/],
      [(s) => ({ ...s, hidden: { h: s.hidden!.c, c: s.hidden!.h.reshape([-1]) } }), /'hidden\.c' must be a float32 tensor of shape \[2, 4, 16\]/],
      [(s) => ({ ...s, hidden: null }), /'position\.hidden' must say whether 'hidden' holds the LSTM state/],
      [(s) => ({ ...s, rng: { dropout: { ...s.rng.dropout, s: [1, 2] } } }), /'rng\.dropout\.s' must be 4 whole numbers/],
      [(s) => ({ ...s, scheduler: 3 }), /'scheduler' must be an object, got 3/],
    ];
    for (const [change, re] of cases) {
      const copy = await withState(change(good));
      const before = memory().tensors;
      const err = await loadCheckpoint(copy).catch((e: unknown) => e);
      expect(err, String(re)).toBeInstanceOf(CheckpointError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).toContain('.state.safetensors');
      expect(memory().tensors).toBe(before);
    }
    // a structure that references a tensor the file lacks: the save() reader's own check
    const copy = await withState(good);
    const meta = JSON.parse(readFileSync(join(copy, 'latest.json'), 'utf8')) as CheckpointMeta;
    await saveSafetensors(join(copy, meta.state!), { x: good.hidden!.h }, { 'fackel.structure': '{"version":1,"root":{"hidden":{"$tensor":"nope"}}}' });
    const bytes = readFileSync(join(copy, meta.state!));
    writeFileSync(join(copy, 'latest.json'), JSON.stringify({ ...meta, stateBytes: bytes.length, stateSha256: sha256(bytes) }));
    await expect(loadCheckpoint(copy)).rejects.toThrow(/the structure at 'hidden' refers to the tensor 'nope'/);
    for (const t of [good.hidden!.h, good.hidden!.c]) t.dispose();
  });

  test('a version-1 checkpoint (state in the JSON and a flat file) still loads and resumes', async () => {
    const v2 = await loadCheckpoint(dir);
    const tr = v2.training!;
    const v1dir = scratch('charrnn').dir;
    cpSync(dir, v1dir, { recursive: true });
    const flat = flattenStateDict(tr.optimizer, 'optimizer.');
    const stateFile = join(v1dir, v2.meta.state!);
    await saveSafetensors(stateFile, { ...flat.tensors, 'hidden.h': tr.hidden!.h, 'hidden.c': tr.hidden!.c });
    const { stateBytes: _b, stateSha256: _s, ...rest } = v2.meta;
    const v1 = {
      ...rest,
      version: 1,
      optimizer: { kind: tr.optimizerKind, stateDict: flat.json },
      scheduler: tr.scheduler,
      rng: tr.rng,
      position: tr.position,
    };
    writeFileSync(join(v1dir, 'latest.json'), JSON.stringify(v1));
    const back = await loadCheckpoint(v1dir);
    expect(back.meta.version).toBe(1);
    expect(back.training!.position).toEqual(tr.position);
    expect(back.training!.rng).toEqual(tr.rng);
    expect(back.training!.optimizer.paramGroups).toEqual(tr.optimizer.paramGroups);
    expect((back.training!.optimizer.state[0].expAvg as Tensor).tolistSync()).toEqual((tr.optimizer.state[0].expAvg as Tensor).tolistSync());
    expect(back.training!.hidden!.h.tolistSync()).toEqual(tr.hidden!.h.tolistSync());
    for (const t of [...Object.values(back.weights), ...Object.values(back.state), ...Object.values(v2.weights), ...Object.values(v2.state)]) t.dispose();
    // resuming either continues with the same losses
    const a = await train({ resume: v1dir, maxSteps: 18, valEvery: 0, sampleLength: 0, saveDir: null });
    const b = await train({ resume: dir, maxSteps: 18, valEvery: 0, sampleLength: 0, saveDir: null });
    expect(a.history.filter((p) => p.step > 14)).toEqual(b.history.filter((p) => p.step > 14).map((p) => ({ ...p, seconds: expect.any(Number) })));
  });
});
