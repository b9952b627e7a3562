// Issue 14: a character-level Transformer beside the char-LSTM (`fackel-charrnn train --model
// transformer`): nanoGPT's layout and names, PyTorch's logits, and the char-RNN's training,
// checkpoints, resume and sampling.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { Generator, tensor } from '@fackel/tensor';
import {
  CharGPT,
  TRAIN_DEFAULTS,
  TRANSFORMER_DEFAULTS,
  Trainer,
  gptElements,
  gptStateDictShapes,
  isGPTConfig,
  learningRateSchedule,
  loadCheckpoint,
  loadModel,
  main,
  primeLogits,
  randomWindowBatch,
  randomWindowOffsets,
  sample,
  setupDevice,
  splitMix64,
  train,
  type CharGPTConfig,
  type TransformerTrainOptions,
} from '../src/index.js';
import { repoRoot, scratch, sharedData } from '@fackel/testkit';
import { TANNENBAUM, captureIO, hasTorch, readText, torchLogits, worstDiff } from './helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const expected = JSON.parse(readFileSync(fixture('torch-gpt.expected.json'), 'utf8')) as {
  prime: string;
  separate: { logits: number[][]; keys: string[] };
  tied: { logits: number[][]; keys: string[] };
};
const SMALL: CharGPTConfig = { kind: 'transformer', vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true, tieWeights: true };
const BEAUTY = sharedData('tx_EN_5_Sleeping_Beauty.txt');
const tempDir = (): string => scratch('charrnn').dir;
/** A tiny transformer, quick on a laptop CPU. */
const TINY_GPT: TransformerTrainOptions = {
  model: 'transformer',
  nLayer: 2,
  nHead: 2,
  nEmbd: 32,
  batchSize: 8,
  seqLength: 32,
  learningRate: 3e-3,
  warmupSteps: 20,
  printEvery: 10,
  valEvery: 0,
  sampleLength: 0,
};

beforeAll(async () => {
  await setupDevice('cpu');
});

/** The unigram entropy of a text in nats: the loss of the best model that ignores context. */
function unigramEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / text.length) * Math.log(n / text.length);
  return h;
}

describe('CharGPT', () => {
  test("nanoGPT's state-dict names, shapes and parameter count; a tied head is the embedding", () => {
    const m = new CharGPT(SMALL, { generator: new Generator(1) });
    const sd = m.stateDict();
    const shapes = gptStateDictShapes(SMALL);
    expect(Object.keys(sd)).toEqual(Object.keys(shapes));
    for (const [k, t] of Object.entries(sd)) expect(t.shape).toEqual(shapes[k]);
    expect(Object.keys(sd)).toEqual(expected.separate.keys); // the same names and order as PyTorch's
    expect(m.lm_head.weight).toBe(m.transformer.wte.weight);
    expect(m.numParameters()).toBe(gptElements(SMALL));
    const untied = new CharGPT({ ...SMALL, tieWeights: false, bias: false });
    expect(untied.lm_head.weight).not.toBe(untied.transformer.wte.weight);
    expect(Object.keys(untied.stateDict())).toEqual(expected.tied.keys);
    expect(untied.numParameters()).toBe(gptElements({ ...SMALL, tieWeights: false, bias: false }));
    expect(() => new CharGPT({ ...SMALL, nHead: 3 })).toThrow(/nEmbd 16 must be a multiple of nHead 3/);
  });

  test('causal: a position never sees later characters; feeding in pieces gives the same logits as at once', async () => {
    const m = new CharGPT(SMALL, { generator: new Generator(2) });
    const a = tensor([[1, 2, 3, 4, 5, 6]], { dtype: 'int32' });
    const b = tensor([[1, 2, 3, 9, 9, 9]], { dtype: 'int32' });
    const [la] = m.forward(a);
    const [lb] = m.forward(b);
    const rows = async (t: typeof la, n: number) => Array.from(await t.narrow(0, 0, n).data());
    expect(await rows(lb, 3)).toEqual(await rows(la, 3));
    expect(Array.from(await la.data())).not.toEqual(Array.from(await lb.data()));
    // the context carried as state: [1, 2, 3] then [4, 5, 6] equals the whole
    const [first, state] = m.forward(tensor([[1, 2, 3]], { dtype: 'int32' }));
    const [second] = m.forward(tensor([[4, 5, 6]], { dtype: 'int32' }), state);
    const whole = Array.from(await la.data());
    const pieces = [...Array.from(await first.data()), ...Array.from(await second.data())];
    pieces.forEach((v, i) => expect(Math.abs(v - whole[i])).toBeLessThan(1e-5));
    expect(() => m.forward(tensor([Array.from({ length: 9 }, () => 1)], { dtype: 'int32' }))).toThrow(/more than the context of 8/);
  });
});

