import { FackelError } from '@fackel/tensor';
import { CHARRNN_LIMITS } from './model.js';

/**
 * Command-line parsing for `fackel-charrnn`: kebab-case options (`--rnn-size 128` or
 * `--rnn-size=128`), the original's snake_case spellings accepted as aliases
 * (`--rnn_size`, `--in_file`, `--num_samples`, `--gpu`), typed and range-checked values
 * (whole numbers are plain decimals within a cap per option; numbers are decimal), and an
 * error that names the option for anything wrong.
 */

/** The kind of value an option takes. */
type Kind = 'int' | 'num' | 'str' | 'bool' | 'strs';

interface Spec {
  kind: Kind;
  /** Smallest allowed value (numbers). */
  min?: number;
  /** Whether min is exclusive. */
  gt?: boolean;
  max?: number;
  lt?: boolean;
  choices?: readonly string[];
  /** Property name in the parsed object (default: camelCase of the option). */
  key?: string;
}

/**
 * A command-line mistake: an unknown option, a missing or malformed value. The CLI prints
 * the message and the usage and exits with status 2.
 *
 * @example
 * ```ts
 * import { UsageError } from '@fackel/charrnn';
 * throw new UsageError('--rnn-size must be a whole number >= 1, got "abc"');
 * ```
 */
export class UsageError extends FackelError {}

/** Cap of counts of steps and the like (a billion). */
const BIG = 1_000_000_000;
/** Seeds are 32-bit (the dropout generator's seed is derived by adding to it). */
const MAX_SEED = 4_294_967_295;
/** Characters sampled at most (ten million). */
const MAX_SAMPLE = 10_000_000;

const TRAIN: Record<string, Spec> = {
  input: { kind: 'strs', key: 'inputs' },
  'save-dir': { kind: 'str' },
  'rnn-size': { kind: 'int', min: 1, max: CHARRNN_LIMITS.hiddenSize },
  'num-layers': { kind: 'int', min: 1, max: CHARRNN_LIMITS.numLayers },
  'embedding-size': { kind: 'int', min: 0, max: CHARRNN_LIMITS.embeddingSize },
  'batch-size': { kind: 'int', min: 1, max: 4096 },
  'seq-length': { kind: 'int', min: 1, max: 4096 },
  'num-epochs': { kind: 'int', min: 1, max: 1_000_000 },
  'print-every': { kind: 'int', min: 1, max: BIG },
  'val-every': { kind: 'int', min: 0, max: BIG },
  'val-batches': { kind: 'int', min: 0, max: BIG },
  'checkpoint-every': { kind: 'int', min: 0, max: BIG },
  keep: { kind: 'int', min: 1, max: 10_000 },
  'learning-rate': { kind: 'num', min: 0, gt: true },
  'grad-clip': { kind: 'num', min: 0 },
  dropout: { kind: 'num', min: 0, max: 1, lt: true },
  'init-from': { kind: 'str' },
  device: { kind: 'str', choices: ['cpu', 'webgpu'] },
  'val-frac': { kind: 'num', min: 0, max: 1, lt: true },
  seed: { kind: 'int', min: 0, max: MAX_SEED },
  optimizer: { kind: 'str', choices: ['adam', 'rmsprop'] },
  resume: { kind: 'str' },
  force: { kind: 'bool' },
  'max-minutes': { kind: 'num', min: 0, gt: true, max: 1e7 },
  'max-steps': { kind: 'int', min: 1, max: BIG },
  'lr-decay': { kind: 'num', min: 0, gt: true, max: 1 },
  'lr-decay-after': { kind: 'int', min: 0, max: 1_000_000 },
  report: { kind: 'str' },
  'no-report': { kind: 'bool' },
  log: { kind: 'str', key: 'logFile' },
  'sample-length': { kind: 'int', min: 0, max: MAX_SAMPLE },
  'sample-prime': { kind: 'str' },
  temperature: { kind: 'num', min: 0, gt: true },
  'top-k': { kind: 'int', min: 0, max: CHARRNN_LIMITS.vocabSize },
  'no-shrink': { kind: 'bool' },
  threads: { kind: 'int', min: 1, max: 1024 },
  quiet: { kind: 'bool' },
  help: { kind: 'bool' },
};

const SAMPLE: Record<string, Spec> = {
  prime: { kind: 'str' },
  length: { kind: 'int', min: 0, max: MAX_SAMPLE },
  'top-k': { kind: 'int', min: 0, max: CHARRNN_LIMITS.vocabSize },
  temperature: { kind: 'num', min: 0, gt: true },
  seed: { kind: 'int', min: 0, max: MAX_SEED },
  device: { kind: 'str', choices: ['cpu', 'webgpu'] },
  threads: { kind: 'int', min: 1, max: 1024 },
  help: { kind: 'bool' },
};

