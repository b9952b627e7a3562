import { Dropout, Embedding, GELU, LayerNorm, Linear, Module, ModuleList, functional as F, init } from '@fackel/nn';
import { Generator, arange, cat, type Device, type Tensor } from '@fackel/tensor';

/**
 * The shape of a {@link CharGPT}, a GPT-style character model laid out as nanoGPT's `GPT`;
 * stored in every checkpoint (`kind: 'transformer'` tells it from a {@link CharRNNConfig}).
 *
 * @example
 * ```ts
 * import type { CharGPTConfig } from '@fackel/charrnn';
 * // nanoGPT's CPU "baby GPT" on tinyshakespeare
 * const c: CharGPTConfig = { kind: 'transformer', vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, tieWeights: true };
 * ```
 */
export interface CharGPTConfig {
  /** Always `'transformer'`. */
  kind: 'transformer';
  /** Number of characters (embedding rows and output classes). */
  vocabSize: number;
  /** The context: positions of the position embedding, the longest input (`--seq-length` when training). */
  blockSize: number;
  /** Transformer blocks (`--n-layer`). */
  nLayer: number;
  /** Attention heads per block (`--n-head`); must divide `nEmbd`. */
  nHead: number;
  /** Embedding width (`--n-embd`). */
  nEmbd: number;
  /** Dropout after the embeddings, on the attention weights, and after each residual branch. */
  dropout: number;
  /** Biases in the linear layers and layer norms (nanoGPT's `bias`; its training default is false). */
  bias: boolean;
  /** The output layer shares the token embedding's weight (`lm_head.weight` is `transformer.wte.weight`). */
  tieWeights: boolean;
}

/**
 * The largest {@link CharGPT} this package builds or loads: caps on each size and on the
 * float32 elements of its parameters. A checkpoint or an option beyond them is refused
 * before anything is allocated.
 *
 * @example
 * ```ts
 * import { CHARGPT_LIMITS } from '@fackel/charrnn';
 * console.log(CHARGPT_LIMITS.nLayer); // 64
 * ```
 */
export const CHARGPT_LIMITS = Object.freeze({
  /** Characters in the vocabulary. */
  vocabSize: 65_536,
  /** Context length. */
  blockSize: 8192,
  /** Transformer blocks. */
  nLayer: 64,
  /** Attention heads. */
  nHead: 64,
  /** Embedding width. */
  nEmbd: 8192,
  /** Parameters in float32 elements (100 million: 400 MB). */
  elements: 100_000_000,
});

/**
 * The tensors of a {@link CharGPT}'s state dict with their shapes, under nanoGPT's names
 * and in its order, from the configuration alone (nothing is allocated). As in PyTorch,
 * `lm_head.weight` is listed even when it is tied to `transformer.wte.weight`.
 *
 * @example
 * ```ts
 * import { gptStateDictShapes } from '@fackel/charrnn';
 * const shapes = gptStateDictShapes({ kind: 'transformer', vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true, tieWeights: true });
 * console.log(shapes['transformer.h.0.attn.c_attn.weight']); // [48, 16]
 * ```
 */
export function gptStateDictShapes(c: CharGPTConfig): Record<string, number[]> {
  const C = c.nEmbd;
  const out: Record<string, number[]> = { 'transformer.wte.weight': [c.vocabSize, C], 'transformer.wpe.weight': [c.blockSize, C] };
  const linear = (name: string, outF: number, inF: number): void => {
    out[`${name}.weight`] = [outF, inF];
    if (c.bias) out[`${name}.bias`] = [outF];
  };
  const norm = (name: string): void => {
    out[`${name}.weight`] = [C];
    if (c.bias) out[`${name}.bias`] = [C];
  };
  for (let i = 0; i < c.nLayer; i++) {
    const p = `transformer.h.${i}`;
    norm(`${p}.ln_1`);
    linear(`${p}.attn.c_attn`, 3 * C, C);
    linear(`${p}.attn.c_proj`, C, C);
    norm(`${p}.ln_2`);
    linear(`${p}.mlp.c_fc`, 4 * C, C);
    linear(`${p}.mlp.c_proj`, C, 4 * C);
  }
  norm('transformer.ln_f');
  out['lm_head.weight'] = [c.vocabSize, C];
  return out;
}

/**
 * Float32 elements of a {@link CharGPT}'s parameters (a tied head counted once).
 *
 * @example
 * ```ts
 * import { gptElements } from '@fackel/charrnn';
 * console.log(gptElements({ kind: 'transformer', vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, tieWeights: true })); // 804096
 * ```
 */