describe('PyTorch interop', () => {
  for (const kind of ['separate', 'tied'] as const) {
    test(`a nanoGPT-layout checkpoint written by PyTorch (${kind} head) gives PyTorch's logits to 1e-4`, async () => {
      const { model, vocab } = await loadModel(fixture(`torch-gpt-${kind}.json`));
      expect(model).toBeInstanceOf(CharGPT);
      const rows = await primeLogits(model, vocab, expected.prime);
      expect(rows).toHaveLength(expected[kind].logits.length);
      expect(worstDiff(rows, expected[kind].logits)).toBeLessThan(1e-4);
      const spread = Math.max(...expected[kind].logits.flat()) - Math.min(...expected[kind].logits.flat());
      expect(spread).toBeGreaterThan(1); // trained weights: the comparison is not of near-zero numbers
    });
  }

  test.skipIf(!hasTorch() && !process.env.CI)('a transformer checkpoint written by Fackel loads into torch (strict) and gives the same logits', async () => {
    const dir = tempDir();
    const r = await train({ ...TINY_GPT, inputs: [TANNENBAUM], maxSteps: 5, saveDir: dir, tieWeights: false, bias: true });
    const prime = 'O Tannenbaum';
    const ours = await primeLogits(r.model, r.vocab, prime);
    const theirs = torchLogits('gen_gpt_fixture.py', r.checkpoint ?? '', prime);
    expect(theirs.keys).toContain('transformer.h.1.mlp.c_proj.bias');
    expect(worstDiff(ours, theirs.logits)).toBeLessThan(1e-4);
  });
});

