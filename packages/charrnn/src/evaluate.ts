import type { CharBatchStream } from '@fackel/data';
import { CrossEntropyLoss } from '@fackel/nn';
import { noGrad, tensor, tidy, zeros, type Tensor } from '@fackel/tensor';
import { isGPTConfig, type CharModel } from './models.js';

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
 * in training (a transformer sees each batch on its own, as in training). Restores the model's mode afterwards. NaN for an empty stream. `maxBatches`
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
export async function evaluateLoss(model: CharModel, stream: CharBatchStream, options: EvaluateOptions = {}): Promise<number> {
  if (stream.length === 0) return Number.NaN;
  const of = options.maxBatches !== undefined && options.maxBatches > 0 ? Math.min(options.maxBatches, stream.length) : stream.length;
  const device = model.device;
  const carry = !isGPTConfig(model.config);
  const criterion = new CrossEntropyLoss();
  const wasTraining = model.training;
  model.eval();
  const total = zeros([], { device });
  let h: Tensor[] | null = null;
  let done = 0;
  try {
    for (let i = 0; i < of; i++) {
      const b = stream.batchAt(i);
      const next = noGrad(() =>
        tidy(() => {
          const x = tensor(b.x, { dtype: 'int32', device }).reshape([b.batchSize, b.seqLength]);
          const y = tensor(b.y, { dtype: 'int32', device });
          const [logits, state] = model.forward(x, h ?? undefined);
          total.add_(criterion.forward(logits, y));
          return carry ? state : null;
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