export function gptElements(c: CharGPTConfig): number {
  let n = 0;
  for (const [name, shape] of Object.entries(gptStateDictShapes(c))) if (!(c.tieWeights && name === 'lm_head.weight')) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/**
 * Checks a {@link CharGPTConfig} and returns it with every field valid: whole numbers within
 * {@link CHARGPT_LIMITS}, `nHead` dividing `nEmbd`, dropout in [0, 1), booleans, and a model
 * within the element budget. A `RangeError` names the field, the limit and the value.
 *
 * @example
 * ```ts
 * import { checkGPTConfig } from '@fackel/charrnn';
 * checkGPTConfig({ kind: 'transformer', vocabSize: 40, blockSize: 32, nLayer: 2, nHead: 2, nEmbd: 32, dropout: 0, bias: false, tieWeights: true });
 * ```
 */
export function checkGPTConfig(c: CharGPTConfig): CharGPTConfig {
  if (c === null || typeof c !== 'object') throw new RangeError(`CharGPT: the model configuration must be an object, got ${c === null ? 'null' : typeof c}`);
  if (c.kind !== 'transformer') throw new RangeError(`CharGPT: kind must be 'transformer', got ${JSON.stringify(c.kind)}`);
  const int = (v: unknown, what: Exclude<keyof typeof CHARGPT_LIMITS, 'elements'>): number => {
    const max = CHARGPT_LIMITS[what];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      throw new RangeError(
        `CharGPT: ${what} must be a whole number from 1 to ${max.toLocaleString('en-US')}, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`,
      );
    }
    return v;
  };
  const bool = (v: unknown, what: string): boolean => {
    if (typeof v !== 'boolean') throw new RangeError(`CharGPT: ${what} must be true or false, got ${String(v)}`);
    return v;
  };
  if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`CharGPT: dropout must be in [0, 1), got ${String(c.dropout)}`);
  const out: CharGPTConfig = {
    kind: 'transformer',
    vocabSize: int(c.vocabSize, 'vocabSize'),
    blockSize: int(c.blockSize, 'blockSize'),
    nLayer: int(c.nLayer, 'nLayer'),
    nHead: int(c.nHead, 'nHead'),
    nEmbd: int(c.nEmbd, 'nEmbd'),
    dropout: c.dropout,
    bias: bool(c.bias, 'bias'),
    tieWeights: bool(c.tieWeights, 'tieWeights'),
  };
  if (out.nEmbd % out.nHead !== 0)
    throw new RangeError(`CharGPT: nEmbd ${out.nEmbd} must be a multiple of nHead ${out.nHead} (each head gets nEmbd / nHead channels)`);
  const n = gptElements(out);
  if (n > CHARGPT_LIMITS.elements) {
    throw new RangeError(
      `CharGPT: a model with vocabSize ${out.vocabSize}, blockSize ${out.blockSize}, nLayer ${out.nLayer}, nEmbd ${out.nEmbd} needs ${n.toLocaleString('en-US')} float32 elements, more than the limit of ${CHARGPT_LIMITS.elements.toLocaleString('en-US')}`,
    );
  }
  return out;
}

/**
 * Options of the {@link CharGPT} constructor besides its shape.
 *
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import type { CharGPTOptions } from '@fackel/charrnn';
 * const o: CharGPTOptions = { generator: new Generator(1), dropoutGenerator: new Generator(2) };
 * ```
 */
export interface CharGPTOptions {
  /** Generator for the initial weights (default: a `Generator(0)`). */
  generator?: Generator;
  /** Generator for the dropout masks (default: `defaultGenerator`). Save its state to resume exactly. */
  dropoutGenerator?: Generator;
  /** Device of the parameters (default: the default device). */
  device?: string | Device;
}

/** nanoGPT's `CausalSelfAttention`: one `c_attn` projection to q, k, v, causal attention per head, `c_proj`. */
class CausalSelfAttention extends Module<[Tensor], Tensor> {
  c_attn: Linear;
  c_proj: Linear;
  resid_dropout: Dropout;
  readonly #config: CharGPTConfig;
  readonly #dropoutGenerator: Generator | undefined;

  constructor(c: CharGPTConfig, f: { generator: Generator; device?: string | Device }, dropoutGenerator: Generator | undefined) {
    super();
    this.#config = c;
    this.#dropoutGenerator = dropoutGenerator;
    this.c_attn = new Linear(c.nEmbd, 3 * c.nEmbd, { ...f, bias: c.bias });
    this.c_proj = new Linear(c.nEmbd, c.nEmbd, { ...f, bias: c.bias });
    this.resid_dropout = new Dropout(c.dropout, { generator: dropoutGenerator });
  }

  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape;
    const { nHead, dropout } = this.#config;
    const heads = (t: Tensor): Tensor => t.reshape([B, T, nHead, C / nHead]).transpose(1, 2); // [B, nh, T, hs]
    const qkv = this.c_attn.forward(x);
    const [q, k, v] = [0, 1, 2].map((i) => heads(qkv.narrow(2, i * C, C)));
    const y = F.scaledDotProductAttention(q, k, v, { isCausal: true, dropoutP: this.training ? dropout : 0, generator: this.#dropoutGenerator });
    return this.resid_dropout.forward(this.c_proj.forward(y.transpose(1, 2).reshape([B, T, C])));
  }
}

/** nanoGPT's `MLP`: `c_fc` to 4 × the width, GELU, `c_proj` back, dropout. */
class MLP extends Module<[Tensor], Tensor> {
  c_fc: Linear;
  gelu: GELU;
  c_proj: Linear;
  dropout: Dropout;

