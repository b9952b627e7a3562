import { type Device, FackelError, type Generator, Tensor, fmtShape, noGrad, zeros, type DType } from '@fackel/tensor';
import { normalizePadding } from './functional/embedding.js';
import { checkDropoutP } from './functional/dropout.js';
import * as functional from './functional/index.js';
import * as init from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Where and how a layer creates its parameters (PyTorch's factory keyword arguments), and the generator for their default initialisation.
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import type { FactoryOptions } from '@fackel/nn';
 * const o: FactoryOptions = { dtype: 'float64', device: 'cpu', generator: new Generator(0) };
 * ```
 */
export interface FactoryOptions {
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Parameter device (default: the default device). */
  device?: string | Device;
  /** Generator for the default initialisation (default: `defaultGenerator`). */
  generator?: Generator;
}

function checkSize(n: unknown, what: string, op: string, allowZero = false): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new FackelError(`${op}: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(n)}`);
  }
  return n;
}

/** Options of {@link Linear}.
 * @example
 * ```ts
 * import type { LinearOptions } from '@fackel/nn';
 * const o: LinearOptions = { bias: false };
 * ```
 */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * A fully connected layer `y = x Wᵀ + b` on the last dimension, with PyTorch's parameters
 * `weight` `[outFeatures, inFeatures]` and `bias` `[outFeatures]`, both initialised from
 * U(−1/√inFeatures, 1/√inFeatures) as PyTorch does.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { Linear } from '@fackel/nn';
 * const fc = new Linear(128, 65);
 * fc.forward(randn([50, 50, 128])).shape; // [50, 50, 65]
 * ```
 */
export class Linear extends Module<[Tensor], Tensor> {
  /** Size of each input's last dimension. */
  readonly inFeatures: number;
  /** Size of each output's last dimension. */
  readonly outFeatures: number;
  /** The weight `[outFeatures, inFeatures]`. */
  weight: Parameter;
  /** The bias `[outFeatures]`, or null when created with `bias: false`. */
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = checkSize(inFeatures, 'inFeatures', 'Linear', true);
    this.outFeatures = checkSize(outFeatures, 'outFeatures', 'Linear', true);
    const f = { dtype: options.dtype ?? 'float32', device: options.device };
    this.weight = new Parameter(zeros([outFeatures, inFeatures], f));
    this.bias = options.bias === false ? null : new Parameter(zeros([outFeatures], f));
    this.resetParameters(options.generator);
  }

  /** Re-draws the parameters with PyTorch's default initialisation. */
  resetParameters(generator?: Generator): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias !== null) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, -bound, bound, { generator });
    }
  }

  forward(input: Tensor): Tensor {
    return functional.linear(input, this.weight, this.bias, 'Linear');
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Options of {@link Embedding}.
 * @example
 * ```ts
 * import type { EmbeddingOptions } from '@fackel/nn';
 * const o: EmbeddingOptions = { paddingIdx: 0 };
 * ```
 */
export interface EmbeddingOptions extends FactoryOptions {
  /** This row is initialised to zeros and receives no gradient (negative counts from the end). */
  paddingIdx?: number | null;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim` (parameter `weight`,
 * initialised from N(0, 1) as PyTorch does). Input: int32 indices of any shape; output:
 * `[...input.shape, embeddingDim]`.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { Embedding } from '@fackel/nn';
 * const emb = new Embedding(65, 16, { paddingIdx: 0 });
 * emb.forward(tensor([[1, 2, 0]], { dtype: 'int32' })).shape; // [1, 3, 16]
 * ```
 */
export class Embedding extends Module<[Tensor], Tensor> {
  /** Number of rows (the vocabulary size). */
  readonly numEmbeddings: number;
  /** Size of each vector. */
  readonly embeddingDim: number;
  /** The row that is zero-initialised and gets no gradient (normalised to non-negative), or null. */
  readonly paddingIdx: number | null;
  /** The table `[numEmbeddings, embeddingDim]`. */
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    this.numEmbeddings = checkSize(numEmbeddings, 'numEmbeddings', 'Embedding');
    this.embeddingDim = checkSize(embeddingDim, 'embeddingDim', 'Embedding', true);
    const pad = options.paddingIdx ?? null;
    this.paddingIdx = pad === null ? null : normalizePadding(pad, numEmbeddings, 'Embedding');
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim], { dtype: options.dtype ?? 'float32', device: options.device }));
    this.resetParameters(options.generator);
  }

  /**
   * An Embedding holding a copy of `embeddings` `[num, dim]`, frozen unless `freeze` is false.
   *
   * @example
   * ```ts
   * import { randn } from '@fackel/tensor';
   * import { Embedding } from '@fackel/nn';
   * const emb = Embedding.fromPretrained(randn([10, 4]));
   * ```
   */
  static fromPretrained(embeddings: Tensor, options: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2) {
      throw new FackelError(
        `Embedding.fromPretrained: embeddings must be a 2-D tensor [numEmbeddings, embeddingDim], got ${embeddings instanceof Tensor ? fmtShape(embeddings.shape) : typeof embeddings}`,
      );
    }
    const e = new Embedding(embeddings.shape[0], embeddings.shape[1], { paddingIdx: options.paddingIdx, dtype: embeddings.dtype, device: embeddings.device });
    noGrad(() => e.weight.copy_(embeddings));
    e.weight.requiresGrad = !(options.freeze ?? true);
    return e;
  }

  /** Re-draws `weight` from N(0, 1) and zeroes the padding row. */
  resetParameters(generator?: Generator): void {
    init.normal_(this.weight, 0, 1, { generator });
    if (this.paddingIdx !== null) {
      const row = this.weight.narrow(0, this.paddingIdx, 1);
      noGrad(() => row.zero_());
      row.dispose();
    }
  }

  forward(input: Tensor): Tensor {
    return functional.embedding(input, this.weight, this.paddingIdx, 'Embedding');
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}

