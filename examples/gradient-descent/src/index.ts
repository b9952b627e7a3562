/**
 * `@fackel/example-gradient-descent`: Übung 1 of the workshop "Neural Networks mit PyTorch",
 * re-created with Fackel. The training loop ({@link gradientDescent}), its HTML report
 * ({@link gradientDescentReport}) and the command line ({@link runCli}).
 *
 * @example
 * ```ts
 * import { gradientDescent, parseTarget } from '@fackel/example-gradient-descent';
 * const run = await gradientDescent({ xs: [1, 2, 3, 4], target: parseTarget('4x'), lr: 0.01, epochs: 50, w0: 1 });
 * console.log(run.w.toFixed(3)); // 4.000
 * ```
 * @packageDocumentation
 */
export * from './gradient-descent.js';
export { gradientDescentReport } from './report.js';
export { runCli, HELP } from './cli.js';