  constructor(c: CharGPTConfig, f: { generator: Generator; device?: string | Device }, dropoutGenerator: Generator | undefined) {
    super();
    this.c_fc = new Linear(c.nEmbd, 4 * c.nEmbd, { ...f, bias: c.bias });
    this.gelu = new GELU();
    this.c_proj = new Linear(4 * c.nEmbd, c.nEmbd, { ...f, bias: c.bias });
    this.dropout = new Dropout(c.dropout, { generator: dropoutGenerator });
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(this.gelu.forward(this.c_fc.forward(x))));
  }
}

/** nanoGPT's pre-norm `Block`: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`. */
class Block extends Module<[Tensor], Tensor> {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: MLP;

  constructor(c: CharGPTConfig, f: { generator: Generator; device?: string | Device }, dropoutGenerator: Generator | undefined) {
    super();
    this.ln_1 = new LayerNorm(c.nEmbd, { bias: c.bias, device: f.device });
    this.attn = new CausalSelfAttention(c, f, dropoutGenerator);
    this.ln_2 = new LayerNorm(c.nEmbd, { bias: c.bias, device: f.device });
    this.mlp = new MLP(c, f, dropoutGenerator);
  }

  forward(x: Tensor): Tensor {
    const h = x.add(this.attn.forward(this.ln_1.forward(x)));
    return h.add(this.mlp.forward(this.ln_2.forward(h)));
  }
}

/**
 * nanoGPT's `transformer` module dict inside a {@link CharGPT}: the token embedding `wte`, the
 * position embedding `wpe`, dropout `drop`, the blocks `h` and the final layer norm `ln_f`
 * (their state-dict keys are `transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`, …).
 *
 * @example
 * ```ts
 * import { CharGPT } from '@fackel/charrnn';
 * const gpt = new CharGPT({ kind: 'transformer', vocabSize: 10, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, bias: false, tieWeights: true });
 * console.log(gpt.transformer.wte.weight.shape); // [10, 8]
 * ```
 */
export class GPTBody extends Module<[Tensor], Tensor> {
  /** Token embedding, `[vocabSize, nEmbd]` (the head's weight when tied). */
  wte: Embedding;
  /** Position embedding, `[blockSize, nEmbd]`. */
  wpe: Embedding;
  /** Dropout after the two embeddings are added. */
  drop: Dropout;
  /** The `nLayer` pre-norm blocks (`h.0`, `h.1`, …). */
  h: ModuleList;
  /** The final layer norm. */
  ln_f: LayerNorm;
  /** The blocks of `h`, typed. */
  readonly #blocks: Block[];

