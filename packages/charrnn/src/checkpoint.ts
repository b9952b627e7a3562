import { createHash } from 'node:crypto';
import { constants, existsSync, statSync, type Stats } from 'node:fs';
import { open, readFile, readdir, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { CharVocab, type CharVocabJSON } from '@fackel/data';
import { loadFromBytes, parseSafetensors, saveToBytes } from '@fackel/nn';
import { unflattenStateDict, type OptimizerStateDict, type SchedulerStateDict } from '@fackel/optim';
import { FackelError, Tensor, type GeneratorState } from '@fackel/tensor';
import { writeFileAtomic } from '@fackel/tensor/node';
import { CHARRNN_LIMITS } from './model.js';
import { checkModelConfig, describeModel, isGPTConfig, modelStateDictShapes, type ModelConfig } from './models.js';
import { CHECKPOINT_JSON, removeSaveDirOrphans } from './savedir.js';
import type { CheckpointSample, HistoryPoint } from './report.js';

/**
 * The `format` string of a checkpoint's JSON.
 *
 * @example
 * ```ts
 * import { CHECKPOINT_FORMAT } from '@fackel/charrnn';
 * console.log(CHECKPOINT_FORMAT); // 'fackel-charrnn-checkpoint'
 * ```
 */
export const CHECKPOINT_FORMAT = 'fackel-charrnn-checkpoint';

/**
 * Where training stood when a checkpoint was written; enough to continue exactly.
 *
 * @example
 * ```ts
 * import type { TrainPosition } from '@fackel/charrnn';
 * const p: TrainPosition = { step: 200, epoch: 0, batch: 200, hidden: true, seconds: 61.5 };
 * ```
 */
export interface TrainPosition {
  /** Optimizer steps done. */
  step: number;
  /** The epoch the next step belongs to (0-based). */
  epoch: number;
  /** Index of the next training batch inside that epoch (the stream position). */
  batch: number;
  /** Whether the LSTM state carried into the next batch is stored (`hidden.h`, `hidden.c` in the state file). */
  hidden: boolean;
  /** Training seconds so far (over all runs). */
  seconds: number;
}

/**
 * The version of the checkpoint layout that training writes: 2, where the training state
 * (optimizer, scheduler, generator, position, carried LSTM state) is one {@link TrainingState}
 * file written by `save` of `@fackel/nn`. Version 1 (that state split between the JSON and a
 * flat safetensors file) is still read.
 */
const CHECKPOINT_VERSION = 2;

/**
 * Everything a resumed run needs besides the weights, stored as one file by `save` of
 * `@fackel/nn` (`ckpt-NNNNNN.state.safetensors`): its tensors are ordinary safetensors
 * entries named by their paths (`optimizer.state.0.expAvg`, `hidden.h`), the rest is the
 * file's JSON structure.
 *
 * @example
 * ```ts no-run
 * import { load } from '@fackel/nn';
 * import type { TrainingState } from '@fackel/charrnn';
 * const st = await load<TrainingState>('save/ckpt-000200.state.safetensors');
 * console.log(st.position.step, st.optimizerKind, st.optimizer.paramGroups[0].lr);
 * ```
 */
export interface TrainingState {
  /** Which optimizer wrote `optimizer`. */
  optimizerKind: 'adam' | 'rmsprop' | 'adamw';
  /** The optimizer's state dict, `optimizer.stateDict()` (its tensors are named `optimizer.state.0.expAvg`, …). */
  optimizer: OptimizerStateDict;
  /** The learning-rate scheduler's state dict. */
  scheduler: SchedulerStateDict;
  /** Generator states. */
  rng: {
    /** State of the generator the dropout masks are drawn from. */
    dropout: GeneratorState;
  };
  /** Where training stood. */
  position: TrainPosition;
  /** The LSTM state carried into the next batch (`[numLayers, batch, hiddenSize]` each), or null. */
  hidden: {
    /** The hidden state. */
    h: Tensor;
    /** The cell state. */
    c: Tensor;
  } | null;
}

/**
 * The JSON file of a checkpoint (beside its safetensors files). Only `format`, `version`,
 * `weights`, `model` and `vocab` are required (that is what sampling needs, and what the
 * PyTorch fixture script writes); training writes everything else except the version-1
 * fields `optimizer`, `scheduler` and `rng`, which now live in the state file.
 *
 * @example
 * ```ts
 * import type { CheckpointMeta } from '@fackel/charrnn';
 * const m: CheckpointMeta = {
 *   format: 'fackel-charrnn-checkpoint', version: 1, weights: 'ckpt-000200.safetensors',
 *   model: { vocabSize: 3, hiddenSize: 8, numLayers: 1, dropout: 0, embeddingSize: 0 },
 *   vocab: { type: 'CharVocab', version: 1, chars: ['a', 'b', 'c'] },
 * };
 * ```
 */
export interface CheckpointMeta {
  /** Always {@link CHECKPOINT_FORMAT}. */
  format: typeof CHECKPOINT_FORMAT;
  /** Format version: 2 as written now; 1 is still read. */
  version: 1 | 2;
  /**
   * The weights file, relative to this JSON file: `save(model.stateDict())` of `@fackel/nn`,
   * a plain safetensors state dict under PyTorch's names (any safetensors reader loads it).
   */
  weights: string;
  /**
   * The training-state file, relative to this JSON file: a {@link TrainingState} written by
   * `save` of `@fackel/nn` (version 2), or the optimizer's tensors and the LSTM state as flat
   * safetensors (version 1).
   */
  state?: string;
  /**
   * The training run that wrote it: one id for a run and its resumptions. Pruning keeps the
   * newest checkpoints of this run only.
   */
  runId?: string;
  /** Size in bytes of the weights file this JSON was written with (a reader checks it). */
  weightsBytes?: number;
  /** SHA-256 (hex) of that weights file: a reader refuses a weights file that is not this one. */
  weightsSha256?: string;
  /** Size in bytes of the state file this JSON was written with. */
  stateBytes?: number;
  /** SHA-256 (hex) of that state file. */
  stateSha256?: string;
  /** The model's shape: a {@link CharRNNConfig} (the LSTM) or a {@link CharGPTConfig} (`kind: 'transformer'`). */
  model: ModelConfig;
  /** The vocabulary (characters in id order). */
  vocab: CharVocabJSON;
  /** Every training setting in force (camelCase option names). */
  hyperparameters?: Record<string, unknown>;
  /** The text trained on: its files (absolute; null for the default corpus), length and hash. */
  data?: {
    /** The input files (absolute), or null. */
    inputs: string[] | null;
    /** The named corpus (`'moby-dick'`), or null. */
    corpus: string | null;
    /** Length of the text in UTF-16 units. */
    chars: number;
    /** SHA-256 of the text (UTF-8), hex. */
    sha256: string;
    /** Batch size in use. */
    batchSize: number;
    /** Sequence length in use. */
    seqLength: number;
    /** Validation fraction. */
    valFrac: number;
  };
  /** Version 1 only (version 2 keeps it in the state file): the optimizer's kind and the JSON part of its state dict. */
  optimizer?: {
    /** Which optimizer. */
    kind: 'adam' | 'rmsprop';
    /** `flattenStateDict(optimizer.stateDict(), 'optimizer.').json`. */
    stateDict: unknown;
  };
  /** Version 1 only (version 2 keeps it in the state file): the learning-rate scheduler's state dict. */
  scheduler?: Record<string, unknown>;
  /** Version 1 only (version 2 keeps it in the state file): generator states. */
  rng?: {
    /** State of the generator the dropout masks are drawn from. */
    dropout: GeneratorState;
  };
  /** Where training stood (a copy of the state file's, for tools and pruning). */
  position?: TrainPosition;
  /** Losses at this checkpoint. */
  losses?: {
    /** Latest mean training loss. */
    loss?: number;
    /** Latest validation loss. */
    valLoss?: number;
    /** Best validation loss so far. */
    bestValLoss?: number;
    /** The step of the best validation loss. */
    bestStep?: number;
  };
  /** The loss history (for the report and a resumed run). */
  history?: HistoryPoint[];
  /** Texts sampled at the checkpoints so far. */
  samples?: CheckpointSample[];
  /** When it was written (ISO 8601). */
  createdAt?: string;
  /** What wrote it. */
  library?: string;
}

/**
 * A checkpoint read back by {@link loadCheckpoint}.
 *
 * @example
 * ```ts no-run
 * import { loadCheckpoint } from '@fackel/charrnn';
 * const ck = await loadCheckpoint('save');
 * console.log(ck.meta.position?.step, ck.vocab.size, Object.keys(ck.weights));
 * ```
 */
export interface LoadedCheckpoint {
  /** The JSON file that was read. */
  path: string;
  /** The JSON's content. */
  meta: CheckpointMeta;
  /** The vocabulary. */
  vocab: CharVocab;
  /** The model's shape (checked). */
  config: ModelConfig;
  /** The model's state dict (PyTorch names). The caller owns these tensors. */
  weights: Record<string, Tensor>;
  /**
   * The training state's tensors by their names in the state file (`optimizer.state.0.expAvg`,
   * `hidden.h`, …; the same tensors as in `training`), empty if none. The caller owns them.
   */
  state: Record<string, Tensor>;
  /** The training state (checked), when the checkpoint has one and it was read. */
  training?: TrainingState;
}

/**
 * A checkpoint that cannot be used: a missing, corrupt or oversized file, a wrong format, a
 * model configuration beyond the limits, weights that do not match the configuration or
 * the JSON, a file name that leaves the checkpoint's directory, a file that is not a
 * regular file. Nothing has been allocated for the model when it is thrown.
 *
 * @example
 * ```ts
 * import { CheckpointError, loadCheckpoint } from '@fackel/charrnn';
 * try { await loadCheckpoint('nowhere'); } catch (e) { console.log(e instanceof CheckpointError); }
 * ```
 */
export class CheckpointError extends FackelError {
  /** Whether reading again may succeed (a writer replaced the files between the reads). */
  readonly retryable: boolean;

  constructor(message: string, options: { retryable?: boolean } = {}) {
    super(message);
    this.retryable = options.retryable ?? false;
  }
}

/** The largest checkpoint JSON read (its history and samples grow with the run). */
const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** The largest safetensors header read. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/**
 * SHA-256 (hex) of bytes, or of a string's UTF-8 encoding.
 *
 * @internal
 * @example
 * ```ts
 * sha256Hex('abc'); // 'ba7816bf…'
 * ```
 */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * What a file that is not a regular file is, in words (`'a directory'`, `'a FIFO (named pipe)'`, …).
 *
 * @internal
 * @example
 * ```ts
 * fileKind(statSync('/tmp')); // 'a directory'
 * ```
 */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Opens a file for reading without ever blocking (`O_NONBLOCK`: a FIFO does not wait for a
 * writer) and checks that it is a regular file of at most `maxBytes`. `followLinks: false`
 * refuses a symbolic link (`O_NOFOLLOW`).
 */
async function openRegular(path: string, what: string, maxBytes: number, followLinks: boolean): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (followLinks ? 0 : (constants.O_NOFOLLOW ?? 0)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CheckpointError(`${what} ${path} does not exist; nothing was loaded`, { retryable: true });
    if (code === 'ELOOP')
      throw new CheckpointError(`${what} ${path} is a symbolic link; a checkpoint's files must be regular files in its directory; nothing was loaded`);
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new CheckpointError(`${what} ${path} is ${fileKind(st)}, not a regular file; nothing was read from it`);
    if (st.size > maxBytes) {
      throw new CheckpointError(
        `${what} ${path} is ${st.size.toLocaleString('en-US')} bytes, more than the ${maxBytes.toLocaleString('en-US')} it can be; nothing was read from it`,
      );
    }
    return { fh, size: st.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

async function readExactly(fh: FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0)
      throw new CheckpointError(`${path} ended early while being read (it was replaced or truncated meanwhile); nothing was loaded`, { retryable: true });
    done += bytesRead;
  }
}

/**
 * Checks a file name a checkpoint JSON gives: a plain name in the JSON's directory — no
 * `/` or `\`, not absolute, not starting with a dot (so neither `..` nor a temporary file).
 */
function checkFileName(name: unknown, field: string, jsonPath: string): string {
  if (typeof name !== 'string' || name === '')
    throw new CheckpointError(
      `${jsonPath}: "${field}" must name a file beside it, got ${name === undefined ? 'nothing' : JSON.stringify(name)}; nothing was loaded`,
    );
  if (/[/\\\0]/.test(name) || name.startsWith('.') || isAbsolute(name) || /^[A-Za-z]:/.test(name)) {
    throw new CheckpointError(
      `${jsonPath}: "${field}" is ${JSON.stringify(name)}, but it must be a plain file name in the checkpoint's directory (no /, \\, .., or absolute path); nothing was loaded`,
    );
  }
  return name;
}

/** Float dtypes a weights file may use (read as float32), by their byte size. */
const FLOAT_BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

interface ExpectedFile {
  /** Every tensor the file must hold (F32, these shapes, nothing else); undefined: not checked. */
  shapes?: Record<string, number[]>;
  /** The largest acceptable file. */
  maxBytes: number;
  /** Size and hash the JSON recorded. */
  bytes?: number;
  sha256?: string;
  /** How to name the model in messages. */
  model?: string;
}

/**
 * Reads a checkpoint's safetensors file with every check before anything is allocated for
 * it: a regular file (never blocking on a FIFO, no symbolic link), at most `maxBytes`, the
 * size the JSON recorded, a header whose tensor names, dtypes and shapes are exactly the
 * expected ones, and finally the SHA-256 the JSON recorded. Then `parse` turns the verified
 * bytes into tensors; its errors become {@link CheckpointError}s naming the file.
 */
async function readCheckedFile<T>(file: string, jsonPath: string, what: string, expected: ExpectedFile, parse: (bytes: Uint8Array) => T): Promise<T> {
  const { fh, size } = await openRegular(file, `the ${what} file`, expected.maxBytes, false);
  try {
    if (expected.bytes !== undefined && size !== expected.bytes) {
      throw new CheckpointError(
        `the ${what} file ${file} is ${size} bytes, but ${jsonPath} was written with a ${expected.bytes}-byte file: they do not belong together (another run wrote one of them); nothing was loaded`,
        { retryable: true },
      );
    }
    if (size < 8) throw new CheckpointError(`the ${what} file ${file} is ${size} bytes, too short for safetensors; nothing was loaded`);
    const head = new Uint8Array(8);
    await readExactly(fh, head, 0, file);
    const dv = new DataView(head.buffer);
    const n = dv.getUint32(4, true) * 4294967296 + dv.getUint32(0, true);
    if (n > MAX_HEADER_BYTES || n > size - 8) {
      throw new CheckpointError(
        `the ${what} file ${file} is not valid safetensors: its header length ${n} is larger than ${n > MAX_HEADER_BYTES ? `the limit of ${MAX_HEADER_BYTES}` : 'the file'}; nothing was loaded`,
      );
    }
    if (expected.shapes) {
      const headerBytes = new Uint8Array(n);
      await readExactly(fh, headerBytes, 8, file);
      let header: Record<string, { dtype?: unknown; shape?: unknown }>;
      try {
        header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes)) as typeof header;
        if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new Error('not an object');
      } catch (e) {
        throw new CheckpointError(
          `the ${what} file ${file} is not valid safetensors: its header is not a JSON object (${(e as Error).message}); nothing was loaded`,
        );
      }
      const problems: string[] = [];
      let dataBytes = 0;
      for (const [name, shape] of Object.entries(expected.shapes)) {
        const numel = shape.reduce((a, b) => a * b, 1);
        const entry = Object.hasOwn(header, name) ? header[name] : undefined;
        if (entry === undefined || entry === null || typeof entry !== 'object') {
          problems.push(`'${name}' ${fmt(shape)} is missing`);
          continue;
        }
        const got = Array.isArray(entry.shape) ? (entry.shape as unknown[]) : null;
        const item = typeof entry.dtype === 'string' && Object.hasOwn(FLOAT_BYTES, entry.dtype) ? FLOAT_BYTES[entry.dtype] : undefined;
        if (item === undefined || got === null || got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
          problems.push(`'${name}' is ${String(entry.dtype)} ${got ? fmt(got as number[]) : JSON.stringify(entry.shape)}, expected F32 ${fmt(shape)}`);
          continue;
        }
        dataBytes += item * numel;
      }
      const unexpected = Object.keys(header).filter((k) => k !== '__metadata__' && !(k in expected.shapes!));
      if (unexpected.length > 0)
        problems.push(
          `unexpected tensor${unexpected.length === 1 ? '' : 's'} ${unexpected
            .slice(0, 5)
            .map((k) => `'${k}'`)
            .join(', ')}${unexpected.length > 5 ? ` and ${unexpected.length - 5} more` : ''}`,
        );
      if (problems.length > 0) {
        throw new CheckpointError(
          `the ${what} file ${file} does not fit the model ${jsonPath} describes (${expected.model}): ${problems.slice(0, 4).join('; ')}${problems.length > 4 ? `; and ${problems.length - 4} more` : ''}; nothing was loaded`,
          { retryable: expected.sha256 !== undefined },
        );
      }
      if (problems.length === 0 && 8 + n + dataBytes !== size) {
        throw new CheckpointError(
          `the ${what} file ${file} is ${size} bytes, but its header and tensors need ${8 + n + dataBytes}: it is truncated or padded; nothing was loaded`,
        );
      }
    }
    const bytes = new Uint8Array(size);
    await readExactly(fh, bytes, 0, file);
    if (expected.sha256 !== undefined && sha256Hex(bytes) !== expected.sha256) {
      throw new CheckpointError(
        `the ${what} file ${file} is not the one ${jsonPath} was written with (its SHA-256 differs): another run replaced it, or it is corrupt; nothing was loaded`,
        { retryable: true },
      );
    }
    try {
      return parse(bytes);
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(`the ${what} file ${file}: ${(e as Error).message.replace(/^(safetensors|load) <bytes>: /, '')}; nothing was loaded`);
    }
  } finally {
    await fh.close();
  }
}

