import { COMMON_FLAGS, runCommand, onDevice, parseOptionList, reportPath, terminalChart } from '@fackel/example-report';
import { DATA_SETS, gradientDescent, parseTarget } from './gradient-descent.js';
import { gradientDescentReport } from './report.js';

/**
 * The command's help text.
 *
 * @example
 * ```ts
 * import { HELP } from '@fackel/example-gradient-descent';
 * console.log(HELP);
 * ```
 */
export const HELP = `Übung 1: Gradient Descent — fit f(x) = w·x by per-sample gradient descent

Usage: pnpm --filter @fackel/example-gradient-descent start [-- options]

  --data slide|workshop  x = [1, 2, 3] with 10 epochs, or x = [1, 2, 3, 4] with 20 (default workshop)
  --x 1,2,3,4,5          your own inputs instead ("more data")
  --target 2x            the function to learn: 2x, 4x, -0.5x, x^2, 2x+1, … (default 2x)
  --lr 0.01              the learning rate η (default 0.01; try 0.2 to see it diverge)
  --epochs N             passes over the data (default: 10 for slide, 20 for workshop)
  --w0 1                 the starting weight (default 1)
  --device cpu|webgpu    where the tensors live (default cpu)
  --report FILE          the HTML report (default reports/gradient-descent.html in this example's folder;
                         a relative FILE is taken from the folder you ran the command in)
  --quiet                print one line per epoch instead of one per sample
  -h, --help             this text`;

function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-4) ? v.toExponential(3) : v.toFixed(digits);
}

/** f(4) with two decimals, as the workshop printed it; huge values of a diverged run in e-notation. */
function fmtF(v: number): string {
  return Number.isFinite(v) && Math.abs(v) < 1e6 ? v.toFixed(2) : fmt(v, 2);
}

/**
 * Runs the program with command-line arguments, printing through `print`; returns the exit code.
 *
 * @example
 * ```ts
 * import { runCli } from '@fackel/example-gradient-descent';
 * const lines: string[] = [];
 * await runCli(['--data', 'slide', '--quiet', '--report', '/tmp/gd.html'], (l) => lines.push(l));
 * console.log(lines.find((l) => l.startsWith('f(4) after'))); // f(4) after training: 7.80 …
 * ```
 */
export async function runCli(argv: readonly string[], print: (line: string) => void = console.log): Promise<number> {
  return runCommand(
    argv,
    {
      data: { kind: 'string', choices: ['slide', 'workshop'], default: 'workshop' },
      x: { kind: 'string' },
      target: { kind: 'string', default: '2x' },
      lr: { kind: 'number', default: 0.01 },
      epochs: { kind: 'int', min: 0, max: 10_000_000 },
      w0: { kind: 'number', default: 1 },
      ...COMMON_FLAGS,
    },
    HELP,
    print,
    async ({ options: values }) => {
      const set = DATA_SETS[values.data];
      const xs = values.x !== undefined ? parseOptionList('x', values.x, { kind: 'number' }) : [...set.xs];
      const target = parseTarget(values.target);
      const { lr, w0 } = values;
      const epochs = values.epochs ?? set.epochs;
      const reportFile = reportPath(values.report, 'gradient-descent.html', import.meta.url);
      await onDevice(values.device, async (device) => {
        const source = values.x !== undefined ? 'your --x' : set.description;
        print(`Übung 1: Gradient Descent on ${device.name}`);
        print(`model f(x) = w·x, loss (f(x) − y)², target ${target.label}`);
        print(`data x = [${xs.join(', ')}] (${source}), y = [${xs.map((x) => fmt(target.f(x), 2)).join(', ')}]`);
        print(`learning rate ${lr}, ${epochs} epochs, w starts at ${w0}\n`);
        const run = await gradientDescent(
          { xs, target, lr, epochs, w0 },
          {
            onStep: (s) => {
              if (!values.quiet)
                print(`\tgrad: x=${fmt(s.x, 2)} y=${fmt(s.y, 2)} f(x)=${fmt(s.prediction)} loss=${fmt(s.loss)} dl/dw=${fmt(s.grad)} → w=${fmt(s.w)}`);
            },
            onEpoch: (e) => {
              print(`epoch ${e.epoch}/${epochs}: w = ${fmt(e.w)}, loss (last sample) = ${fmt(e.loss, 6)}, mean loss = ${fmt(e.meanLoss, 6)}`);
            },
          },
        );
        if (run.epochs.length === 0) print('(no epochs)');
        print('');
        print(`f(4) before training: ${fmtF(run.fBefore)}`);
        print(`f(4) after training: ${fmtF(run.fAfter)}   (w = ${fmt(run.w)})`);
        print('');
        print(run.verdict);
        if (run.epochs.length > 1) {
          print('');
          print(
            terminalChart([{ name: 'mean loss', values: run.epochs.map((e) => e.meanLoss) }], {
              title: 'mean loss per epoch (log scale)',
              logY: true,
              height: 8,
            }),
          );
        }
        const file = await gradientDescentReport(run).write(reportFile);
        print(`\nreport: ${file}`);
      });
    },
  );
}