  /** @internal Built by {@link CharGPT}. */
  constructor(c: CharGPTConfig, f: { generator: Generator; device?: string | Device }, dropoutGenerator: Generator | undefined) {
    super();
    this.wte = new Embedding(c.vocabSize, c.nEmbd, f);
    this.wpe = new Embedding(c.blockSize, c.nEmbd, f);
    this.drop = new Dropout(c.dropout, { generator: dropoutGenerator });
    this.#blocks = Array.from({ length: c.nLayer }, () => new Block(c, f, dropoutGenerator));
    this.h = new ModuleList(this.#blocks);
    this.ln_f = new LayerNorm(c.nEmbd, { bias: c.bias, device: f.device });
  }

  /** @internal The blocks, in order. */
  get blocks(): readonly Block[] {
    return this.#blocks;
  }

  /** Embeds `ids` (`[batch, seq]` int32), runs the blocks and the final norm: `[batch, seq, nEmbd]`. */
  forward(ids: Tensor): Tensor {
    const T = ids.shape[1];
    const pos = arange(0, T, { dtype: 'int32', device: this.wte.weight.device });
    let x = this.drop.forward(this.wte.forward(ids).add(this.wpe.forward(pos)));
    for (const block of this.#blocks) x = block.forward(x);
    return this.ln_f.forward(x);
  }
}

/**
 * A GPT-style character model with nanoGPT's layout and parameter names: token and
 * position embeddings (`transformer.wte`, `transformer.wpe`) → dropout → `nLayer` pre-norm
 * blocks (`transformer.h.i`: `ln_1`, causal self-attention `attn.c_attn`/`attn.c_proj`,
 * `ln_2`, GELU MLP `mlp.c_fc`/`mlp.c_proj`) → `transformer.ln_f` → `lm_head` (no bias;
 * tied to `wte` with `tieWeights`). Initialised as nanoGPT: weights N(0, 0.02), the
 * residual projections N(0, 0.02/√(2·nLayer)), biases 0. A state dict of nanoGPT's `GPT`
 * with the same configuration loads into it (`loadStateDict`).
 *
 * `forward(x, state?)` takes int32 ids `[batch, seq]` (seq ≤ `blockSize`) and returns the
 * logits `[batch·seq, vocab]` (row `b·seq + t` predicts the character after `x[b, t]`) and
 * the new state: the ids of the context window, so that a next call sees the characters
 * before its input (at most `blockSize` in all), as nanoGPT's `generate` does.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { CharGPT } from '@fackel/charrnn';
 * const model = new CharGPT({ kind: 'transformer', vocabSize: 10, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: false, tieWeights: true });
 * let [logits, state] = model.forward(tensor([[1, 2, 3]], { dtype: 'int32' })); // logits [3, 10]
 * [logits, state] = model.forward(tensor([[4]], { dtype: 'int32' }), state);    // sees 1, 2, 3, 4
 * ```
 */
export class CharGPT extends Module<[Tensor, Tensor[]?], [Tensor, Tensor[]]> {
  /** The model's shape. */
  readonly config: CharGPTConfig;
  /** Embeddings, blocks and the final layer norm (nanoGPT's `transformer`). */
  transformer: GPTBody;
  /** The output layer, width → vocabulary, without bias (`lm_head.weight`). */
  lm_head: Linear;

  constructor(config: CharGPTConfig, options: CharGPTOptions = {}) {
    super();
    const c = checkGPTConfig(config);
    this.config = Object.freeze({ ...c });
    const generator = options.generator ?? new Generator(0);
    const f = { generator, device: options.device };
    this.transformer = new GPTBody(c, f, options.dropoutGenerator);
    this.lm_head = new Linear(c.nEmbd, c.vocabSize, { ...f, bias: false });
    // nanoGPT's initialisation, in its order (apply(_init_weights), then the residual projections)
    const std = 0.02;
    for (const m of this.modules()) {
      if (m instanceof Linear) {
        init.normal_(m.weight, 0, std, { generator });
        if (m.bias) init.zeros_(m.bias);
      } else if (m instanceof Embedding) {
        init.normal_(m.weight, 0, std, { generator });
      }
    }
    for (const block of this.transformer.blocks) {
      init.normal_(block.attn.c_proj.weight, 0, std / Math.sqrt(2 * c.nLayer), { generator });
      init.normal_(block.mlp.c_proj.weight, 0, std / Math.sqrt(2 * c.nLayer), { generator });
    }
    if (c.tieWeights) this.lm_head.weight = this.transformer.wte.weight;
  }

  /** The device of the parameters. */
  get device(): Device {
    return this.lm_head.weight.device;
  }

  /**
   * Logits for every position of `x` and the new context (see the class description).
   *
   * @example
   * ```ts
   * import { tensor } from '@fackel/tensor';
   * import { CharGPT } from '@fackel/charrnn';
   * const m = new CharGPT({ kind: 'transformer', vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 8, dropout: 0, bias: true, tieWeights: false });
   * const [logits] = m.forward(tensor([[0, 1, 2]], { dtype: 'int32' })); // [3, 5]
   * ```
   */
  forward(x: Tensor, state?: Tensor[]): [Tensor, Tensor[]] {
    if (x.ndim !== 2 || x.dtype !== 'int32')
      throw new TypeError(`CharGPT.forward: expected int32 ids of shape [batch, seq], got ${x.dtype} [${x.shape.join(', ')}]`);
    const [b, s] = x.shape;
    const { blockSize, vocabSize } = this.config;
    if (s > blockSize)
      throw new RangeError(`CharGPT.forward: the input has ${s} positions, more than the context of ${blockSize} (blockSize); feed it in pieces`);
    const before = state?.[0];
    const window = before ? cat([before, x], 1) : x;
    const T = window.shape[1];
    const ids = T > blockSize ? window.narrow(1, T - blockSize, blockSize) : window;
    const hidden = this.transformer.forward(ids); // [b, ≤ blockSize, C]
    const mine = hidden.narrow(1, ids.shape[1] - s, s);
    const logits = this.lm_head.forward(mine).reshape([b * s, vocabSize]);
    return [logits, [ids]];
  }
}