const pad = (n: number): string => String(n).padStart(6, '0');

/**
 * The base file name of the checkpoint at a step: `ckpt-000200`.
 *
 * @example
 * ```ts
 * import { checkpointName } from '@fackel/charrnn';
 * checkpointName(200); // 'ckpt-000200'
 * ```
 */
export function checkpointName(step: number): string {
  return `ckpt-${pad(step)}`;
}

/**
 * Finds the checkpoint JSON meant by a path: a save directory (its `latest.json`), a
 * checkpoint's `.json`, or its `.safetensors` (the `.json` beside it).
 *
 * @example
 * ```ts
 * import { resolveCheckpointPath } from '@fackel/charrnn';
 * resolveCheckpointPath('save');                     // 'save/latest.json'
 * resolveCheckpointPath('save/ckpt-000200.safetensors'); // 'save/ckpt-000200.json'
 * ```
 */
export function resolveCheckpointPath(path: string): string {
  if (!existsSync(path)) throw new CheckpointError(`checkpoint not found: ${path} does not exist`);
  if (statSync(path).isDirectory()) {
    const latest = join(path, 'latest.json');
    if (existsSync(latest)) return latest;
    throw new CheckpointError(`${path} is a directory without latest.json, so it holds no checkpoint (train with --save-dir ${path} first)`);
  }
  if (path.endsWith('.safetensors')) {
    const json = path.replace(/(\.state)?\.safetensors$/, '.json');
    if (existsSync(json)) return json;
    throw new CheckpointError(`${path} has no ${basename(json)} beside it; a checkpoint needs its JSON file (vocabulary and model shape)`);
  }
  return path;
}

