import { DTypeError, FackelError, type Generator, ShapeError, Tensor, cat, fmtShape, isFloatingPoint, lstmCell, stack, tidy, zeros } from '@fackel/tensor';
import { sameShape } from './functional/checks.js';
import { checkDropoutP, dropout } from './functional/dropout.js';
import { linear } from './functional/linear.js';
import * as init from './init.js';
import type { FactoryOptions } from './layers.js';
import { lstmLayerFused } from './lstm-fused.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Options of {@link LSTM}, {@link GRU} and {@link RNN} (PyTorch's keyword arguments in camelCase).
 * @example
 * ```ts
 * import type { RNNOptions } from '@fackel/nn';
 * const o: RNNOptions = { numLayers: 2, batchFirst: true, dropout: 0.5 };
 * ```
 */
export interface RNNOptions extends FactoryOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Use `bias_ih`/`bias_hh` (default true). */
  bias?: boolean;
  /** Input and output are `[batch, seq, feature]` instead of `[seq, batch, feature]` (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of each layer except the last, in training mode (default 0). */
  dropout?: number;
  /** Run a second pass backwards in time and concatenate (default false). */
  bidirectional?: boolean;
}

/** Which recurrence an {@link RNNBase} runs (PyTorch's `mode` strings).
 * @example
 * ```ts
 * import { RNN, type RNNMode } from '@fackel/nn';
 * const mode: RNNMode = new RNN(3, 4, { nonlinearity: 'relu' }).mode; // 'RNN_RELU'
 * ```
 */
export type RNNMode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';
type Mode = RNNMode;

const GATES: Record<Mode, number> = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 };

function checkInt(n: unknown, what: string, op: string, min: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new FackelError(`${op}: ${what} must be an integer >= ${min}, got ${String(n)}`);
  return n;
}

/**
 * One GRU step (PyTorch's gate order r, z, n): `gi` = x·W_ihᵀ + b_ih and `gh` = h·W_hhᵀ + b_hh,
 * both `[N, 3H]`; returns h' = n + z·(h − n). Shared by `GRU` and `GRUCell`.
 */
function gruUpdate(gi: Tensor, gh: Tensor, h: Tensor, H: number): Tensor {
  const r = gi
    .narrow(1, 0, H)
    .add(gh.narrow(1, 0, H))
    .sigmoid();
  const z = gi
    .narrow(1, H, H)
    .add(gh.narrow(1, H, H))
    .sigmoid();
  const n = gi
    .narrow(1, 2 * H, H)
    .add(r.mul(gh.narrow(1, 2 * H, H)))
    .tanh();
  return n.add(z.mul(h.sub(n)));
}

/** One direction of one layer: its (views of the) parameters. */
interface Cell {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
}

