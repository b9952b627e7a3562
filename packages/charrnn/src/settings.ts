import { UsageError } from './args.js';
import { CheckpointError, type LoadedCheckpoint } from './checkpoint.js';
import type { DeviceName } from './device.js';
import type { TrainEvent } from './events.js';
import { isGPTConfig } from './models.js';

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
   * `'lstm'` (the default): the char-RNN. A transformer is trained with
   * {@link TransformerTrainOptions} (`model: 'transformer'`).
   */
  model?: 'lstm';
  /** Transformer blocks (`--n-layer`, default 4). */
  nLayer?: number;
  /** Attention heads per block (`--n-head`, default 4); must divide `nEmbd`. */
  nHead?: number;
  /** Transformer width (`--n-embd`, default 128). */
  nEmbd?: number;
  /** Biases in the transformer's linear layers and layer norms (default false, as nanoGPT's training). */
  bias?: boolean;
  /** The transformer's output layer shares the token embedding's weight (default true). */
  tieWeights?: boolean;
  /** Transformer: steps of linear learning-rate warm-up (default 100). */
  warmupSteps?: number;
  /** Transformer: the learning rate the cosine decay ends at (default 1e-4). */
  minLr?: number;
  /** Transformer: steps over which the learning rate decays to `minLr` (default: the run's steps). */
  lrDecaySteps?: number | null;
  /** AdamW's weight decay, applied to the weight matrices and embeddings only (default 0.1). */
  weightDecay?: number;
  /** AdamW's second-moment decay β₂ (default 0.99; β₁ is 0.9). */
  beta2?: number;
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
  optimizer?: 'adam' | 'rmsprop' | 'adamw';
  /**
   * How the training batches are cut from the text: `'streams'` (the LSTM's, its only
   * choice: parallel contiguous streams that carry its state) or `'random'` (the
   * transformer's default: nanoGPT's windows at random offsets into the training split,
   * seeded by `seed`).
   */
  batching?: 'streams' | 'random';
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
 * Options of {@link train} for a GPT-style transformer ({@link CharGPT}): those of
 * {@link TrainOptions} with `model: 'transformer'`, whose defaults are
 * {@link TRANSFORMER_DEFAULTS} (nanoGPT's baby GPT) where they differ. A resumed or
 * `initFrom` run of a transformer gives it too (the model kind is stated, never guessed).
 *
 * @example
 * ```ts
 * import type { TransformerTrainOptions } from '@fackel/charrnn';
 * const o: TransformerTrainOptions = { model: 'transformer', inputs: ['../shared/data/tinyshakespeare.txt'], nLayer: 4, nHead: 4, nEmbd: 128, maxSteps: 2000 };
 * ```
 */
export interface TransformerTrainOptions extends Omit<TrainOptions, 'model'> {
  /** A GPT-style decoder. */
  model: 'transformer';
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
  batching: 'streams',
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
  model: 'lstm',
  nLayer: 4,
  nHead: 4,
  nEmbd: 128,
  bias: false,
  tieWeights: true,
  warmupSteps: 100,
  minLr: 1e-4,
  lrDecaySteps: null,
  weightDecay: 0.1,
  beta2: 0.99,
});

/**
 * The defaults that differ for `model: 'transformer'`: nanoGPT's CPU "baby GPT" on
 * tinyshakespeare (batch 12, context 64, learning rate 1e-3, dropout 0, AdamW, gradient
 * clipping at 1). Given options still win.
 *
 * @example
 * ```ts
 * import { TRANSFORMER_DEFAULTS } from '@fackel/charrnn';
 * console.log(TRANSFORMER_DEFAULTS.seqLength); // 64
 * ```
 */