/**
 * Reads a checkpoint (see {@link resolveCheckpointPath} for the paths accepted): its JSON,
 * vocabulary, weights and training state. Everything is checked before anything is
 * allocated for the model: the JSON is a regular file of sensible size with the right
 * format; the model configuration is within {@link CHARRNN_LIMITS}; the weights and state
 * files are plain names in the JSON's directory and regular files (a FIFO never blocks); the
 * weights file's header holds exactly the tensors the configuration implies (names, F32,
 * shapes), read from the header alone; and, when the JSON records them, the files' sizes and
 * SHA-256 match, so a reader never pairs a JSON with another run's weights. When a writer
 * replaces the files during the read, it is read again (a few times).
 *
 * @example
 * ```ts
 * import { createModel, loadCheckpoint } from '@fackel/charrnn';
 * const ck = await loadCheckpoint('save/best.json');
 * const model = createModel(ck.config); // a CharRNN, or a CharGPT for a transformer's checkpoint
 * model.loadStateDict(ck.weights);
 * ```
 */
export async function loadCheckpoint(path: string, options: { withState?: boolean } = {}): Promise<LoadedCheckpoint> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await loadCheckpointOnce(path, options);
    } catch (e) {
      if (!(e instanceof CheckpointError && e.retryable) || attempt >= 4) throw e;
      await new Promise((r) => setTimeout(r, 25 * (attempt + 1)));
    }
  }
}

