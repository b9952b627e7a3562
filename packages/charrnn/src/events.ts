/**
 * Why training ended: all epochs done, a limit reached (`--max-minutes`, `--max-steps`),
 * interrupted (Ctrl-C, an `AbortSignal`), or stopped because the loss became NaN or exploded.
 *
 * @example
 * ```ts
 * import type { StopReason } from '@fackel/charrnn';
 * const r: StopReason = 'max-minutes';
 * ```
 */
export type StopReason = 'done' | 'max-minutes' | 'max-steps' | 'interrupted' | 'nan' | 'exploded';

/**
 * What {@link train} reports while it runs (to `onEvent`); the CLI turns these into the
 * progress bar, the plain progress lines and messages.
 *
 * @example
 * ```ts
 * import type { TrainEvent } from '@fackel/charrnn';
 * const losses: number[] = [];
 * const onEvent = (e: TrainEvent) => { if (e.type === 'print') losses.push(e.loss); };
 * ```
 */
export type TrainEvent =
  | {
      /** Training is about to start (sent once). */
      type: 'start';
      /** Steps of the whole run (epochs × steps per epoch, or `maxSteps` when smaller). */
      totalSteps: number;
      /** Training batches in one pass over the text. */
      stepsPerEpoch: number;
      /** Number of epochs. */
      epochs: number;
      /** Steps already done (non-zero when resuming). */
      startStep: number;
      /** Characters in the vocabulary. */
      vocabSize: number;
      /** Characters of the training part of the text. */
      trainChars: number;
      /** Characters of the validation part. */
      valChars: number;
      /** Validation batches evaluated at each validation (`--val-batches`, at most the split's). */
      valBatches: number;
      /** Number of model parameters. */
      parameters: number;
      /** The device's name. */
      device: string;
      /** Batch size in use (smaller than asked when a short text shrank it). */
      batchSize: number;
      /** Sequence length in use. */
      seqLength: number;
      /** The checkpoint this run resumes. */
      resumedFrom?: string;
      /** The checkpoint whose weights this run starts from. */
      initFrom?: string;
    }
  | {
      /** Something the user should know (a shrunk batch size, no validation). */
      type: 'warning';
      /** The warning. */
      message: string;
    }
  | {
      /** A plain message. */
      type: 'info';
      /** The message. */
      message: string;
    }
  | {
      /** A step is done (sent after every step; cheap: no read-back). */
      type: 'step';
      /** Steps done. */
      step: number;
      /** The epoch (1-based) of this step. */
      epoch: number;
      /** Number of epochs. */
      epochs: number;
      /** Batch index inside the epoch (1-based). */
      batch: number;
      /** Batches per epoch. */
      stepsPerEpoch: number;
      /** Steps of the whole run. */
      totalSteps: number;
      /** Training seconds so far (over resumed runs too). */
      seconds: number;
      /** Training characters per second in this run. */
      charsPerSec: number;
      /** Estimated seconds left (by steps, or by `maxMinutes` when that ends sooner). */
      etaSeconds: number;
      /** Latest training loss read back (losses are read only every print step). */
      loss?: number;
      /** Latest validation loss. */
      valLoss?: number;
    }
  | {
      /** A print step: the loss was read back. */
      type: 'print';
      /** Steps done. */
      step: number;
      /** The epoch (1-based) of this step. */
      epoch: number;
      /** Number of epochs. */
      epochs: number;
      /** Mean training loss over the steps since the previous print. */
      loss: number;
      /** Latest validation loss (measured at this step when `valFresh`). */
      valLoss?: number;
      /** Whether `valLoss` was measured at this step. */
      valFresh: boolean;
      /** Training characters per second in this run. */
      charsPerSec: number;
      /** Training seconds so far. */
      seconds: number;
      /** Estimated seconds left (by steps, or by `maxMinutes` when that ends sooner), as in the `step` event. */
      etaSeconds: number;
    }
  | {
      /** The validation loss was measured (eval mode; the first `--val-batches` batches of the split). */
      type: 'validation';
      /** Steps done. */
      step: number;
      /** The epoch (1-based) of this step. */
      epoch: number;
      /** Mean cross-entropy in nats per character. */
      valLoss: number;
      /** Whether it is the best so far. */
      best: boolean;
      /** Validation batches evaluated (fewer than `totalBatches` when the `--max-minutes` deadline cut it short). */
      batches: number;
      /** Validation batches it was to evaluate. */
      totalBatches: number;
    }
  | {
      /** A checkpoint was written. */
      type: 'checkpoint';
      /** Steps done. */
      step: number;
      /** Its JSON file. */
      path: string;
      /** Whether it is the best by validation loss (and so also `best.json`). */
      best: boolean;
      /** Its validation loss, when measured at this step. */
      valLoss?: number;
    }
  | {
      /** A text was sampled (at a checkpoint or at the end). */
      type: 'sample';
      /** Steps done. */
      step: number;
      /** The sampled text. */
      text: string;
    }
  | {
      /** Training ended. */
      type: 'stop';
      /** Why. */
      reason: StopReason;
      /** A sentence for the user. */
      message: string;
      /** Steps done. */
      step: number;
    };
