import { existsSync, statSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CharVocab, type CharVocabJSON } from '@fackel/data';
import { loadSafetensors, saveSafetensors } from '@fackel/nn';
import type { GeneratorState, Tensor } from '@fackel/tensor';
import { writeJsonAtomic } from './fs-atomic.js';
import { checkConfig, type CharRNNConfig } from './model.js';
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
 * The JSON file of a checkpoint (beside its safetensors files). Only `format`, `version`,
 * `weights`, `model` and `vocab` are required (that is what sampling needs, and what the
 * PyTorch fixture script writes); training writes everything.
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
  /** Format version (1). */
  version: 1;
  /** The weights file (safetensors, PyTorch names), relative to this JSON file. */
  weights: string;
  /** Training-state file (optimizer tensors, LSTM state), relative to this JSON file. */
  state?: string;
  /** The model's shape. */
  model: CharRNNConfig;
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
  /** The optimizer: its kind and the JSON part of its state dict (tensors in `state`). */
  optimizer?: {
    /** Which optimizer. */
    kind: 'adam' | 'rmsprop';
    /** `flattenStateDict(optimizer.stateDict(), 'optimizer.').json`. */
    stateDict: unknown;
  };
  /** The learning-rate scheduler's state dict. */
  scheduler?: Record<string, unknown>;
  /** Generator states (the dropout masks' generator). */
  rng?: {
    /** State of the generator the dropout masks are drawn from. */
    dropout: GeneratorState;
  };
  /** Where training stood. */
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
  config: CharRNNConfig;
  /** The model's state dict (PyTorch names). The caller owns these tensors. */
  weights: Record<string, Tensor>;
  /** Training-state tensors (optimizer moments, `hidden.h`/`hidden.c`), empty if none. */
  state: Record<string, Tensor>;
}

/**
 * A checkpoint that cannot be used: a missing or corrupt file, a wrong format.
 *
 * @example
 * ```ts
 * import { CheckpointError, loadCheckpoint } from '@fackel/charrnn';
 * try { await loadCheckpoint('nowhere'); } catch (e) { console.log(e instanceof CheckpointError); }
 * ```
 */
export class CheckpointError extends Error {
  /** `'CheckpointError'`. */
  override name = 'CheckpointError';
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
 * vocabulary, weights and training state. Everything is checked: the format, the model
 * shape against the weights' shapes, the vocabulary size.
 *
 * @example
 * ```ts
 * import { CharRNN, loadCheckpoint } from '@fackel/charrnn';
 * const ck = await loadCheckpoint('save/best.json');
 * const model = new CharRNN(ck.config);
 * model.loadStateDict(ck.weights);
 * ```
 */
export async function loadCheckpoint(path: string, options: { withState?: boolean } = {}): Promise<LoadedCheckpoint> {
  const jsonPath = resolveCheckpointPath(path);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(await readFile(jsonPath, 'utf8')) as CheckpointMeta;
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint ${jsonPath}: ${(e as Error).message}`);
  }
  if (meta === null || typeof meta !== 'object' || meta.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${jsonPath} is not a fackel-charrnn checkpoint (its "format" is not "${CHECKPOINT_FORMAT}")`);
  }
  if (meta.version !== 1) throw new CheckpointError(`${jsonPath}: checkpoint version ${String(meta.version)} is not supported (this version reads 1)`);
  if (typeof meta.weights !== 'string') throw new CheckpointError(`${jsonPath}: no "weights" file named`);
  let vocab: CharVocab;
  let config: CharRNNConfig;
  try {
    vocab = CharVocab.fromJSON(meta.vocab);
    config = checkConfig(meta.model);
  } catch (e) {
    throw new CheckpointError(`${jsonPath}: ${(e as Error).message}`);
  }
  if (config.vocabSize !== vocab.size) {
    throw new CheckpointError(`${jsonPath}: the model has ${config.vocabSize} output classes but the vocabulary has ${vocab.size} characters`);
  }
  const dir = dirname(jsonPath);
  const weights = await readTensors(join(dir, meta.weights), jsonPath);
  const state = options.withState !== false && typeof meta.state === 'string' ? await readTensors(join(dir, meta.state), jsonPath) : {};
  return { path: jsonPath, meta, vocab, config, weights, state };
}

