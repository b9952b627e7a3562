import { CORPORA } from '@fackel/data';
import { COMMON_FLAGS, runCommand, onDevice, parseOptionList, reportPath, terminalChart, userPath } from '@fackel/example-report';
import { textgenReport, textgenVerdict } from './report.js';
import { buildCorpus, TEXT_SETS, TEXTGEN_DEFAULTS, trainTextgen, unigramEntropy, type TextgenOptions } from './textgen.js';

/**
 * The command's help text.
 *
 * @example
 * ```ts
 * import { HELP } from '@fackel/example-textgen';
 * console.log(HELP);
 * ```
 */
export const HELP = `Übung 3: Textgenerierung — a character LSTM writes like its training text

Usage: pnpm --filter @fackel/example-textgen start [-- options]

  --texts de             what to train on: ${Object.keys(TEXT_SETS).join(', ')}, moby-dick, or files a.txt,b.txt
                         (joined with a newline, as the workshop's exercise_3.py did; default de)
  --rnn-size 128         LSTM units per layer
  --num-layers 2         LSTM layers
  --batch-size 16        parallel text streams per batch
  --seq-length 50        characters per stream and step
  --epochs 6             passes over the text
  --lr 0.002             Adam learning rate
  --dropout 0.5          dropout between the layers
  --seed 1
  --max-minutes N        stop after N minutes with what has been learned
  --prime "Der "         the start of every sample
  --length 300           characters per sample
  --temperature 0.5,0.8,1  one sample per temperature (lower = safer, higher = wilder)
  --top-k 0              sample only from the k most likely characters (0 = all)
  --save-dir DIR         keep checkpoints there (for fackel-charrnn sample)
  --device cpu|webgpu    where the tensors live (default cpu)
  --report FILE          the HTML report (default reports/textgen.html in this example's folder)
  --quiet                no progress lines
  -h, --help             this text

  Relative paths (--texts files, --save-dir, --report) are taken from the folder you ran the command in.`;

/**
 * Runs the program with command-line arguments, printing through `print`; returns the exit code.
 *
 * @example
 * ```ts
 * import { runCli } from '@fackel/example-textgen';
 * await runCli(['--texts', 'en', '--epochs', '20', '--prime', 'The ']);
 * ```
 */
export async function runCli(argv: readonly string[], print: (line: string) => void = console.log): Promise<number> {
  return runCommand(
    argv,
    {
      texts: { kind: 'string', default: 'de' },
      'rnn-size': { kind: 'int', min: 1, max: 4096 },
      'num-layers': { kind: 'int', min: 1, max: 16 },
      'batch-size': { kind: 'int', min: 1, max: 4096 },
      'seq-length': { kind: 'int', min: 1, max: 4096 },
      epochs: { kind: 'int', min: 1, max: 1_000_000 },
      lr: { kind: 'number', min: 0, gt: true },
      dropout: { kind: 'number', min: 0, max: 1, lt: true },
      seed: { kind: 'int', min: 0, max: 4_294_967_295 },
      'max-minutes': { kind: 'number', min: 0, gt: true, max: 1e7 },
      prime: { kind: 'string', default: 'Der ' },
      length: { kind: 'int', min: 0, max: 10_000_000, default: 300 },
      temperature: { kind: 'string', default: '0.5,0.8,1' },
      'top-k': { kind: 'int', min: 0, max: 65_536, default: 0 },
      'save-dir': { kind: 'string' },
      ...COMMON_FLAGS,
    },
    HELP,
    print,
    async ({ options: values }) => {
      const given = {
        rnnSize: values.rnnSize,
        numLayers: values.numLayers,
        batchSize: values.batchSize,
        seqLength: values.seqLength,
        numEpochs: values.epochs,
        learningRate: values.lr,
        dropout: values.dropout,
        seed: values.seed,
        maxMinutes: values.maxMinutes,
        prime: values.prime,
        length: values.length,
        temperatures: parseOptionList('temperature', values.temperature, { kind: 'number', min: 0, gt: true }),
        topK: values.topK,
        saveDir: values.saveDir !== undefined ? userPath(values.saveDir) : undefined,
      };
      // a set name or a named corpus as it is; files are the user's, relative to where they ran the command
      const named = Object.hasOwn(TEXT_SETS, values.texts) || (CORPORA as readonly string[]).includes(values.texts);
      const texts = named
        ? values.texts
        : values.texts
            .split(',')
            .map((f) => (f.trim() === '' ? f : userPath(f.trim())))
            .join(',');
      const reportFile = reportPath(values.report, 'textgen.html', import.meta.url);
      const options = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as TextgenOptions;
      const s = { ...TEXTGEN_DEFAULTS, ...options };
      await onDevice(values.device, async (device) => {
        const corpus = await buildCorpus(texts);
        print(`Übung 3: Textgenerierung on ${device.name}`);
        print(`corpus ${corpus.label}: ${corpus.sources.join(' + ')} — ${corpus.text.length} characters, ${new Set(corpus.text).size} distinct`);
        if (corpus.note) print(`note: ${corpus.note}`);
        print(`unigram entropy ${unigramEntropy(corpus.text).toFixed(4)} nats per character (the loss of knowing only letter frequencies)`);
        print(
          `model: LSTM ${s.numLayers} × ${s.rnnSize}, dropout ${s.dropout}; Adam ${s.learningRate}; batches ${s.batchSize} × ${s.seqLength}; ${s.numEpochs} epochs\n`,
        );
        const run = await trainTextgen(corpus, {
          ...options,
          device: device.name === 'webgpu' ? 'webgpu' : 'cpu',
          onEvent: (e) => {
            if (e.type === 'warning') print(`warning: ${e.message}`);
            if (e.type === 'print' && !values.quiet) {
              print(
                `Epoch: ${e.epoch}/${e.epochs}... Step: ${e.step}... Loss: ${e.loss.toFixed(4)}... Val Loss: ${e.valLoss === undefined ? '-' : e.valLoss.toFixed(4)}`,
              );
            }
          },
        });
        try {
          print(`\n${run.train.message}`);
          print(textgenVerdict(run));
          for (const smp of run.samples) {
            print(`\n--- sample, temperature ${smp.temperature} ---`);
            print(smp.text);
          }
          // one column per progress reading; the validation loss where it was measured at that step
          const readings = run.history.filter((p) => p.loss !== undefined);
          const valAt = new Map(run.history.filter((p) => p.valLoss !== undefined).map((p) => [p.step, p.valLoss!]));
          print('');
          print(
            terminalChart(
              [
                { name: 'training', values: readings.map((p) => p.loss!) },
                { name: 'validation', values: readings.map((p) => valAt.get(p.step) ?? NaN) },
              ],
              { title: 'loss (nats per character)', xLabel: 'step', xRange: [readings[0]?.step ?? 1, readings[readings.length - 1]?.step ?? 1], height: 8 },
            ),
          );
          const file = await textgenReport(run).write(reportFile);
          print(`\nreport: ${file}`);
        } finally {
          run.dispose();
        }
      });
    },
  );
}
