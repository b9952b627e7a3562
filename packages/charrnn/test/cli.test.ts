import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { Generator } from '@fackel/tensor';
import { drawIndex, generateIds, main, parseArgs, samplingProbs, setupDevice, UsageError } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { TANNENBAUM, ERLKOENIG, captureIO } from './helpers.js';

const tiny = ['--rnn-size', '16', '--batch-size', '4', '--seq-length', '10', '--sample-length', '30'];

beforeAll(async () => {
  await setupDevice('cpu');
});

describe('argument parsing', () => {
  test('kebab case, = values, repeated --input, the original snake_case names, --gpu', () => {
    const { options } = parseArgs('train', ['--rnn_size=64', '--input', 'a.txt', '--in_file', 'b.txt', '--dropout_prob', '0.2', '--gpu', '--grad-clip', '0']);
    expect(options).toEqual({ rnnSize: 64, inputs: ['a.txt', 'b.txt'], dropout: 0.2, device: 'webgpu', gradClip: 0 });
    expect(parseArgs('sample', ['ck', '--num_samples', '5', '--top_k', '3']).options).toEqual({ length: 5, topK: 3 });
  });
  test("char-rnn's single-dash spellings and pytorch-charRNN's names (the parser of @fackel/tools)", () => {
    const { options } = parseArgs('train', [
      '-rnn_size',
      '64',
      '-num_layers',
      '3',
      '-max_epochs',
      '5',
      '-learning_rate',
      '2e-3',
      '-data_dir',
      'a.txt',
      '-checkpoint_dir',
      'cv',
      '-h',
    ]);
    expect(options).toEqual({ rnnSize: 64, numLayers: 3, numEpochs: 5, learningRate: 0.002, inputs: ['a.txt'], saveDir: 'cv', help: true });
    expect(parseArgs('train', ['--n_hidden', '32', '--n_layers', '1', '--drop_prob', '0.3', '--clip', '5']).options).toEqual({
      rnnSize: 32,
      numLayers: 1,
      dropout: 0.3,
      gradClip: 5,
    });
    expect(parseArgs('sample', ['cv/latest.json', '-primetext', 'The', '-length', '50', '-temperature', '0.7'])).toEqual({
      options: { prime: 'The', length: 50, temperature: 0.7 },
      positionals: ['cv/latest.json'],
    });
    expect(() => parseArgs('train', ['-x'])).toThrow(/unknown option -x/);
    expect(() => parseArgs('train', ['-rnn_size', '0x10'])).toThrow(/--rnn-size must be a whole number from 1 to 4096 \(decimal digits\)/);
  });
  test('mistakes name the option', () => {
    expect(() => parseArgs('train', ['--rnn-size', 'x'])).toThrow(/--rnn-size must be a whole number/);
    expect(() => parseArgs('train', ['--dropout', '1'])).toThrow(/--dropout must be < 1/);
    expect(() => parseArgs('train', ['--optimizer', 'sgd'])).toThrow(/adam, rmsprop/);
    expect(() => parseArgs('train', ['--seq-len', '3'])).toThrow(UsageError);
    expect(() => parseArgs('train', ['--save-dir'])).toThrow(/needs a value/);
  });
});

