/**
 * A fraction as a percentage with two decimals, the way the examples print accuracies.
 *
 * @example
 * ```ts
 * import { percent } from '@fackel/example-report';
 * percent(0.65349); // '65.35 %'
 * ```
 */
export function percent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

/**
 * The program's own command-line arguments: `process.argv` without the node binary and the
 * script, and without a leading `--` (which `pnpm start -- --flag` passes through).
 *
 * @example
 * ```ts
 * import { programArgs } from '@fackel/example-report';
 * programArgs(['node', 'main.js', '--', '--lr', '0.1']); // ['--lr', '0.1']
 * ```
 */
export function programArgs(argv: readonly string[] = process.argv): string[] {
  const args = argv.slice(2);
  return args[0] === '--' ? args.slice(1) : args;
}