/**
 * The shared machinery of {@link LSTM}, {@link GRU} and {@link RNN}: PyTorch's parameter
 * names and layouts (`weight_ih_l{k}[_reverse]` `[G·H, in]`, `weight_hh_l{k}` `[G·H, H]`,
 * `bias_ih_l{k}`, `bias_hh_l{k}` `[G·H]`, G = 4, 3, 1 gates), default initialisation
 * U(−1/√H, 1/√H), and the time loop. The input projection of all time steps is one matmul
 * per layer and direction; each step is one matmul plus the cell's pointwise update.
 *
 * @example
 * ```ts
 * import { LSTM, RNNBase } from '@fackel/nn';
 * new LSTM(3, 4) instanceof RNNBase; // true
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: the hidden state's type defaults to any so that `RNNBase` (any recurrence) can be used as a type
export abstract class RNNBase<H = any> extends Module<[Tensor, (H | null)?], [Tensor, H]> {
  /** The recurrence: `'LSTM'`, `'GRU'`, `'RNN_TANH'` or `'RNN_RELU'`. */
  readonly mode: RNNMode;
  /** Features of each input step. */
  readonly inputSize: number;
  /** Features of the hidden state (H). */
  readonly hiddenSize: number;
  /** Stacked layers (L). */
  readonly numLayers: number;
  /** Whether the layers have `bias_ih`/`bias_hh`. */
  readonly bias: boolean;
  /** Whether input and output are `[batch, seq, feature]`. */
  readonly batchFirst: boolean;
  /** Dropout probability between layers (training mode only). */
  readonly dropout: number;
  /** Whether each layer also runs backwards in time (D = 2). */
  readonly bidirectional: boolean;
  /** Generator for dropout masks between layers (undefined: `defaultGenerator`). */
  generator: Generator | undefined;

  protected constructor(mode: Mode, inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super();
    const op = mode.startsWith('RNN') ? 'RNN' : mode;
    this.mode = mode;
    this.inputSize = checkInt(inputSize, 'inputSize', op, 1);
    this.hiddenSize = checkInt(hiddenSize, 'hiddenSize', op, 1);
    this.numLayers = checkInt(options.numLayers ?? 1, 'numLayers', op, 1);
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    const p = options.dropout ?? 0;
    checkDropoutP(p, op);
    this.dropout = p;
    this.bidirectional = options.bidirectional ?? false;
    this.generator = options.generator;
    const G = GATES[mode];
    const D = this.bidirectional ? 2 : 1;
    const f = { dtype: options.dtype ?? 'float32', device: options.device };
    const self = this as unknown as Record<string, Tensor>;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < D; dir++) {
        const sfx = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
        const inSize = layer === 0 ? inputSize : hiddenSize * D;
        self[`weight_ih${sfx}`] = new Parameter(zeros([G * hiddenSize, inSize], f));
        self[`weight_hh${sfx}`] = new Parameter(zeros([G * hiddenSize, hiddenSize], f));
        if (this.bias) {
          self[`bias_ih${sfx}`] = new Parameter(zeros([G * hiddenSize], f));
          self[`bias_hh${sfx}`] = new Parameter(zeros([G * hiddenSize], f));
        }
      }
    }
    this.resetParameters(options.generator);
  }

  /** Re-draws every weight and bias from U(−1/√hiddenSize, 1/√hiddenSize), in PyTorch's order. */
  resetParameters(generator?: Generator): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -stdv, stdv, { generator });
  }

  /**
   * The parameters per layer and direction, PyTorch's `all_weights`:
   * `[[weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0], …]`.
   */
  get allWeights(): Tensor[][] {
    const out: Tensor[][] = [];
    const self = this as unknown as Record<string, Tensor | undefined>;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < this.numDirections; dir++) {
        const sfx = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
        out.push(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => self[n + sfx]).filter((t): t is Tensor => t !== undefined));
      }
    }
    return out;
  }

  /** 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  private cell(layer: number, dir: number): Cell {
    const self = this as unknown as Record<string, Tensor | undefined>;
    const sfx = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
    const get = (n: string): Tensor => {
      const t = self[n + sfx];
      if (!(t instanceof Tensor)) throw new FackelError(`${this.constructor.name}: parameter ${n + sfx} is missing`);
      return t;
    };
    return { wIh: get('weight_ih'), wHh: get('weight_hh'), bIh: this.bias ? get('bias_ih') : null, bHh: this.bias ? get('bias_hh') : null };
  }

  /**
   * Validates input and initial states (named `names`), runs the layers and returns the
   * output and final states in the input's batched/unbatched form.
   */
  /** @internal */
  protected forwardStates(input: Tensor, hx: readonly Tensor[] | null, names: readonly string[]): [Tensor, Tensor[]] {
    const { batched, N, T, timeDim } = this.prepareInput(input);
    if (hx !== null) hx.forEach((h, k) => this.checkState(h, names[k], input, batched, N));
    return tidy(() => {
      const x = batched ? input : input.unsqueeze(this.batchFirst ? 0 : 1);
      const states = hx === null ? null : hx.map((h) => (batched ? h : h.unsqueeze(1)));
      const [out, finals] = this.run(x, timeDim, N, T, states);
      if (batched) return [out, finals] as [Tensor, Tensor[]];
      return [out.squeeze(timeDim === 1 ? 0 : 1), finals.map((f) => f.squeeze(1))] as [Tensor, Tensor[]];
    });
  }

  /** @internal Checks the input; returns layout facts. */
  protected prepareInput(input: Tensor): { batched: boolean; N: number; T: number; timeDim: number } {
    const name = this.constructor.name;
    if (!(input instanceof Tensor)) throw new FackelError(`${name}: the input must be a Tensor, got ${typeof input}`);
    if (!isFloatingPoint(input.dtype)) {
      throw new DTypeError(
        `${name}: the input must be floating point, got ${input.dtype} (one-hot encode indices first, e.g. oneHot(x, vocab).float(), or use an Embedding)`,
      );
    }
    const layout = this.batchFirst ? '[batch, seq, inputSize]' : '[seq, batch, inputSize]';
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new ShapeError(
        `${name}: expected input of 3 dimensions ${layout} (or 2 for one unbatched sequence [seq, inputSize]), got shape ${fmtShape(input.shape)}`,
      );
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${name}: expected input with last dimension ${this.inputSize} (inputSize), got shape ${fmtShape(input.shape)}`);
    }
    const batched = input.ndim === 3;
    const timeDim = batched && this.batchFirst ? 1 : 0;
    const N = batched ? input.shape[this.batchFirst ? 0 : 1] : 1;
    const T = input.shape[timeDim];
    if (T === 0) throw new ShapeError(`${name}: expected a sequence length larger than 0, got input of shape ${fmtShape(input.shape)}`);
    return { batched, N, T, timeDim: this.batchFirst ? 1 : 0 };
  }

  /** @internal Checks one initial state tensor (`[L·D, N, H]`, or `[L·D, H]` unbatched). */
  protected checkState(h: Tensor, what: string, input: Tensor, batched: boolean, N: number): void {
    const name = this.constructor.name;
    const L = this.numLayers * this.numDirections;
    const expected = batched ? [L, N, this.hiddenSize] : [L, this.hiddenSize];
    if (!(h instanceof Tensor)) throw new FackelError(`${name}: the initial ${what} must be a Tensor, got ${h === null ? 'null' : typeof h}`);
    if (!sameShape(h.shape, expected)) {
      throw new ShapeError(
        `${name}: expected ${what} of shape ${fmtShape(expected)} (numLayers * numDirections, ${batched ? 'batch, ' : ''}hiddenSize), got ${fmtShape(h.shape)}`,
      );
    }
    if (h.dtype !== input.dtype) throw new DTypeError(`${name}: ${what} has dtype ${h.dtype} but the input has ${input.dtype}`);
    if (h.device !== input.device) throw new FackelError(`${name}: ${what} is on '${h.device.name}' but the input is on '${input.device.name}'`);
  }

  /**
   * @internal Runs all layers. `states` holds the initial states per kind (h, or h and c) as
   * `[L·D, N, H]`, or null for zeros. Returns the last layer's output (3-D, in the input's
   * layout) and the final states per kind as `[L·D, N, H]`.
   */
  protected run(x: Tensor, timeDim: number, N: number, T: number, states: Tensor[] | null): [Tensor, Tensor[]] {
    if (this.mode === 'LSTM' && this.fusedLayers()) return this.runFusedLstm(x, timeDim, states);
    const H = this.hiddenSize;
    const D = this.numDirections;
    const kinds = this.mode === 'LSTM' ? 2 : 1;
    const finals: Tensor[][] = Array.from({ length: kinds }, () => []);
    let layerInput = x;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outs: Tensor[] = [];
      for (let dir = 0; dir < D; dir++) {
        const idx = layer * D + dir;
        const init0 = states === null ? null : states.map((s) => s.select(0, idx));
        const [out, last] = this.runDirection(layerInput, this.cell(layer, dir), dir === 1, timeDim, N, T, H, init0);
        outs.push(out);
        last.forEach((s, k) => finals[k].push(s));
      }
      layerInput = D === 1 ? outs[0] : cat(outs, 2);
      if (this.training && this.dropout > 0 && layer < this.numLayers - 1) {
        layerInput = dropout(layerInput, this.dropout, true, { generator: this.generator }, this.constructor.name);
      }
    }
    return [layerInput, finals.map((f) => stack(f, 0))];
  }

  /** @internal Whether {@link run} takes the fused path (LSTM only; see `LSTM.fused`). */
  protected fusedLayers(): boolean {
    return false;
  }

  /**
   * The LSTM's layers through {@link lstmLayerFused}: each layer and direction one autograd
   * node, time-major inside. Dropout between layers is drawn in the input's layout, so that
   * its masks (from `generator`) are the step-by-step path's.
   */
  private runFusedLstm(x: Tensor, timeDim: number, states: Tensor[] | null): [Tensor, Tensor[]] {
    const D = this.numDirections;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    let input = timeDim === 1 ? x.transpose(0, 1) : x;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outs: Tensor[] = [];
      for (let dir = 0; dir < D; dir++) {
        const idx = layer * D + dir;
        const r = lstmLayerFused(input, states ? states[0].select(0, idx) : null, states ? states[1].select(0, idx) : null, this.cell(layer, dir), dir === 1);
        outs.push(r.out);
        hs.push(r.h);
        cs.push(r.c);
      }
      input = D === 1 ? outs[0] : cat(outs, 2);
      if (this.training && this.dropout > 0 && layer < this.numLayers - 1) {
        const opts = { generator: this.generator };
        input =
          timeDim === 1
            ? dropout(input.transpose(0, 1), this.dropout, true, opts, this.constructor.name).transpose(0, 1)
            : dropout(input, this.dropout, true, opts, this.constructor.name);
      }
    }
    return [timeDim === 1 ? input.transpose(0, 1).contiguous() : input, [stack(hs, 0), stack(cs, 0)]];
  }

  private runDirection(x: Tensor, cell: Cell, reverse: boolean, timeDim: number, N: number, T: number, H: number, init0: Tensor[] | null): [Tensor, Tensor[]] {
    const G = GATES[this.mode];
    const inSize = x.shape[2];
    // One matmul projects every time step: [T·N, in] @ [in, G·H] (+ biases).
    const folded = this.mode === 'GRU' ? cell.bIh : cell.bIh !== null && cell.bHh !== null ? cell.bIh.add(cell.bHh) : null;
    const proj = linear(x.reshape([-1, inSize]), cell.wIh, folded).reshape(timeDim === 1 ? [N, T, G * H] : [T, N, G * H]);
    const wHhT = cell.wHh.t();
    let state: Tensor[] = init0 ?? [];
    const outs = new Array<Tensor>(T);
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const gi = proj.select(timeDim, t);
      const first = init0 === null && s === 0;
      state = tidy(() => this.step(gi, state, wHhT, cell.bHh, first, N, H));
      outs[t] = state[0];
    }
    return [stack(outs, timeDim), state];
  }

  /** One time step: returns the new states (h first). `first` means the previous state is zero. */
  private step(gi: Tensor, state: Tensor[], wHhT: Tensor, bHh: Tensor | null, first: boolean, N: number, H: number): Tensor[] {
    switch (this.mode) {
      case 'LSTM': {
        const gates = first ? gi : gi.add(state[0].matmul(wHhT));
        const c = first ? zeros([N, H], { dtype: gi.dtype, device: gi.device }) : state[1];
        const hc = lstmCell(gates, c);
        return [hc.narrow(1, 0, H), hc.narrow(1, H, H)];
      }
      case 'GRU': {
        const h = first ? zeros([N, H], { dtype: gi.dtype, device: gi.device }) : state[0];
        let gh = h.matmul(wHhT);
        if (bHh !== null) gh = gh.add(bHh);
        return [gruUpdate(gi, gh, h, H)];
      }
      default: {
        const pre = first ? gi : gi.add(state[0].matmul(wHhT));
        return [this.mode === 'RNN_TANH' ? pre.tanh() : pre.relu()];
      }
    }
  }

  /** `inputSize, hiddenSize` and the options that differ from the defaults. */
  override extraRepr(): string {
    const parts = [`${this.inputSize}`, `${this.hiddenSize}`];
    if (this.mode === 'RNN_RELU') parts.push(`nonlinearity='relu'`);
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}

/**
 * A multi-layer long short-term memory network with PyTorch's semantics, parameter names,
 * weight layout (gates i, f, g, o stacked in `weight_ih_l{k}` `[4H, in]`) and default
 * initialisation, so weights move between Fackel and PyTorch unchanged.
 *
 * `forward(input, [h0, c0]?)` takes `[seq, batch, inputSize]` (`[batch, seq, inputSize]`
 * with `batchFirst`, or `[seq, inputSize]` unbatched) and returns
 * `[output, [hN, cN]]`: the last layer's hidden state at every step
 * (`[seq, batch, D·H]` in the input's layout) and the final states `[L·D, batch, H]`.
 * Gradients reach the weights, the input and the initial state `[h0, c0]`.
 *
 * Each layer (and direction) runs as one autograd node over the whole sequence, on every
 * backend: one matmul projects all steps' inputs, then each step is one matmul plus the
 * fused cell update (`lstmCell`), whose gate activations are kept for a hand-written backward
 * through time (nothing is recomputed; the gradients of the input, the weights and the
 * biases are one large matmul each). Set {@link LSTM.fused} to false for the step-by-step
 * path (the same function, hundreds of autograd nodes; the reference the fused path is
 * tested against).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { LSTM } from '@fackel/nn';
 * const lstm = new LSTM(65, 128, { numLayers: 2, batchFirst: true, dropout: 0.5 });
 * const [out, [h, c]] = lstm.forward(randn([50, 50, 65]));
 * out.shape; // [50, 50, 128]
 * h.shape; // [2, 50, 128]
 * const [out2, state2] = lstm.forward(randn([50, 50, 65]), [h.detach(), c.detach()]); // truncated BPTT
 * ```
 */
export class LSTM extends RNNBase<[Tensor, Tensor]> {
  /**
   * Run each layer (and direction) as one autograd node with a hand-written backward through
   * time (default true); false runs step by step, one node per op and step. Both compute the
   * same function and gradients.
   */
  fused = true;

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  /** @internal */
  protected override fusedLayers(): boolean {
    return this.fused;
  }

  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new FackelError('LSTM: the initial state must be a pair [h0, c0]');
    }
    const [out, [h, c]] = this.forwardStates(input, hx ?? null, ['h0', 'c0']);
    return [out, [h!, c!]];
  }
}

