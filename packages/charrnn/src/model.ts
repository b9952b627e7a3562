import { Dropout, Embedding, LSTM, Linear, Module, init } from '@fackel/nn';
import { Generator, eye, noGrad, zeros, type Device, type Tensor } from '@fackel/tensor';

/**
 * The shape of a {@link CharRNN}; stored in every checkpoint.
 *
 * @example
 * ```ts
 * import type { CharRNNConfig } from '@fackel/charrnn';
 * const c: CharRNNConfig = { vocabSize: 65, hiddenSize: 128, numLayers: 2, dropout: 0.5, embeddingSize: 0 };
 * ```
 */
export interface CharRNNConfig {
  /** `'lstm'` or absent (checkpoints of this model have none). */
  kind?: 'lstm';
  /** Number of characters (input one-hot width and output classes). */
  vocabSize: number;
  /** LSTM hidden size (`--rnn-size`). */
  hiddenSize: number;
  /** Stacked LSTM layers (`--num-layers`). */
  numLayers: number;
  /** Dropout between LSTM layers and after the last one (`--dropout`). */
  dropout: number;
  /** 0: one-hot input, as the original; > 0: a learned `Embedding` of this width. */
  embeddingSize: number;
}

/**
 * Options of the {@link CharRNN} constructor besides its shape.
 *
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import type { CharRNNOptions } from '@fackel/charrnn';
 * const o: CharRNNOptions = { generator: new Generator(1), init: 'original' };
 * ```
 */
export interface CharRNNOptions {
  /** Generator for the initial weights (default: a `Generator(0)`). */
  generator?: Generator;
  /** Generator for the dropout masks (default: `defaultGenerator`). Save its state to resume exactly. */
  dropoutGenerator?: Generator;
  /** Device of the parameters (default: the default device). */
  device?: string | Device;
  /**
   * `'original'` (default): pytorch-charRNN's `fc` initialisation, weight U(−1, 1) and bias 0;
   * `'pytorch'`: PyTorch's default `Linear` initialisation. The LSTM always uses PyTorch's
   * default, U(−1/√H, 1/√H).
   */
  init?: 'original' | 'pytorch';
  /**
   * `true` (default): `nn.LSTM` runs each layer as one fused autograd node; `false`: step by
   * step (`LSTM.fused`). Both compute the same function.
   */
  fused?: boolean;
}

/**
 * The LSTM state `[h, c]`, each `[numLayers, batch, hiddenSize]`.
 *
 * @example
 * ```ts
 * import type { LSTMState } from '@fackel/charrnn';
 * declare const model: import('@fackel/charrnn').CharRNN;
 * const state: LSTMState = model.initHidden(4);
 * ```
 */
export type LSTMState = [Tensor, Tensor];

/**
 * The largest {@link CharRNN} this package builds or loads: caps on each size and on the
 * number of float32 elements allocated for the model (its parameters plus, with one-hot
 * input, the `[vocab, vocab]` one-hot matrix). A checkpoint or an option beyond them is
 * refused before anything is allocated.
 *
 * @example
 * ```ts
 * import { CHARRNN_LIMITS } from '@fackel/charrnn';
 * console.log(CHARRNN_LIMITS.hiddenSize); // 4096
 * ```
 */
export const CHARRNN_LIMITS = Object.freeze({
  /** Characters in the vocabulary. */
  vocabSize: 65_536,
  /** LSTM hidden size (`--rnn-size`). */
  hiddenSize: 4096,
  /** Stacked LSTM layers (`--num-layers`). */
  numLayers: 16,
  /** Embedding width (`--embedding-size`). */
  embeddingSize: 4096,
  /** Parameters plus the one-hot matrix, in float32 elements (100 million: 400 MB). */
  elements: 100_000_000,
});

/**
 * The tensors of a {@link CharRNN}'s state dict with their shapes, in PyTorch's names and
 * order, computed from the configuration alone (nothing is allocated): what a checkpoint's
 * weights file must hold.
 *
 * @example
 * ```ts
 * import { stateDictShapes } from '@fackel/charrnn';
 * const shapes = stateDictShapes({ vocabSize: 3, hiddenSize: 4, numLayers: 1, dropout: 0, embeddingSize: 0 });
 * console.log(shapes['lstm.weight_ih_l0']); // [16, 3]
 * ```
 */
export function stateDictShapes(c: CharRNNConfig): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const e = c.embeddingSize ?? 0;
  if (e > 0) out['embedding.weight'] = [c.vocabSize, e];
  for (let l = 0; l < c.numLayers; l++) {
    const input = l === 0 ? (e > 0 ? e : c.vocabSize) : c.hiddenSize;
    out[`lstm.weight_ih_l${l}`] = [4 * c.hiddenSize, input];
    out[`lstm.weight_hh_l${l}`] = [4 * c.hiddenSize, c.hiddenSize];
    out[`lstm.bias_ih_l${l}`] = [4 * c.hiddenSize];
    out[`lstm.bias_hh_l${l}`] = [4 * c.hiddenSize];
  }
  out['fc.weight'] = [c.vocabSize, c.hiddenSize];
  out['fc.bias'] = [c.vocabSize];
  return out;
}

