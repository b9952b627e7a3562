/**
 * `@fackel/example-names`: Übung 2B of the workshop "Neural Networks mit PyTorch" (first name →
 * gender), re-created with Fackel: the data and its split, encodings for the 2A network, a
 * character-level RNN, the HTML report and the command line.
 *
 * @example
 * ```ts
 * import { loadNameData, splitNames, trainRnn } from '@fackel/example-names';
 * const run = await trainRnn(splitNames(await loadNameData(), 0.2, 0), { epochs: 6 });
 * console.log(await run.predict(['Anna', 'Lukas'])); // P(male) per name
 * ```
 * @packageDocumentation
 */
export * from './names.js';
export { namesReport, namesVerdict } from './report.js';
export { runCli, HELP, DEFAULT_NAMES } from './cli.js';