/**
 * A multi-layer gated recurrent unit with PyTorch's parameter layout (gates r, z, n) and
 * equations: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
 * `forward(input, h0?)` returns `[output, hN]`.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { GRU } from '@fackel/nn';
 * const gru = new GRU(10, 20, { numLayers: 2 });
 * const [out, h] = gru.forward(randn([5, 3, 10])); // out [5, 3, 20], h [2, 3, 20]
 * ```
 */
export class GRU extends RNNBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const [out, [h]] = this.forwardStates(input, hx === undefined || hx === null ? null : [hx], ['h0']);
    return [out, h!];
  }
}

/** Options of {@link RNN}.
 * @example
 * ```ts
 * import type { ElmanRNNOptions } from '@fackel/nn';
 * const o: ElmanRNNOptions = { nonlinearity: 'relu' };
 * ```
 */
export interface ElmanRNNOptions extends RNNOptions {
  /** `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}

/**
 * A multi-layer Elman RNN, h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu), with
 * PyTorch's parameters. `forward(input, h0?)` returns `[output, hN]`.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { RNN } from '@fackel/nn';
 * const rnn = new RNN(10, 20, { nonlinearity: 'relu', batchFirst: true });
 * const [out, h] = rnn.forward(randn([3, 5, 10])); // out [3, 5, 20], h [1, 3, 20]
 * ```
 */
export class RNN extends RNNBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, options: ElmanRNNOptions = {}) {
    const nl = options.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new FackelError(`RNN: unknown nonlinearity '${String(nl)}'; choose 'tanh' or 'relu'`);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
  }

  /** `'tanh'` or `'relu'`. */
  get nonlinearity(): 'tanh' | 'relu' {
    return this.mode === 'RNN_RELU' ? 'relu' : 'tanh';
  }

  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const [out, [h]] = this.forwardStates(input, hx === undefined || hx === null ? null : [hx], ['h0']);
    return [out, h!];
  }
}

