import { resolve } from 'node:path';
import { UsageError, parseCommandLine, type CommandLineOptions, type OptionSpecs, type ParsedCommandLine, type ParsedOptions } from '@fackel/tools';

/**
 * What {@link parseFlags} returns when the program should go on: the parsed options (typed,
 * camelCase keys) and the positional arguments.
 *
 * @example
 * ```ts
 * import type { ParsedFlags } from '@fackel/example-report';
 * type P = ParsedFlags<{ lr: { kind: 'number' } }>; // { options: { lr: number | undefined }, positionals: string[] }
 * ```
 */
export type ParsedFlags<S extends OptionSpecs> = ParsedCommandLine<ParsedOptions<S>>;

/**
 * The command-line front of every example, with the one parser of `@fackel/tools` that the
 * `fackel-charrnn` CLI uses too (typed values, whole numbers as plain decimal digits within a
 * cap, errors naming the option), then `--help`. Returns the parsed flags, or the exit code
 * to stop with — 2 after printing the error and the help for an unknown or malformed flag, 0
 * after printing the help. The specs must include a boolean `help` flag.
 *
 * @example
 * ```ts
 * import { parseFlags } from '@fackel/example-report';
 * const HELP = 'usage: demo [--lr X]';
 * const parsed = parseFlags(['--lr', '0.1'], { lr: { kind: 'number', min: 0, gt: true, default: 0.01 }, help: { kind: 'boolean', short: 'h' } }, HELP, console.log);
 * if (typeof parsed !== 'number') console.log(parsed.options.lr); // 0.1
 * ```
 */
export function parseFlags<const S extends OptionSpecs>(
  argv: readonly string[],
  specs: S,
  help: string,
  print: (line: string) => void,
  config: CommandLineOptions = {},
): ParsedFlags<S> | number {
  let parsed: ParsedFlags<S>;
  try {
    parsed = parseCommandLine(argv, specs, config);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    print(`${e.message}\n\n${help}`);
    return 2;
  }
  if ((parsed.options as { help?: unknown }).help) {
    print(help);
    return 0;
  }
  return parsed;
}

/**
 * A path the user gave on the command line, made absolute against the folder the user ran the
 * command in: `$INIT_CWD`, which npm and pnpm set to it when they run a package's script (from
 * the package's own folder, as `pnpm --filter @fackel/example-diabetes start -- --data x.csv`
 * does), else the current directory.
 *
 * @example
 * ```ts
 * import { userPath } from '@fackel/example-report';
 * console.log(userPath('data/diabetes.csv')); // e.g. /home/me/fackel/data/diabetes.csv
 * ```
 */
export function userPath(path: string): string {
  const from = process.env.INIT_CWD;
  return resolve(from !== undefined && from !== '' ? from : process.cwd(), path);
}
