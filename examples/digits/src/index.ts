/**
 * `@fackel/example-digits`: PyTorchZeroToAll's CNN lesson re-created with Fackel on the UCI
 * 8×8 handwritten digits: the network ({@link DigitsCNN}), its training ({@link trainDigits}),
 * the HTML report and the command line.
 *
 * @example
 * ```ts no-run
 * import { trainDigits } from '@fackel/example-digits';
 * const run = await trainDigits({ seed: 1 });
 * console.log(`${(run.testAccuracy * 100).toFixed(2)} %`);
 * ```
 * @packageDocumentation
 */
export * from './digits.js';
export { stratifiedSplit } from '@fackel/example-report';
export { digitsReport, digitsVerdict, digitGrid } from './report.js';
export { runCli, HELP } from './cli.js';
