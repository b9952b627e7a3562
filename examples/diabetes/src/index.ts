/**
 * `@fackel/example-diabetes`: Übung 2A of the workshop "Neural Networks mit PyTorch" (NN als
 * Klasse), re-created with Fackel: the network class ({@link DiabetesNet}), its training
 * ({@link trainDiabetes}), the HTML report and the command line.
 *
 * @example
 * ```ts
 * import { trainDiabetes } from '@fackel/example-diabetes';
 * const run = await trainDiabetes({ seed: 1 });
 * console.log(`${(run.testAccuracy * 100).toFixed(2)} % (majority ${(run.majorityBaseline * 100).toFixed(2)} %)`);
 * ```
 * @packageDocumentation
 */
export * from './diabetes.js';
export { stratifiedSplit } from '@fackel/example-report';
export { diabetesReport, diabetesVerdict } from './report.js';
export { runCli, HELP } from './cli.js';
