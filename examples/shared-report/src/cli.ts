import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The `options` object of `node:util`'s `parseArgs`. */
type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** What {@link parseFlags} returns when the program should go on: `parseArgs`'s result. */
export type ParsedFlags<O extends FlagOptions, P extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: P }>
>;

/**
 * The command-line front of every example: strict `parseArgs`, then `--help`. Returns the
 * parsed flags, or the exit code to stop with — 2 after printing the error and the help
 * for an unknown or malformed flag, 0 after printing the help. The options must include a
 * boolean `help` flag.
 *
 * @example
 * ```ts
 * import { parseFlags } from '@fackel/example-report';
 * const HELP = 'usage: demo [--lr X]';
 * const parsed = parseFlags(['--lr', '0.1'], { lr: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, HELP, console.log);
 * if (typeof parsed !== 'number') console.log(parsed.values.lr); // '0.1'
 * ```
 */
export function parseFlags<const O extends FlagOptions, const P extends boolean = false>(
  argv: readonly string[],
  options: O,
  help: string,
  print: (line: string) => void,
  allowPositionals?: P,
): ParsedFlags<O, P> | number {
  let parsed: ParsedFlags<O, P>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: (allowPositionals ?? false) as P });
  } catch (e) {
    print(`${(e as Error).message}\n\n${help}`);
    return 2;
  }
  if ((parsed.values as { help?: unknown }).help) {
    print(help);
    return 0;
  }
  return parsed;
}

/**
 * Reads a numeric flag, with an error that names the flag: `--epochs must be a whole
 * number, got "ten"`. An absent flag (undefined) stays undefined.
 *
 * @example
 * ```ts
 * import { flagNumber } from '@fackel/example-report';
 * console.log(flagNumber('epochs', '20', { integer: true })); // 20
 * ```
 */
export function flagNumber(name: string, value: string, options?: { integer?: boolean }): number;
export function flagNumber(name: string, value: string | undefined, options?: { integer?: boolean }): number | undefined;
export function flagNumber(name: string, value: string | undefined, options: { integer?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const integer = options.integer ?? false;
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a ${integer ? 'whole ' : ''}number, got ${JSON.stringify(value)}`);
  }
  return n;
}
