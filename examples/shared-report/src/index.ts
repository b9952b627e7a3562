/**
 * `@fackel/example-report`: what the workshop examples share. Self-contained HTML reports with
 * inline SVG charts (the matplotlib plots of the original workshop; the charts and the
 * command-line parser come from `@fackel/tools`, shared with the `fackel-charrnn` CLI), a
 * compact text chart for the terminal, the `--device` helper, paths relative to where the
 * user ran the command (`userPath`), and where the workshop's data lives. The headless
 * Chromium check used by the tests is the separate entry `@fackel/example-report/chromium`.
 *
 * @example
 * ```ts
 * import { Report, lineChart, terminalChart } from '@fackel/example-report';
 * const losses = [0.9, 0.7, 0.6];
 * console.log(terminalChart([{ name: 'loss', values: losses }]));
 * await new Report('Demo')
 *   .figure(lineChart({ series: [{ name: 'loss', points: losses.map((v, i) => [i + 1, v] as const) }] }))
 *   .write('reports/demo.html');
 * ```
 * @packageDocumentation
 */
export { Report } from './report.js';
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
} from '@fackel/tools';
export { terminalChart, trainTestLossChart, type TerminalSeries, type TerminalChartOptions } from './terminal.js';
export { findWorkspaceRoot, sharedDataDir, sharedDataFile } from './workspace.js';
export { DEVICES, parseDevice, useDevice, releaseDevice, webgpuSkipReason, type DeviceName } from './device.js';
export { percent, programArgs } from './format.js';
export { parseFlags, userPath, reportPath, onDevice, runCommand, COMMON_FLAGS, SPLIT_FLAGS, type ParsedFlags } from './cli.js';
export { parseOptionList } from '@fackel/tools';
export { stratifiedSplit } from './split.js';
export { epochCurves } from './curves.js';
