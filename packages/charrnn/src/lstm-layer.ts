import { defineFunction } from '@fackel/autograd';
import { arange, cat, lstmCell, lstmCellBackward, where, zeros, type Tensor } from '@fackel/tensor';

/**
 * The parameters of one LSTM layer, PyTorch's layout: `wIh` `[4H, I]`, `wHh` `[4H, H]`,
 * biases `[4H]`, gate order i, f, g, o.
 *
 * @example
 * ```ts
 * import { LSTM } from '@fackel/nn';
 * import type { LSTMLayerParams } from '@fackel/charrnn';
 * const [wIh, wHh, bIh, bHh] = new LSTM(8, 16).allWeights[0]!;
 * const p: LSTMLayerParams = { wIh: wIh!, wHh: wHh!, bIh: bIh ?? null, bHh: bHh ?? null };
 * ```
 */
export interface LSTMLayerParams {
  /** Input-to-hidden weights `[4H, I]` (`weight_ih_lK`). */
  wIh: Tensor;
  /** Hidden-to-hidden weights `[4H, H]` (`weight_hh_lK`). */
  wHh: Tensor;
  /** Input bias `[4H]`, or null. */
  bIh: Tensor | null;
  /** Hidden bias `[4H]`, or null. */
  bHh: Tensor | null;
}

/**
 * The result of {@link lstmLayer}: the hidden states of every step (differentiable) and the
 * final state (not differentiable: truncated backpropagation through time detaches it).
 *
 * @example
 * ```ts
 * import type { LSTMLayerResult } from '@fackel/charrnn';
 * declare const r: LSTMLayerResult;
 * console.log(r.out.shape, r.h.shape, r.c.shape); // [T, N, H] [N, H] [N, H]
 * ```
 */
export interface LSTMLayerResult {
  /** `[T, N, H]`, time-major. */
  out: Tensor;
  /** Final hidden state `[N, H]` (no gradient). */
  h: Tensor;
  /** Final cell state `[N, H]` (no gradient). */
  c: Tensor;
}

/**
 * One LSTM layer over a whole sequence as a single autograd node, with a hand-written
 * backward pass through time (as cuDNN does it): the forward projects every step's input
 * in one matmul and then runs one matmul plus the fused `lstmCell` per step; the backward
 * runs `lstmCellBackward` and one matmul per step and computes the weight gradients with
 * three large matmuls at the end. Numerically the same function as `nn.LSTM`'s layer
 * (tested against it), several times faster to train on the CPU because the autograd
 * graph has one node instead of hundreds.
 *
 * `x` is time-major `[T, N, I]`; `h0`, `c0` are `[N, H]` or null for zeros.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { LSTM } from '@fackel/nn';
 * import { lstmLayer } from '@fackel/charrnn';
 * const lstm = new LSTM(8, 16);
 * const [wIh, wHh, bIh, bHh] = lstm.allWeights[0]!;
 * const { out, h, c } = lstmLayer(randn([5, 3, 8]), null, null, { wIh: wIh!, wHh: wHh!, bIh: bIh!, bHh: bHh! });
 * out.sum().backward(); // gradients reach lstm.weight_ih_l0, …
 * ```
 */
