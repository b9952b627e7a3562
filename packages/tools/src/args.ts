import { FackelError } from '@fackel/tensor';

/**
 * Command-line parsing for training programs (the `fackel-charrnn` CLI and the workshop
 * examples): kebab-case options (`--rnn-size 128`, `--rnn-size=128`), snake_case spellings
 * (`--rnn_size`) and an alias table for other programs' names (`--in_file`, `-rnn_size` in
 * char-rnn's single-dash style), typed and range-checked values — whole numbers are plain
 * decimal digits within a cap, numbers are decimal — and a {@link UsageError} naming the
 * option for anything wrong.
 * @module
 */

/**
 * A command-line mistake: an unknown option, a missing or malformed value, a value out of
 * range. The message names the option and the value given; a program prints it with its usage
 * and exits with status 2.
 *
 * @example
 * ```ts
 * import { UsageError, parseCommandLine } from '@fackel/tools';
 * try {
 *   parseCommandLine(['--epochs', 'ten'], { epochs: { kind: 'int', min: 1 } });
 * } catch (e) {
 *   console.log(e instanceof UsageError, (e as Error).message); // true '--epochs must be a whole number >= 1 (decimal digits), got "ten"'
 * }
 * ```
 */
export class UsageError extends FackelError {}

/**
 * The kind of value an option takes: a whole number (`int`), a decimal number (`number`), a
 * string, a flag (`boolean`, no value), or a string that may be given several times
 * (`strings`, collected in order).
 *
 * @example
 * ```ts
 * import type { OptionKind } from '@fackel/tools';
 * const k: OptionKind = 'int';
 * ```
 */
export type OptionKind = 'int' | 'number' | 'string' | 'boolean' | 'strings';

/**
 * One option of {@link parseCommandLine}, or the type of one value for {@link parseOptionValue}.
 *
 * @example
 * ```ts
 * import type { OptionSpec } from '@fackel/tools';
 * const epochs: OptionSpec = { kind: 'int', min: 1, max: 1_000_000, default: 10 };
 * const device: OptionSpec = { kind: 'string', choices: ['cpu', 'webgpu'] };
 * ```
 */
export interface OptionSpec {
  /** The kind of value. */
  readonly kind: OptionKind;
  /** The smallest value allowed (numbers). */
  readonly min?: number;
  /** Whether `min` itself is excluded (`> min` rather than `>= min`). */
  readonly gt?: boolean;
  /** The largest value allowed (numbers). */
  readonly max?: number;
  /** Whether `max` itself is excluded (`< max`). */
  readonly lt?: boolean;
  /** The values allowed (strings). */
  readonly choices?: readonly string[];
  /** The property of the result (default: the option's name in camelCase, `rnn-size` → `rnnSize`). */
  readonly key?: string;
  /** A one-letter spelling, given as `-h`. */
  readonly short?: string;
  /** The value when the option is not given (not checked; by default the property is absent). */
  readonly default?: string | number | boolean | readonly string[];
}

/**
 * The options of a command, by their kebab-case names (`'rnn-size'`).
 *
 * @example
 * ```ts
 * import type { OptionSpecs } from '@fackel/tools';
 * const specs = { lr: { kind: 'number', min: 0, gt: true }, quiet: { kind: 'boolean' } } as const satisfies OptionSpecs;
 * ```
 */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/**
 * How {@link parseCommandLine} reads a command line besides the options themselves.
 *
 * @example
 * ```ts
 * import type { CommandLineOptions } from '@fackel/tools';
 * const o: CommandLineOptions = {
 *   command: 'train',
 *   aliases: { 'in-file': 'input', 'max-epochs': 'num-epochs' },
 *   presets: { gpu: { option: 'device', value: 'webgpu' } },
 *   singleDash: true,
 *   positionals: true,
 * };
 * ```
 */
export interface CommandLineOptions {
  /**
   * Other spellings of options, after `_` became `-` (`{ 'in-file': 'input' }`): the
   * spellings of the program this one re-creates, so its command lines keep working.
   */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Flags that stand for an option with a value (`{ gpu: { option: 'device', value: 'webgpu' } }`: `--gpu` is `--device webgpu`). */
  readonly presets?: Readonly<
    Record<
      string,
      {
        /** The option the flag stands for. */
        readonly option: string;
        /** The value it gives that option. */
        readonly value: string;
      }
    >
  >;
  /** Accept arguments that are not options (default false: an error naming the argument). `--` ends the options either way. */
  readonly positionals?: boolean;
  /** Accept `-rnn_size 128` (Lua char-rnn's single dash) as `--rnn_size 128` (default false). */
  readonly singleDash?: boolean;
  /** The command's name, for messages (`unknown option --x for 'train'`). */
  readonly command?: string;
}

/**
 * A kebab-case option name in camelCase, as {@link parseCommandLine} names the property:
 * `'rnn-size'` → `'rnnSize'`.
 *
 * @example
 * ```ts
 * import type { CamelCase } from '@fackel/tools';
 * const k: CamelCase<'learning-rate-decay'> = 'learningRateDecay';
 * ```
 */
