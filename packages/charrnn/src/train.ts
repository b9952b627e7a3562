import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CORPORA, CharVocab, DataFormatError, charBatches, textCorpus, type CharBatchStream } from '@fackel/data';
import { CrossEntropyLoss } from '@fackel/nn';
import { Adam, LambdaLR, RMSprop, clipGradNorm_, type Optimizer } from '@fackel/optim';
import { FackelError, Generator, noGrad, tensor, tidy, zeros, type Device, type Tensor } from '@fackel/tensor';
import { writeFileAtomic } from '@fackel/tensor/node';
import { UsageError } from './args.js';
import {
  CheckpointError,
  absoluteInputs,
  appendText,
  checkpointName,
  fileKind,
  loadCheckpoint,
  resolveCheckpointPath,
  sha256Hex,
  writeCheckpoint,
  type CheckpointMeta,
  type LoadedCheckpoint,
} from './checkpoint.js';
import { setupDevice, type DeviceName } from './device.js';
import { FileSystemError, SaveDirError, TrainingDataError, isFsError, noteIntact } from './errors.js';
import type { StopReason, TrainEvent } from './events.js';
import { CharRNN, checkConfig, type CharRNNConfig, type LSTMState } from './model.js';
import { SaveDirLock, clearSavedRun, removeSaveDirOrphans, savedRun } from './savedir.js';
import { renderReport, type CheckpointSample, type HistoryPoint } from './report.js';
import { sample } from './sample.js';

/**
 * The library name and version written into checkpoints.
 *
 * @example
 * ```ts
 * import { LIBRARY } from '@fackel/charrnn';
 * console.log(LIBRARY); // '@fackel/charrnn 0.1.0'
 * ```
 */
export const LIBRARY = '@fackel/charrnn 0.1.0';

/**
 * Options of {@link train}. Every field is optional; the defaults are in
 * {@link TRAIN_DEFAULTS}. Option names are the CLI's flags in camelCase.
 *
 * @example
 * ```ts
 * import type { TrainOptions } from '@fackel/charrnn';
 * const o: TrainOptions = { inputs: ['../shared/data/tinyshakespeare.txt'], rnnSize: 128, maxMinutes: 3, saveDir: 'save' };
 * ```
 */
export interface TrainOptions {
  /** The training text itself (instead of `inputs`). */
  text?: string;
  /** Text files, joined with a newline between them (the workshop's `exercise_3.py`). */
  inputs?: string[];
  /** Corpus used when neither `text` nor `inputs` is given (default `'moby-dick'`, from npm). */
  corpus?: string;
  /**
   * Directory for checkpoints, the JSON-lines log and the report; created if missing.
   * Default `'save'` (when resuming: the checkpoint's directory). `null`: write nothing.
   */
  saveDir?: string | null;
  /** LSTM hidden size (`--rnn-size`, default 128). */
  rnnSize?: number;
  /** Stacked LSTM layers (`--num-layers`, default 2). */
  numLayers?: number;
  /** 0: one-hot input (the original); > 0: a learned embedding of this size. */
  embeddingSize?: number;
  /** Parallel streams per batch (`--batch-size`, default 50). */
  batchSize?: number;
  /** Characters per stream per step, the truncated-BPTT length (`--seq-length`, default 50). */
  seqLength?: number;
  /** Passes over the text (`--num-epochs`, default 25). */
  numEpochs?: number;
  /** Read the loss back and report it every this many steps. */
  printEvery?: number;
  /** Measure the validation loss every this many steps (0: only at checkpoints and the end). */
  valEvery?: number;
  /** Write a checkpoint every this many steps (0: only at the end). */
  checkpointEvery?: number;
  /** Checkpoints kept (the newest; the best is kept as well). */
  keep?: number;
  /** Learning rate (`--learning-rate`, default 0.002). */
  learningRate?: number;
  /** Clip the global gradient norm at this value (0: no clipping). */
  gradClip?: number;
  /** Dropout between LSTM layers and before the output layer. */
  dropout?: number;
  /** Start from these weights (checkpoint path or save directory), keeping the checkpoint's vocabulary. */
  initFrom?: string;
  /** Continue a run exactly where the checkpoint (or save directory's latest) stopped. */
  resume?: string;
  /**
   * Train into a save directory that holds another run, replacing it: that run's checkpoints,
   * log and report are deleted first. Without it (and without `resume`) such a directory is
   * refused with a {@link SaveDirError}.
   */
  force?: boolean;
  /** Validation batches evaluated each time: the first this many of the split (0: all; default 200). */
  valBatches?: number;
  /** Where to train: `'cpu'` (default) or `'webgpu'`. */
  device?: DeviceName;
  /** Fraction of the text (its end) used for validation. */
  valFrac?: number;
  /** Seed of the initial weights and of the dropout masks (default 1). */
  seed?: number;
  /** `'adam'` (default) or `'rmsprop'` (alpha 0.95, as char-rnn). */
  optimizer?: 'adam' | 'rmsprop';
  /** Stop (gracefully, with a checkpoint and a sample) after this many minutes of this run. */
  maxMinutes?: number | null;
  /** Stop after this many optimizer steps in total. */
  maxSteps?: number | null;
  /** Multiply the learning rate by this after each epoch past `lrDecayAfter` (1: off). */
  lrDecay?: number;
  /** The epoch after which `lrDecay` applies (default 10). */
  lrDecayAfter?: number;
  /** HTML report path (default `<saveDir>/report.html`); `false` for none. */
  report?: string | false;
  /** JSON-lines log path (default `<saveDir>/train-log.jsonl`). */
  logFile?: string;
  /** Characters sampled at each checkpoint and at the end (0: none). */
  sampleLength?: number;
  /** Prime of those samples (default: a newline). */
  samplePrime?: string;
  /** Temperature of those samples (default 0.8). */
  temperature?: number;
  /** Top-k of those samples (0: all characters; default 0). */
  topK?: number;
  /** When the text is too short for the batch sizes: reduce them with a warning (true) or fail (false). */
  shrink?: boolean;
  /** CPU matmul threads. */
  threads?: number;
  /** Progress events (see {@link TrainEvent}). */
  onEvent?: (event: TrainEvent) => void;
  /** Aborting stops training after the current step, with a final checkpoint. */
  signal?: AbortSignal;
}