/**
 * Float32 elements a {@link CharRNN} of this shape allocates: its parameters plus, with
 * one-hot input, the `[vocab, vocab]` one-hot matrix.
 *
 * @example
 * ```ts
 * import { modelElements } from '@fackel/charrnn';
 * console.log(modelElements({ vocabSize: 3, hiddenSize: 4, numLayers: 1, dropout: 0, embeddingSize: 0 })); // 168 (159 parameters + the 3 × 3 one-hot matrix)
 * ```
 */
export function modelElements(c: CharRNNConfig): number {
  let n = 0;
  for (const shape of Object.values(stateDictShapes(c))) n += shape.reduce((a, b) => a * b, 1);
  if ((c.embeddingSize ?? 0) === 0) n += c.vocabSize * c.vocabSize;
  return n;
}

/**
 * Checks a {@link CharRNNConfig} and returns it with every field a valid number: whole
 * numbers within {@link CHARRNN_LIMITS}, dropout in [0, 1), and a model that fits the
 * element budget. A `RangeError` names the field, the limit and the value.
 *
 * @example
 * ```ts
 * import { checkConfig } from '@fackel/charrnn';
 * checkConfig({ vocabSize: 40, hiddenSize: 16, numLayers: 1, dropout: 0, embeddingSize: 0 });
 * ```
 */
export function checkConfig(c: CharRNNConfig): CharRNNConfig {
  if (c === null || typeof c !== 'object') throw new RangeError(`CharRNN: the model configuration must be an object, got ${c === null ? 'null' : typeof c}`);
  const int = (v: unknown, what: keyof typeof CHARRNN_LIMITS, min: number): number => {
    const max = CHARRNN_LIMITS[what];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(
        `CharRNN: ${what} must be a whole number from ${min} to ${max.toLocaleString('en-US')}, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`,
      );
    }
    return v;
  };
  const dropout = c.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw new RangeError(`CharRNN: dropout must be in [0, 1), got ${String(dropout)}`);
  const out: CharRNNConfig = {
    vocabSize: int(c.vocabSize, 'vocabSize', 1),
    hiddenSize: int(c.hiddenSize, 'hiddenSize', 1),
    numLayers: int(c.numLayers, 'numLayers', 1),
    dropout,
    embeddingSize: int(c.embeddingSize ?? 0, 'embeddingSize', 0),
  };
  const n = modelElements(out);
  if (n > CHARRNN_LIMITS.elements) {
    const onehot =
      out.embeddingSize === 0
        ? ` (of which ${(out.vocabSize * out.vocabSize).toLocaleString('en-US')} the one-hot matrix of the ${out.vocabSize}-character vocabulary; an --embedding-size avoids it)`
        : '';
    throw new RangeError(
      `CharRNN: a model with vocabSize ${out.vocabSize}, hiddenSize ${out.hiddenSize}, numLayers ${out.numLayers}, embeddingSize ${out.embeddingSize} ` +
        `needs ${n.toLocaleString('en-US')} float32 elements${onehot}, more than the limit of ${CHARRNN_LIMITS.elements.toLocaleString('en-US')}`,
    );
  }
  return out;
}

/**
 * The character-level language model of pytorch-charRNN: one-hot characters (or an
 * `Embedding`) → `LSTM` (`numLayers`, dropout between layers) → `Dropout` → `Linear` to the
 * vocabulary. Parameter names are PyTorch's (`lstm.weight_ih_l0`, `lstm.weight_hh_l0`,
 * `lstm.bias_ih_l0`, `lstm.bias_hh_l0`, …, `fc.weight`, `fc.bias`; with an embedding also
 * `embedding.weight`), so `stateDict()` loads into the same model written in PyTorch.
 *
 * `forward(x, state?)` takes int32 character ids `[batch, seq]` and returns the logits
 * `[batch·seq, vocab]` (row `b·seq + t` predicts the character after `x[b, t]`) and the new
 * LSTM state.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { CharRNN } from '@fackel/charrnn';
 * const model = new CharRNN({ vocabSize: 10, hiddenSize: 16, numLayers: 2, dropout: 0.5, embeddingSize: 0 });
 * const [logits, state] = model.forward(tensor([[1, 2, 3]], { dtype: 'int32' })); // logits [3, 10]
 * Object.keys(model.stateDict()); // ['lstm.weight_ih_l0', …, 'fc.weight', 'fc.bias']
 * ```
 */