/**
 * During training, zeroes each element with probability `p` and scales the others by
 * `1/(1 − p)`; in eval mode it returns its input unchanged (the same tensor). The masks are
 * drawn from `generator` (default: `defaultGenerator`), so a seeded run is reproducible.
 *
 * @example
 * ```ts
 * import { ones, Generator } from '@fackel/tensor';
 * import { Dropout } from '@fackel/nn';
 * const drop = new Dropout(0.5, { generator: new Generator(0) });
 * drop.forward(ones([4])); // zeros and twos
 * drop.eval().forward(ones([4])); // ones
 * ```
 */
export class Dropout extends Module<[Tensor], Tensor> {
  /** Probability of zeroing an element. */
  readonly p: number;
  /** The generator masks are drawn from (undefined: `defaultGenerator`). */
  generator: Generator | undefined;

  constructor(p = 0.5, options: { generator?: Generator } = {}) {
    super();
    checkDropoutP(p, 'Dropout');
    this.p = p;
    this.generator = options.generator;
  }

  forward(input: Tensor): Tensor {
    return functional.dropout(input, this.p, this.training, { generator: this.generator }, 'Dropout');
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Flattens dimensions `startDim` … `endDim` (default: all but the first).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { Flatten } from '@fackel/nn';
 * new Flatten().forward(zeros([8, 3, 4])).shape; // [8, 12]
 * ```
 */
export class Flatten extends Module<[Tensor], Tensor> {
  constructor(
    /** First dimension to flatten (default 1). */
    readonly startDim = 1,
    /** Last dimension to flatten (default -1). */
    readonly endDim = -1,
  ) {
    super();
  }

  forward(input: Tensor): Tensor {
    return functional.flatten(input, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/**
 * Returns its input unchanged (a placeholder, as PyTorch's `nn.Identity`).
 *
 * @example
 * ```ts
 * import { ones } from '@fackel/tensor';
 * import { Identity } from '@fackel/nn';
 * const x = ones([2]);
 * new Identity().forward(x) === x; // true
 * ```
 */
export class Identity extends Module<[Tensor], Tensor> {
  forward(input: Tensor): Tensor {
    return input;
  }
}

// ====================================================================== activations

/**
 * The logistic sigmoid, elementwise.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { Sigmoid } from '@fackel/nn';
 * new Sigmoid().forward(tensor([0])); // [0.5]
 * ```
 */
export class Sigmoid extends Module<[Tensor], Tensor> {
  forward(input: Tensor): Tensor {
    return functional.sigmoid(input);
  }
}

/**
 * The hyperbolic tangent, elementwise.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { Tanh } from '@fackel/nn';
 * new Tanh().forward(tensor([0])); // [0]
 * ```
 */
export class Tanh extends Module<[Tensor], Tensor> {
  forward(input: Tensor): Tensor {
    return functional.tanh(input);
  }
}

/**
 * max(x, 0), elementwise.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { ReLU } from '@fackel/nn';
 * new ReLU().forward(tensor([-1, 1])); // [0, 1]
 * ```
 */
export class ReLU extends Module<[Tensor], Tensor> {
  forward(input: Tensor): Tensor {
    return functional.relu(input);
  }
}

/**
 * `x` where positive, `negativeSlope · x` elsewhere (default slope 0.01).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { LeakyReLU } from '@fackel/nn';
 * new LeakyReLU(0.2).forward(tensor([-1, 1])); // [-0.2, 1]
 * ```
 */
export class LeakyReLU extends Module<[Tensor], Tensor> {
  constructor(
    /** Slope for negative inputs (default 0.01). */
    readonly negativeSlope = 0.01,
  ) {
    super();
  }

  forward(input: Tensor): Tensor {
    return functional.leakyRelu(input, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/**
 * Gaussian error linear unit, exact (default) or with the tanh approximation.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { GELU } from '@fackel/nn';
 * new GELU().forward(tensor([1])); // [0.8413]
 * new GELU('tanh').forward(tensor([1]));
 * ```
 */
export class GELU extends Module<[Tensor], Tensor> {
  constructor(
    /** `'none'` (exact, with erf) or `'tanh'` (the approximation). */
    readonly approximate: 'none' | 'tanh' = 'none',
  ) {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') throw new FackelError(`GELU: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }

  forward(input: Tensor): Tensor {
    return functional.gelu(input, this.approximate);
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

function checkDim(dim: unknown, op: string): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    throw new FackelError(`${op}: give the dimension to normalise over, e.g. new ${op}(1) for [N, C] input (got ${String(dim)})`);
  }
  return dim;
}

/**
 * Softmax along `dim` (required; PyTorch's implicit choice is deprecated).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { Softmax } from '@fackel/nn';
 * new Softmax(1).forward(randn([2, 5])).sum(1); // [1, 1]
 * ```
 */
export class Softmax extends Module<[Tensor], Tensor> {
  /** The dimension that sums to 1. */
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = checkDim(dim, 'Softmax');
  }

  forward(input: Tensor): Tensor {
    return functional.softmax(input, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Log-softmax along `dim` (computed stably).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { LogSoftmax } from '@fackel/nn';
 * new LogSoftmax(1).forward(randn([2, 5]));
 * ```
 */
export class LogSoftmax extends Module<[Tensor], Tensor> {
  /** The dimension normalised over. */
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = checkDim(dim, 'LogSoftmax');
  }

  forward(input: Tensor): Tensor {
    return functional.logSoftmax(input, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
