// One direction of one LSTM layer over a whole sequence as a single autograd node, with a
// hand-written backward pass through time (as cuDNN does it). nn.LSTM runs its layers through
// it (see rnn.ts); the step-by-step path there is the reference it is tested against.
import { defineFunction } from '@fackel/autograd';
import { isGradEnabled, keep, lstmSequence, lstmSequenceBackward, ones, tidy, zeros, type Tensor } from '@fackel/tensor';

/** The parameters of one layer and direction, PyTorch's layout (`[4H, in]`, `[4H, H]`, `[4H]`). */
export interface LstmLayerWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
}

/** What {@link lstmLayerFused} returns: views of one packed output, all differentiable. */
export interface LstmLayerOutput {
  /** Hidden state of every step, `[T, N, H]` (contiguous). */
  out: Tensor;
  /** Final hidden state `[N, H]` (of step T−1, or of step 0 when reversed). */
  h: Tensor;
  /** Final cell state `[N, H]`. */
  c: Tensor;
}

/**
 * Runs one LSTM layer (one direction) over time-major `x` `[T, N, I]` from `h0`, `c0` `[N, H]`
 * (null: zeros) as one autograd node, on any backend: one `matmul` for the input projections
 * and `lstmSequence` / `lstmSequenceBackward` for the recurrence, which a backend may run as one
 * kernel each (the CPU does: the time loop with no tensor per step) or falls back to one
 * `matmul` and one `lstmCell` per step.
 *
 * Forward: one matmul projects every step's input (`[T·N, I] @ W_ihᵀ`); the recurrence adds
 * both biases and `h @ W_hhᵀ` per step and runs the fused cell, which also returns the gate
 * activations. When a gradient is needed, the node keeps those activations and each step's
 * `[h, c]`, so the backward recomputes nothing: per step (in reverse) the cell's backward and
 * one `[N, 4H] @ W_hh` matmul for the gradient of the previous h; then the gradients of x, the
 * weights and the biases as one large matmul each over all steps (`dG @ W_ih`, `dGᵀ @ x`,
 * `dGᵀ @ h_prev`, `1ᵀ @ dG`).
 *
 * A node has one output, so the function returns the packed `[T + 1, N, H]` — the hidden
 * states of every step followed by the final cell state — and `out`, `h`, `c` are views of it
 * (their gradients meet in the packed gradient through the views' scatter rules).
 */
export function lstmLayerFused(x: Tensor, h0: Tensor | null, c0: Tensor | null, w: LstmLayerWeights, reverse: boolean): LstmLayerOutput {
  const [T, N, I] = x.shape as [number, number, number];
  const H = w.wHh.shape[1];
  // the inputs of the node: only tensors, with their positions remembered
  const inputs: Tensor[] = [x, w.wIh, w.wHh];
  const at = (t: Tensor | null): number => (t === null ? -1 : inputs.push(t) - 1);
  const iH0 = at(h0);
  const iC0 = at(c0);
  const iBIh = at(w.bIh);
  const iBHh = at(w.bHh);
  const recording = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  // Tensors created in forward and saved for backward: kept past forward's tidy scope until
  // the engine has taken its own references, then released here.
  const created: Tensor[] = [];
  // saved tensors, by position in ctx.saved
  const slot = { xf: -1, packed: -1, h0: -1, c0: -1, hcs: -1, act: -1 };

  const fn = defineFunction({
    name: 'LSTMLayer',
    forward(ctx) {
      return tidy(() => {
        const xf = x.reshape([T * N, I]);
        const gx = xf.matmul(w.wIh.t()).reshape([T, N, 4 * H]);
        const bias = w.bIh && w.bHh ? w.bIh.add(w.bHh) : (w.bIh ?? w.bHh);
        const { packed, hcs, act } = lstmSequence(gx, h0, c0, w.wHh, { bias, reverse, save: recording });
        if (recording) {
          const saved: Tensor[] = [];
          const save = (t: Tensor, mine: boolean): number => {
            if (mine) created.push(keep(t));
            return saved.push(t) - 1;
          };
          slot.packed = save(packed, false);
          if (ctx.needsInputGrad[1]) slot.xf = save(xf, true);
          if (h0 !== null && ctx.needsInputGrad[2]) slot.h0 = save(h0, false);
          if (c0 !== null) slot.c0 = save(c0, false);
          slot.hcs = save(hcs!, true);
          slot.act = save(act!, true);
          ctx.saveForBackward(...saved);
        }
        return packed;
      });
    },
    backward(ctx, g) {
      const need = ctx.needsInputGrad;
      const saved = ctx.saved;
      const opts = { dtype: g.dtype, device: g.device };
      const packed = saved[slot.packed];
      const wantH0 = iH0 >= 0 && need[iH0];
      const {
        dG: dG3,
        dh0,
        dc0,
      } = lstmSequenceBackward(g, saved[slot.act], saved[slot.hcs], slot.c0 >= 0 ? saved[slot.c0] : null, w.wHh, {
        reverse,
        wantDh0: wantH0,
      });
      const dG = dG3.reshape([T * N, 4 * H]); // rows in time order like x
      const grads = new Array<Tensor | null>(inputs.length).fill(null);
      if (need[0]) grads[0] = dG.matmul(w.wIh).reshape([T, N, I]);
      if (need[1]) grads[1] = dG.t().matmul(saved[slot.xf]);
      if (need[2]) {
        // h_prev of the steps after the first: the packed hidden states, shifted by one step
        const flat = packed.reshape([(T + 1) * N, H]);
        let dW: Tensor | null = null;
        if (T > 1) {
          const dRows = dG.narrow(0, reverse ? 0 : N, (T - 1) * N);
          const hRows = flat.narrow(0, reverse ? N : 0, (T - 1) * N);
          dW = dRows.t().matmul(hRows);
        }
        if (slot.h0 >= 0) {
          const first = dG
            .narrow(0, (reverse ? T - 1 : 0) * N, N)
            .t()
            .matmul(saved[slot.h0]);
          dW = dW === null ? first : dW.add(first);
        }
        grads[2] = dW ?? zeros(w.wHh.shape, opts);
      }
      if (wantH0) grads[iH0] = dh0;
      if (iC0 >= 0 && need[iC0]) grads[iC0] = dc0;
      const wantBIh = iBIh >= 0 && need[iBIh];
      const wantBHh = iBHh >= 0 && need[iBHh];
      if (wantBIh || wantBHh) {
        // the column sums of dG as a matrix-vector product (one pass, the matmul kernel's
        // speed; a reduction over the leading dimension is several times slower on the CPU)
        const db = ones([1, T * N], opts)
          .matmul(dG)
          .reshape([4 * H]);
        if (wantBIh) grads[iBIh] = db;
        if (wantBHh) grads[iBHh] = wantBIh ? db.clone() : db;
      }
      return grads;
    },
  });
  let packed: Tensor;
  try {
    packed = fn.apply(...inputs);
  } finally {
    for (const t of created) t.dispose();
  }
  return {
    out: packed.narrow(0, 0, T),
    h: packed.select(0, reverse ? 0 : T - 1),
    c: packed.select(0, T),
  };
}
