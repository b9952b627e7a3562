/**
 * `@fackel/charrnn`: the workshop's Übung 3 — a character-level LSTM that learns to write
 * like its training text (a re-creation of mcleonard/pytorch-charRNN, going past it and
 * karpathy/char-rnn) — as a library and the `fackel-charrnn` CLI.
 *
 * @example
 * ```ts no-run
 * import { train, sample } from '@fackel/charrnn';
 * const { model, vocab } = await train({ inputs: ['../shared/data/tinyshakespeare.txt'], maxMinutes: 2, saveDir: 'save' });
 * console.log(await sample(model, vocab, { prime: 'ROMEO:', length: 300, temperature: 0.8 }));
 * ```
 * @packageDocumentation
 */
export { CharGPT, GPTBody, checkGPTConfig, gptStateDictShapes, gptElements, CHARGPT_LIMITS, type CharGPTConfig, type CharGPTOptions } from './gpt.js';
export { createModel, checkModelConfig, modelStateDictShapes, describeModel, isGPTConfig, maxInputLength, type CharModel, type ModelConfig } from './models.js';
export { CharRNN, checkConfig, stateDictShapes, modelElements, CHARRNN_LIMITS, type CharRNNConfig, type CharRNNOptions, type LSTMState } from './model.js';
export { train, learningRateSchedule, Trainer, RunStatus, TrainLog, type TrainPlan, type TrainProgress, type TrainResult } from './train.js';
export {
  TRAIN_DEFAULTS,
  TRANSFORMER_DEFAULTS,
  LIBRARY,
  resolveSettings,
  type TrainOptions,
  type TransformerTrainOptions,
  type TrainSettings,
} from './settings.js';
export { evaluateLoss, type EvaluateOptions } from './evaluate.js';
export { splitMix64, randomWindowOffsets, randomWindowBatch } from './windows.js';
export type { TrainingText } from './text.js';
export { sample, primeLogits, type SampleOptions } from './sample.js';
export { loadWeightsFile, type WeightsFile } from './weights.js';
export { generateIds, samplingProbs, drawIndex, checkSamplingOptions, type SamplingOptions, type GenerateOptions, type LogitsFn } from './sampling.js';
export {
  loadCheckpoint,
  writeCheckpoint,
  pruneCheckpoints,
  resolveCheckpointPath,
  checkpointName,
  CheckpointError,
  CHECKPOINT_FORMAT,
  type CheckpointMeta,
  type CheckpointData,
  type WriteCheckpointOptions,
  type LoadedCheckpoint,
  type TrainPosition,
  type TrainingState,
} from './checkpoint.js';
export { renderReport, lossChartSvg, type HistoryPoint, type CheckpointSample, type ReportData } from './report.js';
export { ProgressReporter, plainProgressLine, formatDuration, type OutStream } from './progress.js';
export type { TrainEvent, StopReason } from './events.js';
export { SaveDirLock, savedRun, clearSavedRun, removeSaveDirOrphans, LOCK_FILE, type LockInfo, type SavedRun } from './savedir.js';
export { EXIT_CODES, SaveDirError, TrainingDataError, FileSystemError, isFsError, describeError, shellQuote } from './errors.js';
export { setupDevice, type DeviceName } from './device.js';
export { parseArgs, UsageError, type ParsedArgs } from './args.js';
export { main, loadModel, USAGE, TRAIN_HELP, SAMPLE_HELP, type CliIO, type LoadedModel } from './main.js';