// ====================================================================== cells

/** Options of the single-step cells.
 * @example
 * ```ts
 * import type { CellOptions } from '@fackel/nn';
 * const o: CellOptions = { bias: false };
 * ```
 */
export interface CellOptions extends FactoryOptions {
  /** Use `bias_ih`/`bias_hh` (default true). */
  bias?: boolean;
}

abstract class CellBase<S> extends Module<[Tensor, (S | null)?], S> {
  /** Features of the input. */
  readonly inputSize: number;
  /** Features of the hidden state (H). */
  readonly hiddenSize: number;
  /** Whether the cell has `bias_ih`/`bias_hh`. */
  readonly bias: boolean;
  /** Input weights `[G·H, inputSize]` (G = 4, 3, 1 gates). */
  declare weight_ih: Parameter;
  /** Hidden weights `[G·H, H]`. */
  declare weight_hh: Parameter;
  /** Input bias `[G·H]`, or null. */
  declare bias_ih: Parameter | null;
  /** Hidden bias `[G·H]`, or null. */
  declare bias_hh: Parameter | null;

  protected constructor(name: string, gates: number, inputSize: number, hiddenSize: number, options: CellOptions) {
    super();
    this.inputSize = checkInt(inputSize, 'inputSize', name, 1);
    this.hiddenSize = checkInt(hiddenSize, 'hiddenSize', name, 1);
    this.bias = options.bias ?? true;
    const f = { dtype: options.dtype ?? 'float32', device: options.device };
    this.weight_ih = new Parameter(zeros([gates * hiddenSize, inputSize], f));
    this.weight_hh = new Parameter(zeros([gates * hiddenSize, hiddenSize], f));
    this.bias_ih = this.bias ? new Parameter(zeros([gates * hiddenSize], f)) : null;
    this.bias_hh = this.bias ? new Parameter(zeros([gates * hiddenSize], f)) : null;
    this.resetParameters(options.generator);
  }

