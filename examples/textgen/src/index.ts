/**
 * `@fackel/example-textgen`: Übung 3 of the workshop "Neural Networks mit PyTorch"
 * (Textgenerierung), re-created with Fackel: the corpus from the workshop's texts, training
 * and sampling with `@fackel/charrnn`, the HTML report and the command line.
 *
 * @example
 * ```ts
 * import { buildCorpus, trainTextgen } from '@fackel/example-textgen';
 * const run = await trainTextgen(await buildCorpus('de'));
 * console.log(run.samples[1].text);
 * ```
 * @packageDocumentation
 */
export * from './textgen.js';
export { textgenReport, textgenVerdict } from './report.js';
export { runCli, HELP } from './cli.js';
