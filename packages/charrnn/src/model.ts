import { Dropout, Embedding, LSTM, Linear, Module, functional, init } from '@fackel/nn';
import { Generator, eye, noGrad, stack, zeros, type Device, type Tensor } from '@fackel/tensor';
import { lstmLayer } from './lstm-layer.js';

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
   * `true` (default): run each LSTM layer as one fused autograd node ({@link lstmLayer});
   * `false`: through `nn.LSTM`'s own forward. Both compute the same function.
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
 * Checks a {@link CharRNNConfig} and returns it with every field a valid number.
 *
 * @example
 * ```ts
 * import { checkConfig } from '@fackel/charrnn';
 * checkConfig({ vocabSize: 40, hiddenSize: 16, numLayers: 1, dropout: 0, embeddingSize: 0 });
 * ```
 */
export function checkConfig(c: CharRNNConfig): CharRNNConfig {
  const int = (v: unknown, what: string, min: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`CharRNN: ${what} must be a whole number >= ${min}, got ${String(v)}`);
    return v;
  };
  const dropout = c.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw new RangeError(`CharRNN: dropout must be in [0, 1), got ${String(dropout)}`);
  return {
    vocabSize: int(c.vocabSize, 'vocabSize', 1),
    hiddenSize: int(c.hiddenSize, 'hiddenSize', 1),
    numLayers: int(c.numLayers, 'numLayers', 1),
    dropout,
    embeddingSize: int(c.embeddingSize ?? 0, 'embeddingSize', 0),
  };
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
  /** Whether `forward` uses the fused LSTM layer (see {@link CharRNNOptions.fused}). */
  fused: boolean;

  constructor(config: CharRNNConfig, options: CharRNNOptions = {}) {
    super();
    const c = checkConfig(config);
    this.config = Object.freeze({ ...c });
    this.fused = options.fused ?? true;
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
    if (x.ndim !== 2 || x.dtype !== 'int32') throw new TypeError(`CharRNN.forward: expected int32 ids of shape [batch, seq], got ${x.dtype} [${x.shape.join(', ')}]`);
    if (!this.fused) return this.forwardReference(x, state);
    const [b, s] = x.shape as [number, number];
    const { vocabSize, hiddenSize, numLayers, dropout } = this.config;
    // time-major ids [s, b]: every step's rows are contiguous
    const idsT = x.transpose(0, 1).contiguous();
    let input: Tensor = this.embedding ? this.embedding.forward(idsT) : this.onehot!.indexSelect(0, idsT.reshape([s * b])).reshape([s, b, vocabSize]);
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    const weights = this.lstm.allWeights;
    for (let l = 0; l < numLayers; l++) {
      const [wIh, wHh, bIh, bHh] = weights[l]!;
      const r = lstmLayer(input, state ? state[0].select(0, l) : null, state ? state[1].select(0, l) : null, { wIh: wIh!, wHh: wHh!, bIh: bIh ?? null, bHh: bHh ?? null });
      input = r.out;
      if (l < numLayers - 1 && this.training && dropout > 0) input = functional.dropout(input, dropout, true, { generator: this.lstm.generator });
      hs.push(r.h);
      cs.push(r.c);
    }
    const dropped = this.dropout.forward(input);
    const rows = dropped.transpose(0, 1).contiguous().reshape([b * s, hiddenSize]);
    return [this.fc.forward(rows), [stack(hs, 0), stack(cs, 0)]];
  }

  /** The same computation through `nn.LSTM`'s own forward (for tests and comparison). */
  private forwardReference(x: Tensor, state?: LSTMState): [Tensor, LSTMState] {
    const [b, s] = x.shape as [number, number];
    const { vocabSize, hiddenSize } = this.config;
    let input: Tensor;
    if (this.embedding) {
      input = this.embedding.forward(x);
    } else {
      const flat = x.reshape([b * s]);
      input = this.onehot!.indexSelect(0, flat).reshape([b, s, vocabSize]);
    }
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