export type CamelCase<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<CamelCase<B>>}` : S;

/**
 * The type of an option's value: `number` for `int` and `number`, `boolean`, `string[]` for
 * `strings`, the union of its `choices` or `string`.
 *
 * @example
 * ```ts
 * import type { OptionValue } from '@fackel/tools';
 * const d: OptionValue<{ kind: 'string'; choices: readonly ['cpu', 'webgpu'] }> = 'cpu';
 * ```
 */
export type OptionValue<S extends OptionSpec> = S['kind'] extends 'int' | 'number'
  ? number
  : S['kind'] extends 'boolean'
    ? boolean
    : S['kind'] extends 'strings'
      ? string[]
      : S extends {
            /** The allowed strings. */
            readonly choices: readonly (infer C extends string)[];
          }
        ? C
        : string;

/**
 * The parsed options of `specs`: camelCase keys (or each spec's `key`), typed values; an
 * option without a `default` may be absent.
 *
 * @example
 * ```ts
 * import type { ParsedOptions } from '@fackel/tools';
 * type P = ParsedOptions<{ 'batch-size': { kind: 'int' }; quiet: { kind: 'boolean'; default: false } }>;
 * const p: P = { batchSize: 32, quiet: false }; // batchSize: number | undefined, quiet: boolean
 * ```
 */
export type ParsedOptions<S extends OptionSpecs> = {
  -readonly [K in keyof S as S[K] extends {
    /** The property's name. */
    readonly key: infer N extends string;
  }
    ? N
    : CamelCase<K & string>]: S[K] extends {
    /** The value when the option is not given. */
    readonly default: unknown;
  }
    ? OptionValue<S[K]>
    : OptionValue<S[K]> | undefined;
};

/**
 * What {@link parseCommandLine} returns.
 *
 * @example
 * ```ts
 * import type { ParsedCommandLine } from '@fackel/tools';
 * const p: ParsedCommandLine<{ rnnSize?: number }> = { options: { rnnSize: 128 }, positionals: ['ckpt.json'] };
 * ```
 */
export interface ParsedCommandLine<T = Record<string, unknown>> {
  /** The options, by camelCase name; those not given are absent unless they have a default. */
  options: T;
  /** The arguments that are not options, in order (those after `--` included). */
  positionals: string[];
}

function camel(s: string): string {
  return s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A number for messages: grouped digits from 10 000 up (`4,294,967,295`). */
function show(v: number): string {
  return Number.isInteger(v) && Math.abs(v) >= 10_000 ? v.toLocaleString('en-US') : String(v);
}

/**
 * Converts one value of the option `name` as `spec` says, with the checks of
 * {@link parseCommandLine}: an `int` is plain decimal digits (no `0x10`, `1e3`, `+5`,
 * `1_000`) within `min`..`max`; a `number` is a decimal number (`0.002`, `2e-3`, `.5`) that is
 * finite and within its range; a string must be one of `choices` when given. For values a
 * program splits itself (a comma-separated list) — see {@link parseOptionList}.
 *
 * @example
 * ```ts
 * import { parseOptionValue } from '@fackel/tools';
 * console.log(parseOptionValue('seed', '42', { kind: 'int', min: 0 })); // 42
 * console.log(parseOptionValue('lr', '2e-3', { kind: 'number', min: 0, gt: true })); // 0.002
 * ```
 */
export function parseOptionValue(name: string, raw: string, spec: OptionSpec): string | number {
  const bad = (what: string): UsageError => new UsageError(`--${name} ${what}, got ${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)}`);
  const range = (v: number): number => {
    if (spec.min !== undefined && (spec.gt ? !(v > spec.min) : !(v >= spec.min))) throw bad(`must be ${spec.gt ? '>' : '>='} ${show(spec.min)}`);
    if (spec.max !== undefined && (spec.lt ? !(v < spec.max) : !(v <= spec.max))) throw bad(`must be ${spec.lt ? '<' : '<='} ${show(spec.max)}`);
    return v;
  };
  switch (spec.kind) {
    case 'int': {
      const between =
        spec.min !== undefined && spec.max !== undefined
          ? ` from ${show(spec.min)} to ${show(spec.max)}`
          : spec.min !== undefined
            ? ` >= ${show(spec.min)}`
            : '';
      // plain decimal digits only: no 0x10, 1e3, +5, 1_000, and nothing beyond the safe integers
      if (!/^-?[0-9]+$/.test(raw)) throw bad(`must be a whole number${between} (decimal digits)`);
      const v = Number(raw);
      if (!Number.isSafeInteger(v)) throw bad(`must be a whole number${between}`);
      return range(v);
    }
    case 'number': {
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
 * Converts a comma-separated value (`--hidden 6,4`, `--temperature 0.5,1`) element by
 * element with {@link parseOptionValue}; spaces around elements are ignored, and an empty
 * value is an empty list.
 *
 * @example
 * ```ts
 * import { parseOptionList } from '@fackel/tools';
 * console.log(parseOptionList('hidden', '6, 4', { kind: 'int', min: 1 })); // [6, 4]
 * console.log(parseOptionList('hidden', '', { kind: 'int', min: 1 })); // []
 * ```
 */
export function parseOptionList(name: string, raw: string, spec: OptionSpec & { kind: 'int' | 'number' }): number[];
export function parseOptionList(name: string, raw: string, spec: OptionSpec): (string | number)[];
export function parseOptionList(name: string, raw: string, spec: OptionSpec): (string | number)[] {
  if (raw.trim() === '') return [];
  return raw.split(',').map((part) => parseOptionValue(name, part.trim(), spec));
}

/**
 * Parses a command line (without the program and command words) against `specs`:
 *
 * - `--name value` and `--name=value`; `--name_with_underscores` is `--name-with-underscores`;
 *   `config.aliases` maps other spellings, `config.presets` flags that stand for a value
 *   (`--gpu`), a spec's `short` a one-letter `-h`, and with `config.singleDash` `-rnn_size 128`
 *   is `--rnn_size 128` (a negative number such as `-1` stays a value or positional);
 * - values are converted and checked by {@link parseOptionValue}; a `boolean` takes no value
 *   (or `=true`, `=false`, `=1`, `=0`); a `strings` option collects every value given;
 * - `--` ends the options; other arguments are positionals when `config.positionals` allows.
 *
 * Anything wrong — an unknown option (with the nearest names), a missing or malformed value, a
 * value out of range, an unexpected argument — is a {@link UsageError} naming the option.
 *
 * @example
 * ```ts
 * import { parseCommandLine } from '@fackel/tools';
 * const { options, positionals } = parseCommandLine(
 *   ['--rnn_size=64', '--input', 'a.txt', '-lr', '2e-3', 'extra'],
 *   {
 *     input: { kind: 'strings', key: 'inputs' },
 *     'rnn-size': { kind: 'int', min: 1, max: 4096 },
 *     'learning-rate': { kind: 'number', min: 0, gt: true },
 *     quiet: { kind: 'boolean', default: false },
 *   },
 *   { aliases: { lr: 'learning-rate' }, singleDash: true, positionals: true },
 * );
 * console.log(options, positionals); // { inputs: ['a.txt'], rnnSize: 64, learningRate: 0.002, quiet: false } ['extra']
 * ```
 */
export function parseCommandLine<const S extends OptionSpecs>(
  argv: readonly string[],
  specs: S,
  config: CommandLineOptions = {},
): ParsedCommandLine<ParsedOptions<S>> {
  const options: Record<string, unknown> = {};
  const positionals: string[] = [];
  const collected = new Set<string>();
  const forCommand = config.command !== undefined ? ` for '${config.command}'` : '';
  const positional = (arg: string): void => {
    if (!config.positionals) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}${forCommand} (options start with --)`);
    positionals.push(arg);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      for (const rest of argv.slice(i + 1)) positional(rest);
      break;
    }
    let body: string;
    if (arg.startsWith('--') && arg.length > 2) body = arg.slice(2);
    else if (arg.startsWith('-') && arg.length > 1 && !/^-[0-9.]/.test(arg)) {
      const short = arg.length === 2 ? Object.keys(specs).find((k) => specs[k].short === arg[1]) : undefined;
      if (short !== undefined) body = short;
      else if (config.singleDash && arg.length > 2) body = arg.slice(1);
      else throw new UsageError(`unknown option ${arg}${forCommand} (options are spelled --like-this)`);
    } else {
      positional(arg);
      continue;
    }
    const eq = body.indexOf('=');
    let name = (eq >= 0 ? body.slice(0, eq) : body).replace(/_/g, '-');
    let inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    const preset = config.presets && Object.hasOwn(config.presets, name) ? config.presets[name] : undefined;
    if (preset !== undefined) {
      if (inline !== undefined)
        throw new UsageError(`--${name} takes no value (got ${JSON.stringify(inline)}); it stands for --${preset.option} ${preset.value}`);
      name = preset.option;
      inline = preset.value;
    }
    if (config.aliases && Object.hasOwn(config.aliases, name)) name = config.aliases[name];
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) {
      const known = Object.keys(specs);
      const near = known.filter((k) => name !== '' && (k.includes(name) || name.includes(k))).map((k) => `--${k}`);
      throw new UsageError(`unknown option --${name}${forCommand}${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}`);
    }
    const key = spec.key ?? camel(name);
    if (spec.kind === 'boolean') {
      if (inline !== undefined && !['true', 'false', '1', '0'].includes(inline))
        throw new UsageError(`--${name} takes no value (got ${JSON.stringify(inline)})`);
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
    const value = parseOptionValue(name, raw, spec);
    if (spec.kind === 'strings') {
      if (collected.has(key)) (options[key] as string[]).push(value as string);
      else {
        options[key] = [value];
        collected.add(key);
      }
    } else options[key] = value;
  }
  for (const [name, spec] of Object.entries(specs)) {
    const key = spec.key ?? camel(name);
    if (!Object.hasOwn(options, key) && spec.default !== undefined) options[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return { options: options as ParsedOptions<S>, positionals };
}
