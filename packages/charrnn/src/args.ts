import { UsageError as ToolsUsageError, parseCommandLine, type OptionSpecs } from '@fackel/tools';
import { CHARGPT_LIMITS } from './gpt.js';
import { CHARRNN_LIMITS } from './model.js';

/**
 * Command-line parsing for `fackel-charrnn`, with the one parser of `@fackel/tools` that the
 * workshop examples use too: kebab-case options (`--rnn-size 128` or `--rnn-size=128`), the
 * originals' spellings accepted as aliases — pytorch-charRNN's and char-rnn's snake_case
 * (`--rnn_size`, `--in_file`, `--num_samples`, `--gpu`, `--n_hidden`), char-rnn's single dash
 * (`-rnn_size 128`, `-max_epochs 50`, `-primetext`) — typed and range-checked values (whole
 * numbers are plain decimals within a cap per option; numbers are decimal), and an error that
 * names the option for anything wrong.
 */

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
export class UsageError extends ToolsUsageError {}

/** Cap of counts of steps and the like (a billion). */
const BIG = 1_000_000_000;
/** Seeds are 32-bit (the dropout generator's seed is derived by adding to it). */
const MAX_SEED = 4_294_967_295;
/** Characters sampled at most (ten million). */
const MAX_SAMPLE = 10_000_000;

const TRAIN = {
  input: { kind: 'strings', key: 'inputs' },
  'save-dir': { kind: 'string' },
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
  'learning-rate': { kind: 'number', min: 0, gt: true },
  'grad-clip': { kind: 'number', min: 0 },
  dropout: { kind: 'number', min: 0, max: 1, lt: true },
  'init-from': { kind: 'string' },
  device: { kind: 'string', choices: ['cpu', 'webgpu'] },
  'val-frac': { kind: 'number', min: 0, max: 1, lt: true },
  seed: { kind: 'int', min: 0, max: MAX_SEED },
  optimizer: { kind: 'string', choices: ['adam', 'rmsprop', 'adamw'] },
  model: { kind: 'string', choices: ['lstm', 'transformer'] },
  batching: { kind: 'string', choices: ['streams', 'random'] },
  'n-layer': { kind: 'int', min: 1, max: CHARGPT_LIMITS.nLayer },
  'n-head': { kind: 'int', min: 1, max: CHARGPT_LIMITS.nHead },
  'n-embd': { kind: 'int', min: 1, max: CHARGPT_LIMITS.nEmbd },
  bias: { kind: 'boolean' },
  'no-tie-weights': { kind: 'boolean' },
  'warmup-steps': { kind: 'int', min: 0, max: BIG },
  'min-lr': { kind: 'number', min: 0 },
  'lr-decay-steps': { kind: 'int', min: 1, max: BIG },
  'weight-decay': { kind: 'number', min: 0 },
  beta2: { kind: 'number', min: 0, max: 1, lt: true },
  resume: { kind: 'string' },
  force: { kind: 'boolean' },
  'max-minutes': { kind: 'number', min: 0, gt: true, max: 1e7 },
  'max-steps': { kind: 'int', min: 1, max: BIG },
  'lr-decay': { kind: 'number', min: 0, gt: true, max: 1 },
  'lr-decay-after': { kind: 'int', min: 0, max: 1_000_000 },
  report: { kind: 'string' },
  'no-report': { kind: 'boolean' },
  log: { kind: 'string', key: 'logFile' },
  'sample-length': { kind: 'int', min: 0, max: MAX_SAMPLE },
  'sample-prime': { kind: 'string' },
  temperature: { kind: 'number', min: 0, gt: true },
  'top-k': { kind: 'int', min: 0, max: CHARRNN_LIMITS.vocabSize },
  'no-shrink': { kind: 'boolean' },
  threads: { kind: 'int', min: 1, max: 1024 },
  quiet: { kind: 'boolean' },
  help: { kind: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

const SAMPLE = {
  prime: { kind: 'string' },
  length: { kind: 'int', min: 0, max: MAX_SAMPLE },
  'top-k': { kind: 'int', min: 0, max: CHARRNN_LIMITS.vocabSize },
  temperature: { kind: 'number', min: 0, gt: true },
  seed: { kind: 'int', min: 0, max: MAX_SEED },
  device: { kind: 'string', choices: ['cpu', 'webgpu'] },
  threads: { kind: 'int', min: 1, max: 1024 },
  help: { kind: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

/** The originals' spellings (pytorch-charRNN, karpathy's char-rnn) → ours, after `_` became `-`. */
const ALIASES: Record<string, string> = {
  'n-hidden': 'rnn-size',
  'n-layers': 'num-layers',
  'drop-prob': 'dropout',
  clip: 'grad-clip',
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
  try {
    const { options, positionals } = parseCommandLine(argv, command === 'train' ? TRAIN : SAMPLE, {
      command,
      aliases: ALIASES,
      presets: { gpu: { option: 'device', value: 'webgpu' } },
      singleDash: true,
      positionals: true,
    });
    return { options: { ...options }, positionals };
  } catch (e) {
    if (e instanceof ToolsUsageError && !(e instanceof UsageError)) throw new UsageError(e.message);
    throw e;
  }
}
