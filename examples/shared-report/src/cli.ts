import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Device } from 'fackel';
import { parseDevice, releaseDevice, useDevice } from './device.js';
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

/**
 * The flags every example takes: `--device`, `--report`, `--quiet` and `-h/--help`. Spread
 * them into the specs given to {@link parseFlags}.
 *
 * @example
 * ```ts
 * import { COMMON_FLAGS, parseFlags } from '@fackel/example-report';
 * const parsed = parseFlags(['--quiet'], { lr: { kind: 'number', default: 0.1 }, ...COMMON_FLAGS }, 'usage: demo', console.log);
 * if (typeof parsed !== 'number') console.log(parsed.options.device, parsed.options.quiet); // cpu true
 * ```
 */
export const COMMON_FLAGS = {
  device: { kind: 'string', default: 'cpu' },
  report: { kind: 'string' },
  quiet: { kind: 'boolean', default: false },
  help: { kind: 'boolean', short: 'h', default: false },
} as const satisfies OptionSpecs;

/**
 * The flags of the examples that train on a seeded train/test split of a data file: `--seed`,
 * `--test-fraction` and `--data`. Spread them into the specs given to {@link parseFlags}.
 *
 * @example
 * ```ts
 * import { COMMON_FLAGS, SPLIT_FLAGS, parseFlags } from '@fackel/example-report';
 * const parsed = parseFlags(['--seed', '3'], { ...SPLIT_FLAGS, ...COMMON_FLAGS }, 'usage: demo', console.log);
 * if (typeof parsed !== 'number') console.log(parsed.options.seed, parsed.options.testFraction); // 3 0.2
 * ```
 */
export const SPLIT_FLAGS = {
  seed: { kind: 'int', min: 0, max: 4_294_967_295, default: 0 },
  'test-fraction': { kind: 'number', min: 0, gt: true, max: 1, lt: true, default: 0.2 },
  data: { kind: 'string' },
} as const satisfies OptionSpecs;

/**
 * Where an example writes its HTML report: the `--report` path the user gave (see
 * {@link userPath}), else `reports/<name>` in the example's folder, found from the `import.meta.url`
 * of a module in the example's `src` (or `dist`) folder.
 *
 * @example
 * ```ts
 * import { reportPath } from '@fackel/example-report';
 * console.log(reportPath(undefined, 'demo.html', import.meta.url)); // …/reports/demo.html
 * ```
 */
export function reportPath(given: string | undefined, name: string, moduleUrl: string): string {
  return given !== undefined ? userPath(given) : fileURLToPath(new URL(`../reports/${name}`, moduleUrl));
}

/**
 * Runs `body` on the device a `--device` value names: made the default device first, released
 * again afterwards, whatever happens.
 *
 * @example
 * ```ts
 * import { onDevice } from '@fackel/example-report';
 * await onDevice('cpu', async (device) => console.log(`training on ${device.name}`));
 * ```
 */
export async function onDevice<T>(deviceFlag: string, body: (device: Device) => Promise<T>): Promise<T> {
  const device = await useDevice(parseDevice(deviceFlag));
  try {
    return await body(device);
  } finally {
    await releaseDevice();
  }
}

/**
 * Every example's `runCli`: parses `argv` with {@link parseFlags} (exit code 2 after printing
 * the error and the help for a bad flag, 0 after printing the help for `--help`), then runs
 * `body` with the parsed flags: exit code 0 when it finishes, 1 after printing
 * `error: <message>` when it throws (a bad option value, a missing file, …).
 *
 * @example
 * ```ts
 * import { COMMON_FLAGS, runCommand } from '@fackel/example-report';
 * const code = await runCommand(['--lr', '-1'], { lr: { kind: 'number', default: 0.1 }, ...COMMON_FLAGS }, 'usage: demo', console.log, async ({ options }) => {
 *   if (options.lr <= 0) throw new Error('--lr must be positive');
 * }); // prints "error: --lr must be positive"
 * console.log(code); // 1
 * ```
 */
export async function runCommand<const S extends OptionSpecs>(
  argv: readonly string[],
  specs: S,
  help: string,
  print: (line: string) => void,
  body: (parsed: ParsedFlags<S>) => Promise<void>,
  config: CommandLineOptions = {},
): Promise<number> {
  const parsed = parseFlags(argv, specs, help, print, config);
  if (typeof parsed === 'number') return parsed;
  try {
    await body(parsed);
    return 0;
  } catch (e) {
    print(`error: ${(e as Error).message}`);
    return 1;
  }
}
