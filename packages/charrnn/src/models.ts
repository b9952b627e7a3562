import type { StateDict } from '@fackel/nn';
import type { Device, Generator, Tensor } from '@fackel/tensor';
import { CharGPT, checkGPTConfig, gptStateDictShapes, type CharGPTConfig } from './gpt.js';
import { CharRNN, checkConfig, stateDictShapes, type CharRNNConfig } from './model.js';

/**
 * The shape of either character model: a {@link CharRNNConfig} (the LSTM; `kind` absent or
 * `'lstm'`) or a {@link CharGPTConfig} (`kind: 'transformer'`). Checkpoints store it.
 *
 * @example
 * ```ts
 * import type { ModelConfig } from '@fackel/charrnn';
 * const lstm: ModelConfig = { vocabSize: 65, hiddenSize: 128, numLayers: 2, dropout: 0.5, embeddingSize: 0 };
 * const gpt: ModelConfig = { kind: 'transformer', vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, tieWeights: true };
 * ```
 */
export type ModelConfig = CharRNNConfig | CharGPTConfig;

/**
 * What the trainer, the sampler and the evaluation need of a character model; both
 * {@link CharRNN} and {@link CharGPT} are one. `forward(x, state?)` returns the logits
 * `[batch·seq, vocab]` and the state to pass to the next call: the LSTM's `[h, c]`, or the
 * GPT's context `[ids]`.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { createModel, type CharModel } from '@fackel/charrnn';
 * const m: CharModel = createModel({ vocabSize: 5, hiddenSize: 8, numLayers: 1, dropout: 0, embeddingSize: 0 });
 * const [logits, state] = m.forward(tensor([[0, 1]], { dtype: 'int32' }));
 * ```
 */
export interface CharModel {
  /** The model's shape. */
  readonly config: ModelConfig;
  /** The device of its parameters. */
  readonly device: Device;
  /** Whether it is in training mode (dropout on). */
  readonly training: boolean;
  /** Logits for every position and the state for the next call. */
  forward(x: Tensor, state?: Tensor[]): [Tensor, Tensor[]];
  /** Training mode on or off. */
  train(mode?: boolean): unknown;
  /** Evaluation mode. */
  eval(): unknown;
  /** The parameters (a shared one once). */
  parameters(): Tensor[];
  /** The parameters with their names (a shared one under its first name). */
  namedParameters(): [string, Tensor][];
  /** The number of parameter elements. */
  numParameters(): number;
  /** The state dict under PyTorch's names. */
  stateDict(): StateDict;
  /** Copies a state dict in (strict). */
  loadStateDict(stateDict: StateDict): unknown;
}

/**
 * Whether a configuration is a {@link CharGPTConfig}.
 *
 * @example
 * ```ts
 * import { isGPTConfig } from '@fackel/charrnn';
 * isGPTConfig({ vocabSize: 5, hiddenSize: 8, numLayers: 1, dropout: 0, embeddingSize: 0 }); // false
 * ```
 */
export function isGPTConfig(c: ModelConfig): c is CharGPTConfig {
  return c !== null && typeof c === 'object' && 'kind' in c && c.kind === 'transformer';
}

/**
 * Checks either kind of configuration ({@link checkConfig} or {@link checkGPTConfig}); a
 * `RangeError` names what is wrong, including an unknown `kind`.
 *
 * @example
 * ```ts
 * import { checkModelConfig } from '@fackel/charrnn';
 * checkModelConfig({ kind: 'transformer', vocabSize: 40, blockSize: 32, nLayer: 2, nHead: 2, nEmbd: 32, dropout: 0, bias: false, tieWeights: true });
 * ```
 */
export function checkModelConfig(c: ModelConfig): ModelConfig {
  if (c !== null && typeof c === 'object' && 'kind' in c && c.kind !== undefined && c.kind !== 'lstm' && c.kind !== 'transformer') {
    throw new RangeError(`the model kind must be 'lstm' or 'transformer', got ${JSON.stringify(c.kind)}`);
  }
  return isGPTConfig(c) ? checkGPTConfig(c) : checkConfig(c);
}

/**
 * The state dict's tensors and shapes of a model of this configuration (nothing is allocated).
 *
 * @example
 * ```ts
 * import { modelStateDictShapes } from '@fackel/charrnn';
 * Object.keys(modelStateDictShapes({ vocabSize: 3, hiddenSize: 4, numLayers: 1, dropout: 0, embeddingSize: 0 })); // ['lstm.weight_ih_l0', …]
 * ```
 */
export function modelStateDictShapes(c: ModelConfig): Record<string, number[]> {
  return isGPTConfig(c) ? gptStateDictShapes(c) : stateDictShapes(c);
}

/**
 * A sentence part naming a model's shape, for messages.
 *
 * @example
 * ```ts
 * import { describeModel } from '@fackel/charrnn';
 * describeModel({ vocabSize: 3, hiddenSize: 4, numLayers: 1, dropout: 0, embeddingSize: 0 }); // 'vocabSize 3, hiddenSize 4, numLayers 1, embeddingSize 0'
 * ```
 */
export function describeModel(c: ModelConfig): string {
  if (isGPTConfig(c))
    return `transformer: vocabSize ${c.vocabSize}, blockSize ${c.blockSize}, nLayer ${c.nLayer}, nHead ${c.nHead}, nEmbd ${c.nEmbd}, bias ${c.bias}, tieWeights ${c.tieWeights}`;
  return `vocabSize ${c.vocabSize}, hiddenSize ${c.hiddenSize}, numLayers ${c.numLayers}, embeddingSize ${c.embeddingSize}`;
}

/**
 * Builds the model a configuration describes: a {@link CharRNN} or a {@link CharGPT}.
 *
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import { createModel } from '@fackel/charrnn';
 * const m = createModel({ kind: 'transformer', vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: false, tieWeights: true }, { generator: new Generator(1) });
 * ```
 */
export function createModel(c: ModelConfig, options: { generator?: Generator; dropoutGenerator?: Generator; device?: string | Device } = {}): CharModel {
  return isGPTConfig(c) ? new CharGPT(c, options) : new CharRNN(c, options);
}

/**
 * The longest input one `forward` call takes: the GPT's context (`blockSize`); unbounded for
 * the LSTM. Longer texts are fed in pieces.
 *
 * @example
 * ```ts
 * import { maxInputLength } from '@fackel/charrnn';
 * maxInputLength({ vocabSize: 3, hiddenSize: 4, numLayers: 1, dropout: 0, embeddingSize: 0 }); // Infinity
 * ```
 */
export function maxInputLength(c: ModelConfig): number {
  return isGPTConfig(c) ? c.blockSize : Number.POSITIVE_INFINITY;
}
