import { COMMON_FLAGS, SPLIT_FLAGS, runCommand, onDevice, parseOptionList, percent, reportPath, trainTestLossChart, userPath } from '@fackel/example-report';
import { CLASS_NAMES, trainDiabetes, type DiabetesResult } from './diabetes.js';
import { diabetesReport, diabetesVerdict } from './report.js';

/**
 * The command's help text.
 *
 * @example
 * ```ts
 * import { HELP } from '@fackel/example-diabetes';
 * console.log(HELP);
 * ```
 */
export const HELP = `Übung 2A: NN als Klasse — a sigmoid network on the Pima diabetes data

Usage: pnpm --filter @fackel/example-diabetes start [-- options]

  --hidden 6,4           hidden layer sizes: more numbers = deeper, bigger = wider (default 6,4)
  --lr 0.1               SGD learning rate (default 0.1)
  --epochs 10000         passes over the training rows (default 10000; hunkim used 100)
  --batch-size N         mini-batches of N rows through a DataLoader (default: full batch)
  --seed 0               seeds the split, the weights and the batch order (default 0)
  --seeds N              repeat with N seeds (seed, seed+1, …) and report the mean (default 1)
  --test-fraction 0.2    share of rows held out for testing (default 0.2)
  --data FILE            a diabetes.csv of your own (default: shared/data, else the verified download)
  --device cpu|webgpu    where the tensors live (default cpu)
  --report FILE          the HTML report (default reports/diabetes.html in this example's folder)

  Relative paths are taken from the folder you ran the command in.
  --quiet                no progress lines
  -h, --help             this text`;

/**
 * Runs the program with command-line arguments, printing through `print`; returns the exit code.
 *
 * @example
 * ```ts
 * import { runCli } from '@fackel/example-diabetes';
 * await runCli(['--epochs', '100', '--report', '/tmp/diabetes.html']);
 * ```
 */
export async function runCli(argv: readonly string[], print: (line: string) => void = console.log): Promise<number> {
  return runCommand(
    argv,
    {
      hidden: { kind: 'string', default: '6,4' },
      lr: { kind: 'number', min: 0, gt: true, default: 0.1 },
      epochs: { kind: 'int', min: 1, max: 100_000_000, default: 10_000 },
      'batch-size': { kind: 'int', min: 1, max: 1_000_000 },
      seeds: { kind: 'int', min: 1, max: 10_000, default: 1 },
      ...SPLIT_FLAGS,
      ...COMMON_FLAGS,
    },
    HELP,
    print,
    async ({ options: values }) => {
      const hidden = parseOptionList('hidden', values.hidden, { kind: 'int', min: 1, max: 100_000 });
      const { lr, epochs, batchSize, seed, seeds, testFraction } = values;
      const dataFile = values.data !== undefined ? userPath(values.data) : undefined;
      const reportFile = reportPath(values.report, 'diabetes.html', import.meta.url);
      await onDevice(values.device, async (device) => {
        print(`Übung 2A: NN als Klasse — Pima diabetes on ${device.name}`);
        print(
          `model 8 → ${[...hidden, 1].join(' → ')} with sigmoids, mean BCE, SGD lr ${lr}, ${batchSize === undefined ? 'full batch' : `mini-batches of ${batchSize}`}, ${epochs} epochs`,
        );
        const runs: DiabetesResult[] = [];
        const every = Math.max(1, Math.round(epochs / 10));
        for (let s = seed; s < seed + seeds; s++) {
          const run = await trainDiabetes({
            seed: s,
            hidden,
            lr,
            epochs,
            batchSize,
            testFraction,
            ...(dataFile !== undefined ? { dataFile } : {}),
            onLog: (e) => {
              if (values.quiet || (e.epoch % every !== 0 && e.epoch !== 1)) return;
              print(
                `  epoch ${String(e.epoch).padStart(String(epochs).length)}: loss ${e.trainLoss.toFixed(4)}  train ${percent(e.trainAccuracy)}  ` +
                  `test loss ${e.testLoss.toFixed(4)}  test ${percent(e.testAccuracy)}`,
              );
            },
          });
          runs.push(run);
          print(
            `seed ${s}: test accuracy ${percent(run.testAccuracy)} (majority baseline ${percent(run.majorityBaseline)}), ` +
              `train ${percent(run.trainAccuracy)}, loss ${run.trainLoss.toFixed(4)}, ${run.trainSize}/${run.testSize} rows, ${(run.millis / 1000).toFixed(1)} s`,
          );
        }
        const cm = runs[0].confusion;
        print('');
        print(`confusion matrix of seed ${seed} (test rows; rows = actual, columns = predicted):`);
        print(`  ${''.padEnd(14)}${CLASS_NAMES.map((c) => c.padStart(14)).join('')}`);
        CLASS_NAMES.forEach((c, a) => print(`  ${c.padEnd(14)}${cm[a].map((v) => String(v).padStart(14)).join('')}`));
        print('');
        print(diabetesVerdict(runs));
        print('');
        print(trainTestLossChart(runs[0].log, `binary cross-entropy of seed ${seed}`, epochs));
        const file = await diabetesReport(runs).write(reportFile);
        print(`\nreport: ${file}`);
      });
    },
  );
}
