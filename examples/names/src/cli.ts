import { COMMON_FLAGS, SPLIT_FLAGS, runCommand, onDevice, parseOptionList, percent, reportPath, terminalChart, userPath } from '@fackel/example-report';
import {
  lastLettersEncoding,
  loadNameData,
  majorityShare,
  naiveEncoding,
  ngramEncoding,
  splitNames,
  trainFeedForward,
  trainRnn,
  type EpochLog,
  type ModelResult,
} from './names.js';
import { namesReport, namesVerdict } from './report.js';

/**
 * The names classified when none are given on the command line.
 *
 * @example
 * ```ts
 * import { DEFAULT_NAMES } from '@fackel/example-names';
 * console.log(DEFAULT_NAMES.join(' '));
 * ```
 */
export const DEFAULT_NAMES = Object.freeze(['Anna', 'Lukas', 'Andrea', 'Sascha', 'Kim', 'Maximilian', 'Charlotte', 'Jonas']);

/**
 * The command's help text.
 *
 * @example
 * ```ts
 * import { HELP } from '@fackel/example-names';
 * console.log(HELP);
 * ```
 */
export const HELP = `Übung 2B: first name → gender — the 2A network on name encodings, and a character RNN

Usage: pnpm --filter @fackel/example-names start [-- options] [NAME …]

  NAME …                 names to classify at the end (default: ${DEFAULT_NAMES.join(' ')})
  --models LIST          which models, comma-separated (default naive,last3,ngrams,lstm):
                           naive   the 2A input format: 8 letters as numbers
                           lastK   one-hot codes of the last K letters (last1 … last8)
                           ngrams  which character 1- to 3-grams occur
                           lstm, gru  a character-level recurrent network
  --epochs 10            epochs of the feed-forward models
  --hidden 6,4           hidden layers of the 2A network (default 6,4 as in 2A)
  --optimizer adam|sgd   optimizer of the feed-forward models (default adam)
  --lr N                 their learning rate (default 0.01 for adam, 0.1 for sgd)
  --batch-size 64        their mini-batch size
  --full-batch           one step on all training names per epoch, as in 2A
  --rnn-epochs 6         epochs of the recurrent model
  --rnn-hidden 64        its hidden state size
  --embedding 16         its character vector size
  --rnn-lr 0.005         its Adam learning rate
  --seed 0               seeds the split, the weights and the batch order
  --test-fraction 0.2    share of names held out for testing
  --data FILE|stdlib     a name,gender CSV (default: shared/data/names.csv, else the npm lists)
  --device cpu|webgpu    where the tensors live (default cpu)
  --report FILE          the HTML report (default reports/names.html in this example's folder)
  --quiet                no per-epoch lines
  -h, --help             this text

  Relative paths are taken from the folder you ran the command in.`;

/**
 * Runs the program with command-line arguments, printing through `print`; returns the exit code.
 *
 * @example
 * ```ts
 * import { runCli } from '@fackel/example-names';
 * await runCli(['--models', 'last3', 'Anna', 'Lukas']);
 * ```
 */