export const TRANSFORMER_DEFAULTS: Readonly<Partial<TrainSettings>> = Object.freeze({
  batchSize: 12,
  seqLength: 64,
  learningRate: 1e-3,
  dropout: 0,
  gradClip: 1,
  optimizer: 'adamw',
  batching: 'random',
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
  optimizer: 'adam' | 'rmsprop' | 'adamw';
  /** `'streams'` (the LSTM's) or `'random'` (nanoGPT's random windows, the transformer's default). */
  batching: 'streams' | 'random';
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
  /** `'lstm'` (default) or `'transformer'`. */
  model: 'lstm' | 'transformer';
  /** Transformer blocks (`--n-layer`, default 4). */
  nLayer: number;
  /** Attention heads per block (`--n-head`, default 4). */
  nHead: number;
  /** Transformer width (`--n-embd`, default 128). */
  nEmbd: number;
  /** Biases in the transformer's linear layers and layer norms (default false). */
  bias: boolean;
  /** The transformer's output layer shares the token embedding's weight (default true). */
  tieWeights: boolean;
  /** Transformer: steps of linear learning-rate warm-up (default 100). */
  warmupSteps: number;
  /** Transformer: the learning rate the cosine decay ends at (default 1e-4). */
  minLr: number;
  /** Transformer: steps of the cosine decay (null: the run's steps, fixed when it starts). */
  lrDecaySteps: number | null;
  /** AdamW's weight decay on the weight matrices and embeddings (default 0.1). */
  weightDecay: number;
  /** AdamW's β₂ (default 0.99). */
  beta2: number;
}

/** The settings only the transformer model reads (its shape, its optimiser and its schedule); internal, shared with `train.ts`. */
export const TRANSFORMER_SETTING_KEYS = [
  'nLayer',
  'nHead',
  'nEmbd',
  'bias',
  'tieWeights',
  'warmupSteps',
  'minLr',
  'lrDecaySteps',
  'weightDecay',
  'beta2',
] as const;

/** Every setting's name: the keys of {@link TRAIN_DEFAULTS}. */
const SETTING_KEYS = [
  'rnnSize',
  'numLayers',
  'embeddingSize',
  'batchSize',
  'seqLength',
  'numEpochs',
  'printEvery',
  'valEvery',
  'valBatches',
  'checkpointEvery',
  'keep',
  'learningRate',
  'gradClip',
  'dropout',
  'device',
  'valFrac',
  'seed',
  'optimizer',
  'batching',
  'maxMinutes',
  'maxSteps',
  'lrDecay',
  'lrDecayAfter',
  'sampleLength',
  'samplePrime',
  'temperature',
  'topK',
  'shrink',
  'corpus',
  'model',
  ...TRANSFORMER_SETTING_KEYS,
] as const satisfies readonly (keyof TrainSettings)[];
/** A compile-time check that {@link SETTING_KEYS} names every setting. */
const EVERY_SETTING_LISTED: Exclude<keyof TrainSettings, (typeof SETTING_KEYS)[number]> extends never ? true : never = true;
void EVERY_SETTING_LISTED;

/** The settings a resumed run takes from its checkpoint (they define the run). */
const FIXED_ON_RESUME = [
  'batchSize',
  'seqLength',
  'valFrac',
  'learningRate',
  'gradClip',
  'dropout',
  'seed',
  'optimizer',
  'batching',
  'lrDecay',
  'lrDecayAfter',
  'embeddingSize',
  'rnnSize',
  'numLayers',
  'model',
  ...TRANSFORMER_SETTING_KEYS,
] as const;
/** The settings a run started with `initFrom` takes from its checkpoint (the model's shape). */
const MODEL_KEYS = ['model', 'rnnSize', 'numLayers', 'embeddingSize', 'nLayer', 'nHead', 'nEmbd', 'bias', 'tieWeights'] as const;

/** `learningRate` → `learning-rate` (the CLI flag). */
function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Whether a value can be the setting `key`'s: of its default's type (a number where the default is null). */
function isSettingValue<K extends keyof TrainSettings>(key: K, value: unknown): value is TrainSettings[K] {
  if (key === 'optimizer') return value === 'adam' || value === 'rmsprop' || value === 'adamw';
  if (key === 'model') return value === 'lstm' || value === 'transformer';
  if (key === 'batching') return value === 'streams' || value === 'random';
  if (key === 'device') return value === 'cpu' || value === 'webgpu';
  const d = TRAIN_DEFAULTS[key];
  return d === null ? value === null || typeof value === 'number' : typeof value === typeof d;
}

/** Sets one setting to a value given by the caller (`undefined`: keep the default). */
function setGiven<K extends keyof TrainSettings>(s: TrainSettings, key: K, value: TrainSettings[K] | undefined): void {
  if (value !== undefined) s[key] = value;
}

/** Sets one setting to a value read from a checkpoint, which must be of the setting's type. */
function setSaved<K extends keyof TrainSettings>(s: TrainSettings, key: K, value: unknown, checkpoint: string): void {
  if (!isSettingValue(key, value))
    throw new CheckpointError(`${checkpoint}: the saved setting ${key} is ${JSON.stringify(value)}, not a valid --${kebab(key)}; nothing was loaded`);
  s[key] = value;
}

/**
 * The settings stage of training: every setting of a run, from {@link TRAIN_DEFAULTS}, the
 * options given, and the checkpoint the run starts from. A resumed run (`resuming`) takes
 * the settings that define it from its checkpoint (the batch and model sizes, the optimizer
 * and its schedule, the seed, the validation split, and the number of epochs unless given);
 * a run started from a checkpoint's weights (`initFrom`) takes the model's shape. An option
 * that contradicts the checkpoint is a `UsageError` naming both values.
 *
 * @example
 * ```ts
 * import { resolveSettings } from '@fackel/charrnn';
 * const s = resolveSettings({ rnnSize: 256 });
 * console.log(s.rnnSize, s.numLayers); // 256 2
 * ```
 */
export function resolveSettings(options: TrainOptions | TransformerTrainOptions, checkpoint: LoadedCheckpoint | null = null, resuming = false): TrainSettings {
  const config = checkpoint?.config;
  const transformer = config !== undefined && isGPTConfig(config);
  if (transformer && options.model === undefined) {
    throw new UsageError(
      `${checkpoint?.path} holds a transformer: give --model transformer (model: 'transformer') to ${resuming ? 'resume it' : 'start from it'}`,
    );
  }
  const s: TrainSettings = { ...TRAIN_DEFAULTS, ...(options.model === 'transformer' ? TRANSFORMER_DEFAULTS : {}) };
  for (const key of SETTING_KEYS) setGiven(s, key, options[key]);
  if (s.model === 'lstm' && s.batching !== 'streams')
    throw new UsageError(`--batching ${s.batching} needs --model transformer: the LSTM carries its state across batches, so it trains on contiguous streams`);
  if (checkpoint === null || config === undefined) return s;
  const saved = checkpoint.meta.hyperparameters ?? {};
  const fromModel: Partial<Record<keyof TrainSettings, unknown>> = isGPTConfig(config)
    ? { model: 'transformer', nLayer: config.nLayer, nHead: config.nHead, nEmbd: config.nEmbd, bias: config.bias, tieWeights: config.tieWeights }
    : { model: 'lstm', rnnSize: config.hiddenSize, numLayers: config.numLayers, embeddingSize: config.embeddingSize };
  for (const key of resuming ? FIXED_ON_RESUME : MODEL_KEYS) {
    // a checkpoint from before the batching option was trained on streams
    const theirs =
      key in fromModel ? fromModel[key] : key === 'batching' && checkpoint.meta.hyperparameters !== undefined ? (saved.batching ?? 'streams') : saved[key];
    if (theirs === undefined) continue;
    const given = options[key];
    if (given !== undefined && given !== theirs) {
      throw new UsageError(
        `--${kebab(key)} ${String(given)} conflicts with the checkpoint's ${String(theirs)}: ` +
          (resuming ? 'a resumed run keeps its settings (use --init-from to start a new run from the weights)' : 'the model shape comes from the checkpoint'),
      );
    }
    setSaved(s, key, theirs, checkpoint.path);
  }
  if (resuming && saved.numEpochs !== undefined && options.numEpochs === undefined) setSaved(s, 'numEpochs', saved.numEpochs, checkpoint.path);
  return s;
}