export class CharRNN extends Module<[Tensor, LSTMState?], [Tensor, LSTMState]> {
  /** The model's shape. */
  readonly config: CharRNNConfig;
  /** The input embedding, or null for one-hot input. */
  embedding: Embedding | null;
  /** The LSTM (`batchFirst`; dropout between layers); its parameters are `lstm.weight_ih_l0`, …. */
  lstm: LSTM;
  /** Dropout on the last LSTM layer's output. */
  dropout: Dropout;
  /** The output layer, hidden size → vocabulary (`fc.weight`, `fc.bias`). */
  fc: Linear;
  /** Identity matrix `[vocab, vocab]` whose rows are the one-hot vectors (a non-persistent buffer). */
  declare onehot: Tensor | null;
  /** The device of the parameters. */
  get device(): Device {
    return this.fc.weight.device;
  }
  /** Whether the LSTM runs its layers fused (see {@link CharRNNOptions.fused}; the same as `lstm.fused`). */
  get fused(): boolean {
    return this.lstm.fused;
  }
  /** Sets `lstm.fused`: true runs each LSTM layer as one fused autograd node, false step by step. */
  set fused(value: boolean) {
    this.lstm.fused = value;
  }

  constructor(config: CharRNNConfig, options: CharRNNOptions = {}) {
    super();
    const c = checkConfig(config);
    this.config = Object.freeze({ ...c });
    const generator = options.generator ?? new Generator(0);
    const device = options.device;
    this.embedding = c.embeddingSize > 0 ? new Embedding(c.vocabSize, c.embeddingSize, { generator, device }) : null;
    const inputSize = c.embeddingSize > 0 ? c.embeddingSize : c.vocabSize;
    this.lstm = new LSTM(inputSize, c.hiddenSize, {
      numLayers: c.numLayers,
      dropout: c.numLayers > 1 ? c.dropout : 0,
      batchFirst: true,
      generator,
      device,
    });
    // the LSTM draws its between-layer dropout masks from its `generator`: use the dropout one
    this.lstm.generator = options.dropoutGenerator;
    this.lstm.fused = options.fused ?? true;
    this.dropout = new Dropout(c.dropout, { generator: options.dropoutGenerator });
    this.fc = new Linear(c.hiddenSize, c.vocabSize, { generator, device });
    if ((options.init ?? 'original') === 'original') {
      init.uniform_(this.fc.weight, -1, 1, { generator });
      if (this.fc.bias) init.zeros_(this.fc.bias);
    }
    this.registerBuffer('onehot', c.embeddingSize > 0 ? null : eye(c.vocabSize, c.vocabSize, { device }), false);
  }

  /**
   * Logits for every position and the new LSTM state (see the class description).
   *
   * @example
   * ```ts
   * import { tensor } from '@fackel/tensor';
   * import { CharRNN } from '@fackel/charrnn';
   * const m = new CharRNN({ vocabSize: 5, hiddenSize: 8, numLayers: 1, dropout: 0, embeddingSize: 0 });
   * let [logits, state] = m.forward(tensor([[0, 1]], { dtype: 'int32' }));
   * [logits, state] = m.forward(tensor([[2]], { dtype: 'int32' }), state); // continues the text
   * ```
   */
  forward(x: Tensor, state?: LSTMState): [Tensor, LSTMState] {
    if (x.ndim !== 2 || x.dtype !== 'int32')
      throw new TypeError(`CharRNN.forward: expected int32 ids of shape [batch, seq], got ${x.dtype} [${x.shape.join(', ')}]`);
    const [b, s] = x.shape as [number, number];
    const { vocabSize, hiddenSize } = this.config;
    const input = this.embedding ? this.embedding.forward(x) : this.onehot!.indexSelect(0, x.reshape([b * s])).reshape([b, s, vocabSize]);
    const [out, next] = this.lstm.forward(input, state);
    const dropped = this.dropout.forward(out);
    const logits = this.fc.forward(dropped.reshape([b * s, hiddenSize]));
    return [logits, next as LSTMState];
  }

  /**
   * A zero LSTM state for a batch size (what `forward` uses when given none).
   *
   * @example
   * ```ts
   * import { CharRNN } from '@fackel/charrnn';
   * const m = new CharRNN({ vocabSize: 5, hiddenSize: 8, numLayers: 2, dropout: 0, embeddingSize: 0 });
   * const [h, c] = m.initHidden(4); // [2, 4, 8] each
   * ```
   */
  initHidden(batchSize: number): LSTMState {
    const { numLayers, hiddenSize } = this.config;
    const device = this.fc.weight.device;
    const shape = [numLayers, batchSize, hiddenSize];
    return noGrad(() => [zeros(shape, { device }), zeros(shape, { device })]);
  }

  /** The extra text in the model's `toString()` line. */
  override extraRepr(): string {
    return this.config.embeddingSize > 0 ? '' : `onehot=${this.config.vocabSize}`;
  }
}