  /** Re-draws every weight and bias from U(−1/√hiddenSize, 1/√hiddenSize). */
  resetParameters(generator?: Generator): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -stdv, stdv, { generator });
  }

  /** @internal */
  protected checkInput(input: Tensor): { x: Tensor; batched: boolean } {
    const name = this.constructor.name;
    if (!(input instanceof Tensor)) throw new FackelError(`${name}: the input must be a Tensor, got ${typeof input}`);
    if (!isFloatingPoint(input.dtype)) throw new DTypeError(`${name}: the input must be floating point, got ${input.dtype}`);
    if ((input.ndim !== 1 && input.ndim !== 2) || input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(
        `${name}: expected input of shape [batch, ${this.inputSize}] or [${this.inputSize}] (inputSize ${this.inputSize}), got ${fmtShape(input.shape)}`,
      );
    }
    return { x: input.ndim === 1 ? input.unsqueeze(0) : input, batched: input.ndim === 2 };
  }

  /** @internal */
  protected checkState(h: Tensor | undefined, what: string, x: Tensor, batched: boolean): Tensor {
    const name = this.constructor.name;
    const N = x.shape[0];
    if (h === undefined) return zeros([N, this.hiddenSize], { dtype: x.dtype, device: x.device });
    const expected = batched ? [N, this.hiddenSize] : [this.hiddenSize];
    if (!(h instanceof Tensor) || !sameShape(h.shape, expected)) {
      throw new ShapeError(`${name}: expected ${what} of shape ${fmtShape(expected)}, got ${h instanceof Tensor ? fmtShape(h.shape) : typeof h}`);
    }
    return batched ? h : h.unsqueeze(0);
  }

  /** @internal Gate pre-activations from the input and from the hidden state: [x Wᵢₕᵀ + bᵢₕ, h Wₕₕᵀ + bₕₕ]. */
  protected projections(x: Tensor, h: Tensor): [Tensor, Tensor] {
    return [linear(x, this.weight_ih, this.bias_ih), linear(h, this.weight_hh, this.bias_hh)];
  }

  /** `inputSize, hiddenSize` and `bias=false` when so. */
  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=false'}`;
  }
}