async function loadCheckpointOnce(path: string, options: { withState?: boolean }): Promise<LoadedCheckpoint> {
  const jsonPath = resolveCheckpointPath(path);
  let meta: CheckpointMeta;
  const { fh, size } = await openRegular(jsonPath, 'checkpoint', MAX_JSON_BYTES, true);
  try {
    const bytes = new Uint8Array(size);
    await readExactly(fh, bytes, 0, jsonPath);
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as CheckpointMeta;
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`cannot read checkpoint ${jsonPath}: it is not UTF-8 JSON (${(e as Error).message}); nothing was loaded`);
  } finally {
    await fh.close();
  }
  if (meta === null || typeof meta !== 'object' || meta.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${jsonPath} is not a fackel-charrnn checkpoint (its "format" is not "${CHECKPOINT_FORMAT}"); nothing was loaded`);
  }
  if (meta.version !== 1 && meta.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `${jsonPath}: checkpoint version ${String(meta.version)} is not supported (this version reads 1 and ${CHECKPOINT_VERSION}); nothing was loaded`,
    );
  }
  const weightsName = checkFileName(meta.weights, 'weights', jsonPath);
  const withState = options.withState !== false && meta.state !== undefined;
  const stateName = withState ? checkFileName(meta.state, 'state', jsonPath) : undefined;
  let vocab: CharVocab;
  let config: ModelConfig;
  try {
    config = checkModelConfig(meta.model);
    const chars = (meta.vocab as { chars?: unknown } | undefined)?.chars;
    if (Array.isArray(chars) && chars.length > CHARRNN_LIMITS.vocabSize)
      throw new RangeError(`the vocabulary has ${chars.length} characters, more than the limit of ${CHARRNN_LIMITS.vocabSize}`);
    vocab = CharVocab.fromJSON(meta.vocab);
  } catch (e) {
    throw new CheckpointError(`${jsonPath}: ${(e as Error).message}; nothing was loaded`);
  }
  if (config.vocabSize !== vocab.size) {
    throw new CheckpointError(
      `${jsonPath}: the model has ${config.vocabSize} output classes but the vocabulary has ${vocab.size} characters; nothing was loaded`,
    );
  }
  const dir = dirname(jsonPath);
  const shapes = modelStateDictShapes(config);
  let paramBytes = 0;
  for (const shape of Object.values(shapes)) paramBytes += 4 * shape.reduce((a, b) => a * b, 1);
  const model = describeModel(config);
  const weights = await readCheckedFile(
    join(dir, weightsName),
    jsonPath,
    'weights',
    {
      shapes,
      maxBytes: 8 + MAX_HEADER_BYTES + 2 * paramBytes, // F64 at most
      ...(typeof meta.weightsBytes === 'number' ? { bytes: meta.weightsBytes } : {}),
      ...(typeof meta.weightsSha256 === 'string' ? { sha256: meta.weightsSha256 } : {}),
      model,
    },
    (bytes) => ({ ...(parseSafetensors(bytes, { maxHeaderBytes: MAX_HEADER_BYTES }).tensors as Record<string, Tensor>) }),
  );
  let state: Record<string, Tensor> = {};
  let training: TrainingState | undefined;
  if (stateName !== undefined) {
    // optimizer moments (at most 3 per parameter) and the LSTM state [layers, batch, hidden] twice
    const batch = Math.min(Math.max(1, Number(meta.data?.batchSize) || 1), 4096);
    const maxBytes = 8 + MAX_HEADER_BYTES + 3 * paramBytes + (isGPTConfig(config) ? 0 : 2 * 4 * config.numLayers * batch * config.hiddenSize);
    const file = join(dir, stateName);
    const expected = {
      maxBytes,
      ...(typeof meta.stateBytes === 'number' ? { bytes: meta.stateBytes } : {}),
      ...(typeof meta.stateSha256 === 'string' ? { sha256: meta.stateSha256 } : {}),
    };
    const batchSize = typeof meta.data?.batchSize === 'number' ? meta.data.batchSize : undefined;
    try {
      if (meta.version === 1) {
        state = await readCheckedFile(file, jsonPath, 'training-state', expected, (bytes) => ({
          ...(parseSafetensors(bytes, { maxHeaderBytes: MAX_HEADER_BYTES }).tensors as Record<string, Tensor>),
        }));
        training = trainingFromVersion1(meta, state, file, config, batchSize);
      } else {
        training = await readCheckedFile(file, jsonPath, 'training-state', expected, (bytes) =>
          checkTrainingState(loadFromBytes(bytes, { maxHeaderBytes: MAX_HEADER_BYTES }), file, config, batchSize),
        );
        state = tensorsByPath(training);
      }
    } catch (e) {
      for (const t of Object.values(weights)) t.dispose();
      throw e;
    }
  }
  return { path: jsonPath, meta, vocab, config, weights, state, ...(training !== undefined ? { training } : {}) };
}

/** The tensors inside a value, by their dotted paths (the names `save` gives them). */
function tensorsByPath(value: unknown): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const walk = (x: unknown, path: string[]): void => {
    if (x instanceof Tensor) {
      out[path.join('.')] = x;
      return;
    }
    if (x === null || typeof x !== 'object') return;
    for (const [k, v] of Object.entries(x)) walk(v, [...path, k]);
  };
  walk(value, []);
  return out;
}

function brief(v: unknown): string {
  if (v instanceof Tensor) return `a ${v.dtype} tensor of shape ${fmt(v.shape)}`;
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/**
 * Checks what a state file holds against {@link TrainingState} and the model (the carried
 * LSTM state's shape); a mismatch is a {@link CheckpointError} naming the path inside the file,
 * after the file's tensors are freed. The optimizer's and scheduler's own `loadStateDict`
 * check their parts in depth.
 */
function checkTrainingState(value: unknown, file: string, config: ModelConfig, batchSize: number | undefined): TrainingState {
  try {
    const bad = (path: string, what: string, got: unknown): never => {
      throw new CheckpointError(`the training-state file ${file}: '${path}' ${what}, got ${brief(got)}; nothing was loaded`);
    };
    const obj = (v: unknown, path: string): Record<string, unknown> => {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor) bad(path, 'must be an object', v);
      return v as Record<string, unknown>;
    };
    const whole = (v: unknown, path: string, max = Number.MAX_SAFE_INTEGER): number => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) bad(path, `must be a whole number from 0 to ${max}`, v);
      return v as number;
    };
    const root = obj(value, '(the file)');
    if (root.optimizerKind !== 'adam' && root.optimizerKind !== 'rmsprop' && root.optimizerKind !== 'adamw')
      bad('optimizerKind', 'must be "adam", "rmsprop" or "adamw"', root.optimizerKind);
    const sd = obj(root.optimizer, 'optimizer');
    obj(sd.state, 'optimizer.state');
    if (!Array.isArray(sd.paramGroups)) bad('optimizer.paramGroups', 'must be an array', sd.paramGroups);
    obj(root.scheduler, 'scheduler');
    const dropout = obj(obj(root.rng, 'rng').dropout, 'rng.dropout');
    if (!Array.isArray(dropout.s) || dropout.s.length !== 4) bad('rng.dropout.s', 'must be 4 whole numbers', dropout.s);
    (dropout.s as unknown[]).forEach((w, i) => {
      if (typeof w !== 'number' || !Number.isInteger(w) || w < -0x80000000 || w > 0xffffffff) bad(`rng.dropout.s.${i}`, 'must be a 32-bit whole number', w);
    });
    if (dropout.spareNormal !== null && (typeof dropout.spareNormal !== 'number' || !Number.isFinite(dropout.spareNormal)))
      bad('rng.dropout.spareNormal', 'must be a number or null', dropout.spareNormal);
    if (typeof dropout.seed !== 'number' || !Number.isFinite(dropout.seed)) bad('rng.dropout.seed', 'must be a number', dropout.seed);
    const position = obj(root.position, 'position');
    for (const k of ['step', 'epoch', 'batch']) whole(position[k], `position.${k}`);
    if (typeof position.hidden !== 'boolean') bad('position.hidden', 'must be true or false', position.hidden);
    if (typeof position.seconds !== 'number' || !Number.isFinite(position.seconds) || position.seconds < 0)
      bad('position.seconds', 'must be a number >= 0', position.seconds);
    if (root.hidden !== null && isGPTConfig(config)) bad('hidden', 'must be null (a transformer carries no state between batches)', root.hidden);
    if (root.hidden !== null && !isGPTConfig(config)) {
      const hidden = obj(root.hidden, 'hidden');
      for (const k of ['h', 'c']) {
        const t = hidden[k];
        const ok =
          t instanceof Tensor &&
          t.dtype === 'float32' &&
          t.ndim === 3 &&
          t.shape[0] === config.numLayers &&
          t.shape[2] === config.hiddenSize &&
          (batchSize === undefined || t.shape[1] === batchSize);
        if (!ok)
          bad(
            `hidden.${k}`,
            `must be a float32 tensor of shape [${config.numLayers}, ${batchSize ?? 'batch'}, ${config.hiddenSize}] (numLayers, batch, hiddenSize)`,
            t,
          );
      }
    }
    if (position.hidden !== (root.hidden !== null))
      bad('position.hidden', `must say whether 'hidden' holds the LSTM state (it ${root.hidden === null ? 'does not' : 'does'})`, position.hidden);
    return value as TrainingState;
  } catch (e) {
    for (const t of new Set(Object.values(tensorsByPath(value)))) t.dispose();
    throw e;
  }
}

/** A version-1 checkpoint's training state: the JSON's optimizer, scheduler, rng and position with the flat state file's tensors. */
function trainingFromVersion1(
  meta: CheckpointMeta,
  flat: Record<string, Tensor>,
  file: string,
  config: ModelConfig,
  batchSize: number | undefined,
): TrainingState | undefined {
  if (meta.optimizer === undefined || meta.scheduler === undefined || meta.rng === undefined || meta.position === undefined) return undefined;
  let stateDict: OptimizerStateDict;
  try {
    stateDict = unflattenStateDict<OptimizerStateDict>(meta.optimizer.stateDict as never, flat);
  } catch (e) {
    for (const t of Object.values(flat)) t.dispose();
    throw new CheckpointError(`the training-state file ${file}: ${(e as Error).message}; nothing was loaded`);
  }
  const h = flat['hidden.h'];
  const c = flat['hidden.c'];
  const value = {
    optimizerKind: meta.optimizer.kind,
    optimizer: stateDict,
    scheduler: meta.scheduler,
    rng: meta.rng,
    position: meta.position,
    hidden: meta.position.hidden && h !== undefined && c !== undefined ? { h, c } : null,
  };
  if (value.hidden === null) value.position = { ...meta.position, hidden: false };
  try {
    return checkTrainingState(value, file, config, batchSize);
  } catch (e) {
    for (const t of Object.values(flat)) t.dispose();
    throw e;
  }
}

/**
 * What {@link writeCheckpoint} writes: the meta (without file names, which it fills in),
 * the weights and the training state.
 *
 * @example
 * ```ts
 * import type { CheckpointData } from '@fackel/charrnn';
 * declare const d: CheckpointData;
 * console.log(d.meta.position?.step);
 * ```
 */
export interface CheckpointData {
  /** Everything for the JSON file except the file names, format and version. */
  meta: Omit<CheckpointMeta, 'weights' | 'state' | 'format' | 'version'>;
  /** The model's state dict (PyTorch names). */
  weights: Record<string, Tensor>;
  /** The training state, for an exact `--resume` (its `position` is also copied into the JSON). */
  state?: TrainingState;
}

/**
 * Options of {@link writeCheckpoint}.
 *
 * @example
 * ```ts
 * import type { WriteCheckpointOptions } from '@fackel/charrnn';
 * const o: WriteCheckpointOptions = { best: true, keep: 3, runId: 'b1946ac9-2e5c-4f0a-9d0e-1c2b3a4d5e6f' };
 * ```
 */
export interface WriteCheckpointOptions {
  /** Also make it `best.json`. */
  best?: boolean;
  /** Checkpoints of this run kept besides those `latest.json` and `best.json` name (default 3). */
  keep?: number;
  /** The run it belongs to (recorded in the JSON; pruning only touches this run's checkpoints). */
  runId?: string;
}

/**
 * Writes a checkpoint into a save directory, crash-safe: the weights
 * (`ckpt-NNNNNN.safetensors`, `save(model.stateDict())` of `@fackel/nn`: a plain
 * safetensors state dict) and the training state (`ckpt-NNNNNN.state.safetensors`, one
 * `save()` file of the {@link TrainingState}) are written atomically first, then the JSON (`ckpt-NNNNNN.json`, recording the run id and the
 * files' sizes and SHA-256), and only then is `latest.json` (and `best.json` when `best`)
 * replaced — atomically — by a copy of the JSON. A process killed at any moment leaves
 * `latest.json` naming a complete checkpoint; a failed write (a full disk) removes the files
 * it wrote for this checkpoint. Then {@link pruneCheckpoints} runs. Returns the path of the
 * checkpoint's JSON. The caller should hold the directory's {@link SaveDirLock}.
 *
 * @example
 * ```ts
 * import { writeCheckpoint, type CharRNN, type CheckpointData } from '@fackel/charrnn';
 * declare const model: CharRNN;
 * declare const meta: CheckpointData['meta'];
 * await writeCheckpoint('save', 200, { meta, weights: model.stateDict() }, { best: true, keep: 3 });
 * ```
 */
export async function writeCheckpoint(saveDir: string, step: number, data: CheckpointData, options: WriteCheckpointOptions = {}): Promise<string> {
  const name = checkpointName(step);
  const weightsFile = `${name}.safetensors`;
  const stateFile = data.state !== undefined ? `${name}.state.safetensors` : undefined;
  const weightsBytes = await saveToBytes(data.weights, { metadata: { model: JSON.stringify(data.meta.model), vocab: JSON.stringify(data.meta.vocab.chars) } });
  const stateBytes = data.state !== undefined ? await saveToBytes(data.state) : undefined;
  const runId = options.runId ?? (data.meta as { runId?: string }).runId;
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    weights: weightsFile,
    ...(stateFile ? { state: stateFile } : {}),
    ...data.meta,
    ...(data.state !== undefined ? { position: data.state.position } : {}),
    ...(runId !== undefined ? { runId } : {}),
    weightsBytes: weightsBytes.length,
    weightsSha256: sha256Hex(weightsBytes),
    ...(stateBytes ? { stateBytes: stateBytes.length, stateSha256: sha256Hex(stateBytes) } : {}),
  } as CheckpointMeta;
  const json = `${JSON.stringify(meta, null, 1)}\n`;
  const jsonPath = join(saveDir, `${name}.json`);
  const written: string[] = [];
  try {
    await writeFileAtomic(join(saveDir, weightsFile), weightsBytes);
    written.push(weightsFile);
    if (stateFile) {
      await writeFileAtomic(join(saveDir, stateFile), stateBytes!);
      written.push(stateFile);
    }
    await writeFileAtomic(jsonPath, json);
  } catch (e) {
    // without its JSON, what was written for this checkpoint is an orphan: remove it now
    for (const f of written) await unlink(join(saveDir, f)).catch(() => undefined);
    throw e;
  }
  await writeFileAtomic(join(saveDir, 'latest.json'), json);
  if (options.best) await writeFileAtomic(join(saveDir, 'best.json'), json);
  await pruneCheckpoints(saveDir, options.keep ?? 3, runId !== undefined ? { runId } : {});
  return jsonPath;
}

/** Reads which checkpoints the pointers (`latest.json`, `best.json`) name, if any. */
async function referencedCheckpoints(saveDir: string): Promise<Set<string>> {
  const keep = new Set<string>();
  for (const pointer of ['latest.json', 'best.json']) {
    try {
      const m = JSON.parse(await readFile(join(saveDir, pointer), 'utf8')) as Partial<CheckpointMeta>;
      if (typeof m.weights === 'string') keep.add(m.weights.replace(/\.safetensors$/, ''));
    } catch {
      // no such pointer
    }
  }
  return keep;
}

/**
 * Deletes all but the newest `keep` checkpoints of a run in a save directory — newest by
 * when they were written (`createdAt`), then by step, never by file name — and never one that
 * `latest.json` or `best.json` names. With `runId`, only that run's checkpoints are
 * considered (and those written before run ids existed); another run's are left alone. Then
 * it removes what interrupted writes left (see {@link removeSaveDirOrphans}). Call it only on
 * a directory whose {@link SaveDirLock} you hold (or that no training uses).
 *
 * @example
 * ```ts no-run
 * import { pruneCheckpoints } from '@fackel/charrnn';
 * await pruneCheckpoints('save', 3);
 * ```
 */
export async function pruneCheckpoints(saveDir: string, keep: number, options: { runId?: string } = {}): Promise<void> {
  const files = await readdir(saveDir);
  const protectedNames = await referencedCheckpoints(saveDir);
  const ours: { name: string; time: number; step: number; weights: string; state?: string }[] = [];
  for (const f of files) {
    const m = CHECKPOINT_JSON.exec(f);
    if (!m) continue;
    let meta: Partial<CheckpointMeta>;
    try {
      meta = JSON.parse(await readFile(join(saveDir, f), 'utf8')) as Partial<CheckpointMeta>;
    } catch {
      continue; // unreadable (being replaced?): leave it
    }
    if (options.runId !== undefined && meta.runId !== undefined && meta.runId !== options.runId) continue;
    const plain = (x: unknown): x is string => typeof x === 'string' && /^[^/\\.][^/\\]*$/.test(x);
    ours.push({
      name: m[1],
      time: Date.parse(String(meta.createdAt ?? '')) || 0,
      step: meta.position?.step ?? Number(m[1].slice(5)),
      weights: plain(meta.weights) ? meta.weights : `${m[1]}.safetensors`,
      ...(plain(meta.state) ? { state: meta.state } : {}),
    });
  }
  ours.sort((a, b) => a.time - b.time || a.step - b.step);
  const old = ours.slice(0, Math.max(0, ours.length - keep)).filter((c) => !protectedNames.has(c.name));
  for (const c of old) {
    await unlink(join(saveDir, `${c.name}.json`)).catch(() => undefined); // the JSON first: a checkpoint without its JSON is never used
    for (const f of new Set([c.weights, `${c.name}.safetensors`, c.state ?? `${c.name}.state.safetensors`]))
      await unlink(join(saveDir, f)).catch(() => undefined);
  }
  await removeSaveDirOrphans(saveDir);
}

/**
 * Makes the paths of `inputs` absolute (as stored in a checkpoint); null for none.
 *
 * @internal
 * @example
 * ```ts
 * absoluteInputs(['a.txt']); // ['/current/dir/a.txt']
 * ```
 */
export function absoluteInputs(inputs: readonly string[] | undefined): string[] | null {
  return inputs && inputs.length > 0 ? inputs.map((p) => resolve(p)) : null;
}

/**
 * Appends text to a file (the JSON-lines log).
 *
 * @internal
 * @example
 * ```ts
 * await appendText('save/train-log.jsonl', '{"event":"print"}\n');
 * ```
 */
export async function appendText(path: string, text: string): Promise<void> {
  await writeFile(path, text, { flag: 'a' });
}
