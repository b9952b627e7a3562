import { describe, expect, it } from 'vitest';
import { UsageError, parseCommandLine, parseOptionList, parseOptionValue, type OptionSpecs } from '../src/index.js';

const SPECS = {
  input: { kind: 'strings', key: 'inputs' },
  'rnn-size': { kind: 'int', min: 1, max: 4096 },
  seed: { kind: 'int', min: 0, max: 4_294_967_295, default: 0 },
  'learning-rate': { kind: 'number', min: 0, gt: true },
  dropout: { kind: 'number', min: 0, max: 1, lt: true },
  device: { kind: 'string', choices: ['cpu', 'webgpu'] },
  quiet: { kind: 'boolean', default: false },
  help: { kind: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

const CONFIG = { aliases: { 'in-file': 'input', lr: 'learning-rate' }, presets: { gpu: { option: 'device', value: 'webgpu' } }, command: 'train' };

describe('parseCommandLine', () => {
  it('reads --name value, --name=value, snake_case, aliases, presets, -h and repeated options, typed', () => {
    const { options, positionals } = parseCommandLine(
      ['--rnn_size=64', '--input', 'a.txt', '--in_file', 'b.txt', '--lr', '.5', '--gpu', '-h', '--quiet=false'],
      SPECS,
      CONFIG,
    );
    expect(options).toEqual({ rnnSize: 64, inputs: ['a.txt', 'b.txt'], learningRate: 0.5, device: 'webgpu', help: true, quiet: false, seed: 0 });
    expect(positionals).toEqual([]);
    const typed: number | undefined = options.rnnSize;
    const device: 'cpu' | 'webgpu' | undefined = options.device;
    expect([typed, device]).toEqual([64, 'webgpu']);
  });

  it("accepts char-rnn's single dash only when asked; negative numbers stay values", () => {
    expect(parseCommandLine(['-rnn_size', '8', '-lr', '1e-3'], SPECS, { ...CONFIG, singleDash: true }).options).toMatchObject({
      rnnSize: 8,
      learningRate: 0.001,
    });
    expect(() => parseCommandLine(['-rnn_size', '8'], SPECS, CONFIG)).toThrow(/unknown option -rnn_size for 'train' \(options are spelled --like-this\)/);
    expect(() => parseCommandLine(['--dropout', '-0.5'], SPECS, CONFIG)).toThrow('--dropout must be >= 0, got "-0.5"');
  });

  it('positionals only when allowed; -- ends the options', () => {
    expect(parseCommandLine(['ck.json', '--seed', '3', '--', '--quiet'], SPECS, { positionals: true })).toEqual({
      options: { seed: 3, quiet: false },
      positionals: ['ck.json', '--quiet'],
    });
    expect(() => parseCommandLine(['ck.json'], SPECS, CONFIG)).toThrow(/unexpected argument "ck.json" for 'train'/);
  });

  it('every mistake is a UsageError naming the option', () => {
    const cases: [string[], RegExp | string][] = [
      [['--rnn-size', 'x'], '--rnn-size must be a whole number from 1 to 4096 (decimal digits), got "x"'],
      [['--rnn-size', '5000'], '--rnn-size must be <= 4096, got "5000"'],
      [['--rnn-size', '0'], '--rnn-size must be >= 1, got "0"'],
      [['--dropout', '1'], '--dropout must be < 1, got "1"'],
      [['--learning-rate', '0'], '--learning-rate must be > 0, got "0"'],
      [['--device', 'tpu'], '--device must be one of cpu, webgpu, got "tpu"'],
      [['--quiet=maybe'], '--quiet takes no value (got "maybe")'],
      [['--gpu=1'], /--gpu takes no value .* it stands for --device webgpu/],
      [['--seed'], '--seed needs a value'],
      [['--seed', '--quiet'], '--seed needs a value'],
      [['--rnn'], "unknown option --rnn for 'train' (did you mean --rnn-size?)"],
      [['--nope'], "unknown option --nope for 'train'"],
      [['-z'], /unknown option -z/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseCommandLine(argv, SPECS, CONFIG), argv.join(' ')).toThrow(UsageError);
      expect(() => parseCommandLine(argv, SPECS, CONFIG), argv.join(' ')).toThrow(message);
    }
  });

  it('whole numbers are plain decimal digits within the cap; numbers are finite decimals', () => {
    for (const raw of ['0x10', '1e3', '+5', '1_000', '1.0', '', ' 7', '9007199254740993']) {
      expect(() => parseOptionValue('seed', raw, SPECS.seed), raw).toThrow(/^--seed must be a whole number from 0 to 4,294,967,295/);
    }
    expect(parseOptionValue('seed', '4294967295', SPECS.seed)).toBe(4294967295);
    expect(() => parseOptionValue('seed', '4294967296', SPECS.seed)).toThrow('--seed must be <= 4,294,967,295');
    for (const raw of ['0x10', 'Infinity', 'NaN', '1e999', '0b1', '', '1,5', '2e']) {
      expect(() => parseOptionValue('lr', raw, { kind: 'number' }), raw).toThrow(/^--lr must be a (decimal|finite) number/);
    }
    expect(['0.002', '2e-3', '.5', '5.', '-1'].map((r) => parseOptionValue('lr', r, { kind: 'number' }))).toEqual([0.002, 0.002, 0.5, 5, -1]);
  });

  it('lists: comma-separated, spaces ignored, empty is empty, each element checked', () => {
    expect(parseOptionList('hidden', '6, 4', { kind: 'int', min: 1 })).toEqual([6, 4]);
    expect(parseOptionList('hidden', ' ', { kind: 'int', min: 1 })).toEqual([]);
    expect(() => parseOptionList('hidden', '6,x', { kind: 'int', min: 1 })).toThrow(/--hidden must be a whole number >= 1 \(decimal digits\), got "x"/);
    expect(parseOptionList('models', 'a,b', { kind: 'string', choices: ['a', 'b'] })).toEqual(['a', 'b']);
  });

  it('does not let a name reach the prototype', () => {
    expect(() => parseCommandLine(['--constructor', '1'], SPECS, CONFIG)).toThrow(/unknown option --constructor/);
    expect(() => parseCommandLine(['--__proto__', '1'], SPECS, CONFIG)).toThrow(UsageError);
  });
});