/**
 * The defaults of {@link TrainOptions}: pytorch-charRNN's, except `printEvery` (10, so that
 * progress shows within seconds on a laptop CPU) and the additions.
 *
 * @example
 * ```ts
 * import { TRAIN_DEFAULTS } from '@fackel/charrnn';
 * console.log(TRAIN_DEFAULTS.rnnSize); // 128
 * ```
 */
export const TRAIN_DEFAULTS: Readonly<TrainSettings> = Object.freeze({
  rnnSize: 128,
  numLayers: 2,
  embeddingSize: 0,
  batchSize: 50,
  seqLength: 50,
  numEpochs: 25,
  printEvery: 10,
  valEvery: 100,
  valBatches: 200,
  checkpointEvery: 200,
  keep: 3,
  learningRate: 0.002,
  gradClip: 5,
  dropout: 0.5,
  device: 'cpu',
  valFrac: 0.1,
  seed: 1,
  optimizer: 'adam',
  maxMinutes: null,
  maxSteps: null,
  lrDecay: 1,
  lrDecayAfter: 10,
  sampleLength: 200,
  samplePrime: '',
  temperature: 0.8,
  topK: 0,
  shrink: true,
  corpus: 'moby-dick',
});

/**
 * Every setting of a training run, filled in (the options of {@link TrainOptions} that
 * have defaults).
 *
 * @example
 * ```ts
 * import { TRAIN_DEFAULTS, type TrainSettings } from '@fackel/charrnn';
 * const s: TrainSettings = { ...TRAIN_DEFAULTS, rnnSize: 256 };
 * ```
 */
export interface TrainSettings {
  /** LSTM hidden size (`--rnn-size`, default 128). */
  rnnSize: number;
  /** Stacked LSTM layers (`--num-layers`, default 2). */
  numLayers: number;
  /** 0: one-hot input (the original); > 0: a learned embedding of this size. */
  embeddingSize: number;
  /** Parallel streams per batch (`--batch-size`, default 50). */
  batchSize: number;
  /** Characters per stream per step, the truncated-BPTT length (`--seq-length`, default 50). */
  seqLength: number;
  /** Passes over the text (`--num-epochs`, default 25). */
  numEpochs: number;
  /** Read the loss back and report it every this many steps (default 10). */
  printEvery: number;
  /** Measure the validation loss every this many steps (0: only at checkpoints and the end; default 100). */
  valEvery: number;
  /** Validation batches evaluated each time: the first this many of the split (0: all; default 200). */
  valBatches: number;
  /** Write a checkpoint every this many steps (0: only at the end; default 200). */
  checkpointEvery: number;
  /** Checkpoints kept: the newest this many, and the best (default 3). */
  keep: number;
  /** Learning rate (`--learning-rate`, default 0.002). */
  learningRate: number;
  /** Clip the global gradient norm at this value (0: no clipping; default 5). */
  gradClip: number;
  /** Dropout between LSTM layers and before the output layer (default 0.5). */
  dropout: number;
  /** Where to train: `'cpu'` (default) or `'webgpu'`. */
  device: DeviceName;
  /** Fraction of the text (its end) used for validation (default 0.1). */
  valFrac: number;
  /** Seed of the initial weights and of the dropout masks (default 1). */
  seed: number;
  /** `'adam'` (default) or `'rmsprop'` (alpha 0.95, as char-rnn). */
  optimizer: 'adam' | 'rmsprop';
  /** Stop (gracefully, with a checkpoint and a sample) after this many minutes of this run. */
  maxMinutes: number | null;
  /** Stop after this many optimizer steps in total. */
  maxSteps: number | null;
  /** Multiply the learning rate by this after each epoch past `lrDecayAfter` (1: off). */
  lrDecay: number;
  /** The epoch after which `lrDecay` applies (default 10). */
  lrDecayAfter: number;
  /** Characters sampled at each checkpoint and at the end (0: none; default 200). */
  sampleLength: number;
  /** Prime of those samples (default: a newline). */
  samplePrime: string;
  /** Temperature of those samples (default 0.8). */
  temperature: number;
  /** Top-k of those samples (0: all characters; default 0). */
  topK: number;
  /** When the text is too short for the batch sizes: reduce them with a warning (true, default) or fail (false). */
  shrink: boolean;
  /** Corpus used when no text or input file is given (default `'moby-dick'`). */
  corpus: string;
}

type Settings = TrainSettings;

/**
 * What {@link train} returns.
 *
 * @example
 * ```ts
 * import { train } from '@fackel/charrnn';
 * const r = await train({ text: 'abc '.repeat(500), rnnSize: 16, maxSteps: 20, saveDir: null });
 * console.log(r.stopReason, r.lastLoss, r.sample);
 * ```
 */
export interface TrainResult {
  /** The trained model (in training mode). */
  model: CharRNN;
  /** Its vocabulary. */
  vocab: CharVocab;
  /** Its shape. */
  config: CharRNNConfig;
  /** Every setting in force. */
  settings: TrainSettings;
  /** Why training stopped. */
  stopReason: StopReason;
  /** A sentence saying why training stopped (and, after a NaN, which checkpoint is the last good one). */
  message: string;
  /** Optimizer steps done (in total, over resumed runs). */
  step: number;
  /** Completed epochs. */
  epoch: number;
  /** The loss history: a point per print step, validation losses where measured. */
  history: HistoryPoint[];
  /** The samples taken at the checkpoints (and at the end). */
  samples: CheckpointSample[];
  /** The last mean training loss read back. */
  lastLoss?: number;
  /** The last validation loss. */
  lastValLoss?: number;
  /** The best validation loss of the run. */
  bestValLoss?: number;
  /** The JSON of the latest (last good) checkpoint, if any was written. */
  checkpoint?: string;
  /** The sample taken at the end (empty when `sampleLength` is 0 or training failed). */
  sample: string;
  /** Training characters per second in this run (optimizer steps only). */
  charsPerSec: number;
  /** Seconds this run spent in training steps. */
  trainSeconds: number;
  /** The HTML report, when one was written. */
  reportPath?: string;
}