/**
 * One LSTM step (PyTorch's `nn.LSTMCell`): `forward(x, [h, c]?)` → `[h', c']`, input
 * `[batch, inputSize]` or `[inputSize]`; parameters `weight_ih` `[4H, in]`, `weight_hh`,
 * `bias_ih`, `bias_hh`, gate order i, f, g, o. The returned states are views of one
 * `[batch, 2H]` tensor (use `reshape`, not `view`, on them).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { LSTMCell } from '@fackel/nn';
 * const cell = new LSTMCell(10, 20);
 * let [h, c] = cell.forward(randn([3, 10]));
 * [h, c] = cell.forward(randn([3, 10]), [h, c]);
 * ```
 */
export class LSTMCell extends CellBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super('LSTMCell', 4, inputSize, hiddenSize, options);
  }

  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    const { x, batched } = this.checkInput(input);
    return tidy(() => {
      const h = this.checkState(hx?.[0], 'h', x, batched);
      const c = this.checkState(hx?.[1], 'c', x, batched);
      const [a, b] = this.projections(x, h);
      const H = this.hiddenSize;
      const hc = lstmCell(a.add(b), c);
      const out: [Tensor, Tensor] = [hc.narrow(1, 0, H), hc.narrow(1, H, H)];
      return batched ? out : ([out[0].squeeze(0), out[1].squeeze(0)] as [Tensor, Tensor]);
    });
  }
}