export function lstmLayer(x: Tensor, h0: Tensor | null, c0: Tensor | null, p: LSTMLayerParams): LSTMLayerResult {
  if (x.ndim !== 3) throw new TypeError(`lstmLayer: expected time-major input [T, N, I], got [${x.shape.join(', ')}]`);
  const [T, N, I] = x.shape as [number, number, number];
  const H = p.wHh.shape[1]!;
  if (p.wIh.shape[0] !== 4 * H || p.wIh.shape[1] !== I) {
    throw new TypeError(`lstmLayer: weight_ih must be [${4 * H}, ${I}], got [${p.wIh.shape.join(', ')}]`);
  }
  const opts = { dtype: x.dtype, device: x.device };
  const hInit = h0 ?? zeros([N, H], opts);
  const cInit = c0 ?? zeros([N, H], opts);
  const side: { h?: Tensor; c?: Tensor } = {};
  const inputs: (Tensor | null)[] = [x, hInit, cInit, p.wIh, p.wHh, p.bIh, p.bHh];
  const fn = defineFunction({
    name: 'LSTMLayer',
    forward(ctx) {
      const xf = x.reshape([T * N, I]);
      const proj = xf.matmul(p.wIh.t());
      if (p.bIh) proj.add_(p.bIh);
      if (p.bHh) proj.add_(p.bHh);
      const wHhT = p.wHh.t();
      let h = hInit;
      let c = cInit;
      const hcs: Tensor[] = [];
      for (let t = 0; t < T; t++) {
        // the step's gate pre-activations, accumulated in place into its rows of `proj`
        // (which then holds every step's gates for the backward pass)
        const gates = proj.narrow(0, t * N, N);
        const rec = h.matmul(wHhT);
        gates.add_(rec);
        rec.dispose();
        const hc = lstmCell(gates, c);
        gates.dispose();
        h = hc.narrow(1, 0, H);
        c = hc.narrow(1, H, H);
        hcs.push(hc);
      }
      side.h = h.contiguous();
      side.c = c.contiguous();
      const out = cat(
        hcs.map((hc) => hc.narrow(1, 0, H)),
        0,
      ).reshape([T, N, H]);
      ctx.saveForBackward(xf, hInit, cInit, proj, ...hcs);
      return out;
    },
    backward(ctx, g) {
      const saved = ctx.saved;
      const xf = saved[0]!;
      const hIn = saved[1]!;
      const cIn = saved[2]!;
      const gatesAll = saved[3]!;
      const hcs = saved.slice(4, 4 + T);
      const need = ctx.needsInputGrad;
      const gf = g.reshape([T * N, H]);
      let dh: Tensor | null = null;
      let dc: Tensor = zeros([N, H], { dtype: g.dtype, device: g.device });
      const dGs = new Array<Tensor>(T);
      // The gate activations of all steps at once, with one transcendental pass over
      // contiguous memory: sigmoid(x) = (1 + tanh(x / 2)) / 2 for i, f, o; tanh for g.
      const col = arange(4 * H, { device: g.device });
      const isG = col.ge(2 * H).logicalAnd(col.lt(3 * H));
      const scale = where(isG, 1, 0.5).to(g.dtype);
      const shift = where(isG, 0, 0.5).to(g.dtype);
      const actAll = gatesAll.mul(scale).tanh().mul(scale).add(shift);
      for (let t = T - 1; t >= 0; t--) {
        const gh = dh === null ? gf.narrow(0, t * N, N) : gf.narrow(0, t * N, N).add(dh);
        const act = actAll.narrow(0, t * N, N);
        const cPrev = t === 0 ? cIn : hcs[t - 1]!.narrow(1, H, H);
        const [dG, dC] = lstmCellBackward(cat([gh, dc], 1), act, cPrev, hcs[t]!);
        dGs[t] = dG;
        dh = dG.matmul(p.wHh);
        dc = dC;
      }
      const dG = cat(dGs, 0);
      const dGt = dG.t();
      const dWih = need[3] ? dGt.matmul(xf) : null;
      let dWhh: Tensor | null = null;
      if (need[4]) {
        const hPrev = cat([hIn, ...hcs.slice(0, T - 1).map((hc) => hc.narrow(1, 0, H))], 0);
        dWhh = dGt.matmul(hPrev);
      }
      const db = need[5] || need[6] ? dG.sum(0) : null;
      const dx = need[0] ? dG.matmul(p.wIh).reshape([T, N, I]) : null;
      return [dx, need[1] ? dh : null, need[2] ? dc : null, dWih, dWhh, need[5] ? db : null, need[6] ? (need[5] ? db!.clone() : db) : null];
    },
  });
  const out = fn.apply(...(inputs as Tensor[]));
  return { out, h: side.h!, c: side.c! };
}