async function readTensors(file: string, jsonPath: string): Promise<Record<string, Tensor>> {
  if (!existsSync(file)) throw new CheckpointError(`${jsonPath} names ${basename(file)}, which does not exist in ${dirname(file)}`);
  try {
    const loaded = await loadSafetensors(file);
    return { ...(loaded.tensors as Record<string, Tensor>) };
  } catch (e) {
    throw new CheckpointError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/**
 * What {@link writeCheckpoint} writes: the meta (without file names, which it fills in),
 * the weights and the training-state tensors.
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
  /** Training-state tensors (optimizer moments, LSTM state). */
  state?: Record<string, Tensor>;
}

/**
 * Writes a checkpoint into a save directory, crash-safe: the weights
 * (`ckpt-NNNNNN.safetensors`), the training state (`ckpt-NNNNNN.state.safetensors`) and the
 * JSON (`ckpt-NNNNNN.json`) are each written atomically, in that order, and only then is
 * `latest.json` (and `best.json` when `best`) replaced — atomically — by a copy of the JSON.
 * A process killed at any moment leaves `latest.json` naming a complete checkpoint. Older
 * checkpoints beyond the newest `keep` are deleted, except those `latest.json` and
 * `best.json` name. Returns the path of the checkpoint's JSON.
 *
 * @example
 * ```ts
 * import { writeCheckpoint, type CharRNN, type CheckpointData } from '@fackel/charrnn';
 * declare const model: CharRNN;
 * declare const meta: CheckpointData['meta'];
 * await writeCheckpoint('save', 200, { meta, weights: model.stateDict() }, { best: true, keep: 3 });
 * ```
 */
export async function writeCheckpoint(saveDir: string, step: number, data: CheckpointData, options: { best?: boolean; keep?: number } = {}): Promise<string> {
  const name = checkpointName(step);
  const weightsFile = `${name}.safetensors`;
  const stateFile = data.state && Object.keys(data.state).length > 0 ? `${name}.state.safetensors` : undefined;
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    weights: weightsFile,
    ...(stateFile ? { state: stateFile } : {}),
    ...data.meta,
  } as CheckpointMeta;
  await saveSafetensors(join(saveDir, weightsFile), data.weights, { format: 'pt', model: JSON.stringify(meta.model), vocab: JSON.stringify(meta.vocab.chars) });
  if (stateFile) await saveSafetensors(join(saveDir, stateFile), data.state!);
  const jsonPath = join(saveDir, `${name}.json`);
  await writeJsonAtomic(jsonPath, meta);
  await writeJsonAtomic(join(saveDir, 'latest.json'), meta);
  if (options.best) await writeJsonAtomic(join(saveDir, 'best.json'), meta);
  await pruneCheckpoints(saveDir, options.keep ?? 3);
  return jsonPath;
}

/** Reads which files a pointer (`latest.json`, `best.json`) names, if any. */
async function referencedFiles(saveDir: string): Promise<Set<string>> {
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
 * Deletes all but the newest `keep` checkpoints in a save directory (never one that
 * `latest.json` or `best.json` names), and leftover temporary files of interrupted writes.
 *
 * @example
 * ```ts
 * import { pruneCheckpoints } from '@fackel/charrnn';
 * await pruneCheckpoints('save', 3);
 * ```
 */
export async function pruneCheckpoints(saveDir: string, keep: number): Promise<void> {
  const files = await readdir(saveDir);
  const names = [...new Set(files.map((f) => /^(ckpt-\d+)\.json$/.exec(f)?.[1]).filter((x): x is string => x !== undefined))].sort();
  const protectedNames = await referencedFiles(saveDir);
  const old = names.slice(0, Math.max(0, names.length - keep)).filter((n) => !protectedNames.has(n));
  for (const n of old) {
    await rm(join(saveDir, `${n}.json`), { force: true }); // the JSON first: a checkpoint without its JSON is never used
    await rm(join(saveDir, `${n}.safetensors`), { force: true });
    await rm(join(saveDir, `${n}.state.safetensors`), { force: true });
  }
  for (const f of files) {
    if (/\.tmp-\d+-[0-9a-f]+$/.test(f)) {
      const pid = Number(/\.tmp-(\d+)-/.exec(f)![1]);
      if (pid !== process.pid && !processAlive(pid)) await rm(join(saveDir, f), { force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
