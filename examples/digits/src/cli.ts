import { COMMON_FLAGS, SPLIT_FLAGS, runCommand, onDevice, parseOptionList, percent, reportPath, trainTestLossChart, userPath } from '@fackel/example-report';
import { trainDigits, type DigitsResult } from './digits.js';
import { digitsReport, digitsVerdict } from './report.js';

/**
 * The command's help text.
 *
 * @example
 * ```ts
 * import { HELP } from '@fackel/example-digits';
 * console.log(HELP);
 * ```
 */
export const HELP = `CNN lesson: two convolutions and a linear classifier on the 8×8 handwritten digits

Usage: pnpm --filter @fackel/example-digits start [-- options]

  --channels 8,16        output channels of the two convolutions (default 8,16)
  --lr 0.01              Adam learning rate (default 0.01)
  --epochs 15            passes over the training images (default 15)
  --batch-size 32        images per mini-batch (default 32)
  --seed 0               seeds the split, the weights and the batch order (default 0)
  --seeds N              repeat with N seeds (seed, seed+1, …) and report the mean (default 1)
  --test-fraction 0.2    share of images held out for testing (default 0.2)
  --data FILE            a digits CSV of your own (default: shared/data/digits.csv)
  --device cpu|webgpu    where the tensors live (default cpu)
  --report FILE          the HTML report (default reports/digits.html in this example's folder)

  Relative paths are taken from the folder you ran the command in.
  --quiet                no progress lines
  -h, --help             this text`;

/**
 * Runs the program with command-line arguments, printing through `print`; returns the exit code.
 *
 * @example
 * ```ts no-run
 * import { runCli } from '@fackel/example-digits';
 * await runCli(['--epochs', '2', '--report', '/tmp/digits.html']);
 * ```
 */
export async function runCli(argv: readonly string[], print: (line: string) => void = console.log): Promise<number> {
  return runCommand(
    argv,
    {
      channels: { kind: 'string', default: '8,16' },
      lr: { kind: 'number', min: 0, gt: true, default: 0.01 },
      epochs: { kind: 'int', min: 1, max: 100_000, default: 15 },
      'batch-size': { kind: 'int', min: 1, max: 1_000_000, default: 32 },
      seeds: { kind: 'int', min: 1, max: 10_000, default: 1 },
      ...SPLIT_FLAGS,
      ...COMMON_FLAGS,
    },
    HELP,
    print,
    async ({ options: values }) => {
      const channels = parseOptionList('channels', values.channels, { kind: 'int', min: 1, max: 4096 });
      if (channels.length !== 2) throw new Error(`--channels takes two numbers (the two convolutions), got ${channels.length}`);
      const { lr, epochs, batchSize, seed, seeds, testFraction } = values;
      const dataFile = values.data !== undefined ? userPath(values.data) : undefined;
      const reportFile = reportPath(values.report, 'digits.html', import.meta.url);
      await onDevice(values.device, async (device) => {
        print(`CNN on the 8×8 digits on ${device.name}`);
        print(
          `model conv3×3 1→${channels[0]} → ReLU → maxpool2 → conv3×3 →${channels[1]} → ReLU → maxpool2 → linear ${channels[1] * 4}→10, Adam lr ${lr}, batches of ${batchSize}, ${epochs} epochs`,
        );
        const runs: DigitsResult[] = [];
        for (let s = seed; s < seed + seeds; s++) {
          const run = await trainDigits({
            seed: s,
            channels: [channels[0], channels[1]],
            lr,
            epochs,
            batchSize,
            testFraction,
            ...(dataFile !== undefined ? { dataFile } : {}),
            onLog: (e) => {
              if (values.quiet) return;
              print(
                `  epoch ${String(e.epoch).padStart(String(epochs).length)}: loss ${e.trainLoss.toFixed(4)}  train ${percent(e.trainAccuracy)}  test loss ${e.testLoss.toFixed(4)}  test ${percent(e.testAccuracy)}`,
              );
            },
          });
          runs.push(run);
          print(
            `seed ${s}: test accuracy ${percent(run.testAccuracy)}, train ${percent(run.trainAccuracy)}, ${run.misclassified.length} wrong, ${run.trainSize}/${run.testSize} images, ${(run.millis / 1000).toFixed(1)} s`,
          );
        }
        print('');
        print(digitsVerdict(runs));
        print('');
        print(trainTestLossChart(runs[0].log, `cross-entropy of seed ${seed}`, epochs));
        const file = await digitsReport(runs).write(reportFile);
        print(`\nreport: ${file}`);
      });
    },
  );
}