/**
 * One GRU step (PyTorch's `nn.GRUCell`): `forward(x, h?)` → `h'`, gates r, z, n.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { GRUCell } from '@fackel/nn';
 * const cell = new GRUCell(10, 20);
 * const h = cell.forward(randn([3, 10])); // [3, 20]
 * ```
 */
export class GRUCell extends CellBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super('GRUCell', 3, inputSize, hiddenSize, options);
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const { x, batched } = this.checkInput(input);
    return tidy(() => {
      const h = this.checkState(hx ?? undefined, 'h', x, batched);
      const [gi, gh] = this.projections(x, h);
      const out = gruUpdate(gi, gh, h, this.hiddenSize);
      return batched ? out : out.squeeze(0);
    });
  }
}

/**
 * One Elman RNN step (PyTorch's `nn.RNNCell`): `forward(x, h?)` → tanh (or relu) of
 * x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { RNNCell } from '@fackel/nn';
 * const cell = new RNNCell(10, 20, { nonlinearity: 'relu' });
 * const h = cell.forward(randn([3, 10])); // [3, 20]
 * ```
 */
export class RNNCell extends CellBase<Tensor> {
  /** `'tanh'` (default) or `'relu'`. */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: CellOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    super('RNNCell', 1, inputSize, hiddenSize, options);
    const nl = options.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new FackelError(`RNNCell: unknown nonlinearity '${String(nl)}'; choose 'tanh' or 'relu'`);
    this.nonlinearity = nl;
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const { x, batched } = this.checkInput(input);
    return tidy(() => {
      const h = this.checkState(hx ?? undefined, 'h', x, batched);
      const [gi, gh] = this.projections(x, h);
      const pre = gi.add(gh);
      const out = this.nonlinearity === 'tanh' ? pre.tanh() : pre.relu();
      return batched ? out : out.squeeze(0);
    });
  }

  /** As the other cells', plus the nonlinearity when it is relu. */
  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === 'relu' ? `, nonlinearity='relu'` : '');
  }
}