/** Settings a resumed run takes from its checkpoint (they define the run). */
const FIXED_ON_RESUME = ['batchSize', 'seqLength', 'valFrac', 'learningRate', 'gradClip', 'dropout', 'seed', 'optimizer', 'lrDecay', 'lrDecayAfter', 'embeddingSize', 'rnnSize', 'numLayers'] as const;
const MODEL_KEYS = ['rnnSize', 'numLayers', 'embeddingSize'] as const;

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The checkpoint's own JSON (`ckpt-000200.json`) when it was read through `latest.json` or `best.json`. */
function checkpointFileOf(ckpt: LoadedCheckpoint): string {
  const own = join(dirname(ckpt.path), ckpt.meta.weights.replace(/\.safetensors$/, '.json'));
  return own !== ckpt.path && /^ckpt-\d+\.json$/.test(basename(own)) && existsSync(own) ? own : ckpt.path;
}

/** A loss for a message: 4 decimals, or exponent notation when huge. */
function fmtLoss(v: number): string {
  return Math.abs(v) >= 1e6 ? v.toExponential(3) : v.toFixed(4);
}

/** The largest text file read for training (the text becomes a string and an id array). */
const MAX_TEXT_BYTES = 256 * 1024 * 1024;

/** Checks an input before reading it: a regular file (a FIFO or /dev/zero never blocks or floods), of sensible size. */
async function checkInputFile(path: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if ((CORPORA as readonly string[]).includes(path)) return; // a corpus name, not a file
    const err = e as NodeJS.ErrnoException;
    throw new TrainingDataError(`cannot read --input ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : (err.code ?? err.message)}`);
  }
  if (!st.isFile()) {
    throw new TrainingDataError(`--input ${path} is ${fileKind(st)}; give a regular text file (UTF-8)`);
  }
  if (st.size > MAX_TEXT_BYTES) {
    throw new TrainingDataError(`--input ${path} is ${st.size.toLocaleString('en-US')} bytes, more than the limit of ${MAX_TEXT_BYTES.toLocaleString('en-US')} bytes for a training text`);
  }
}

async function loadText(o: TrainOptions, fromCkpt: CheckpointMeta['data'] | undefined, corpus: string): Promise<{ text: string; inputs: string[] | null; corpus: string | null }> {
  if (o.text !== undefined) {
    if (typeof o.text !== 'string' || o.text.length === 0) throw new TrainingDataError('the training text is empty');
    return { text: o.text, inputs: null, corpus: null };
  }
  let inputs = o.inputs && o.inputs.length > 0 ? o.inputs : null;
  let name: string | null = null;
  if (!inputs && fromCkpt) {
    if (fromCkpt.inputs) inputs = fromCkpt.inputs;
    else if (fromCkpt.corpus) name = fromCkpt.corpus;
  }
  const read = async (p: string): Promise<string> => {
    try {
      return await textCorpus(p);
    } catch (e) {
      if (e instanceof DataFormatError || e instanceof FackelError) throw e;
      throw new TrainingDataError((e as Error).message);
    }
  };
  if (inputs) {
    for (const p of inputs) await checkInputFile(p);
    const texts: string[] = [];
    for (const p of inputs) texts.push(await read(p));
    return { text: texts.join('\n'), inputs: absoluteInputs(inputs), corpus: null };
  }
  name ??= corpus;
  return { text: await read(name), inputs: null, corpus: name };
}