describe('training a transformer', () => {
  test("nanoGPT's schedule: linear warm-up, cosine decay to minLr, then minLr", () => {
    const s = {
      ...TRAIN_DEFAULTS,
      ...TRANSFORMER_DEFAULTS,
      model: 'transformer' as const,
      learningRate: 1e-3,
      minLr: 1e-4,
      warmupSteps: 100,
      lrDecaySteps: 2000,
    };
    const f = learningRateSchedule(s);
    expect(f(0)).toBeCloseTo(1 / 101, 12);
    expect(f(99)).toBeCloseTo(100 / 101, 12);
    expect(f(100)).toBeCloseTo(1, 12);
    expect(f(1050)).toBeCloseTo((1e-4 + 0.5 * 9e-4) / 1e-3, 12);
    expect(f(2000)).toBeCloseTo(0.1, 12);
    expect(f(5000)).toBeCloseTo(0.1, 12);
    // the LSTM's schedule is unchanged: per epoch, lrDecay past lrDecayAfter
    expect(learningRateSchedule({ ...TRAIN_DEFAULTS, lrDecay: 0.5, lrDecayAfter: 2 })(4)).toBe(0.25);
  });

  test('the loss falls below the unigram entropy within a few hundred steps; samples come out', async () => {
    const text = readText(BEAUTY);
    const h = unigramEntropy(text);
    const r = await train({ ...TINY_GPT, inputs: [BEAUTY], maxSteps: 200, saveDir: null, sampleLength: 60, valEvery: 100 });
    expect(r.model).toBeInstanceOf(CharGPT);
    const losses = r.history.filter((p) => p.loss !== undefined).map((p) => p.loss ?? Number.NaN);
    expect(losses[0]).toBeGreaterThan(h); // starts near ln V, above the unigram entropy
    expect(r.lastLoss).toBeLessThan(h - 0.2);
    expect(r.lastValLoss).toBeLessThan(Math.log(r.vocab.size));
    expect([...r.sample]).toHaveLength(60);
    expect(r.settings).toMatchObject({ model: 'transformer', optimizer: 'adamw', gradClip: 1, dropout: 0, lrDecaySteps: 200 });
    console.log(
      `transformer, 200 steps on Sleeping Beauty: loss ${r.lastLoss?.toFixed(3)}, val ${r.lastValLoss?.toFixed(3)}, unigram entropy ${h.toFixed(3)}, ${Math.round(r.charsPerSec)} chars/s`,
    );
  });

  test('checkpoints, --resume (exactly: the same losses as an uninterrupted run), sampling from the CLI', async () => {
    const o: TransformerTrainOptions = {
      ...TINY_GPT,
      inputs: [TANNENBAUM],
      batchSize: 4,
      seqLength: 16,
      valFrac: 0.2,
      printEvery: 1,
      checkpointEvery: 6,
      warmupSteps: 4,
      dropout: 0.1,
    };
    const whole = await train({ ...o, maxSteps: 14, saveDir: tempDir(), lrDecaySteps: 14 });
    const dir = tempDir();
    const first = await train({ ...o, maxSteps: 8, saveDir: dir, lrDecaySteps: 14 });
    expect(first.stopReason).toBe('max-steps');
    const ck = await loadCheckpoint(dir);
    expect(ck.config).toMatchObject({ kind: 'transformer', blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 32 });
    expect(ck.training?.optimizerKind).toBe('adamw');
    expect(ck.training?.hidden).toBeNull();
    expect(ck.meta.hyperparameters?.batching).toBe('random'); // the transformer's default: nanoGPT's random windows
    // AdamW as nanoGPT's: weight decay on the matrices and embeddings, none on biases and gains
    const groups = ck.training?.optimizer.paramGroups ?? [];
    expect(groups.map((g) => g.weightDecay)).toEqual([0.1, 0]);
    expect(groups.map((g) => g.betas)).toEqual([
      [0.9, 0.99],
      [0.9, 0.99],
    ]);
    const dims = Object.entries(isGPTConfig(ck.config) ? gptStateDictShapes(ck.config) : {}).filter(([k]) => k !== 'lm_head.weight');
    expect(groups.map((g) => g.params.length)).toEqual([dims.filter(([, d]) => d.length >= 2).length, dims.filter(([, d]) => d.length < 2).length]);
    for (const t of [...Object.values(ck.weights), ...Object.values(ck.state)]) t.dispose();
    // the model kind must be given: a transformer checkpoint is not resumed as an LSTM
    await expect(train({ resume: dir, maxSteps: 14 })).rejects.toThrow(/holds a transformer: give --model transformer/);
    const resumed = await train({ resume: dir, model: 'transformer', maxSteps: 14, printEvery: 1 });
    expect(resumed.step).toBe(14);
    const tail = (h: typeof whole.history) => h.filter((p) => p.loss !== undefined && p.step > 8).map((p) => [p.step, p.loss ?? Number.NaN]);
    const a = tail(whole.history);
    const b = tail(resumed.history);
    expect(b.map((p) => p[0])).toEqual(a.map((p) => p[0]));
    a.forEach((p, i) => expect(Math.abs((p[1] ?? 0) - (b[i]?.[1] ?? 0))).toBeLessThan(1e-5));
    // sampling: the library (seeded: the same text twice, top-k honoured) and the CLI
    const s1 = await sample(resumed.model, resumed.vocab, { prime: 'O Tannenbaum', length: 40, temperature: 0.8, topK: 5, seed: 3 });
    const s2 = await sample(resumed.model, resumed.vocab, { prime: 'O Tannenbaum', length: 40, temperature: 0.8, topK: 5, seed: 3 });
    expect(s1).toBe(s2);
    expect([...s1]).toHaveLength(12 + 40); // a prime of 12 and 40 more: past the context of 16
    const c = captureIO();
    expect(await main(['sample', dir, '--prime', 'O Tannenbaum', '--length', '30', '--top-k', '3', '--temperature', '0.7', '--seed', '1'], c.io)).toBe(0);
    expect([...c.out().replace(/\n$/, '')]).toHaveLength(12 + 30); // the sample, then one newline (the sample itself may end in white space)
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/char-Transformer training report/);
  });

  test('the CLI: --model transformer with its options; a Trainer plan states the model', async () => {
    const dir = tempDir();
    const c = captureIO();
    const code = await main(
      [
        'train',
        '--model',
        'transformer',
        '--input',
        TANNENBAUM,
        '--n-layer',
        '1',
        '--n-head',
        '2',
        '--n-embd',
        '16',
        '--no-tie-weights',
        '--bias',
        '--batch-size',
        '4',
        '--seq-length',
        '16',
        '--val-frac',
        '0.2',
        '--max-steps',
        '3',
        '--save-dir',
        dir,
        '--sample-length',
        '10',
        '--quiet',
      ],
      c.io,
    );
    expect([code, c.err()]).toEqual([0, '']);
    const ck = await loadCheckpoint(dir, { withState: false });
    expect(ck.config).toMatchObject({ kind: 'transformer', nLayer: 1, nEmbd: 16, bias: true, tieWeights: false, blockSize: 16 });
    expect(ck.meta.hyperparameters).toMatchObject({ model: 'transformer', warmupSteps: 100, weightDecay: 0.1, beta2: 0.99 });
    expect(ck.meta.hyperparameters).not.toHaveProperty('rnnSize');
    for (const t of Object.values(ck.weights)) t.dispose();
    const bad = captureIO();
    expect(await main(['train', '--model', 'transformer', '--input', TANNENBAUM, '--n-head', '3', '--max-steps', '1', '--save-dir', tempDir()], bad.io)).toBe(
      2,
    );
    expect(bad.err()).toMatch(/--n-embd \(nEmbd\) 128 must be a multiple of --n-head \(nHead\) 3/);
    const plan = await new Trainer({ model: 'transformer', text: readText(BEAUTY).repeat(2), saveDir: null }).settings();
    expect(plan.config).toMatchObject({ kind: 'transformer', blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, bias: false, tieWeights: true });
    expect(plan.settings).toMatchObject({ batchSize: 12, seqLength: 64, learningRate: 1e-3, dropout: 0, gradClip: 1, optimizer: 'adamw' });
  });
});