/** Original (pytorch-charRNN / karpathy) spellings → ours, after `_` became `-`. */
const ALIASES: Record<string, string> = {
  'in-file': 'input',
  'input-file': 'input',
  'data-dir': 'input',
  'dropout-prob': 'dropout',
  'num-samples': 'length',
  'checkpoint-dir': 'save-dir',
  'eval-val-every': 'val-every',
  'learning-rate-decay': 'lr-decay',
  'learning-rate-decay-after': 'lr-decay-after',
  'max-epochs': 'num-epochs',
  primetext: 'prime',
};

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function convert(name: string, spec: Spec, raw: string): unknown {
  const bad = (what: string) => new UsageError(`--${name} ${what}, got ${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)}`);
  const n = (v: number): string => (Number.isInteger(v) && Math.abs(v) >= 10_000 ? v.toLocaleString('en-US') : String(v));
  const range = (v: number): number => {
    if (spec.min !== undefined && (spec.gt ? !(v > spec.min) : !(v >= spec.min))) throw bad(`must be ${spec.gt ? '>' : '>='} ${n(spec.min)}`);
    if (spec.max !== undefined && (spec.lt ? !(v < spec.max) : !(v <= spec.max))) throw bad(`must be ${spec.lt ? '<' : '<='} ${n(spec.max)}`);
    return v;
  };
  const between = spec.min !== undefined && spec.max !== undefined ? ` from ${n(spec.min)} to ${n(spec.max)}` : '';
  switch (spec.kind) {
    case 'int': {
      // plain decimal digits only: no 0x10, 1e3, +5, 1_000, and nothing beyond the safe integers
      if (!/^-?[0-9]+$/.test(raw)) throw bad(`must be a whole number${between} (decimal digits)`);
      const v = Number(raw);
      if (!Number.isSafeInteger(v)) throw bad(`must be a whole number${between}`);
      return range(v);
    }
    case 'num': {
      if (!/^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/.test(raw)) throw bad('must be a decimal number (like 0.002 or 2e-3)');
      const v = Number(raw);
      if (!Number.isFinite(v)) throw bad('must be a finite number');
      return range(v);
    }
    default:
      if (spec.choices && !spec.choices.includes(raw)) throw bad(`must be one of ${spec.choices.join(', ')}`);
      return raw;
  }
}

/**
 * The result of {@link parseArgs}: the options given (camelCase keys, only those present)
 * and the positional arguments.
 *
 * @example
 * ```ts
 * import type { ParsedArgs } from '@fackel/charrnn';
 * const p: ParsedArgs = { options: { rnnSize: 128 }, positionals: [] };
 * ```
 */
export interface ParsedArgs {
  /** The options given, by camelCase name (`--rnn-size` → `rnnSize`; `--input` → `inputs`). */
  options: Record<string, unknown>;
  /** The arguments that are not options (the checkpoint of `sample`). */
  positionals: string[];
}

/**
 * Parses the arguments of `fackel-charrnn train` or `sample` (without the command word).
 *
 * @example
 * ```ts
 * import { parseArgs } from '@fackel/charrnn';
 * parseArgs('train', ['--rnn-size=64', '--input', 'a.txt', '--input', 'b.txt']).options;
 * // { rnnSize: 64, inputs: ['a.txt', 'b.txt'] }
 * ```
 */
export function parseArgs(command: 'train' | 'sample', argv: readonly string[]): ParsedArgs {
  const specs = command === 'train' ? TRAIN : SAMPLE;
  const options: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      options.help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) throw new UsageError(`unknown option ${arg} (options are spelled --like-this)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = (eq >= 0 ? arg.slice(2, eq) : arg.slice(2)).replace(/_/g, '-');
    let inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (name === 'gpu') {
      name = 'device';
      inline = 'webgpu';
    }
    name = ALIASES[name] ?? name;
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs).map((k) => `--${k}`);
      const near = known.filter((k) => k.includes(name) || name.includes(k.slice(2)));
      throw new UsageError(`unknown option --${name} for '${command}'${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}`);
    }
    const key = spec.key ?? camel(name);
    if (spec.kind === 'bool') {
      if (inline !== undefined && !['true', 'false', '1', '0'].includes(inline)) throw new UsageError(`--${name} takes no value (got ${JSON.stringify(inline)})`);
      options[key] = inline === undefined || inline === 'true' || inline === '1';
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${name} needs a value`);
      raw = next;
      i++;
    }
    const value = convert(name, spec, raw);
    if (spec.kind === 'strs') (options[key] as string[] | undefined)?.push(value as string) ?? (options[key] = [value]);
    else options[key] = value;
  }
  return { options, positionals };
}
