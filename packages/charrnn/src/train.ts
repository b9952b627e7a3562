import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CharVocab, charBatches, type CharBatchStream, type CharBatches } from '@fackel/data';
import { CrossEntropyLoss } from '@fackel/nn';
import { Adam, AdamW, LambdaLR, RMSprop, clipGradNorm_ } from '@fackel/optim';
import { Generator, noGrad, tensor, tidy, zeros, type Device, type Tensor } from '@fackel/tensor';
import { writeFileAtomic } from '@fackel/tensor/node';
import { UsageError } from './args.js';
import { CheckpointError, appendText, checkpointName, loadCheckpoint, resolveCheckpointPath, writeCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import { setupDevice } from './device.js';
import { FileSystemError, SaveDirError, TrainingDataError, isFsError, noteIntact } from './errors.js';
import { evaluateLoss } from './evaluate.js';
import type { StopReason, TrainEvent } from './events.js';
import type { CharGPT } from './gpt.js';
import type { CharRNN } from './model.js';
import { checkModelConfig, createModel, isGPTConfig, type CharModel, type ModelConfig } from './models.js';
import { renderReport, type CheckpointSample, type HistoryPoint } from './report.js';
import { sample } from './sample.js';
import { SaveDirLock, clearSavedRun, removeSaveDirOrphans, savedRun } from './savedir.js';
import {
  LIBRARY,
  TRAIN_DEFAULTS,
  TRANSFORMER_SETTING_KEYS,
  resolveSettings,
  type TrainOptions,
  type TrainSettings,
  type TransformerTrainOptions,
} from './settings.js';
import { binaryLooking, loadText, type TrainingText } from './text.js';
import { randomWindowBatch } from './windows.js';

/**
 * What a training run is doing and what it has changed: the words of its errors. A
 * file-system failure names `doing` and `path`; every error says what is intact.
 *
 * @example
 * ```ts
 * import { RunStatus } from '@fackel/charrnn';
 * const status = new RunStatus('save');
 * console.log(status.intact()); // 'nothing in save was changed'
 * status.touched = true;
 * status.at('writing checkpoint', 'save/ckpt-000200.safetensors');
 * console.log(status.intact()); // 'no checkpoint was written yet'
 * ```
 */
export class RunStatus {
  /** Whether anything in the save directory was changed. */
  touched = false;
  /** The JSON of the last checkpoint written (or resumed from). */
  latestCheckpoint: string | undefined;
  /** What is being done ('writing checkpoint', …). */
  doing = 'preparing the run';
  /** The file it is done to. */
  path: string;
  /** The save directory (null: the run writes nothing). */
  readonly saveDir: string | null;

  constructor(saveDir: string | null) {
    this.saveDir = saveDir;
    this.path = saveDir ?? '';
  }

  /** Records what is being done to which file (named if it fails). */
  at(doing: string, path: string): void {
    this.doing = doing;
    this.path = path;
  }

  /** A sentence saying what is intact. */
  intact(): string {
    if (!this.touched) return this.saveDir !== null ? `nothing in ${this.saveDir} was changed` : 'nothing was written';
    return this.latestCheckpoint ? `the last checkpoint ${this.latestCheckpoint} is intact` : 'no checkpoint was written yet';
  }
}

/**
 * The log stage of training: hands each {@link TrainEvent} to the caller's `onEvent`,
 * keeps the JSON-lines log (every event but `step` and `sample`, written at each checkpoint
 * and at the end) and writes the HTML report, each write named in the {@link RunStatus}.
 *
 * @example
 * ```ts
 * import { RunStatus, TrainLog } from '@fackel/charrnn';
 * const log = new TrainLog({ logPath: null, reportPath: null, status: new RunStatus(null), onEvent: (e) => console.log(e.type) });
 * log.emit({ type: 'info', message: 'hello' }); // prints 'info'
 * ```
 */
export class TrainLog {
  /** The JSON-lines log (null: none). */
  readonly logPath: string | null;
  /** The HTML report (null: none). */
  readonly reportPath: string | null;
  readonly #status: RunStatus;
  readonly #onEvent: ((event: TrainEvent) => void) | undefined;
  /** Log lines not yet appended to the file. */
  #buffer = '';

  constructor(options: { logPath: string | null; reportPath: string | null; status: RunStatus; onEvent?: (event: TrainEvent) => void }) {
    this.logPath = options.logPath;
    this.reportPath = options.reportPath;
    this.#status = options.status;
    this.#onEvent = options.onEvent;
  }

  /** Hands an event to `onEvent` and keeps it for the log file. */
  emit(event: TrainEvent): void {
    this.#onEvent?.(event);
    if (event.type === 'step' || event.type === 'sample' || this.logPath === null) return;
    this.#buffer += `${JSON.stringify({ time: new Date().toISOString(), event: event.type, ...event, type: undefined })}\n`;
  }

  /**
   * Prepares the log file: a new run empties it; a resumed run keeps what was logged up to
   * the step it continues from (`startStep`) and drops what the interrupted run logged after.
   */
  async open(resuming: boolean, startStep: number): Promise<void> {
    const path = this.logPath;
    if (path === null) return;
    this.#status.at('writing the log', path);
    await mkdir(dirname(resolve(path)), { recursive: true });
    if (resuming && existsSync(path)) {
      const kept = (await readFile(path, 'utf8')).split('\n').filter((line) => {
        if (line.trim() === '') return false;
        try {
          const e = JSON.parse(line) as { step?: number };
          return e.step === undefined || e.step <= startStep;
        } catch {
          return false;
        }
      });
      await writeFileAtomic(path, kept.map((line) => `${line}\n`).join(''));
    } else if (!resuming) {
      await writeFile(path, '');
    }
  }

  /** Appends the events kept since the last flush to the log file. */
  async flush(): Promise<void> {
    if (this.logPath === null || this.#buffer === '') return;
    const text = this.#buffer;
    this.#buffer = '';
    this.#status.at('writing the log', this.logPath);
    await appendText(this.logPath, text);
  }

  /** Writes the report's HTML (atomically), when there is a report. */
  async writeReport(html: string): Promise<void> {
    if (this.reportPath === null) return;
    this.#status.at('writing the report', this.reportPath);
    await writeFileAtomic(this.reportPath, html, { mkdir: true });
  }
}

/**
 * What {@link train} (and {@link Trainer.finish}) returns.
 *
 * @example
 * ```ts
 * import { train } from '@fackel/charrnn';
 * const r = await train({ text: 'abc '.repeat(500), rnnSize: 16, maxSteps: 20, saveDir: null });
 * console.log(r.stopReason, r.lastLoss, r.sample);
 * ```
 */
export interface TrainResult<M extends CharModel = CharModel> {
  /** The trained model (in training mode): a {@link CharRNN}, or a {@link CharGPT} for `model: 'transformer'`. */
  model: M;
  /** Its vocabulary. */
  vocab: CharVocab;
  /** Its shape. */
  config: ModelConfig;
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

/**
 * What the settings stage ({@link Trainer.settings}) decides, before anything is written:
 * the settings in force, the device, the checkpoint the run starts from, the text, its
 * vocabulary and batches, and the model's shape.
 *
 * @example
 * ```ts
 * import { Trainer } from '@fackel/charrnn';
 * const plan = await new Trainer({ text: 'abc '.repeat(200), rnnSize: 16, saveDir: null }).settings();
 * console.log(plan.vocab.size, plan.stepsPerEpoch, plan.settings.batchSize); // 4, …, the batch size in use
 * ```
 */
export interface TrainPlan {
  /** Every setting in force, with the batch size and sequence length in use (reduced for a short text). */
  readonly settings: TrainSettings;
  /** Where the run trains. */
  readonly device: Device;
  /** The checkpoint the run starts from (`resume` or `initFrom`), or null. */
  readonly checkpoint: LoadedCheckpoint | null;
  /** The checkpoint a resumed run continues (null for a new run). */
  readonly resumeFrom: LoadedCheckpoint | null;
  /** The run's id: a resumed run keeps its checkpoint's. */
  readonly runId: string;
  /** Whether the save directory holds another run that `force` replaces. */
  readonly replacing: boolean;
  /** The training text. */
  readonly text: TrainingText;
  /** Its vocabulary (a checkpoint's is kept). */
  readonly vocab: CharVocab;
  /** The batches of the training part and of the validation part, and the warning of a reduction of their sizes. */
  readonly batches: CharBatches;
  /** The model's shape. */
  readonly config: ModelConfig;
  /** Training batches in one pass over the text. */
  readonly stepsPerEpoch: number;
  /** Steps of the whole run (epochs × steps per epoch, or `maxSteps` when smaller). */
  readonly totalSteps: number;
  /** Validation batches evaluated each time. */
  readonly valBatches: number;
  /** Steps already done (those of the resumed checkpoint). */
  readonly startStep: number;
  /**
   * The explosion guard's limit: an untrained model's loss is ln V (it spreads its bets
   * evenly); a training or validation loss above 2 ln V + 2 nats is far worse than knowing
   * nothing, so the run has exploded.
   */
  readonly divergenceLimit: number;
  /** The settings written into checkpoints and the report (with the device's name). */
  readonly hyperparameters: Record<string, unknown>;
}

/**
 * Where a run stands: its position in the text, the carried LSTM state, and what it has
 * measured. A resumed run restores it from the checkpoint ({@link Trainer.restore}); the
 * loop ({@link Trainer.loop}) advances it.
 *
 * @example
 * ```ts
 * import { Trainer } from '@fackel/charrnn';
 * const trainer = new Trainer({ text: 'abc '.repeat(200), rnnSize: 16, saveDir: null, maxSteps: 3, sampleLength: 0 });
 * await trainer.settings();
 * await trainer.restore();
 * await trainer.loop();
 * console.log(trainer.progress.step, trainer.progress.lastLoss); // 3, …
 * await trainer.close();
 * ```
 */
export interface TrainProgress {
  /** Optimizer steps done (over resumed runs). */
  step: number;
  /** Completed epochs. */
  epoch: number;
  /** Index of the next batch inside the epoch. */
  batch: number;
  /** The LSTM state `[h, c]` carried to the next batch (null at the start of an epoch, and always for a transformer). */
  hidden: Tensor[] | null;
  /** Seconds spent by the runs this one resumes. */
  secondsBefore: number;
  /** The loss history. */
  history: HistoryPoint[];
  /** The samples taken at checkpoints. */
  samples: CheckpointSample[];
  /** The last mean training loss read back. */
  lastLoss: number | undefined;
  /** The last validation loss. */
  lastValLoss: number | undefined;
  /** The best validation loss. */
  bestValLoss: number | undefined;
  /** The step of the best validation loss. */
  bestStep: number | undefined;
  /** Training losses summed on the device and not yet read back. */
  unreadLosses: number;
  /** The step of the last validation (-1: none in this run). */
  lastValStep: number;
  /** The step of the last loss read back for the history. */
  lastPrintStep: number;
  /** The step of the last checkpoint (-1: none). */
  lastCheckpointStep: number;
}

/** What the restore stage builds: the model and what trains it. */
interface TrainParts {
  model: CharModel;
  params: Tensor[];
  optimizer: Adam | RMSprop | AdamW;
  scheduler: LambdaLR;
  /** The generator of the dropout masks (its state is saved for an exact resume). */
  dropoutGenerator: Generator;
  criterion: CrossEntropyLoss;
  /** The training losses since the last read, summed on the device. */
  lossSum: Tensor;
}

/** Why the run stopped, and the words for it. */
interface Outcome {
  reason: StopReason;
  /** Whether the loss became NaN or exploded. */
  failed: boolean;
  /** Which loss failed how ('the validation loss exploded to …'), when known. */
  failure: string | undefined;
  /** The sentence of the result. */
  message: string;
  /** The sample taken at the end. */
  sample: string;
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

/** The batches of a text, with the data package's argument errors as training-data errors. */
function makeBatches(ids: Int32Array, sizes: { batchSize: number; seqLength: number }, s: TrainSettings): CharBatches {
  try {
    return charBatches(ids, { batchSize: sizes.batchSize, seqLength: sizes.seqLength, valFrac: s.valFrac, shrink: s.shrink });
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new TrainingDataError(e.message);
    throw e;
  }
}

/** The model's shape from the settings: a checkpoint's context length is kept (`initFrom`), else the batches' sequence length. */
function modelConfig(s: TrainSettings, vocabSize: number, from: ModelConfig | undefined, seqLength: number): ModelConfig {
  if (s.model === 'transformer') {
    const blockSize = from !== undefined && isGPTConfig(from) ? from.blockSize : seqLength;
    return {
      kind: 'transformer',
      vocabSize,
      blockSize,
      nLayer: s.nLayer,
      nHead: s.nHead,
      nEmbd: s.nEmbd,
      dropout: s.dropout,
      bias: s.bias,
      tieWeights: s.tieWeights,
    };
  }
  return { vocabSize, hiddenSize: s.rnnSize, numLayers: s.numLayers, dropout: s.dropout, embeddingSize: s.embeddingSize };
}

/** The settings of the other model kind, left out of a run's checkpoints and report. */
const LSTM_ONLY = new Set(['rnnSize', 'numLayers', 'embeddingSize', 'lrDecay', 'lrDecayAfter']);
const TRANSFORMER_ONLY = new Set<string>(['model', 'batching', ...TRANSFORMER_SETTING_KEYS]);

/** The settings written into checkpoints and the report: those of the run's model kind, with the device's name. */
function hyperparameters(s: TrainSettings, device: string): Record<string, unknown> {
  const other = s.model === 'transformer' ? LSTM_ONLY : TRANSFORMER_ONLY;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (!other.has(k)) out[k] = v;
  out.device = device;
  return out;
}

/**
 * The optimizer: Adam, RMSprop (alpha 0.95, as char-rnn), or AdamW with nanoGPT's groups
 * (weight decay on the parameters of 2 or more dimensions — weight matrices and embeddings —
 * none on biases and layer-norm gains; β₁ 0.9).
 */
function makeOptimizer(params: Tensor[], s: TrainSettings): Adam | RMSprop | AdamW {
  if (s.optimizer === 'rmsprop') return new RMSprop(params, { lr: s.learningRate, alpha: 0.95 });
  if (s.optimizer === 'adam') return new Adam(params, { lr: s.learningRate });
  const decay = params.filter((p) => p.ndim >= 2);
  const noDecay = params.filter((p) => p.ndim < 2);
  const groups = [{ params: decay, weightDecay: s.weightDecay }, ...(noDecay.length > 0 ? [{ params: noDecay, weightDecay: 0 }] : [])];
  return new AdamW(groups, { lr: s.learningRate, betas: [0.9, s.beta2] });
}

/**
 * The learning-rate multiplier of a step (transformer) or an epoch (LSTM). The LSTM's:
 * `lrDecay` per epoch past `lrDecayAfter`. The transformer's, nanoGPT's: a linear warm-up
 * over `warmupSteps` (step i at (i + 1)/(warmupSteps + 1) of the rate), then a cosine decay
 * to `minLr` at `lrDecaySteps`, and `minLr` after.
 *
 * @example
 * ```ts
 * import { TRAIN_DEFAULTS, TRANSFORMER_DEFAULTS, learningRateSchedule } from '@fackel/charrnn';
 * const f = learningRateSchedule({ ...TRAIN_DEFAULTS, ...TRANSFORMER_DEFAULTS, model: 'transformer', lrDecaySteps: 2000 });
 * [f(0), f(100), f(2000)]; // [1/101, 1, 0.1]: warm-up, the peak, minLr / learningRate
 * ```
 */
export function learningRateSchedule(s: TrainSettings): (step: number) => number {
  if (s.model !== 'transformer') {
    const { lrDecay, lrDecayAfter } = s;
    return (e) => (lrDecay === 1 ? 1 : lrDecay ** Math.max(0, e - lrDecayAfter));
  }
  const { learningRate: lr, minLr, warmupSteps: warmup } = s;
  const decay = s.lrDecaySteps ?? 0;
  return (it) => {
    if (lr === 0) return 1;
    if (it < warmup) return (it + 1) / (warmup + 1);
    if (it > decay) return minLr / lr;
    const ratio = (it - warmup) / Math.max(1, decay - warmup);
    const coeff = 0.5 * (1 + Math.cos(Math.PI * ratio));
    return (minLr + coeff * (lr - minLr)) / lr;
  };
}

/**
 * A training run of a {@link CharRNN} (or a {@link CharGPT}) in named stages, each a method that can be run (and
 * tested) on its own, in this order:
 *
 * 1. {@link Trainer.settings} — the settings: options, defaults and the starting checkpoint
 *    resolved and checked, the save directory checked, the text read and batched. Nothing
 *    is written.
 * 2. {@link Trainer.restore} — from here the save directory changes: a replaced run is
 *    cleared (`force`), the log opened, the model, optimizer and schedule built, and a
 *    checkpoint's weights (`initFrom`) or whole training state (`resume`) loaded.
 * 3. {@link Trainer.log} — the log: events, the JSON-lines log, the report.
 * 4. {@link Trainer.loop} — the steps, with validation, checkpoints and the explosion guard,
 *    until the epochs, `maxSteps` or `maxMinutes` are done or the signal aborts.
 * 5. {@link Trainer.finish} — the final loss, validation, checkpoint and sample, the report,
 *    the result; {@link Trainer.close} frees the training state and the save directory's lock.
 *
 * {@link Trainer.run} runs them all under the lock, as {@link train} does.
 *
 * @example
 * ```ts
 * import { Trainer } from '@fackel/charrnn';
 * const trainer = new Trainer({ text: 'abc '.repeat(200), rnnSize: 16, saveDir: null, maxSteps: 5, sampleLength: 10 });
 * const plan = await trainer.settings(); // resolve and check the settings
 * await trainer.restore();                // build the model (or load a checkpoint)
 * await trainer.loop();                   // train
 * const result = await trainer.finish();  // final sample and report
 * await trainer.close();
 * console.log(plan.totalSteps, result.stopReason, result.sample);
 * ```
 */
export class Trainer {
  /** The options the run was given. */
  readonly options: TrainOptions | TransformerTrainOptions;
  /** The save directory (null: the run writes nothing). */
  readonly saveDir: string | null;
  /** What the run is doing and what is intact (the words of its errors). */
  readonly status: RunStatus;
  /** The log stage: events, the JSON-lines log and the report. */
  readonly log: TrainLog;
  /** Where the run stands. */
  readonly progress: TrainProgress = {
    step: 0,
    epoch: 0,
    batch: 0,
    hidden: null,
    secondsBefore: 0,
    history: [],
    samples: [],
    lastLoss: undefined,
    lastValLoss: undefined,
    bestValLoss: undefined,
    bestStep: undefined,
    unreadLosses: 0,
    lastValStep: -1,
    lastPrintStep: 0,
    lastCheckpointStep: -1,
  };
  /** The JSON of the checkpoint to resume (null: a new run). */
  readonly #resumeJson: string | null;
  #lock: SaveDirLock | null = null;
  #plan: TrainPlan | null = null;
  #parts: TrainParts | null = null;
  readonly #outcome: Outcome = { reason: 'done', failed: false, failure: undefined, message: '', sample: '' };
  /** `performance.now()` when the loop started, and the milliseconds spent in training steps. */
  readonly #clock = { start: 0, trainMs: 0 };
  #closed = false;

  /**
   * Checks the options that exclude each other and finds the save directory (that of a
   * resumed checkpoint by default). Reads and writes nothing.
   */
  constructor(options: TrainOptions | TransformerTrainOptions = {}) {
    if (options.resume !== undefined && options.initFrom !== undefined)
      throw new UsageError('use either --resume (continue a run) or --init-from (new run from weights), not both');
    this.options = options;
    this.#resumeJson = options.resume !== undefined ? resolveCheckpointPath(options.resume) : null;
    const saveDir = options.saveDir === undefined ? (this.#resumeJson !== null ? dirname(this.#resumeJson) : 'save') : options.saveDir;
    this.saveDir = saveDir;
    this.status = new RunStatus(saveDir);
    this.log = new TrainLog({
      logPath: options.logFile ?? (saveDir !== null ? join(saveDir, 'train-log.jsonl') : null),
      reportPath: options.report === false ? null : (options.report ?? (saveDir !== null ? join(saveDir, 'report.html') : null)),
      status: this.status,
      onEvent: options.onEvent,
    });
  }

  /** The settings stage's result (after {@link Trainer.settings}). */
  get plan(): TrainPlan {
    if (this.#plan === null) throw new Error('Trainer: run settings() first');
    return this.#plan;
  }

  /** The model being trained (after {@link Trainer.restore}). */
  get model(): CharModel {
    return this.#built().model;
  }

  #built(): TrainParts {
    if (this.#parts === null) throw new Error('Trainer: run restore() first');
    return this.#parts;
  }

  /**
   * Runs every stage under the save directory's lock and returns the result: what
   * {@link train} does. An error says what is intact; a file-system failure becomes a
   * {@link FileSystemError} naming the file.
   */
  async run(): Promise<TrainResult> {
    // the save directory: take its lock before reading or writing anything in it
    this.#lock = this.saveDir !== null ? await SaveDirLock.acquire(this.saveDir) : null;
    try {
      await this.settings();
      await this.restore();
      await this.loop();
      return await this.finish();
    } catch (e) {
      if (e instanceof FileSystemError || !isFsError(e)) throw noteIntact(e, this.status.intact());
      throw new FileSystemError(e, this.status.doing, e.path ?? this.status.path, this.status.intact());
    } finally {
      await this.close();
    }
  }

  // ---- stage 1: settings

  /**
   * The settings stage: sets up the device, reads the checkpoint to start from, resolves the
   * settings ({@link resolveSettings}), refuses a save directory that holds another run
   * (unless `resume` continues it or `force` replaces it), reads the text, checks it against
   * a resumed checkpoint's, derives the vocabulary and the batches, and checks the model's
   * shape. Writes nothing.
   */
  async settings(): Promise<TrainPlan> {
    const o = this.options;
    const device = await setupDevice(o.device ?? TRAIN_DEFAULTS.device, { threads: o.threads });
    const resumeFrom = this.#resumeJson !== null ? await loadCheckpoint(this.#resumeJson) : null;
    const checkpoint = resumeFrom ?? (o.initFrom !== undefined ? await loadCheckpoint(o.initFrom, { withState: false }) : null);
    const s = resolveSettings(o, checkpoint, resumeFrom !== null);
    const runId = resumeFrom?.meta.runId ?? randomUUID();
    const replacing = await this.#checkSaveDir(resumeFrom);

    // text, vocabulary, batches
    const text = await loadText(o, resumeFrom?.meta.data, s.corpus);
    const trainedOn = resumeFrom?.meta.data;
    if (trainedOn && trainedOn.sha256 !== text.sha256()) {
      throw new TrainingDataError(
        `the text differs from the one the checkpoint was trained on (${trainedOn.chars} characters, sha256 ${trainedOn.sha256.slice(0, 12)}…; now ${text.text.length} characters): ` +
          'a resumed run must read the same text. Use --init-from to train the weights on a new text.',
      );
    }
    const vocab = checkpoint ? checkpoint.vocab : CharVocab.fromText(text.text);
    if (vocab.size < 2) {
      const c = vocab.chars[0] ?? '';
      throw new TrainingDataError(
        `the training text has only one distinct character (U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}, ${text.text.length.toLocaleString('en-US')} times): ` +
          'a model needs at least 2 different characters to learn anything; is it the right file?',
      );
    }
    const ids = vocab.encode(text.text, {
      what: checkpoint ? `training text (the checkpoint's vocabulary is kept, so the text may only use its ${vocab.size} characters)` : 'training text',
    });
    const batches = makeBatches(ids, trainedOn ?? s, s);
    const settings: TrainSettings = { ...s, batchSize: batches.batchSize, seqLength: batches.seqLength };
    const stepsPerEpoch = batches.train.length;
    const config = modelConfig(s, vocab.size, checkpoint?.config, batches.seqLength);
    try {
      checkModelConfig(config);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      if (!checkpoint && /vocabSize must|one-hot/.test(e.message))
        throw new TrainingDataError(`the training text has ${vocab.size.toLocaleString('en-US')} distinct characters: ${e.message}`);
      throw new UsageError(
        e.message
          .replace(/hiddenSize/, '--rnn-size (hiddenSize)')
          .replace(/numLayers/, '--num-layers (numLayers)')
          .replace(/embeddingSize/, '--embedding-size (embeddingSize)')
          .replace(/nLayer /, '--n-layer (nLayer) ')
          .replace(/nHead /, '--n-head (nHead) ')
          .replace(/nEmbd /, '--n-embd (nEmbd) ')
          .replace(/blockSize/, '--seq-length (blockSize)'),
      );
    }
    if (isGPTConfig(config) && settings.seqLength > config.blockSize) {
      throw new UsageError(`--seq-length ${settings.seqLength} is longer than the checkpoint's context of ${config.blockSize} characters (its blockSize)`);
    }
    const totalSteps = s.maxSteps !== null ? Math.min(s.maxSteps, s.numEpochs * stepsPerEpoch) : s.numEpochs * stepsPerEpoch;
    if (settings.model === 'transformer') settings.lrDecaySteps ??= totalSteps; // fixed when the run starts (a resumed run keeps it)
    const position = resumeFrom ? (resumeFrom.training?.position ?? resumeFrom.meta.position) : undefined;
    this.#plan = {
      settings,
      device,
      checkpoint,
      resumeFrom,
      runId,
      replacing,
      text,
      vocab,
      batches,
      config,
      stepsPerEpoch,
      totalSteps,
      valBatches: s.valBatches > 0 ? Math.min(s.valBatches, batches.val.length) : batches.val.length,
      startStep: position?.step ?? 0,
      divergenceLimit: 2 * Math.log(vocab.size) + 2,
      hyperparameters: hyperparameters(settings, device.name),
    };
    return this.#plan;
  }

  /** Refuses a save directory that holds another run, unless it is continued or `force` replaces it; returns whether it is replaced. */
  async #checkSaveDir(resumeFrom: LoadedCheckpoint | null): Promise<boolean> {
    const saveDir = this.saveDir;
    if (saveDir === null) return false;
    const held = await savedRun(saveDir);
    // resuming into the checkpoint's own directory, or into one holding the same run, continues it
    const same =
      resumeFrom !== null && (resolve(dirname(resumeFrom.path)) === resolve(saveDir) || (held?.runId !== undefined && held.runId === resumeFrom.meta.runId));
    if (held && !same && this.options.force !== true) {
      throw new SaveDirError(
        'holds-run',
        saveDir,
        `--save-dir ${saveDir} already holds a training run (${held.step !== undefined ? `latest checkpoint at step ${held.step}; ` : ''}${held.files.slice(0, 3).join(', ')}${held.files.length > 3 ? ', …' : ''}); nothing was changed. ` +
          `Continue it with --resume ${saveDir}, replace it with --force (deletes its checkpoints, log and report), or choose another --save-dir`,
      );
    }
    return held !== null && !same;
  }

  // ---- stage 2: restore

  /**
   * The restore stage: from here the save directory changes. Clears a replaced run
   * (`force`) and the files of interrupted writes, opens the log, reports the warnings of
   * the settings stage, builds the model, optimizer and learning-rate schedule, loads the
   * starting checkpoint's weights and, when resuming, its whole training state (optimizer,
   * schedule, dropout generator, position, carried LSTM state, history), and sends the
   * `start` event.
   */
  async restore(): Promise<void> {
    const plan = this.plan;
    const { settings: s, device, resumeFrom } = plan;
    const val = plan.batches.val;
    const { status, log } = this;
    status.touched = true;
    if (resumeFrom) status.latestCheckpoint = checkpointFileOf(resumeFrom);
    const notes: string[] = [];
    if (this.saveDir !== null) {
      const saveDir = this.saveDir;
      status.at('cleaning the save directory', saveDir);
      if (plan.replacing) {
        const removed = await clearSavedRun(saveDir);
        if (removed.length > 0) notes.push(`--force: removed the previous run's ${removed.length} file${removed.length === 1 ? '' : 's'} from ${saveDir}`);
      }
      const orphans = await removeSaveDirOrphans(saveDir);
      if (orphans.length > 0)
        notes.push(
          `removed ${orphans.length} file${orphans.length === 1 ? '' : 's'} left by an interrupted write in ${saveDir}: ${orphans.slice(0, 3).join(', ')}${orphans.length > 3 ? ', …' : ''}`,
        );
    }
    await log.open(resumeFrom !== null, plan.startStep);
    for (const message of notes) log.emit({ type: 'info', message });
    if (plan.batches.warning) log.emit({ type: 'warning', message: `${plan.batches.warning} (pass --no-shrink to make this an error)` });
    if (val.length === 0 && s.valFrac > 0) log.emit({ type: 'warning', message: 'no validation batch fits; the validation loss is not measured' });
    const binary = binaryLooking(plan.text.text);
    if (binary) log.emit({ type: 'warning', message: binary });
    if (plan.valBatches < val.length)
      log.emit({
        type: 'info',
        message: `validation uses the first ${plan.valBatches} of ${val.length.toLocaleString('en-US')} validation batches, to bound its time (--val-batches; 0 = all)`,
      });

    // model, optimizer, schedule, generators
    const dropoutGenerator = new Generator(s.seed + 1000003);
    const model = createModel(plan.config, { generator: new Generator(s.seed), dropoutGenerator, device });
    if (plan.checkpoint) {
      model.loadStateDict(plan.checkpoint.weights);
      for (const t of Object.values(plan.checkpoint.weights)) t.dispose();
    }
    const params = model.parameters();
    const optimizer = makeOptimizer(params, s);
    const scheduler = new LambdaLR(optimizer, { lrLambda: learningRateSchedule(s) });
    this.#parts = { model, params, optimizer, scheduler, dropoutGenerator, criterion: new CrossEntropyLoss(), lossSum: zeros([], { device }) };
    if (resumeFrom) await this.#restoreTraining(resumeFrom);
    else if (plan.checkpoint) for (const t of Object.values(plan.checkpoint.state)) t.dispose();
    const p = this.progress;
    p.lastPrintStep = p.step;
    p.lastCheckpointStep = resumeFrom ? p.step : -1;

    log.emit({
      type: 'start',
      totalSteps: plan.totalSteps,
      stepsPerEpoch: plan.stepsPerEpoch,
      epochs: s.numEpochs,
      startStep: p.step,
      vocabSize: plan.vocab.size,
      trainChars: plan.batches.train.data.length,
      valChars: val.data.length,
      valBatches: plan.valBatches,
      parameters: model.numParameters(),
      device: device.name,
      batchSize: s.batchSize,
      seqLength: s.seqLength,
      ...(resumeFrom ? { resumedFrom: resumeFrom.path } : {}),
      ...(this.options.initFrom !== undefined && plan.checkpoint ? { initFrom: plan.checkpoint.path } : {}),
    });
    this.#clock.start = performance.now();
  }

  /** Loads a resumed checkpoint's training state: optimizer, schedule, dropout generator, position, carried LSTM state, history and losses. */
  async #restoreTraining(ckpt: LoadedCheckpoint): Promise<void> {
    const { optimizer, scheduler, dropoutGenerator } = this.#built();
    const { settings: s, device } = this.plan;
    const p = this.progress;
    const m = ckpt.meta;
    // the state file (one save() file): optimizer, scheduler, generator, position, carried LSTM state
    const tr = ckpt.training;
    try {
      if (tr) {
        if (tr.optimizerKind !== s.optimizer) throw new CheckpointError(`${ckpt.path}: the checkpoint's optimizer is ${tr.optimizerKind}, not ${s.optimizer}`);
        optimizer.loadStateDict(tr.optimizer);
        scheduler.loadStateDict(tr.scheduler);
        dropoutGenerator.setState(tr.rng.dropout);
      }
      const position = tr?.position ?? m.position;
      if (position) {
        p.step = position.step;
        p.epoch = position.epoch;
        p.batch = position.batch;
        p.secondsBefore = position.seconds;
        if (position.hidden && tr?.hidden) p.hidden = [await tr.hidden.h.to(device), await tr.hidden.c.to(device)];
      }
    } finally {
      for (const t of Object.values(ckpt.state)) if (!p.hidden?.includes(t)) t.dispose();
    }
    p.history = [...(m.history ?? [])];
    p.samples = [...(m.samples ?? [])];
    p.bestValLoss = m.losses?.bestValLoss;
    p.bestStep = m.losses?.bestStep;
    p.lastValLoss = m.losses?.valLoss;
    p.lastLoss = m.losses?.loss;
  }

  // ---- stage 4: the loop

  /**
   * The loop stage: trains step by step until every epoch is done, `maxSteps` or
   * `maxMinutes` is reached, the signal aborts, or the loss becomes NaN or explodes. At
   * print, validation and checkpoint steps it reads the loss back; it validates every
   * `valEvery` steps and checkpoints every `checkpointEvery` steps (with a validation and a
   * sample). Each step runs inside `tidy`, so memory stays flat.
   */
  async loop(): Promise<void> {
    const { settings: s, stepsPerEpoch, totalSteps } = this.plan;
    const p = this.progress;
    if (p.epoch >= s.numEpochs) return; // a resumed run that had done all its epochs
    for (;;) {
      // --max-steps comes before the end of the last epoch: a run that reaches both stopped at max-steps
      if (s.maxSteps !== null && p.step >= s.maxSteps) return this.#stop('max-steps');
      if (p.epoch >= s.numEpochs) return;
      const epoch = p.epoch + 1; // the epoch of this step
      await this.#trainStep();
      if (!(await this.#measure(epoch))) return;
      const secs = this.#elapsed();
      this.log.emit({
        type: 'step',
        step: p.step,
        epoch,
        epochs: s.numEpochs,
        batch: p.batch === 0 ? stepsPerEpoch : p.batch,
        stepsPerEpoch,
        totalSteps,
        seconds: p.secondsBefore + secs,
        charsPerSec: this.#charsPerSec(),
        etaSeconds: this.#etaSeconds(secs),
        ...(p.lastLoss !== undefined ? { loss: p.lastLoss } : {}),
        ...(p.lastValLoss !== undefined ? { valLoss: p.lastValLoss } : {}),
      });
      if (s.maxMinutes !== null && secs >= s.maxMinutes * 60) return this.#stop('max-minutes');
      if (this.options.signal?.aborted) return this.#stop('interrupted');
    }
  }

  #stop(reason: StopReason): void {
    this.#outcome.reason = reason;
  }

  /**
   * One optimizer step on the next batch. The LSTM carries its state from batch to batch
   * and resets it at the end of an epoch (as the original), where its schedule advances; a
   * transformer sees each batch on its own and its schedule advances every step. With
   * `batching: 'random'` the batch is nanoGPT's random windows of step `p.step` (an epoch
   * is then as many steps as the streams' epoch, the same number of characters).
   */
  async #trainStep(): Promise<void> {
    const { model, params, optimizer, scheduler, criterion, lossSum } = this.#built();
    const { settings: s, device, stepsPerEpoch } = this.plan;
    const train: CharBatchStream = this.plan.batches.train;
    const perStep = s.model === 'transformer';
    const p = this.progress;
    const started = performance.now();
    const hidden = p.hidden;
    const next = tidy(() => {
      // random windows: a function of (seed, step), so a resumed run draws the same ones
      const b =
        s.batching === 'random'
          ? randomWindowBatch(train.data, { batchSize: s.batchSize, seqLength: s.seqLength, seed: s.seed, step: p.step })
          : train.batchAt(p.batch);
      const x = tensor(b.x, { dtype: 'int32', device }).reshape([s.batchSize, s.seqLength]);
      const y = tensor(b.y, { dtype: 'int32', device });
      const [logits, state] = model.forward(x, hidden ?? undefined);
      const loss = criterion.forward(logits, y);
      optimizer.zeroGrad();
      loss.backward();
      if (s.gradClip > 0) clipGradNorm_(params, s.gradClip);
      optimizer.step();
      noGrad(() => lossSum.add_(loss));
      return perStep ? null : state.map((t) => t.detach());
    });
    if (perStep) scheduler.step();
    hidden?.forEach((t) => t.dispose());
    p.hidden = next;
    p.unreadLosses++;
    // an asynchronous device (WebGPU): wait for the step's work, so that the queue and
    // the memory it holds stay bounded (the loss itself is still read only at print steps)
    if (device.backend.sync) await device.backend.sync();
    this.#clock.trainMs += performance.now() - started;
    p.batch++;
    p.step++;
    if (p.batch === stepsPerEpoch) {
      p.epoch++;
      p.batch = 0;
      p.hidden?.forEach((t) => t.dispose());
      p.hidden = null;
      if (!perStep) scheduler.step();
    }
  }

  /**
   * After a step: at print, validation and checkpoint steps (and the last), reads the loss
   * back, validates, prints and checkpoints as due. False when the loss became NaN or exploded.
   */
  async #measure(epoch: number): Promise<boolean> {
    const { settings: s, totalSteps } = this.plan;
    const p = this.progress;
    const saving = this.saveDir !== null;
    const isLast = p.step >= totalSteps;
    const wantCkpt = saving && s.checkpointEvery > 0 && p.step % s.checkpointEvery === 0;
    const wantVal = this.plan.batches.val.length > 0 && ((s.valEvery > 0 && p.step % s.valEvery === 0) || wantCkpt);
    const wantPrint = p.step % s.printEvery === 0 || isLast;
    if (!wantPrint && !wantVal && !wantCkpt) return true;
    if (!(await this.#readLoss())) return this.#failed();
    if (p.step - p.lastPrintStep > 0) p.history.push({ step: p.step, epoch, loss: p.lastLoss, seconds: p.secondsBefore + this.#elapsed() });
    p.lastPrintStep = p.step;
    if (wantVal && !(await this.#validate())) return this.#failed();
    if (wantPrint) {
      this.log.emit({
        type: 'print',
        step: p.step,
        epoch,
        epochs: s.numEpochs,
        loss: p.lastLoss ?? Number.NaN, // read just now
        ...(p.lastValLoss !== undefined ? { valLoss: p.lastValLoss } : {}),
        valFresh: p.lastValStep === p.step,
        charsPerSec: this.#charsPerSec(),
        seconds: p.secondsBefore + this.#elapsed(),
        etaSeconds: this.#etaSeconds(this.#elapsed()),
      });
    }
    if (wantCkpt) await this.#checkpoint();
    return true;
  }

  #failed(): false {
    this.#outcome.failed = true;
    return false;
  }

  /** The explosion guard: false (with the stop reason) for a loss that is NaN or above {@link TrainPlan.divergenceLimit}. */
  #guard(loss: number, which: 'training' | 'validation'): boolean {
    if (!Number.isFinite(loss)) {
      this.#outcome.reason = 'nan';
      if (which === 'validation') this.#outcome.failure = 'the validation loss became NaN';
      return false;
    }
    if (loss > this.plan.divergenceLimit) {
      this.#outcome.reason = 'exploded';
      this.#outcome.failure = `the ${which} loss exploded to ${fmtLoss(loss)}`;
      return false;
    }
    return true;
  }

  /** Reads the mean training loss since the last read; false on NaN or explosion. */
  async #readLoss(): Promise<boolean> {
    const { lossSum } = this.#built();
    const p = this.progress;
    if (p.unreadLosses === 0) return true;
    const mean = (await lossSum.item()) / p.unreadLosses;
    noGrad(() => lossSum.zero_());
    p.unreadLosses = 0;
    p.lastLoss = mean;
    return this.#guard(mean, 'training');
  }

  /**
   * Measures the validation loss, bounded by `valBatches` and by `maxMinutes` (plus a grace
   * of 10 % of it, 1 to 30 s); records it (and the best); false on NaN or explosion.
   */
  async #validate(): Promise<boolean> {
    const plan = this.plan;
    const { valBatches, settings: s } = plan;
    const p = this.progress;
    if (plan.batches.val.length === 0) return true;
    let done = 0;
    const deadline = s.maxMinutes !== null ? this.#clock.start + 1000 * (s.maxMinutes * 60 + Math.min(30, Math.max(1, s.maxMinutes * 6))) : undefined;
    const v = await evaluateLoss(this.model, plan.batches.val, {
      maxBatches: valBatches,
      ...(deadline !== undefined ? { deadline } : {}),
      onDone: (n) => (done = n),
    });
    p.lastValStep = p.step;
    p.lastValLoss = v;
    if (!this.#guard(v, 'validation')) return false;
    const complete = done >= valBatches;
    if (!complete) {
      this.log.emit({
        type: 'warning',
        message: `the validation at step ${p.step} stopped at the --max-minutes limit after ${done} of ${valBatches} batches; its loss ${v.toFixed(4)} is over those ${done}`,
      });
    }
    // a validation cut short is not comparable with complete ones: it is best only when there is none
    const best = p.bestValLoss === undefined || (complete && v < p.bestValLoss);
    if (best) {
      p.bestValLoss = v;
      p.bestStep = p.step;
    }
    const point = p.history.at(-1);
    if (point && point.step === p.step) point.valLoss = v;
    else p.history.push({ step: p.step, epoch: this.#stepEpoch(), valLoss: v, seconds: p.secondsBefore + this.#elapsed() });
    this.log.emit({ type: 'validation', step: p.step, epoch: this.#stepEpoch(), valLoss: v, best, batches: done, totalBatches: valBatches });
    return true;
  }

  /** Samples `sampleLength` characters (seeded) and records the sample at this step. */
  async #takeSample(): Promise<string> {
    const { settings: s, vocab } = this.plan;
    const p = this.progress;
    if (s.sampleLength <= 0) return '';
    const text = await sample(this.model, vocab, { prime: s.samplePrime, length: s.sampleLength, temperature: s.temperature, topK: s.topK, seed: s.seed });
    p.samples = p.samples.filter((x) => x.step !== p.step);
    p.samples.push({ step: p.step, ...(p.lastValStep === p.step && p.lastValLoss !== undefined ? { valLoss: p.lastValLoss } : {}), text });
    this.log.emit({ type: 'sample', step: p.step, text });
    return text;
  }

  /** Writes a checkpoint (with a sample), then the report and the log. */
  async #checkpoint(): Promise<void> {
    const saveDir = this.saveDir;
    if (saveDir === null) return;
    const plan = this.plan;
    const { settings: s } = plan;
    const { model, optimizer, scheduler, dropoutGenerator } = this.#built();
    const p = this.progress;
    const isBest = p.lastValStep === p.step && p.bestStep === p.step;
    await this.#takeSample();
    const weights = model.stateDict();
    this.status.at('writing checkpoint', join(saveDir, `${checkpointName(p.step)}.safetensors`));
    const path = await writeCheckpoint(
      saveDir,
      p.step,
      {
        meta: {
          model: plan.config,
          vocab: plan.vocab.toJSON(),
          hyperparameters: plan.hyperparameters,
          data: {
            inputs: plan.text.inputs,
            corpus: plan.text.corpus,
            chars: plan.text.text.length,
            sha256: plan.text.sha256(),
            batchSize: s.batchSize,
            seqLength: s.seqLength,
            valFrac: s.valFrac,
          },
          losses: { loss: p.lastLoss, valLoss: p.lastValLoss, bestValLoss: p.bestValLoss, bestStep: p.bestStep },
          history: p.history,
          samples: p.samples,
          createdAt: new Date().toISOString(),
          library: LIBRARY,
        },
        weights,
        state: {
          optimizerKind: s.optimizer,
          optimizer: optimizer.stateDict(),
          scheduler: scheduler.stateDict(),
          rng: { dropout: dropoutGenerator.getState() },
          position: { step: p.step, epoch: p.epoch, batch: p.batch, hidden: p.hidden !== null, seconds: p.secondsBefore + this.#elapsed() },
          hidden: p.hidden ? { h: p.hidden[0], c: p.hidden[1] } : null,
        },
      },
      { best: plan.batches.val.length === 0 || isBest, keep: s.keep, runId: plan.runId }, // without validation, best = latest
    ).finally(() => {
      for (const t of Object.values(weights)) t.dispose();
    });
    this.status.latestCheckpoint = path;
    p.lastCheckpointStep = p.step;
    this.log.emit({
      type: 'checkpoint',
      step: p.step,
      path,
      best: isBest,
      ...(p.lastValStep === p.step && p.lastValLoss !== undefined ? { valLoss: p.lastValLoss } : {}),
    });
    await this.#writeReport();
    await this.log.flush();
  }

  /** Writes the HTML report (when there is one). */
  async #writeReport(): Promise<void> {
    if (this.log.reportPath === null) return;
    const plan = this.plan;
    const { settings: s, text, vocab } = plan;
    const p = this.progress;
    const facts: Record<string, string | number> = {
      steps: `${p.step} of ${plan.totalSteps} (epoch ${Math.max(1, this.#stepEpoch())} of ${s.numEpochs})`,
      'training text': text.inputs ? text.inputs.join(', ') : (text.corpus ?? 'given as a string'),
      characters: `${text.text.length.toLocaleString('en-US')} (vocabulary ${vocab.size})`,
      'characters per second': Math.round(this.#charsPerSec()),
    };
    if (p.bestValLoss !== undefined) facts['best validation loss'] = `${p.bestValLoss.toFixed(4)} at step ${p.bestStep}`;
    const o = this.#outcome;
    if (o.reason !== 'done' || o.message) facts.status = o.message || o.reason;
    await this.log.writeReport(
      renderReport({
        title: `char-${isGPTConfig(plan.config) ? 'Transformer' : 'RNN'} training report (${this.saveDir ?? 'in memory'})`,
        hyperparameters: plan.hyperparameters,
        history: p.history,
        samples: p.samples,
        facts,
      }),
    );
  }

  #elapsed(): number {
    return (performance.now() - this.#clock.start) / 1000;
  }

  /** Seconds left: by the steps' pace in this run, or by `maxMinutes` when that ends sooner. */
  #etaSeconds(secs: number): number {
    const { settings: s, totalSteps, startStep } = this.plan;
    const step = this.progress.step;
    const rate = (step - startStep) / Math.max(secs, 1e-9);
    const eta = (totalSteps - step) / Math.max(rate, 1e-9);
    return s.maxMinutes !== null ? Math.min(eta, Math.max(0, s.maxMinutes * 60 - secs)) : eta;
  }

  #charsPerSec(): number {
    const { settings: s, startStep } = this.plan;
    const trainMs = this.#clock.trainMs;
    return trainMs > 0 ? ((this.progress.step - startStep) * s.batchSize * s.seqLength) / (trainMs / 1000) : 0;
  }

  /** The (1-based) epoch of the last step. */
  #stepEpoch(): number {
    const { settings: s, stepsPerEpoch } = this.plan;
    return Math.min(s.numEpochs, Math.floor((this.progress.step - 1) / stepsPerEpoch) + 1);
  }

  // ---- stage 5: finish

  /**
   * The finish stage: unless the loop failed, reads the last loss, validates and writes the
   * final checkpoint (or takes the final sample) at the last step; then sends the `stop`
   * event, writes the report and the log, and returns the result. (The lock and the
   * training state are freed by {@link Trainer.close}.)
   */
  async finish(): Promise<TrainResult> {
    const plan = this.plan;
    const { model } = this.#built();
    const p = this.progress;
    const o = this.#outcome;
    if (!o.failed) await this.#finalMeasures();
    o.message = o.failed ? this.#failureMessage() : this.#doneMessage();
    this.log.emit({ type: 'stop', reason: o.reason, message: o.message, step: p.step });
    await this.#writeReport();
    await this.log.flush();
    return {
      model,
      vocab: plan.vocab,
      config: plan.config,
      settings: plan.settings,
      stopReason: o.reason,
      message: o.message,
      step: p.step,
      epoch: p.epoch,
      history: p.history,
      samples: p.samples,
      lastLoss: p.lastLoss,
      lastValLoss: p.lastValLoss,
      bestValLoss: p.bestValLoss,
      checkpoint: this.status.latestCheckpoint,
      sample: o.sample,
      charsPerSec: this.#charsPerSec(),
      trainSeconds: this.#clock.trainMs / 1000,
      ...(this.log.reportPath !== null ? { reportPath: this.log.reportPath } : {}),
    };
  }

  /** The last loss, validation, checkpoint and sample at the last step (what the loop has not done already). */
  async #finalMeasures(): Promise<void> {
    const p = this.progress;
    if (p.unreadLosses > 0 && !(await this.#readLoss())) {
      this.#failed();
      return;
    }
    if (p.history.at(-1)?.step !== p.step && p.step > this.plan.startStep)
      p.history.push({ step: p.step, epoch: this.#stepEpoch(), loss: p.lastLoss, seconds: p.secondsBefore + this.#elapsed() });
    if (p.lastValStep !== p.step && !(await this.#validate())) {
      this.#failed();
      return;
    }
    if (this.saveDir !== null && p.lastCheckpointStep !== p.step) await this.#checkpoint();
    else if (this.saveDir === null || p.samples.at(-1)?.step !== p.step) await this.#takeSample();
    const last = p.samples.at(-1);
    this.#outcome.sample = last?.step === p.step ? last.text : '';
  }

  #failureMessage(): string {
    const { vocab, divergenceLimit } = this.plan;
    const o = this.#outcome;
    const latest = this.status.latestCheckpoint;
    const initialLoss = Math.log(vocab.size);
    const what =
      o.reason === 'nan'
        ? (o.failure ?? 'the loss became NaN')
        : `${o.failure ?? 'the loss exploded'}, above the limit ${divergenceLimit.toFixed(4)} (2 × ln ${vocab.size} + 2: an untrained model's loss is ln ${vocab.size} = ${initialLoss.toFixed(4)})`;
    return (
      `Training stopped at step ${this.progress.step}: ${what}. No checkpoint was written after the last good one` +
      (latest ? `; the last good checkpoint is ${latest}` : ' (none was written yet)') +
      '. Try a smaller --learning-rate or a --grad-clip.'
    );
  }

  #doneMessage(): string {
    const s = this.plan.settings;
    const p = this.progress;
    const latest = this.status.latestCheckpoint;
    const why: Record<StopReason, string> = {
      done: `all ${s.numEpochs} epochs done`,
      'max-minutes': `--max-minutes ${s.maxMinutes} reached`,
      'max-steps': `--max-steps ${s.maxSteps} reached`,
      interrupted: 'interrupted',
      nan: 'the loss became NaN',
      exploded: 'the loss exploded',
    };
    return (
      `Training finished at step ${p.step} (${why[this.#outcome.reason]})` +
      (p.lastValLoss !== undefined ? `: val loss ${p.lastValLoss.toFixed(4)}` : p.lastLoss !== undefined ? `: loss ${p.lastLoss.toFixed(4)}` : '') +
      (p.bestValLoss !== undefined ? `, best ${p.bestValLoss.toFixed(4)} at step ${p.bestStep}` : '') +
      (latest ? `. Checkpoint: ${latest}` : '.')
    );
  }

  /**
   * Frees what training holds (the carried LSTM state, the loss accumulator, the optimizer's
   * state; the model stays) and releases the save directory's lock, removing a directory
   * the run created but never wrote to. Safe to call more than once.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.progress.hidden?.forEach((t) => t.dispose());
    this.progress.hidden = null;
    this.#parts?.lossSum.dispose();
    this.#parts?.optimizer.dispose();
    const lock = this.#lock;
    this.#lock = null;
    if (lock) {
      await lock.release();
      if (lock.createdDir && !this.status.touched && this.saveDir !== null) await rmdir(this.saveDir).catch(() => undefined); // leave no empty directory behind
    }
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
 * It runs the stages of a {@link Trainer} (settings, restore, loop, finish) under the save
 * directory's lock; use a `Trainer` to run or test them one at a time.
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
export async function train(options: TransformerTrainOptions): Promise<TrainResult<CharGPT>>;
export async function train(options?: TrainOptions): Promise<TrainResult<CharRNN>>;
export async function train(options?: TrainOptions | TransformerTrainOptions): Promise<TrainResult>;
export async function train(options: TrainOptions | TransformerTrainOptions = {}): Promise<TrainResult> {
  return await new Trainer(options).run();
}