/** Control characters other than tab, newline, vertical tab, form feed and carriage return, and U+FFFD. */
function binaryLooking(text: string): string | null {
  let count = 0;
  const seen = new Map<number, number>();
  const n = Math.min(text.length, 1 << 20); // a sample is enough
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 11 && c !== 12 && c !== 13) || c === 127 || c === 0xfffd) {
      count++;
      seen.set(c, (seen.get(c) ?? 0) + 1);
    }
  }
  if (count === 0 || (count / n < 0.01 && !seen.has(0))) return null;
  const top = [...seen.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c]) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`);
  return `the text looks binary, not like text: ${((100 * count) / n).toFixed(count / n < 0.001 ? 3 : 1)}% of its characters are control characters (${top.join(', ')}); is the input a text file?`;
}

/**
 * Options of {@link evaluateLoss}.
 *
 * @example
 * ```ts
 * import type { EvaluateOptions } from '@fackel/charrnn';
 * const o: EvaluateOptions = { maxBatches: 200, deadline: performance.now() + 5000 };
 * ```
 */
export interface EvaluateOptions {
  /** Evaluate only the first this many batches (0 or omitted: all). */
  maxBatches?: number;
  /** Stop after the batch during which `performance.now()` passes this (at least one batch is evaluated). */
  deadline?: number;
  /** Called with how many batches were evaluated, of how many asked. */
  onDone?: (batches: number, of: number) => void;
}

/**
 * The mean cross-entropy (nats per character) of a model over a batch stream, in eval mode
 * (no dropout) and without gradients, with the LSTM state carried from batch to batch as
 * in training. Restores the model's mode afterwards. NaN for an empty stream. `maxBatches`
 * and `deadline` bound its time (the mean is then over the batches evaluated).
 *
 * @example
 * ```ts
 * import { CharVocab, charBatches } from '@fackel/data';
 * import { CharRNN, evaluateLoss } from '@fackel/charrnn';
 * const text = 'hello world, '.repeat(40);
 * const vocab = CharVocab.fromText(text);
 * const { val } = charBatches(vocab.encode(text), { batchSize: 2, seqLength: 8 });
 * const model = new CharRNN({ vocabSize: vocab.size, hiddenSize: 16, numLayers: 1, dropout: 0, embeddingSize: 0 });
 * console.log(await evaluateLoss(model, val)); // about 2.2 nats (ln 9) before any training
 * ```
 */
export async function evaluateLoss(model: CharRNN, stream: CharBatchStream, options: EvaluateOptions = {}): Promise<number> {
  if (stream.length === 0) return Number.NaN;
  const of = options.maxBatches !== undefined && options.maxBatches > 0 ? Math.min(options.maxBatches, stream.length) : stream.length;
  const device = model.fc.weight.device;
  const criterion = new CrossEntropyLoss();
  const wasTraining = model.training;
  model.eval();
  const total = zeros([], { device });
  let h: LSTMState | null = null;
  let done = 0;
  try {
    for (let i = 0; i < of; i++) {
      const b = stream.batchAt(i);
      const next: LSTMState = noGrad(() =>
        tidy(() => {
          const x = tensor(b.x, { dtype: 'int32', device }).reshape([b.batchSize, b.seqLength]);
          const y = tensor(b.y, { dtype: 'int32', device });
          const [logits, state] = model.forward(x, h ?? undefined);
          total.add_(criterion.forward(logits, y));
          return state;
        }),
      );
      h?.forEach((t) => t.dispose());
      h = next;
      done++;
      if (options.deadline !== undefined && i + 1 < of) {
        if (device.backend.sync) await device.backend.sync();
        if (performance.now() >= options.deadline) break;
      }
    }
    const loss = (await total.item()) / done;
    options.onDone?.(done, of);
    return loss;
  } finally {
    h?.forEach((t) => t.dispose());
    total.dispose();
    model.train(wasTraining);
  }
}

/**
 * Trains a {@link CharRNN} on a text: pytorch-charRNN's procedure (batches of parallel
 * streams, truncated backpropagation through time with the LSTM state carried across the
 * batches of an epoch and reset at each epoch, Adam, cross-entropy, global-norm clipping),
 * with every option honoured, validation in eval mode, crash-safe checkpoints, exact resume,
 * a JSON-lines log and an HTML report.
 *
 * Each step runs inside `tidy`, so memory stays flat; the loss is read back only every
 * `printEvery` steps (and at validation and checkpoint steps). A training or validation loss
 * that becomes NaN or explodes — above 2 · ln V + 2 nats, where ln V is an untrained model's
 * loss — stops training without writing a checkpoint, so the latest (and best) checkpoint is
 * the last good one.
 *
 * The save directory is locked for the run ({@link SaveDirLock}); one that holds another run
 * is refused with a {@link SaveDirError} unless `resume` or `force`. Errors say what is intact
 * (the CLI prints it); a file-system failure becomes a {@link FileSystemError} naming the file.
 *
 * @example
 * ```ts no-run
 * import { train } from '@fackel/charrnn';
 * const result = await train({
 *   inputs: ['../shared/data/tx_EN_5_Sleeping_Beauty.txt'],
 *   rnnSize: 64, numLayers: 2, batchSize: 16, seqLength: 50, maxMinutes: 1, saveDir: 'save',
 *   onEvent: (e) => { if (e.type === 'print') console.log(e.step, e.loss); },
 * });
 * console.log(result.sample);
 * ```
 */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  if (options.resume !== undefined && options.initFrom !== undefined) throw new UsageError('use either --resume (continue a run) or --init-from (new run from weights), not both');
  // ---- the save directory: take its lock before reading or writing anything in it
  const resumeJson = options.resume !== undefined ? resolveCheckpointPath(options.resume) : null;
  const saveDir = options.saveDir === undefined ? (resumeJson !== null ? dirname(resumeJson) : 'save') : options.saveDir;
  const lock = saveDir !== null ? await SaveDirLock.acquire(saveDir) : null;
  const state: RunState = { touched: false, latestCheckpoint: undefined, doing: 'preparing the run', path: saveDir ?? '' };
  const intact = (): string => {
    if (!state.touched) return saveDir !== null ? `nothing in ${saveDir} was changed` : 'nothing was written';
    return state.latestCheckpoint ? `the last checkpoint ${state.latestCheckpoint} is intact` : 'no checkpoint was written yet';
  };
  try {
    return await trainLocked(options, saveDir, resumeJson, state);
  } catch (e) {
    if (e instanceof FileSystemError || !isFsError(e)) throw noteIntact(e, intact());
    throw new FileSystemError(e, state.doing, e.path ?? state.path, intact());
  } finally {
    if (lock) {
      await lock.release();
      if (lock.createdDir && !state.touched) await rmdir(saveDir!).catch(() => undefined); // leave no empty directory behind
    }
  }
}

/** What {@link train} needs to know to describe a failure: what was being done, and what is intact. */
interface RunState {
  /** Whether anything in the save directory was changed. */
  touched: boolean;
  /** The JSON of the last checkpoint written (or resumed from). */
  latestCheckpoint: string | undefined;
  /** What was being done ('writing checkpoint', …). */
  doing: string;
  /** The file it was done to. */
  path: string;
}

async function trainLocked(options: TrainOptions, saveDir: string | null, resumeJson: string | null, run: RunState): Promise<TrainResult> {
  const emit = (e: TrainEvent): void => {
    options.onEvent?.(e);
    logEvent(e);
  };
  const device = await setupDevice(options.device ?? TRAIN_DEFAULTS.device, { threads: options.threads });

  // ---- checkpoint to start from
  let ckpt: LoadedCheckpoint | null = null;
  if (resumeJson !== null) ckpt = await loadCheckpoint(resumeJson);
  else if (options.initFrom !== undefined) ckpt = await loadCheckpoint(options.initFrom, { withState: false });
  const resuming = resumeJson !== null;
  // ---- settings
  const s: Settings = { ...TRAIN_DEFAULTS };
  const given = options as Record<string, unknown>;
  for (const k of Object.keys(TRAIN_DEFAULTS) as (keyof Settings)[]) {
    if (given[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = given[k];
  }
  if (ckpt) {
    const saved = (ckpt.meta.hyperparameters ?? {}) as Record<string, unknown>;
    const fromModel: Record<string, number> = { rnnSize: ckpt.config.hiddenSize, numLayers: ckpt.config.numLayers, embeddingSize: ckpt.config.embeddingSize };
    const keys: readonly string[] = resuming ? FIXED_ON_RESUME : MODEL_KEYS;
    for (const k of keys) {
      const theirs = k in fromModel ? fromModel[k] : saved[k];
      if (theirs === undefined) continue;
      if (given[k] !== undefined && given[k] !== theirs) {
        throw new UsageError(
          `--${kebab(k)} ${String(given[k])} conflicts with the checkpoint's ${String(theirs)}: ` +
            (resuming ? 'a resumed run keeps its settings (use --init-from to start a new run from the weights)' : 'the model shape comes from the checkpoint'),
        );
      }
      (s as unknown as Record<string, unknown>)[k] = theirs;
    }
    if (resuming && saved.numEpochs !== undefined && given.numEpochs === undefined) s.numEpochs = saved.numEpochs as number;
  }
  const runId = (resuming ? ckpt!.meta.runId : undefined) ?? randomUUID();

  // ---- does the directory hold another run?
  let replacing = false;
  if (saveDir !== null) {
    const held = await savedRun(saveDir);
    // resuming into the checkpoint's own directory, or into one holding the same run, continues it
    const same = resuming && (resolve(dirname(ckpt!.path)) === resolve(saveDir) || (held?.runId !== undefined && held.runId === ckpt!.meta.runId));
    if (held && !same && options.force !== true) {
      throw new SaveDirError(
        'holds-run',
        saveDir,
        `--save-dir ${saveDir} already holds a training run (${held.step !== undefined ? `latest checkpoint at step ${held.step}; ` : ''}${held.files.slice(0, 3).join(', ')}${held.files.length > 3 ? ', …' : ''}); nothing was changed. ` +
          `Continue it with --resume ${saveDir}, replace it with --force (deletes its checkpoints, log and report), or choose another --save-dir`,
      );
    }
    replacing = held !== null && !same;
  }

  // ---- text, vocabulary, batches
  const data = await loadText(options, resuming ? ckpt!.meta.data : undefined, s.corpus);
  let textHash: string | undefined;
  const textSha256 = (): string => (textHash ??= sha256Hex(data.text)); // once: the resume check and every checkpoint
  if (resuming && ckpt!.meta.data && ckpt!.meta.data.sha256 !== textSha256()) {
    throw new TrainingDataError(
      `the text differs from the one the checkpoint was trained on (${ckpt!.meta.data.chars} characters, sha256 ${ckpt!.meta.data.sha256.slice(0, 12)}…; now ${data.text.length} characters): ` +
        'a resumed run must read the same text. Use --init-from to train the weights on a new text.',
    );
  }
  const vocab = ckpt ? ckpt.vocab : CharVocab.fromText(data.text);
  if (vocab.size < 2) {
    const c = vocab.chars[0] ?? '';
    throw new TrainingDataError(
      `the training text has only one distinct character (U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}, ${data.text.length.toLocaleString('en-US')} times): ` +
        'a model needs at least 2 different characters to learn anything; is it the right file?',
    );
  }
  const ids = vocab.encode(data.text, { what: ckpt ? `training text (the checkpoint's vocabulary is kept, so the text may only use its ${vocab.size} characters)` : 'training text' });
  let batchSize = s.batchSize;
  let seqLength = s.seqLength;
  if (resuming && ckpt!.meta.data) ({ batchSize, seqLength } = ckpt!.meta.data);
  let batches;
  try {
    batches = charBatches(ids, { batchSize, seqLength, valFrac: s.valFrac, shrink: s.shrink });
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new TrainingDataError(e.message);
    throw e;
  }
  ({ batchSize, seqLength } = batches);
  const train: CharBatchStream = batches.train;
  const val: CharBatchStream = batches.val;
  const stepsPerEpoch = train.length;
  const totalSteps = s.maxSteps !== null ? Math.min(s.maxSteps, s.numEpochs * stepsPerEpoch) : s.numEpochs * stepsPerEpoch;
  const config: CharRNNConfig = { vocabSize: vocab.size, hiddenSize: s.rnnSize, numLayers: s.numLayers, dropout: s.dropout, embeddingSize: s.embeddingSize };
  try {
    checkConfig(config);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    if (!ckpt && /vocabSize must|one-hot/.test(e.message)) throw new TrainingDataError(`the training text has ${vocab.size.toLocaleString('en-US')} distinct characters: ${e.message}`);
    throw new UsageError(e.message.replace(/hiddenSize/, '--rnn-size (hiddenSize)').replace(/numLayers/, '--num-layers (numLayers)').replace(/embeddingSize/, '--embedding-size (embeddingSize)'));
  }

  // ---- files: from here on the save directory changes
  const logPath = options.logFile ?? (saveDir !== null ? join(saveDir, 'train-log.jsonl') : null);
  const reportPath = options.report === false ? null : (options.report ?? (saveDir !== null ? join(saveDir, 'report.html') : null));
  const startStep = resuming ? ((ckpt!.training?.position ?? ckpt!.meta.position)?.step ?? 0) : 0;
  let logBuffer = '';
  const pending: TrainEvent[] = [];
  function logEvent(e: TrainEvent): void {
    if (e.type === 'step' || e.type === 'sample') return;
    if (logPath === null) return;
    logBuffer += `${JSON.stringify({ time: new Date().toISOString(), event: e.type, ...e, type: undefined })}\n`;
  }
  run.touched = true;
  if (resuming) run.latestCheckpoint = checkpointFileOf(ckpt!);
  if (saveDir !== null) {
    run.doing = 'cleaning the save directory';
    run.path = saveDir;
    if (replacing) {
      const removed = await clearSavedRun(saveDir);
      if (removed.length > 0) pending.push({ type: 'info', message: `--force: removed the previous run's ${removed.length} file${removed.length === 1 ? '' : 's'} from ${saveDir}` });
    }
    const orphans = await removeSaveDirOrphans(saveDir);
    if (orphans.length > 0) pending.push({ type: 'info', message: `removed ${orphans.length} file${orphans.length === 1 ? '' : 's'} left by an interrupted write in ${saveDir}: ${orphans.slice(0, 3).join(', ')}${orphans.length > 3 ? ', …' : ''}` });
  }
  if (logPath !== null) {
    run.doing = 'writing the log';
    run.path = logPath;
    await mkdir(dirname(resolve(logPath)), { recursive: true });
    if (resuming && existsSync(logPath)) {
      // drop what the interrupted run logged after the checkpoint we continue from
      const kept = (await readFile(logPath, 'utf8'))
        .split('\n')
        .filter((l) => {
          if (l.trim() === '') return false;
          try {
            const e = JSON.parse(l) as { step?: number };
            return e.step === undefined || e.step <= startStep;
          } catch {
            return false;
          }
        });
      await writeFileAtomic(logPath, kept.map((l) => `${l}\n`).join(''));
    } else if (!resuming) {
      await writeFile(logPath, '');
    }
  }
  const flushLog = async (): Promise<void> => {
    if (logPath === null || logBuffer === '') return;
    const text = logBuffer;
    logBuffer = '';
    run.doing = 'writing the log';
    run.path = logPath;
    await appendText(logPath, text);
  };

  for (const e of pending) emit(e);
  if (batches.warning) emit({ type: 'warning', message: `${batches.warning} (pass --no-shrink to make this an error)` });
  if (val.length === 0 && s.valFrac > 0) emit({ type: 'warning', message: 'no validation batch fits; the validation loss is not measured' });
  const binary = binaryLooking(data.text);
  if (binary) emit({ type: 'warning', message: binary });
  const valBatches = s.valBatches > 0 ? Math.min(s.valBatches, val.length) : val.length;
  if (valBatches < val.length) emit({ type: 'info', message: `validation uses the first ${valBatches} of ${val.length.toLocaleString('en-US')} validation batches, to bound its time (--val-batches; 0 = all)` });

  // ---- model, optimizer, scheduler, generators
  const dropoutGen = new Generator(s.seed + 1000003);
  const model = new CharRNN(config, { generator: new Generator(s.seed), dropoutGenerator: dropoutGen, device });
  if (ckpt) {
    model.loadStateDict(ckpt.weights);
    for (const t of Object.values(ckpt.weights)) t.dispose();
  }
  const params = model.parameters();
  const optimizer: Optimizer<{ lr: number }> =
    s.optimizer === 'rmsprop' ? (new RMSprop(params, { lr: s.learningRate, alpha: 0.95 }) as never) : (new Adam(params, { lr: s.learningRate }) as never);
  const decay = s.lrDecay;
  const after = s.lrDecayAfter;
  const scheduler = new LambdaLR(optimizer, { lrLambda: (e: number) => (decay === 1 ? 1 : decay ** Math.max(0, e - after)) });
  let step = 0;
  let epoch = 0;
  let batch = 0;
  let hidden: LSTMState | null = null;
  let secondsBefore = 0;
  let history: HistoryPoint[] = [];
  let samples: CheckpointSample[] = [];
  let bestValLoss: number | undefined;
  let bestStep: number | undefined;
  let lastValLoss: number | undefined;
  let lastLoss: number | undefined;
  let latestCheckpoint: string | undefined;
  /**
   * The divergence limit: an untrained model's loss is ln V (it spreads its bets evenly); a
   * training or validation loss above 2 ln V + 2 nats is far worse than knowing nothing, so
   * the run has exploded — whenever it happens, even before the first loss is read.
   */
  const initialLoss = Math.log(vocab.size);
  const divergenceLimit = 2 * initialLoss + 2;
  if (resuming) {
    const m = ckpt!.meta;
    // the state file (one save() file): optimizer, scheduler, generator, position, carried LSTM state
    const tr = ckpt!.training;
    try {
      if (tr) {
        if (tr.optimizerKind !== s.optimizer) throw new CheckpointError(`${ckpt!.path}: the checkpoint's optimizer is ${tr.optimizerKind}, not ${s.optimizer}`);
        optimizer.loadStateDict(tr.optimizer);
        scheduler.loadStateDict(tr.scheduler);
        dropoutGen.setState(tr.rng.dropout);
      }
      const p = tr?.position ?? m.position;
      if (p) {
        step = p.step;
        epoch = p.epoch;
        batch = p.batch;
        secondsBefore = p.seconds;
        if (p.hidden && tr?.hidden) hidden = [await tr.hidden.h.to(device), await tr.hidden.c.to(device)];
      }
    } finally {
      for (const t of Object.values(ckpt!.state)) if (!hidden?.includes(t)) t.dispose();
    }
    history = [...(m.history ?? [])];
    samples = [...(m.samples ?? [])];
    bestValLoss = m.losses?.bestValLoss;
    bestStep = m.losses?.bestStep;
    lastValLoss = m.losses?.valLoss;
    lastLoss = m.losses?.loss;
    latestCheckpoint = checkpointFileOf(ckpt!);
  } else if (ckpt) {
    for (const t of Object.values(ckpt.state)) t.dispose();
  }

  const hyperparameters: Record<string, unknown> = { ...s, batchSize, seqLength, device: device.name };
  emit({
    type: 'start',
    totalSteps,
    stepsPerEpoch,
    epochs: s.numEpochs,
    startStep: step,
    vocabSize: vocab.size,
    trainChars: train.data.length,
    valChars: val.data.length,
    valBatches,
    parameters: model.numParameters(),
    device: device.name,
    batchSize,
    seqLength,
    ...(resuming ? { resumedFrom: ckpt!.path } : {}),
    ...(options.initFrom !== undefined ? { initFrom: ckpt!.path } : {}),
  });

  // ---- the steps
  const criterion = new CrossEntropyLoss();
  const lossSum = zeros([], { device });
  let lossCount = 0;
  const makeBatch = (b: { x: Int32Array; y: Int32Array }): [Tensor, Tensor] => [
    tensor(b.x, { dtype: 'int32', device }).reshape([batchSize, seqLength]),
    tensor(b.y, { dtype: 'int32', device }),
  ];
  const trainStep = (index: number): void => {
    const next = tidy(() => {
      const [x, y] = makeBatch(train.batchAt(index));
      const [logits, state] = model.forward(x, hidden ?? undefined);
      const loss = criterion.forward(logits, y);
      optimizer.zeroGrad();
      loss.backward();
      if (s.gradClip > 0) clipGradNorm_(params, s.gradClip);
      optimizer.step();
      noGrad(() => lossSum.add_(loss));
      return [state[0].detach(), state[1].detach()] as LSTMState;
    });
    hidden?.forEach((t) => t.dispose());
    hidden = next;
    lossCount++;
  };
  // Validations are bounded: --val-batches, and --max-minutes (plus a grace of 10 % of it, 1 to 30 s).
  const deadline = (): number | undefined =>
    s.maxMinutes !== null ? t0 + 1000 * (s.maxMinutes * 60 + Math.min(30, Math.max(1, s.maxMinutes * 6))) : undefined;
  let valDone = 0;
  const evaluate = (): Promise<number> => {
    const d = deadline();
    return evaluateLoss(model, val, { maxBatches: valBatches, ...(d !== undefined ? { deadline: d } : {}), onDone: (n) => (valDone = n) });
  };

  const t0 = performance.now();
  let trainMs = 0;
  let lastPrintStep = step;
  let lastValStep = -1;
  let lastCheckpointStep = resuming ? step : -1;
  let stopReason = 'done' as StopReason;
  let explodedWhat: string | undefined;
  let message = '';
  const elapsed = (): number => (performance.now() - t0) / 1000;
  /** Seconds left: by the steps' pace in this run, or by `maxMinutes` when that ends sooner. */
  const etaSeconds = (secs: number): number => {
    const rate = (step - startStep) / Math.max(secs, 1e-9);
    const eta = (totalSteps - step) / Math.max(rate, 1e-9);
    return s.maxMinutes !== null ? Math.min(eta, Math.max(0, s.maxMinutes * 60 - secs)) : eta;
  };
  const charsPerSec = (): number => (trainMs > 0 ? ((step - startStep) * batchSize * seqLength) / (trainMs / 1000) : 0);
  const stepEpoch = (): number => Math.min(s.numEpochs, Math.floor((step - 1) / stepsPerEpoch) + 1);

  /** Reads the mean loss since the last read; returns false (and sets the stop reason) on NaN or explosion. */
  const readLoss = async (): Promise<boolean> => {
    if (lossCount === 0) return true;
    const mean = (await lossSum.item()) / lossCount;
    noGrad(() => lossSum.zero_());
    lossCount = 0;
    lastLoss = mean;
    if (!Number.isFinite(mean)) {
      stopReason = 'nan';
      return false;
    }
    if (mean > divergenceLimit) {
      stopReason = 'exploded';
      explodedWhat = `the training loss exploded to ${fmtLoss(mean)}`;
      return false;
    }
    return true;
  };
  const runValidation = async (): Promise<boolean> => {
    if (val.length === 0) return true;
    const v = await evaluate();
    lastValStep = step;
    lastValLoss = v;
    if (!Number.isFinite(v)) {
      stopReason = 'nan';
      explodedWhat = 'the validation loss became NaN';
      return false;
    }
    if (v > divergenceLimit) {
      stopReason = 'exploded';
      explodedWhat = `the validation loss exploded to ${fmtLoss(v)}`;
      return false;
    }
    const complete = valDone >= valBatches;
    if (!complete) {
      emit({
        type: 'warning',
        message: `the validation at step ${step} stopped at the --max-minutes limit after ${valDone} of ${valBatches} batches; its loss ${v.toFixed(4)} is over those ${valDone}`,
      });
    }
    // a validation cut short is not comparable with complete ones: it is best only when there is none
    const best = bestValLoss === undefined || (complete && v < bestValLoss);
    if (best) {
      bestValLoss = v;
      bestStep = step;
    }
    const point = history.at(-1);
    if (point && point.step === step) point.valLoss = v;
    else history.push({ step, epoch: stepEpoch(), valLoss: v, seconds: secondsBefore + elapsed() });
    emit({ type: 'validation', step, epoch: stepEpoch(), valLoss: v, best, batches: valDone, totalBatches: valBatches });
    return true;
  };
  const takeSample = async (): Promise<string> => {
    if (s.sampleLength <= 0) return '';
    const text = await sample(model, vocab, { prime: s.samplePrime, length: s.sampleLength, temperature: s.temperature, topK: s.topK, seed: s.seed });
    samples = samples.filter((x) => x.step !== step);
    samples.push({ step, ...(lastValStep === step && lastValLoss !== undefined ? { valLoss: lastValLoss } : {}), text });
    emit({ type: 'sample', step, text });
    return text;
  };
  const writeReport = async (): Promise<void> => {
    if (reportPath === null) return;
    const facts: Record<string, string | number> = {
      steps: `${step} of ${totalSteps} (epoch ${Math.max(1, stepEpoch())} of ${s.numEpochs})`,
      'training text': data.inputs ? data.inputs.join(', ') : (data.corpus ?? 'given as a string'),
      characters: `${data.text.length.toLocaleString('en-US')} (vocabulary ${vocab.size})`,
      'characters per second': Math.round(charsPerSec()),
    };
    if (bestValLoss !== undefined) facts['best validation loss'] = `${bestValLoss.toFixed(4)} at step ${bestStep}`;
    if (stopReason !== 'done' || message) facts.status = message || stopReason;
    const html = renderReport({ title: `char-RNN training report (${saveDir ?? 'in memory'})`, hyperparameters, history, samples, facts });
    run.doing = 'writing the report';
    run.path = reportPath;
    await writeFileAtomic(reportPath, html, { mkdir: true });
  };
  const checkpoint = async (): Promise<void> => {
    if (saveDir === null) return;
    const isBest = lastValStep === step && bestStep === step;
    await takeSample();
    const weights = model.stateDict();
    try {
      run.doing = 'writing checkpoint';
      run.path = join(saveDir, `${checkpointName(step)}.safetensors`);
      latestCheckpoint = await writeCheckpoint(
        saveDir,
        step,
        {
          meta: {
            model: config,
            vocab: vocab.toJSON(),
            hyperparameters,
            data: { inputs: data.inputs, corpus: data.corpus, chars: data.text.length, sha256: textSha256(), batchSize, seqLength, valFrac: s.valFrac },
            losses: { loss: lastLoss, valLoss: lastValLoss, bestValLoss, bestStep },
            history,
            samples,
            createdAt: new Date().toISOString(),
            library: LIBRARY,
          },
          weights,
          state: {
            optimizerKind: s.optimizer,
            optimizer: optimizer.stateDict(),
            scheduler: scheduler.stateDict(),
            rng: { dropout: dropoutGen.getState() },
            position: { step, epoch, batch, hidden: hidden !== null, seconds: secondsBefore + elapsed() },
            hidden: hidden ? { h: hidden[0], c: hidden[1] } : null,
          },
        },
        { best: val.length === 0 || isBest, keep: s.keep, runId }, // without validation, best = latest
      );
      run.latestCheckpoint = latestCheckpoint;
    } finally {
      for (const t of Object.values(weights)) t.dispose();
    }
    lastCheckpointStep = step;
    emit({ type: 'checkpoint', step, path: latestCheckpoint, best: isBest, ...(lastValStep === step && lastValLoss !== undefined ? { valLoss: lastValLoss } : {}) });
    await writeReport();
    await flushLog();
  };

  let failed = false;
  try {
    outer: while (epoch < s.numEpochs) {
      {
        if (s.maxSteps !== null && step >= s.maxSteps) {
          stopReason = 'max-steps';
          break outer;
        }
        const ts = performance.now();
        trainStep(batch);
        // an asynchronous device (WebGPU): wait for the step's work, so that the queue and
        // the memory it holds stay bounded (the loss itself is still read only at print steps)
        if (device.backend.sync) await device.backend.sync();
        trainMs += performance.now() - ts;
        batch++;
        step++;
        const thisEpoch = epoch + 1;
        if (batch === stepsPerEpoch) {
          // epoch done: reset the LSTM state (as the original) and advance the schedule
          epoch++;
          batch = 0;
          hidden?.forEach((t) => t.dispose());
          hidden = null;
          scheduler.step();
        }
        const isLast = step >= totalSteps;
        const wantVal = val.length > 0 && ((s.valEvery > 0 && step % s.valEvery === 0) || (s.checkpointEvery > 0 && step % s.checkpointEvery === 0 && saveDir !== null));
        const wantCkpt = saveDir !== null && s.checkpointEvery > 0 && step % s.checkpointEvery === 0;
        if (step % s.printEvery === 0 || wantVal || wantCkpt || isLast) {
          if (!(await readLoss())) {
            failed = true;
            break outer;
          }
          if (step - lastPrintStep > 0) history.push({ step, epoch: thisEpoch, loss: lastLoss, seconds: secondsBefore + elapsed() });
          lastPrintStep = step;
          if (wantVal && !(await runValidation())) {
            failed = true;
            break outer;
          }
          if (step % s.printEvery === 0 || isLast) {
            emit({
              type: 'print',
              step,
              epoch: thisEpoch,
              epochs: s.numEpochs,
              loss: lastLoss!,
              ...(lastValLoss !== undefined ? { valLoss: lastValLoss } : {}),
              valFresh: lastValStep === step,
              charsPerSec: charsPerSec(),
              seconds: secondsBefore + elapsed(),
              etaSeconds: etaSeconds(elapsed()),
            });
          }
          if (wantCkpt) await checkpoint();
        }
        const secs = elapsed();
        const eta = etaSeconds(secs);
        emit({
          type: 'step',
          step,
          epoch: thisEpoch,
          epochs: s.numEpochs,
          batch: batch === 0 ? stepsPerEpoch : batch,
          stepsPerEpoch,
          totalSteps,
          seconds: secondsBefore + secs,
          charsPerSec: charsPerSec(),
          etaSeconds: eta,
          ...(lastLoss !== undefined ? { loss: lastLoss } : {}),
          ...(lastValLoss !== undefined ? { valLoss: lastValLoss } : {}),
        });
        if (s.maxMinutes !== null && secs >= s.maxMinutes * 60) {
          stopReason = 'max-minutes';
          break outer;
        }
        if (options.signal?.aborted) {
          stopReason = 'interrupted';
          break outer;
        }
        if (s.maxSteps !== null && step >= s.maxSteps) {
          stopReason = 'max-steps';
          break outer;
        }
      }
    }

    let finalSample = '';
    const failure = (): string => {
      const what = stopReason === 'nan' ? (explodedWhat ?? 'the loss became NaN') : `${explodedWhat ?? 'the loss exploded'}, above the limit ${divergenceLimit.toFixed(4)} (2 × ln ${vocab.size} + 2: an untrained model's loss is ln ${vocab.size} = ${initialLoss.toFixed(4)})`;
      return (
        `Training stopped at step ${step}: ${what}. No checkpoint was written after the last good one` +
        (latestCheckpoint ? `; the last good checkpoint is ${latestCheckpoint}` : ' (none was written yet)') +
        '. Try a smaller --learning-rate or a --grad-clip.'
      );
    };
    if (failed) {
      message = failure();
    } else {
      if (lossCount > 0 && !(await readLoss())) {
        failed = true;
        message = failure();
      } else {
        if (history.at(-1)?.step !== step && step > startStep) history.push({ step, epoch: stepEpoch(), loss: lastLoss, seconds: secondsBefore + elapsed() });
        if (lastValStep !== step && !(await runValidation())) failed = true;
        if (!failed) {
          if (saveDir !== null && lastCheckpointStep !== step) await checkpoint();
          else if (saveDir === null || samples.at(-1)?.step !== step) await takeSample();
          finalSample = samples.at(-1)?.step === step ? samples.at(-1)!.text : '';
        }
        const why: Record<StopReason, string> = {
          done: `all ${s.numEpochs} epochs done`,
          'max-minutes': `--max-minutes ${s.maxMinutes} reached`,
          'max-steps': `--max-steps ${s.maxSteps} reached`,
          interrupted: 'interrupted',
          nan: 'the loss became NaN',
          exploded: 'the loss exploded',
        };
        message = failed
          ? failure()
          : `Training finished at step ${step} (${why[stopReason]})` +
            (lastValLoss !== undefined ? `: val loss ${lastValLoss.toFixed(4)}` : lastLoss !== undefined ? `: loss ${lastLoss.toFixed(4)}` : '') +
            (bestValLoss !== undefined ? `, best ${bestValLoss.toFixed(4)} at step ${bestStep}` : '') +
            (latestCheckpoint ? `. Checkpoint: ${latestCheckpoint}` : '.');
      }
    }
    emit({ type: 'stop', reason: stopReason, message, step });
    await writeReport();
    await flushLog();
    return {
      model,
      vocab,
      config,
      settings: { ...s, batchSize, seqLength },
      stopReason,
      message,
      step,
      epoch,
      history,
      samples,
      lastLoss,
      lastValLoss,
      bestValLoss,
      checkpoint: latestCheckpoint,
      sample: finalSample,
      charsPerSec: charsPerSec(),
      trainSeconds: trainMs / 1000,
      ...(reportPath !== null ? { reportPath } : {}),
    };
  } finally {
    hidden?.forEach((t) => t.dispose());
    lossSum.dispose();
    optimizer.dispose();
  }
}
