// Issue 12, items 5, 7 and 10: the explosion guard compares with an untrained model's loss;
// CLI errors are one line with an exit status by kind; inputs are checked (whole numbers,
// caps per option, texts that cannot be learnt, binary files, devices and FIFOs, a bounded
// final validation, shell-quoted suggestions).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { main, parseArgs, setupDevice, shellQuote, train, UsageError, type TrainEvent } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { TANNENBAUM, TINY, captureIO, readText } from './helpers.js';

const tiny = ['--rnn-size', '16', '--batch-size', '4', '--seq-length', '10', '--sample-length', '10', '--quiet'];

beforeAll(async () => {
  await setupDevice('cpu');
});

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

describe('the explosion guard', () => {
  test('a loss already exploded at the first read (--learning-rate 1e9) fails the run (exit 1) and is never saved as best', async () => {
    const dir = scratch('charrnn').dir;
    const c = captureIO();
    expect(await main(['train', '--input', TANNENBAUM, '--save-dir', dir, '--learning-rate', '1e9', '--max-steps', '20', ...tiny], c.io)).toBe(1);
    expect(lines(c.err())).toHaveLength(1);
    expect(c.err()).toMatch(
      /^Training stopped at step \d+: the (training|validation) loss (exploded to [\d.e+]+, above the limit [\d.]+ \(2 × ln \d+ \+ 2: an untrained model's loss is ln \d+ = [\d.]+\)|became NaN)\. No checkpoint was written/,
    );
    expect(existsSync(join(dir, 'best.json'))).toBe(false);
    expect(existsSync(join(dir, 'latest.json'))).toBe(false);
    expect(c.out()).not.toMatch(/Sample more with/);
  });
});

describe('CLI errors are one line, with an exit status by kind', () => {
  test('data errors (an empty file, a binary, a text of one character) exit 3 without a stack trace', async () => {
    const dir = scratch('charrnn').dir;
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const nul = join(dir, 'nul.txt');
    writeFileSync(nul, Buffer.alloc(5000));
    const invalid = join(dir, 'latin1.txt');
    writeFileSync(invalid, Buffer.from('Gr\xfc\xdfe aus K\xf6ln\n'.repeat(200), 'latin1'));
    for (const [file, message] of [
      [empty, new RegExp(`${empty}: the text is empty`)],
      ['/bin/ls', /\/bin\/ls:\d+:\d+: the file is not valid UTF-8/],
      [invalid, /latin1\.txt:1:3: the file is not valid UTF-8: byte 0xfc/],
      [nul, /the training text has only one distinct character \(U\+0000, 5,000 times\): a model needs at least 2 different characters/],
      ['/dev/zero', /--input \/dev\/zero is a character device; give a regular text file/],
      [dir, /is a directory; give a regular text file/],
      [join(dir, 'missing.txt'), /cannot read --input .*missing\.txt: no such file/],
    ] as const) {
      const save = join(dir, 'save');
      const c = captureIO();
      expect(await main(['train', '--input', file, '--save-dir', save, ...tiny], c.io)).toBe(3);
      expect(lines(c.err())).toHaveLength(1);
      expect(c.err()).toMatch(/^fackel-charrnn: error: /);
      expect(c.err()).toMatch(message);
      expect(c.err()).toMatch(/nothing in .*save was changed\n$/);
      expect(c.err()).not.toMatch(/\bat .*\.(ts|js):\d+/);
      expect(existsSync(save)).toBe(false); // not even an empty directory is left behind
    }
  });

  test('--save-dir that is a file (EEXIST/ENOTDIR) exits 4 with one line; FACKEL_DEBUG=1 adds the stack', async () => {
    const dir = scratch('charrnn').dir;
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const c = captureIO();
    expect(await main(['train', '--input', TANNENBAUM, '--save-dir', file, ...tiny], c.io)).toBe(4);
    expect(c.err()).toBe(`fackel-charrnn: error: --save-dir ${file} is a file, not a directory; nothing was changed (choose another --save-dir)\n`);
    const d = captureIO();
    expect(await main(['train', '--input', TANNENBAUM, '--save-dir', join(file, 'sub'), ...tiny], d.io)).toBe(4);
    expect(d.err()).toBe(`fackel-charrnn: error: --save-dir ${join(file, 'sub')}: a part of that path is a file, not a directory; nothing was changed\n`);
    process.env.FACKEL_DEBUG = '1';
    try {
      const e = captureIO();
      expect(await main(['train', '--input', TANNENBAUM, '--save-dir', file, ...tiny], e.io)).toBe(4);
      expect(lines(e.err())[0]).toMatch(/is a file, not a directory/);
      expect(e.err()).toMatch(/\n\s+at /);
    } finally {
      delete process.env.FACKEL_DEBUG;
    }
  });
});

describe('CLI inputs', () => {
  test('whole numbers are plain decimals within a cap per option, and the error names the option', () => {
    expect(() => parseArgs('train', ['--rnn-size', '1000000000'])).toThrow('--rnn-size must be <= 4096, got "1000000000"');
    expect(() => parseArgs('train', ['--num-layers', '100000'])).toThrow('--num-layers must be <= 16');
    expect(() => parseArgs('train', ['--batch-size', '99999999'])).toThrow('--batch-size must be <= 4096');
    expect(() => parseArgs('sample', ['ck', '--length', '99999999999'])).toThrow('--length must be <= 10,000,000');
    for (const raw of ['99999999999999999999', '0x10', '1e3', '+5', '1_000', ' 5', '5.0', '']) {
      expect(() => parseArgs('train', ['--seed', raw])).toThrow(UsageError);
      expect(() => parseArgs('train', ['--seed', raw])).toThrow(/^--seed must be a whole number from 0 to 4,294,967,295/);
    }
    for (const raw of ['0x10', 'Infinity', '1e999', '0b1', ''])
      expect(() => parseArgs('train', ['--learning-rate', raw])).toThrow(/^--learning-rate must be a (decimal|finite) number/);
    expect(parseArgs('train', ['--seed', '42', '--learning-rate', '2e-3', '--dropout', '.25', '--force']).options).toEqual({
      seed: 42,
      learningRate: 0.002,
      dropout: 0.25,
      force: true,
    });
    const c = captureIO();
    return main(['train', '--rnn-size', '1000000000'], c.io).then((code) => {
      expect(code).toBe(2);
      expect(c.err()).toBe('fackel-charrnn: --rnn-size must be <= 4096, got "1000000000" (see fackel-charrnn train --help)\n');
    });
  });

  test('a binary-looking text trains with a warning', async () => {
    const noisy = readText(TANNENBAUM).replace(/e/g, '\x01');
    const events: TrainEvent[] = [];
    await train({ text: noisy, ...TINY, saveDir: null, maxSteps: 1, sampleLength: 0, onEvent: (e) => events.push(e) });
    const warning = events.find((e) => e.type === 'warning') as { message: string } | undefined;
    expect(warning?.message).toMatch(/the text looks binary, not like text: \d+\.\d% of its characters are control characters \(U\+0001\)/);
  });

  test('validation is bounded: --val-batches, and the final validation stops at the --max-minutes deadline (and says so)', async () => {
    const text = readText(TANNENBAUM).repeat(600); // ~346 000 characters: 865 validation batches of 4 × 10
    const events: TrainEvent[] = [];
    const r = await train({ text, ...TINY, saveDir: null, maxSteps: 3, valEvery: 1, valBatches: 5, sampleLength: 0, onEvent: (e) => events.push(e) });
    const all = (events.find((e) => e.type === 'start') as Extract<TrainEvent, { type: 'start' }>).valChars;
    const valBatches = Math.floor((all - 1) / 40);
    expect(valBatches).toBeGreaterThan(800);
    const vals = events.filter((e) => e.type === 'validation') as Extract<TrainEvent, { type: 'validation' }>[];
    expect(vals.map((v) => [v.batches, v.totalBatches])).toEqual([
      [5, 5],
      [5, 5],
      [5, 5],
    ]);
    expect(events.find((e) => e.type === 'info' && e.message.includes(`validation uses the first 5 of ${valBatches} validation batches`))).toBeDefined();
    expect(r.stopReason).toBe('max-steps');

    const late: TrainEvent[] = [];
    const t0 = performance.now();
    // a limit of 60 ms: the grace after it is 1 s, far less than all validation batches of a wide model
    const slow = await train({ text, ...TINY, rnnSize: 256, saveDir: null, maxMinutes: 0.001, valBatches: 0, sampleLength: 0, onEvent: (e) => late.push(e) });
    const seconds = (performance.now() - t0) / 1000;
    expect(slow.stopReason).toBe('max-minutes');
    const final = late.filter((e) => e.type === 'validation').at(-1) as Extract<TrainEvent, { type: 'validation' }>;
    expect(final.totalBatches).toBe(valBatches);
    expect(final.batches).toBeLessThan(valBatches);
    expect(
      late.find((e) => e.type === 'warning' && e.message.includes(`stopped at the --max-minutes limit after ${final.batches} of ${valBatches} batches`)),
    ).toBeDefined();
    expect(seconds).toBeLessThan(15);
  });

  test('"Sample more with" is shell-quoted when the path holds spaces or quotes', async () => {
    expect(shellQuote('save/ckpt-000002.json')).toBe('save/ckpt-000002.json');
    expect(shellQuote("my runs/it's")).toBe(`'my runs/it'\\''s'`);
    const dir = join(scratch('charrnn').dir, "my runs/it's $HOME");
    mkdirSync(dir, { recursive: true });
    const c = captureIO();
    expect(await main(['train', '--input', TANNENBAUM, '--save-dir', dir, '--max-steps', '2', ...tiny], c.io)).toBe(0);
    const suggested = /Sample more with: (.*)\n/.exec(c.out())![1];
    const words = spawnSync('sh', ['-c', `for w in ${suggested}; do printf '%s\\n' "$w"; done`], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n');
    expect(words).toEqual(['fackel-charrnn', 'sample', join(dir, 'ckpt-000002.json'), '--length', '500']);
  });
});
