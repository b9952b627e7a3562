import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { CharVocab, charBatches, VocabularyError } from '@fackel/data';
import { load, loadSafetensors, save } from '@fackel/nn';
import { memory } from '@fackel/tensor';
import { evaluateLoss, loadCheckpoint, setupDevice, train, type TrainEvent, type TrainOptions, type TrainingState } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { ERLKOENIG, TANNENBAUM, TINY, readText } from './helpers.js';

beforeAll(async () => {
  await setupDevice('cpu');
});

/** A quick run on O Tannenbaum (577 characters; 12 steps per epoch at batch 4 × 10). */
async function run(o: TrainOptions = {}) {
  const events: TrainEvent[] = [];
  const r = await train({ inputs: [TANNENBAUM], ...TINY, saveDir: null, printEvery: 1, valEvery: 0, sampleLength: 0, onEvent: (e) => events.push(e), ...o });
  const losses = r.history.filter((h) => h.loss !== undefined).map((h) => h.loss!);
  return { r, events, losses };
}

describe('train', () => {
  test('learns: the loss falls, the state dict is PyTorch-named, a sample comes out', async () => {
    const { r, losses } = await run({ numEpochs: 8, sampleLength: 30, learningRate: 0.01, dropout: 0 });
    expect(r.stopReason).toBe('done');
    expect(r.step).toBe(8 * 12);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-12))).toBeLessThan(mean(losses.slice(0, 3)) - 0.8);
    expect(r.sample.length).toBe(30);
    expect(Object.keys(r.model.stateDict())).toContain('lstm.weight_hh_l1');
  });

  test('every option changes what it should', async () => {
    const base = await run({ maxSteps: 3, dropout: 0.5 });
    const same = await run({ maxSteps: 3, dropout: 0.5 });
    expect(same.losses).toEqual(base.losses); // seeded: reproducible
    const differs = async (o: TrainOptions) => (await run({ maxSteps: 3, dropout: 0.5, ...o })).losses.some((l, i) => Math.abs(l - base.losses[i]) > 1e-6);
    expect(await differs({ dropout: 0 })).toBe(true); // --dropout is honoured (the original ignored it)
    expect(await differs({ gradClip: 1e-6 })).toBe(true); // --grad-clip is honoured (the original hard-wired 5)
    expect(await differs({ learningRate: 0.05 })).toBe(true);
    expect(await differs({ seed: 2 })).toBe(true);
    expect(await differs({ optimizer: 'rmsprop' })).toBe(true);
    expect(await differs({ embeddingSize: 8 })).toBe(true);

    const shapes = await run({ maxSteps: 1, rnnSize: 12, numLayers: 3 });
    expect(shapes.r.model.lstm.numLayers).toBe(3);
    expect(shapes.r.model.lstm.hiddenSize).toBe(12);
    expect(shapes.r.model.stateDict()['lstm.weight_hh_l2'].shape).toEqual([48, 12]);

    const sizes = await run({ maxSteps: 1, batchSize: 2, seqLength: 7, valFrac: 0.2 });
    const start = sizes.events.find((e) => e.type === 'start') as Extract<TrainEvent, { type: 'start' }>;
    expect([start.batchSize, start.seqLength]).toEqual([2, 7]);
    expect(start.valChars).toBe(Math.floor(577 * 0.2));
    expect(start.stepsPerEpoch).toBe(Math.floor((577 - 115 - 1) / 14));

    const epochs = await run({ numEpochs: 2, printEvery: 5 });
    expect(epochs.r.step).toBe(24);
    expect(epochs.events.filter((e) => e.type === 'print').map((e) => (e as { step: number }).step)).toEqual([5, 10, 15, 20, 24]);

    const minutes = await run({ maxMinutes: 1e-6 });
    expect(minutes.r.stopReason).toBe('max-minutes');
    expect(minutes.r.step).toBe(1);
  });

  test('validation runs in eval mode: the same loss every time, dropout or not', async () => {
    const { r } = await run({ maxSteps: 2, dropout: 0.5, valEvery: 1 });
    const ids = r.vocab.encode(readText(TANNENBAUM));
    const { val } = charBatches(ids, { batchSize: 4, seqLength: 10, valFrac: 0.1 });
    const a = await evaluateLoss(r.model, val);
    const b = await evaluateLoss(r.model, val);
    expect(a).toBe(b);
    expect(Math.abs(a - r.lastValLoss!)).toBeLessThan(1e-6);
    expect(r.model.training).toBe(true);
  });

  test('memory stays flat: as many live tensors after step 20 as after step 2', async () => {
    const counts = new Map<number, number>();
    await train({
      inputs: [TANNENBAUM],
      ...TINY,
      saveDir: null,
      printEvery: 1,
      valEvery: 0,
      sampleLength: 0,
      maxSteps: 20,
      onEvent: (e) => {
        if (e.type === 'step') counts.set(e.step, memory().tensors);
      },
    });
    // (step 12 ends epoch 1, where the LSTM state is reset: compare steps inside epochs)
    expect(counts.get(20)).toBe(counts.get(2));
    expect(counts.get(11)).toBe(counts.get(2));
    expect(counts.get(15)).toBe(counts.get(2));
  });

  test('--resume continues exactly: the losses after the stop equal an uninterrupted run to 1e-6', async () => {
    const settings: TrainOptions = { dropout: 0.3, lrDecay: 0.5, lrDecayAfter: 0, checkpointEvery: 7, valEvery: 5, keep: 2 };
    const whole = await run({ ...settings, maxSteps: 30, saveDir: scratch('charrnn').dir });
    const dir = scratch('charrnn').dir;
    const first = await run({ ...settings, maxSteps: 16, saveDir: dir }); // stops mid-epoch 2 (12 steps per epoch), after a checkpoint at 14
    expect(first.r.stopReason).toBe('max-steps');
    const resumed = await run({ resume: dir, maxSteps: 30, inputs: undefined, saveDir: undefined });
    expect(resumed.r.step).toBe(30);
    const tail = (h: typeof whole.r.history) => h.filter((p) => p.loss !== undefined && p.step > 16).map((p) => [p.step, p.loss!]);
    const a = tail(whole.r.history);
    const b = tail(resumed.r.history);
    expect(b.map((p) => p[0])).toEqual(a.map((p) => p[0]));
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i][1] - b[i][1])).toBeLessThan(1e-6);
    expect(Math.abs(whole.r.lastValLoss! - resumed.r.lastValLoss!)).toBeLessThan(1e-6);
    // the log was continued, not restarted
    const log = readFileSync(join(dir, 'train-log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; step?: number });
    expect(log.filter((e) => e.event === 'print').map((e) => e.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // a resumed run keeps its settings
    await expect(run({ resume: dir, learningRate: 0.1, inputs: undefined })).rejects.toThrow(/--learning-rate 0.1 conflicts/);
  });

  test('checkpoints: save dir created, safetensors + JSON, latest and best, old ones pruned', async () => {
    const dir = join(scratch('charrnn').dir, 'nested', 'save');
    const { r } = await run({ numEpochs: 2, checkpointEvery: 5, keep: 2, saveDir: dir, valEvery: 5, sampleLength: 20 });
    const files = readdirSync(dir).sort();
    expect(files).toContain('latest.json');
    expect(files).toContain('best.json');
    expect(files).toContain('report.html');
    expect(files).toContain('train-log.jsonl');
    const ckpts = files.filter((f) => /^ckpt-\d+\.json$/.test(f));
    const best = JSON.parse(readFileSync(join(dir, 'best.json'), 'utf8')) as { weights: string; losses: { valLoss: number; bestValLoss: number } };
    expect(best.losses.valLoss).toBe(best.losses.bestValLoss);
    expect(ckpts.length).toBeLessThanOrEqual(3); // 2 newest + the best
    expect(ckpts).toContain(best.weights.replace('.safetensors', '.json'));
    const latest = await loadCheckpoint(dir);
    expect(latest.meta.position?.step).toBe(r.step);
    expect(latest.meta.position).toMatchObject({ epoch: 2, batch: 0 });
    expect(latest.vocab.chars).toEqual(r.vocab.chars);
    expect(Object.keys(latest.weights)).toContain('fc.bias');
    expect(Object.keys(latest.state)).toContain('optimizer.state.0.expAvg');
    expect(latest.meta.samples!.length).toBeGreaterThan(0);
    expect(latest.training?.rng.dropout.s).toHaveLength(4);
    expect(latest.training?.position).toEqual(latest.meta.position);
    expect(latest.meta.version).toBe(2);
    // the state file is one save() file; the weights file a plain state dict under PyTorch's names
    const st = await load<TrainingState>(join(dir, latest.meta.state!));
    expect(st.optimizerKind).toBe('adam');
    expect(st.position.step).toBe(r.step);
    expect(Object.keys(st.optimizer.state)).toHaveLength(Object.keys(latest.weights).length);
    const plain = await loadSafetensors(join(dir, latest.meta.weights));
    expect(Object.keys(plain.tensors).sort()).toEqual(Object.keys(latest.weights).sort());
    for (const t of [...Object.values(plain.tensors), ...Object.values(latest.weights), ...Object.values(latest.state)]) t.dispose();
  });

  test('--init-from keeps the checkpoint vocabulary; a text with unknown characters is an error naming them', async () => {
    const dir = scratch('charrnn').dir;
    const a = await run({ maxSteps: 3, saveDir: dir });
    // a text that uses only some of the characters: the vocabulary must stay the checkpoint's
    const text = readText(TANNENBAUM).replace(/[A-Z]/g, '').repeat(2);
    const b = await run({ initFrom: dir, inputs: undefined, text, maxSteps: 1 });
    expect(b.r.vocab.chars).toEqual(a.r.vocab.chars);
    expect(CharVocab.fromText(text).size).toBeLessThan(a.r.vocab.size); // re-deriving would scramble ids
    expect(b.r.step).toBe(1); // a new run
    const err = await run({ initFrom: dir, inputs: [ERLKOENIG], maxSteps: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VocabularyError);
    expect((err as Error).message).toMatch(/not in the vocabulary/);
    expect((err as VocabularyError).missing.map((m) => m.char)).toContain('ö');
    await expect(run({ initFrom: dir, rnnSize: 32, maxSteps: 1 })).rejects.toThrow(/--rnn-size 32 conflicts/);
  });

  test('too short a text: sizes reduced with a warning, or a clear error with the minimum size', async () => {
    const events: TrainEvent[] = [];
    const r = await train({
      text: 'Oh Tannenbaum, wie treu sind deine Blätter! '.repeat(3),
      saveDir: null,
      rnnSize: 8,
      numLayers: 1,
      maxSteps: 2,
      sampleLength: 0,
      onEvent: (e) => events.push(e),
    });
    expect(r.settings.batchSize * r.settings.seqLength).toBeLessThan(50 * 50);
    const warning = events.find((e) => e.type === 'warning') as { message: string };
    expect(warning.message).toMatch(/too short.*using batchSize \d+ and seqLength \d+/);
    expect(Number.isFinite(r.lastValLoss)).toBe(true); // never 'Val Loss: nan'
    await expect(train({ text: 'abc'.repeat(100), saveDir: null, shrink: false, maxSteps: 1 })).rejects.toThrow(/at least 25010 characters/);
    await expect(train({ text: 'ab', saveDir: null, maxSteps: 1 })).rejects.toThrow(/too short/);
  });

  test('a loss that explodes stops training and keeps the last good checkpoint', async () => {
    const dir = scratch('charrnn').dir;
    const good = await run({ maxSteps: 4, checkpointEvery: 2, saveDir: dir, valEvery: 0, gradClip: 0 });
    expect(good.r.stopReason).toBe('max-steps');
    // the same run continues with an absurd learning rate (as if the schedule had gone wrong)
    const latest = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { state: string; stateBytes: number; stateSha256: string };
    const statePath = join(dir, latest.state);
    const st = await load<TrainingState>(statePath);
    for (const g of st.optimizer.paramGroups) g.lr = 1e4;
    await save(st, statePath);
    const bytes = readFileSync(statePath);
    latest.stateBytes = bytes.length;
    latest.stateSha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(dir, 'latest.json'), JSON.stringify(latest));
    const { r } = await run({ resume: dir, inputs: undefined, saveDir: undefined, maxSteps: 40, checkpointEvery: 1, valEvery: 0 });
    expect(['nan', 'exploded']).toContain(r.stopReason);
    expect(r.message).toMatch(/last good checkpoint is .*ckpt-000004\.json/);
    const after = await loadCheckpoint(dir);
    expect(after.meta.position!.step).toBe(4);
    const finite = Object.values(after.weights).every((t) => Array.from(t.dataSync()).every(Number.isFinite));
    expect(finite).toBe(true);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });
});
