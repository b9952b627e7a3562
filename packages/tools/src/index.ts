/**
 * `@fackel/tools`: what training programs built on Fackel share, so that the
 * `fackel-charrnn` CLI and the workshop examples behave alike. A strict command-line parser
 * (`parseCommandLine`: kebab-case options, snake_case and alias spellings of the programs they
 * re-create, whole numbers as plain decimal digits within caps, errors naming the option) and
 * inline SVG charts for self-contained HTML reports (`lineChart`, `barChart`,
 * `confusionMatrixChart`). No side effects, no dependencies beyond `@fackel/tensor`'s errors.
 *
 * @example
 * ```ts
 * import { lineChart, parseCommandLine } from '@fackel/tools';
 * const { options } = parseCommandLine(['--epochs', '3'], { epochs: { kind: 'int', min: 1, default: 10 } });
 * const losses = [0.9, 0.7, 0.6].slice(0, options.epochs);
 * const svg = lineChart({ title: 'Loss', xLabel: 'epoch', series: [{ name: 'train', points: losses.map((v, i) => [i + 1, v] as const) }] });
 * console.log(svg.startsWith('<svg class="chart"')); // true
 * ```
 * @packageDocumentation
 */
export {
  parseCommandLine,
  parseOptionValue,
  parseOptionList,
  UsageError,
  type OptionKind,
  type OptionSpec,
  type OptionSpecs,
  type CommandLineOptions,
  type ParsedCommandLine,
  type ParsedOptions,
  type OptionValue,
  type CamelCase,
} from './args.js';
export {
  lineChart,
  barChart,
  confusionMatrixChart,
  escapeHtml,
  type Series,
  type LineChartOptions,
  type Bar,
  type BarChartOptions,
  type ConfusionMatrixOptions,
} from './svg.js';