describe("nanoGPT's random-window batching", () => {
  test("SplitMix64 and the windows' offsets are the Python side's (scripts/gen_gpt_fixture.py split_mix64)", () => {
    // values printed by the Python definition (and SplitMix64's published first output for seed 0)
    expect(splitMix64(0, 0).toString(16)).toBe('e220a8397b1dcdaf');
    expect([0, 1, 2].map((i) => splitMix64(1, i).toString(16))).toEqual(['910a2dec89025cc1', 'beeb8da1658eec67', 'f893a2eefb32555e']);
    // tinyshakespeare's training split (1 003 855 characters), context 64, batch 12, step 5
    expect(randomWindowOffsets(1, 5, 12, 1003855 - 64)).toEqual([
      778551, 426623, 485045, 521675, 851268, 793465, 537510, 231080, 801808, 12962, 133919, 347352,
    ]);
    expect(randomWindowOffsets(12345, 7, 3, 1000)).toEqual([300, 447, 415]);
    expect(() => randomWindowOffsets(1, 0, 2, 0)).toThrow(/count must be a positive integer/);
  });

  test.skipIf(!hasTorch() && !process.env.CI)("the benchmark's PyTorch side draws the same windows (random_windows of scripts/gen_gpt_fixture.py)", () => {
    const code = [
      'import sys, json, torch',
      `sys.path.insert(0, ${JSON.stringify(join(repoRoot(), 'scripts'))})`,
      'from gen_gpt_fixture import random_windows',
      'x, y = random_windows(torch.arange(500), 5, 16, 3, 11)',
      'print(json.dumps([x.tolist(), y.tolist()]))',
    ].join('\n');
    const [x, y] = JSON.parse(execFileSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8', timeout: 120_000 })) as number[][][];
    const ours = randomWindowBatch(
      Int32Array.from({ length: 500 }, (_, i) => i),
      { batchSize: 5, seqLength: 16, seed: 3, step: 11 },
    );
    expect(x?.flat()).toEqual(Array.from(ours.x));
    expect(y?.flat()).toEqual(Array.from(ours.y));
  });

  test('reproducible with a seed; windows lie within the training split and cover it; targets shifted by one', () => {
    const data = Int32Array.from({ length: 1000 }, (_, i) => i);
    const o = { batchSize: 12, seqLength: 64, seed: 7, step: 3 };
    const a = randomWindowBatch(data, o);
    expect(randomWindowBatch(data, o)).toEqual(a);
    expect(randomWindowBatch(data, { ...o, seed: 8 }).offsets).not.toEqual(a.offsets);
    expect(randomWindowBatch(data, { ...o, step: 4 }).offsets).not.toEqual(a.offsets);
    a.offsets.forEach((start, r) => {
      expect(Array.from(a.x.subarray(r * 64, (r + 1) * 64))).toEqual(Array.from({ length: 64 }, (_, j) => start + j));
      expect(Array.from(a.y.subarray(r * 64, (r + 1) * 64))).toEqual(Array.from({ length: 64 }, (_, j) => start + j + 1));
    });
    const starts: number[] = [];
    for (let step = 0; step < 400; step++) starts.push(...randomWindowOffsets(7, step, 12, 1000 - 64));
    expect(Math.min(...starts)).toBe(0); // 4 800 draws from 936 starts: both ends are reached
    expect(Math.max(...starts)).toBe(1000 - 64 - 1); // the last window's target is the split's last character
    // roughly uniform: each tenth of the starts gets 10 % ± 2 %
    const tenths = new Array<number>(10).fill(0);
    for (const v of starts) tenths[Math.floor((v / 936) * 10)]++;
    for (const n of tenths) expect(Math.abs(n / starts.length - 0.1)).toBeLessThan(0.02);
  });

  test('a run draws its windows from the training split only, the same with the same seed; --batching streams and LSTM runs keep streams', async () => {
    const text = readText(TANNENBAUM);
    const trainer = new Trainer({ ...TINY_GPT, text, batchSize: 4, seqLength: 16, valFrac: 0.2, saveDir: null });
    const plan = await trainer.settings();
    expect(plan.settings.batching).toBe('random');
    const trainLength = plan.batches.train.data.length;
    expect(trainLength).toBe(text.length - Math.floor(text.length * 0.2));
    for (let step = 0; step < 200; step++) {
      for (const start of randomWindowOffsets(plan.settings.seed, step, 4, trainLength - 16)) expect(start + 16).toBeLessThan(trainLength);
    }
    await trainer.close();
    const o: TransformerTrainOptions = { ...TINY_GPT, text, batchSize: 4, seqLength: 16, valFrac: 0.2, maxSteps: 6, printEvery: 1, saveDir: null };
    const losses = (r: { history: { loss?: number }[] }) => r.history.flatMap((p) => (p.loss !== undefined ? [p.loss] : []));
    const a = await train(o);
    const b = await train(o);
    expect(losses(b)).toEqual(losses(a));
    const streams = await train({ ...o, batching: 'streams' });
    expect(streams.settings.batching).toBe('streams');
    expect(losses(streams)).not.toEqual(losses(a));
    expect(losses(await train({ ...o, seed: 2 }))).not.toEqual(losses(a));
    // the LSTM carries its state across contiguous streams: random windows are refused
    expect(TRAIN_DEFAULTS.batching).toBe('streams');
    await expect(train({ text, batching: 'random', maxSteps: 1, saveDir: null })).rejects.toThrow(/--batching random needs --model transformer/);
  });

  test('a checkpoint from before the option (no batching saved) resumes on streams; a resumed run keeps its batching', async () => {
    const o: TransformerTrainOptions = { ...TINY_GPT, inputs: [TANNENBAUM], batchSize: 4, seqLength: 16, valFrac: 0.2, checkpointEvery: 2, lrDecaySteps: 6 };
    const dir = tempDir();
    await train({ ...o, maxSteps: 2, saveDir: dir });
    await expect(train({ resume: dir, model: 'transformer', batching: 'streams', maxSteps: 4 })).rejects.toThrow(
      /--batching streams conflicts with the checkpoint's random/,
    );
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json') && !n.includes('log'))) {
      const j = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { hyperparameters?: Record<string, unknown> };
      if (j.hyperparameters === undefined) continue;
      delete j.hyperparameters.batching;
      writeFileSync(join(dir, f), JSON.stringify(j));
    }
    const resumed = await train({ resume: dir, model: 'transformer', maxSteps: 4 });
    expect(resumed.step).toBe(4);
    expect(resumed.settings.batching).toBe('streams');
  });
});