describe('sampling', () => {
  test('temperature and top-k', () => {
    const p = samplingProbs([2, 1, 0, -1], { topK: 2 });
    expect(p[2]).toBe(0);
    expect(p[0] + p[1]).toBeCloseTo(1, 12);
    expect(p[0] / p[1]).toBeCloseTo(Math.E, 10);
    const cold = samplingProbs([2, 1, 0], { temperature: 0.01 });
    expect(cold[0]).toBeCloseTo(1, 10);
    const hot = samplingProbs([2, 1, 0], { temperature: 1000 });
    expect(hot[2]).toBeGreaterThan(0.33);
    expect(() => samplingProbs([1], { temperature: 0 })).toThrow(/temperature/);
    expect(drawIndex([0, 0, 1], new Generator(1))).toBe(2);
  });
  test('the loop is seeded: the same seed gives the same ids', async () => {
    const logits = (ids: Int32Array) => [ids[ids.length - 1] % 3, 1, 0.5];
    const a = await generateIds(logits, { vocabSize: 3, prime: Int32Array.of(0), length: 50, seed: 4 });
    const b = await generateIds(logits, { vocabSize: 3, prime: Int32Array.of(0), length: 50, seed: 4 });
    const c = await generateIds(logits, { vocabSize: 3, prime: Int32Array.of(0), length: 50, seed: 5 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(await generateIds(logits, { vocabSize: 3, prime: Int32Array.of(0), length: 5, topK: 1 }))).toEqual([1, 0, 1, 0, 1]); // greedy; ties go to the lower id
  });
});

describe('fackel-charrnn (in-process)', () => {
  test('train prints the original progress lines, writes the JSON-lines log, a report, and a sample; sample streams reproducibly', async () => {
    const dir = scratch('charrnn').dir;
    const c = captureIO(false);
    const code = await main(
      ['train', '--input', TANNENBAUM, '--save-dir', dir, '--num-epochs', '2', '--print-every', '4', '--checkpoint-every', '8', ...tiny],
      c.io,
    );
    expect(c.err()).toBe('');
    expect(code).toBe(0);
    const out = c.out();
    // the original's line, then the speed and the ETA (not only on a terminal)
    expect(out).toMatch(/^Epoch: 1\/2\.\.\. Step: 4\.\.\. Loss: \d\.\d{4}\.\.\. Val Loss: (-|\d\.\d{4})\.\.\. Chars\/s: [\d,]+\.\.\. ETA: \d+:\d\d$/m);
    expect(out).toMatch(/^Epoch: 2\/2\.\.\. Step: 24\.\.\. .*\.\.\. ETA: 0:00$/m);
    expect(out).toMatch(/^Epoch: 2\/2\.\.\. Step: 24\.\.\. Loss: \d\.\d{4}\.\.\. Val Loss: \d\.\d{4}/m);
    expect(out).toMatch(/Checkpoint at step 8 \(val loss \d\.\d{4}, best so far\)/);
    expect(out).toMatch(/--- sample at step 24 \(temperature 0\.8\) ---\n[\s\S]{30}\n---/);
    expect(out).not.toMatch(/\r|\x1b\[/); // no terminal control codes when not a terminal
    const log = readFileSync(join(dir, 'train-log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log[0]).toMatchObject({ event: 'start', stepsPerEpoch: 12 });
    expect(log.filter((e) => e.event === 'print')).toHaveLength(6);
    expect(log.filter((e) => e.event === 'checkpoint').map((e) => e.step)).toEqual([8, 16, 24]);
    expect(log.at(-1)).toMatchObject({ event: 'stop', reason: 'done' });

    const s1 = captureIO();
    const s2 = captureIO();
    const s3 = captureIO();
    expect(await main(['sample', dir, '--prime', 'O T', '--length', '40', '--seed', '3'], s1.io)).toBe(0);
    await main(['sample', join(dir, 'latest.json'), '--prime', 'O T', '--length', '40', '--seed', '3'], s2.io);
    await main(['sample', dir, '--prime', 'O T', '--length', '40', '--seed', '4', '--top-k', '3', '--temperature', '1.5'], s3.io);
    expect(s1.out()).toBe(s2.out());
    expect(s1.out()).not.toBe(s3.out());
    expect([...s1.out()]).toHaveLength(3 + 40 + 1);

    const bad = captureIO();
    expect(await main(['sample', dir, '--prime', 'Ωmega ö'], bad.io)).toBe(3); // a data error
    expect(bad.err()).toMatch(/prime text has 2 characters that are not in the vocabulary.*"Ω" \(U\+03A9\).*"ö" \(U\+00F6\)/);
  });

  test('on a terminal: a live progress bar with epoch, step, losses, chars/s and ETA', async () => {
    const c = captureIO(true);
    expect(
      await main(
        ['train', '--input', TANNENBAUM, '--save-dir', scratch('charrnn').dir, '--max-steps', '6', '--print-every', '2', '--val-every', '2', ...tiny],
        c.io,
      ),
    ).toBe(0);
    expect(c.out()).toMatch(/\r\x1b\[2K\[[#-]+\] +\d+\.\d% \| epoch 1\/25 \| step \d+\/6 \| loss \d\.\d{4} \| val \d\.\d{4} \| [\d,]+ char\/s \| ETA \d+:\d\d/);
  });

  test('several --input files are joined; usage errors exit 2; unknown characters with --init-from exit 3', async () => {
    const dir = scratch('charrnn').dir;
    const c = captureIO();
    expect(await main(['train', '--input', TANNENBAUM, '--input', ERLKOENIG, '--save-dir', dir, '--max-steps', '2', '--quiet', ...tiny], c.io)).toBe(0);
    const log = JSON.parse(readFileSync(join(dir, 'train-log.jsonl'), 'utf8').split('\n')[0]) as { trainChars: number; valChars: number };
    expect(log.trainChars + log.valChars).toBe(577 + 1 + 1307);
    const u = captureIO();
    expect(await main(['train', '--bogus'], u.io)).toBe(2);
    expect(u.err()).toMatch(/unknown option --bogus/);
    expect(await main(['sample'], u.io)).toBe(2);
    const v = captureIO();
    const small = scratch('charrnn').dir;
    await main(['train', '--input', TANNENBAUM, '--save-dir', small, '--max-steps', '1', '--quiet', ...tiny], captureIO().io);
    expect(await main(['train', '--init-from', small, '--input', ERLKOENIG, '--save-dir', scratch('charrnn').dir, '--quiet'], v.io)).toBe(3);
    expect(v.err()).toMatch(/training text .* not in the vocabulary/);
    expect(v.err()).toMatch(/"ö"/);
  });
});