export async function runCli(argv: readonly string[], print: (line: string) => void = console.log): Promise<number> {
  return runCommand(
    argv,
    {
      models: { kind: 'string', default: 'naive,last3,ngrams,lstm' },
      epochs: { kind: 'int', min: 1, max: 1_000_000, default: 10 },
      hidden: { kind: 'string', default: '6,4' },
      optimizer: { kind: 'string', choices: ['adam', 'sgd'], default: 'adam' },
      lr: { kind: 'number', min: 0, gt: true },
      'batch-size': { kind: 'int', min: 1, max: 1_000_000, default: 64 },
      'full-batch': { kind: 'boolean', default: false },
      'rnn-epochs': { kind: 'int', min: 1, max: 1_000_000, default: 6 },
      'rnn-hidden': { kind: 'int', min: 1, max: 4096, default: 64 },
      embedding: { kind: 'int', min: 1, max: 4096, default: 16 },
      'rnn-lr': { kind: 'number', min: 0, gt: true, default: 0.005 },
      ...SPLIT_FLAGS,
      ...COMMON_FLAGS,
    },
    HELP,
    print,
    async ({ options: values, positionals }) => {
      const models = values.models
        .split(',')
        .map((m) => m.trim().toLowerCase())
        .filter(Boolean);
      for (const m of models)
        if (!/^(naive|last[1-8]|ngrams|lstm|gru)$/.test(m))
          throw new Error(`unknown model ${JSON.stringify(m)}: use naive, last1 … last8, ngrams, lstm or gru`);
      const { optimizer, seed, testFraction } = values;
      const ff = {
        epochs: values.epochs,
        hidden: parseOptionList('hidden', values.hidden, { kind: 'int', min: 1, max: 100_000 }),
        optimizer,
        lr: values.lr,
        batchSize: values.batchSize,
        fullBatch: values.fullBatch,
        seed,
      };
      const rnn = {
        epochs: values.rnnEpochs,
        hidden: values.rnnHidden,
        embedding: values.embedding,
        lr: values.rnnLr,
        seed,
      };
      const dataSource = values.data === undefined || values.data === 'stdlib' ? values.data : userPath(values.data);
      const reportFile = reportPath(values.report, 'names.html', import.meta.url);
      await onDevice(values.device, async (device) => {
        const results: ModelResult[] = [];
        try {
          const data = await loadNameData(dataSource);
          const split = splitNames(data, testFraction, seed);
          const baseline = majorityShare(split.test.labels);
          const male = data.labels.reduce((a, b) => a + b, 0);
          print(`Übung 2B: first name → gender on ${device.name}`);
          print(`data: ${data.names.length} names from ${data.source} (${data.names.length - male} female, ${male} male)`);
          print(`seeded split (seed ${seed}): ${split.train.names.length} training / ${split.test.names.length} test names`);
          print(`majority baseline (always "female"): ${percent(baseline)} of the test names`);
          // every epoch of a short run, about ten lines of a long one
          const progress = (key: string, epochs: number) => (e: EpochLog) => {
            const every = epochs <= 20 ? 1 : Math.ceil(epochs / 10);
            if (!values.quiet && (e.epoch % every === 0 || e.epoch === 1))
              print(`  [${key}] epoch ${e.epoch}: loss ${e.loss.toFixed(4)}  test ${percent(e.testAccuracy)}`);
          };
          for (const m of models) {
            let r: ModelResult;
            if (m === 'lstm' || m === 'gru') {
              print(`\n[${m}] a character ${m.toUpperCase()} (embedding ${rnn.embedding}, hidden ${rnn.hidden}), Adam lr ${rnn.lr}, ${rnn.epochs} epochs`);
              r = await trainRnn(split, { ...rnn, cell: m, onEpoch: progress(m, rnn.epochs) });
            } else {
              const encoding = m === 'naive' ? naiveEncoding() : m === 'ngrams' ? ngramEncoding(split.train.names) : lastLettersEncoding(Number(m.slice(4)));
              print(`\n[${m}] ${encoding.title}`);
              print(
                `  the 2A network ${[encoding.size, ...ff.hidden, 1].join(' → ')} (sigmoids, BCE), ${optimizer} ${ff.fullBatch ? 'full batch' : `batches of ${ff.batchSize}`}, ${ff.epochs} epochs`,
              );
              r = await trainFeedForward(encoding, split, { ...ff, onEpoch: progress(m, ff.epochs) });
            }
            results.push(r);
            print(`  test accuracy ${percent(r.testAccuracy)} (${r.parameters} parameters, ${(r.millis / 1000).toFixed(1)} s)`);
          }

          print('\nsummary (test accuracy):');
          print(`  ${'majority baseline'.padEnd(20)}${percent(baseline).padStart(9)}`);
          for (const r of results) print(`  ${r.key.padEnd(20)}${percent(r.testAccuracy).padStart(9)}`);
          print('');
          print(namesVerdict(results, baseline));

          const asked = positionals.length > 0 ? positionals : [...DEFAULT_NAMES];
          const probs = await Promise.all(results.map((r) => r.predict(asked)));
          const predictions = asked.map((name, i) => ({ name, pMale: probs.map((p) => p[i]) }));
          print(`\npredictions, P(male) (≥ 0.5: male):`);
          const w = Math.max(12, ...asked.map((n) => n.length + 2));
          print(`  ${'name'.padEnd(w)}${results.map((r) => r.key.padStart(9)).join('')}`);
          for (const p of predictions) print(`  ${p.name.padEnd(w)}${p.pMale.map((v) => `${v.toFixed(2)} ${v >= 0.5 ? 'm' : 'f'}`.padStart(9)).join('')}`);

          print('');
          print(
            terminalChart(
              results.map((r) => ({ name: r.key, values: r.history.map((e) => e.loss) })),
              { title: 'training loss per epoch', height: 8 },
            ),
          );
          const file = await namesReport({
            results,
            baseline,
            info: {
              data: `${data.names.length} names (${data.source})`,
              split: `seed ${seed}: ${split.train.names.length} training / ${split.test.names.length} test names`,
            },
            predictions,
          }).write(reportFile);
          print(`\nreport: ${file}`);
        } finally {
          for (const r of results) r.dispose();
        }
      });
    },
    { positionals: true },
  );
}
