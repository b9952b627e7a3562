// Fused operations: one kernel where the backend offers it, otherwise a reference
// composition of ordinary ops (which is also the oracle the fused kernels are tested against).
import type { AdamStepOptions, View } from '../backend.js';
import { DTypeError, FackelError, ShapeError, fmtShape } from '../errors.js';
import { getAutograd, isGradEnabled, noGrad } from '../grad-mode.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { deviceOf, record, wrap } from './core.js';
import { where } from './elementwise.js';
import { zeros } from './creation.js';
import { cat, stack } from './indexing.js';
import { matmul } from './linalg.js';
import { narrow } from './views.js';

function contiguousView(t: Tensor, op: string): { view: View; temp: Tensor | null } {
  if (t.isContiguous()) return { view: t._view(op), temp: null };
  const c = t.clone();
  return { view: c._view(op), temp: c };
}

/**
 * The LSTM cell's pointwise update, fused where the backend can. `gates` is `[N, 4H]` with
 * PyTorch's gate order i, f, g, o (pre-activations), `c` the previous cell state `[N, H]`.
 * Returns `hc` of shape `[N, 2H]`: the new hidden state in columns `0…H-1` and the new cell
 * state in `H…2H-1` (take them with `narrow`). Differentiable.
 *
 * With `{ activations: true }` it returns `[hc, act]`, where `act` `[N, 4H]` holds the gate
 * activations σ(i), σ(f), tanh(g), σ(o) that the kernel computed anyway: what
 * {@link lstmCellBackward} needs, so a hand-written backward through time can keep them
 * instead of recomputing them. `act` is not differentiable; the caller owns it.
 *
 * @example
 * ```ts
 * import { lstmCell, lstmCellBackward, zeros, randn } from '@fackel/tensor';
 * const hc = lstmCell(randn([2, 16]), zeros([2, 4]));
 * const h = hc.narrow(1, 0, 4), c = hc.narrow(1, 4, 4);
 * const c0 = zeros([2, 4]);
 * const [hc2, act] = lstmCell(randn([2, 16]), c0, { activations: true });
 * const [dGates, dC] = lstmCellBackward(randn([2, 8]), act, c0, hc2); // [2, 16], [2, 4]
 * ```
 */
export function lstmCell(gates: Tensor, c: Tensor): Tensor;
export function lstmCell(gates: Tensor, c: Tensor, options: { activations: true }): [hc: Tensor, act: Tensor];
export function lstmCell(gates: Tensor, c: Tensor, options?: { activations?: boolean }): Tensor | [hc: Tensor, act: Tensor];
export function lstmCell(gates: Tensor, c: Tensor, options: { activations?: boolean } = {}): Tensor | [hc: Tensor, act: Tensor] {
  const device = deviceOf('lstmCell', gates, c);
  if (gates.ndim !== 2 || c.ndim !== 2 || gates.shape[0] !== c.shape[0] || gates.shape[1] !== 4 * c.shape[1]) {
    throw new ShapeError(`lstmCell: expected gates [N, 4H] and c [N, H], got ${fmtShape(gates.shape)} and ${fmtShape(c.shape)}`);
  }
  if (gates.dtype !== c.dtype || (gates.dtype !== 'float32' && gates.dtype !== 'float64')) {
    throw new DTypeError(`lstmCell: expected floating-point gates and c of one dtype, got ${gates.dtype} and ${c.dtype}`);
  }
  const [n, h] = c.shape as [number, number];
  const fused = device.backend.fused?.lstmCell;
  let hc: Tensor;
  let act: Tensor;
  if (fused) {
    const g = contiguousView(gates, 'lstmCell');
    const cc = contiguousView(c, 'lstmCell');
    const [hcBuf, actBuf] = fused.call(device.backend.fused, g.view, cc.view);
    g.temp?.dispose();
    cc.temp?.dispose();
    hc = wrap(device, hcBuf, c.dtype, [n, 2 * h]);
    act = wrap(device, actBuf, c.dtype, [n, 4 * h]);
  } else {
    [hc, act] = noGrad(() =>
      tidy(() => {
        const i = narrow(gates, 1, 0, h).sigmoid();
        const f = narrow(gates, 1, h, h).sigmoid();
        const g = narrow(gates, 1, 2 * h, h).tanh();
        const o = narrow(gates, 1, 3 * h, h).sigmoid();
        const cNew = f.mul(c).add(i.mul(g));
        return [cat([o.mul(cNew.tanh()), cNew], 1), cat([i, f, g, o], 1)] as [Tensor, Tensor];
      }),
    );
  }
  record('lstmCell', [gates, c], hc, { saved: [act] });
  if (options.activations === true) return [hc, act];
  act.dispose();
  return hc;
}

/**
 * Backward of {@link lstmCell}: gradients of `gates` and of the previous `c` from the
 * gradient of `hc`. Used by the autograd rule; fused where the backend can.
 *
 * @example
 * ```ts
 * import { lstmCellBackward, randn, zeros, lstmCell, rand } from '@fackel/tensor';
 * const gates = randn([2, 8]), c = zeros([2, 2]);
 * const hc = lstmCell(gates, c);
 * const act = rand([2, 8]);
 * const [dGates, dC] = lstmCellBackward(randn([2, 4]), act, c, hc);
 * ```
 */
export function lstmCellBackward(gradHc: Tensor, act: Tensor, c: Tensor, hc: Tensor): [Tensor, Tensor] {
  const device = deviceOf('lstmCell', gradHc, act, c, hc);
  const [n, h] = c.shape as [number, number];
  const fused = device.backend.fused?.lstmCellBackward;
  if (fused) {
    const views = [gradHc, act, c, hc].map((t) => contiguousView(t, 'lstmCell'));
    const [dg, dc] = fused.call(device.backend.fused, views[0].view, views[1].view, views[2].view, views[3].view);
    for (const v of views) v.temp?.dispose();
    return [wrap(device, dg, c.dtype, [n, 4 * h]), wrap(device, dc, c.dtype, [n, h])];
  }
  return noGrad(() =>
    tidy(() => {
      const gh = narrow(gradHc, 1, 0, h);
      const gc = narrow(gradHc, 1, h, h);
      const i = narrow(act, 1, 0, h);
      const f = narrow(act, 1, h, h);
      const g = narrow(act, 1, 2 * h, h);
      const o = narrow(act, 1, 3 * h, h);
      const tc = narrow(hc, 1, h, h).tanh();
      const dcTotal = gc.add(gh.mul(o).mul(tc.mul(tc).neg().add(1)));
      const di = dcTotal.mul(g).mul(i.mul(i.neg().add(1)));
      const df = dcTotal.mul(c).mul(f.mul(f.neg().add(1)));
      const dg = dcTotal.mul(i).mul(g.mul(g).neg().add(1));
      const dO = gh.mul(tc).mul(o.mul(o.neg().add(1)));
      return [cat([di, df, dg, dO], 1), dcTotal.mul(f)] as [Tensor, Tensor];
    }),
  );
}

/**
 * What {@link lstmSequence} returns: the packed output and, when asked to save them, what
 * {@link lstmSequenceBackward} needs.
 *
 * @example
 * ```ts
 * import { lstmSequence, randn, type LstmSequenceResult } from '@fackel/tensor';
 * const r: LstmSequenceResult = lstmSequence(randn([3, 2, 16]), null, null, randn([16, 4]));
 * r.packed.shape; // [4, 2, 4]
 * ```
 */
export interface LstmSequenceResult {
  /** `[T + 1, N, H]`: the hidden state of every time step (by time index), then the final cell state. */
  packed: Tensor;
  /** `[T, N, 2H]`: each step's `[h, c]` as {@link lstmCell} returns it (null unless `save`). */
  hcs: Tensor | null;
  /** `[T, N, 4H]`: each step's gate activations σ(i), σ(f), tanh(g), σ(o) (null unless `save`). */
  act: Tensor | null;
}

/**
 * Options of {@link lstmSequence} and {@link lstmSequenceBackward}.
 *
 * @example
 * ```ts
 * import type { LstmSequenceOptions } from '@fackel/tensor';
 * const o: LstmSequenceOptions = { reverse: true, save: true };
 * ```
 */
export interface LstmSequenceOptions {
  /** Run from the last time step to the first (the backward direction of a bidirectional LSTM). */
  reverse?: boolean;
  /** Also return each step's `[h, c]` and gate activations, for {@link lstmSequenceBackward}. */
  save?: boolean;
  /** ({@link lstmSequenceBackward}) Also return the gradient of the initial hidden state. */
  wantDh0?: boolean;
  /** ({@link lstmSequence}) A `[4H]` bias added to every step's gates (`b_ih + b_hh`), when `gx` holds only `x_t @ W_ihᵀ`. */
  bias?: Tensor | null;
}

function checkLstmSequence(op: string, gx: Tensor, h0: Tensor | null, c0: Tensor | null, wHh: Tensor): [number, number, number] {
  if (gx.ndim !== 3 || wHh.ndim !== 2 || wHh.shape[0] !== 4 * wHh.shape[1] || gx.shape[2] !== wHh.shape[0]) {
    throw new ShapeError(`${op}: expected input gates [T, N, 4H] and wHh [4H, H], got ${fmtShape(gx.shape)} and ${fmtShape(wHh.shape)}`);
  }
  const [T, N] = gx.shape as [number, number];
  const H = wHh.shape[1];
  for (const [name, s] of [
    ['h0', h0],
    ['c0', c0],
  ] as const) {
    if (s !== null && (s.ndim !== 2 || s.shape[0] !== N || s.shape[1] !== H)) {
      throw new ShapeError(`${op}: expected ${name} [${N}, ${H}] (N, H), got ${fmtShape(s.shape)}`);
    }
  }
  for (const t of [wHh, h0, c0]) {
    if (t !== null && t.dtype !== gx.dtype) throw new DTypeError(`${op}: expected one floating-point dtype, got ${gx.dtype} and ${t.dtype}`);
  }
  if (gx.dtype !== 'float32' && gx.dtype !== 'float64') throw new DTypeError(`${op}: expected float32 or float64, got ${gx.dtype}`);
  return [T, N, H];
}

/**
 * One LSTM layer's recurrence over a whole sequence, fused where the backend can (the CPU runs
 * the time loop in one kernel call, with no tensor per step): from the input projections of all
 * steps `gx` `[T, N, 4H]` (`x_t @ W_ihᵀ + b_ih + b_hh`, gate order i, f, g, o), the initial
 * states `h0`, `c0` `[N, H]` (null: zeros) and the recurrent weight `wHh` `[4H, H]`, each step
 * computes `gates = gx[t] + h @ W_hhᵀ` (plus `bias`, when given) and the cell update of
 * {@link lstmCell}.
 *
 * Not differentiable by itself: it is the forward half of a hand-written backward through time,
 * {@link lstmSequenceBackward}, which `nn.LSTM` wraps as one autograd node. With
 * `{ save: true }` the result also holds each step's `[h, c]` and gate activations for it.
 *
 * @example
 * ```ts
 * import { lstmSequence, randn, zeros } from '@fackel/tensor';
 * const { packed } = lstmSequence(randn([5, 2, 12]), zeros([2, 3]), null, randn([12, 3]));
 * const hs = packed.narrow(0, 0, 5); // [5, 2, 3] hidden states
 * const c = packed.select(0, 5); // [2, 3] final cell state
 * ```
 */
export function lstmSequence(gx: Tensor, h0: Tensor | null, c0: Tensor | null, wHh: Tensor, options: LstmSequenceOptions = {}): LstmSequenceResult {
  const bias = options.bias ?? null;
  const device = deviceOf('lstmSequence', gx, h0, c0, wHh, bias);
  const [T, N, H] = checkLstmSequence('lstmSequence', gx, h0, c0, wHh);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== 4 * H || bias.dtype !== gx.dtype)) {
    throw new ShapeError(`lstmSequence: expected bias [${4 * H}] of dtype ${gx.dtype}, got ${fmtShape(bias.shape)} ${bias.dtype}`);
  }
  const reverse = options.reverse === true;
  const save = options.save === true;
  const fused = device.backend.fused?.lstmSequence;
  if (fused) {
    const views = [gx, h0, c0, bias].map((t) => (t === null ? null : contiguousView(t, 'lstmSequence')));
    const [packed, hcs, act] = fused.call(
      device.backend.fused,
      views[0]!.view,
      views[1]?.view ?? null,
      views[2]?.view ?? null,
      wHh._view('lstmSequence'),
      views[3]?.view ?? null,
      reverse,
      save,
    );
    for (const v of views) v?.temp?.dispose();
    return {
      packed: wrap(device, packed, gx.dtype, [T + 1, N, H]),
      hcs: hcs === null ? null : wrap(device, hcs, gx.dtype, [T, N, 2 * H]),
      act: act === null ? null : wrap(device, act, gx.dtype, [T, N, 4 * H]),
    };
  }
  // the reference: one matmul and one fused cell per step
  return noGrad(() =>
    tidy(() => {
      const wT = wHh.t();
      const gxb = bias === null ? gx : gx.add(bias);
      let h = h0;
      let c = c0 ?? zeros([N, H], { dtype: gx.dtype, device: gx.device });
      const hs = new Array<Tensor>(T);
      const hcs = new Array<Tensor>(T);
      const acts = new Array<Tensor>(T);
      for (let s = 0; s < T; s++) {
        const t = reverse ? T - 1 - s : s;
        const gates = h === null ? gxb.select(0, t) : gxb.select(0, t).add(matmul(h, wT));
        [hcs[t], acts[t]] = lstmCell(gates, c, { activations: true });
        h = narrow(hcs[t], 1, 0, H);
        c = narrow(hcs[t], 1, H, H);
        hs[t] = h;
      }
      const packed = cat([...hs, c], 0).reshape([T + 1, N, H]);
      return {
        packed,
        hcs: !save ? null : T === 0 ? zeros([0, N, 2 * H], { dtype: gx.dtype, device: gx.device }) : stack(hcs, 0),
        act: !save ? null : T === 0 ? zeros([0, N, 4 * H], { dtype: gx.dtype, device: gx.device }) : stack(acts, 0),
      };
    }),
  );
}

/**
 * What {@link lstmSequenceBackward} returns.
 *
 * @example
 * ```ts
 * import { lstmSequence, lstmSequenceBackward, randn, type LstmSequenceGrads } from '@fackel/tensor';
 * const w = randn([8, 2]);
 * const { packed, hcs, act } = lstmSequence(randn([3, 1, 8]), null, null, w, { save: true });
 * const g: LstmSequenceGrads = lstmSequenceBackward(randn(packed.shape), act!, hcs!, null, w);
 * g.dc0.shape; // [1, 2]
 * ```
 */
export interface LstmSequenceGrads {
  /** Gradient of the input gates `gx`, `[T, N, 4H]` (by time index). */
  dG: Tensor;
  /** Gradient of the initial hidden state `[N, H]` (with `{ wantDh0: true }`; else null). */
  dh0: Tensor | null;
  /** Gradient of the initial cell state `[N, H]`. */
  dc0: Tensor;
}

/**
 * Backward of {@link lstmSequence} through time: from the gradient of `packed`
 * (`[T + 1, N, H]`), the saved `act` and `hcs`, the initial cell state `c0` (null: zeros) and
 * `wHh`, returns the gradient of the input gates `dG` `[T, N, 4H]` (by time index, like `gx`),
 * of `h0` (with `{ wantDh0: true }`, else null) and of `c0`. The weight gradients are then one
 * matmul each over all steps (`dGᵀ @ x`, `dGᵀ @ h_prev`), which the caller does.
 *
 * @example
 * ```ts
 * import { lstmSequence, lstmSequenceBackward, randn } from '@fackel/tensor';
 * const gx = randn([4, 2, 8]), w = randn([8, 2]);
 * const { packed, hcs, act } = lstmSequence(gx, null, null, w, { save: true });
 * const { dG, dc0 } = lstmSequenceBackward(randn(packed.shape), act!, hcs!, null, w);
 * dG.shape; // [4, 2, 8]
 * ```
 */
export function lstmSequenceBackward(
  grad: Tensor,
  act: Tensor,
  hcs: Tensor,
  c0: Tensor | null,
  wHh: Tensor,
  options: LstmSequenceOptions = {},
): LstmSequenceGrads {
  const device = deviceOf('lstmSequenceBackward', grad, act, hcs, c0, wHh);
  const [T, N, H] = checkLstmSequence('lstmSequenceBackward', act, null, c0, wHh);
  if (
    grad.ndim !== 3 ||
    grad.shape[0] !== T + 1 ||
    grad.shape[1] !== N ||
    grad.shape[2] !== H ||
    hcs.ndim !== 3 ||
    hcs.shape[0] !== T ||
    hcs.shape[2] !== 2 * H
  ) {
    throw new ShapeError(
      `lstmSequenceBackward: expected grad [${T + 1}, ${N}, ${H}] and hcs [${T}, ${N}, ${2 * H}], got ${fmtShape(grad.shape)} and ${fmtShape(hcs.shape)}`,
    );
  }
  const reverse = options.reverse === true;
  const wantDh0 = options.wantDh0 === true;
  const fused = device.backend.fused?.lstmSequenceBackward;
  if (fused) {
    const views = [grad, act, hcs, c0].map((t) => (t === null ? null : contiguousView(t, 'lstmSequenceBackward')));
    const [dG, dh0, dc0] = fused.call(
      device.backend.fused,
      views[0]!.view,
      views[1]!.view,
      views[2]!.view,
      views[3]?.view ?? null,
      wHh._view('lstmSequenceBackward'),
      reverse,
      wantDh0,
    );
    for (const v of views) v?.temp?.dispose();
    return {
      dG: wrap(device, dG, grad.dtype, [T, N, 4 * H]),
      dh0: dh0 === null ? null : wrap(device, dh0, grad.dtype, [N, H]),
      dc0: wrap(device, dc0, grad.dtype, [N, H]),
    };
  }
  return noGrad(() =>
    tidy(() => {
      const time = (s: number): number => (reverse ? T - 1 - s : s);
      let dh: Tensor | null = null;
      let dc = grad.select(0, T);
      const dGs = new Array<Tensor>(T);
      for (let s = T - 1; s >= 0; s--) {
        const t = time(s);
        const gh = dh === null ? grad.select(0, t) : grad.select(0, t).add(dh);
        const cPrev = s > 0 ? narrow(hcs.select(0, time(s - 1)), 1, H, H) : (c0 ?? zeros([N, H], { dtype: grad.dtype, device: grad.device }));
        const [dGt, dC] = lstmCellBackward(cat([gh, dc], 1), act.select(0, t), cPrev, hcs.select(0, t));
        dGs[t] = dGt;
        dh = s > 0 || wantDh0 ? matmul(dGt, wHh) : null;
        dc = dC;
      }
      const dG = T === 0 ? zeros([0, N, 4 * H], { dtype: grad.dtype, device: grad.device }) : stack(dGs, 0);
      return { dG, dh0: wantDh0 ? (dh ?? zeros([N, H], { dtype: grad.dtype, device: grad.device })) : null, dc0: dc.clone() };
    }),
  );
}

/** Options of {@link softmaxCrossEntropy} and {@link softmaxCrossEntropyBackward}.
 * @example
 * ```ts
 * import type { SoftmaxCrossEntropyOptions } from '@fackel/tensor';
 * const o: SoftmaxCrossEntropyOptions = { ignoreIndex: 0 };
 * ```
 */
export interface SoftmaxCrossEntropyOptions {
  /** Rows whose target equals this get loss 0 and no gradient (default −100, as PyTorch). */
  ignoreIndex?: number;
}

function checkIgnoreIndex(ignoreIndex: unknown, op: string): number {
  if (typeof ignoreIndex !== 'number' || !Number.isInteger(ignoreIndex)) {
    throw new FackelError(`${op}: ignoreIndex must be an integer, got ${String(ignoreIndex)}`);
  }
  return ignoreIndex;
}

/**
 * Softmax followed by cross-entropy, row by row, fused where the backend can: `logits` is
 * `[N, C]` (float), `target` is `[N]` int32 class indices. Returns the per-row loss `[N]`,
 * `logsumexp(logits[r]) − logits[r, target[r]]` computed stably, with `0` on rows whose target
 * is `ignoreIndex` (default −100). Differentiable with respect to `logits` (not `target`); the
 * backward pass reuses the softmax saved by the forward, `(softmax − onehot(target)) · g`.
 * Reduce it yourself: `.sum()`, or PyTorch's mean over the rows that are not ignored. Without
 * a fused kernel it is `logSoftmax` + `gather`. An out-of-range target throws on the CPU.
 *
 * @example
 * ```ts
 * import { softmaxCrossEntropy, tensor } from '@fackel/tensor';
 * const logits = tensor([[2, 0, -1], [0, 0, 0]]);
 * const loss = softmaxCrossEntropy(logits, tensor([0, 2], { dtype: 'int32' }));
 * console.log(loss.tolistSync()); // ≈ [0.17, 1.0986]
 * ```
 */
export function softmaxCrossEntropy(logits: Tensor, target: Tensor, options: SoftmaxCrossEntropyOptions = {}): Tensor {
  const op = 'softmaxCrossEntropy';
  const device = deviceOf(op, logits, target);
  if (logits.ndim !== 2 || target.ndim !== 1 || target.shape[0] !== logits.shape[0]) {
    throw new ShapeError(`${op}: expected logits [N, C] and target [N], got ${fmtShape(logits.shape)} and ${fmtShape(target.shape)}`);
  }
  if (logits.dtype !== 'float32' && logits.dtype !== 'float64') {
    throw new DTypeError(`${op}: expected floating-point logits, got ${logits.dtype}; cast them first with .float()`);
  }
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected int32 class indices as the target, got ${target.dtype} (create them with { dtype: 'int32' } or cast with .int())`);
  }
  const ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, op);
  const [n, c] = logits.shape as [number, number];
  if (c === 0 && n > 0) throw new ShapeError(`${op}: the logits need at least one class, got ${fmtShape(logits.shape)}`);
  const fused = device.backend.fused?.softmaxCrossEntropy;
  let loss: Tensor;
  let probs: Tensor;
  if (fused) {
    const [lossBuf, probsBuf] = fused.call(device.backend.fused, logits._view(op), target._view(op), ignoreIndex);
    loss = wrap(device, lossBuf, logits.dtype, [n]);
    probs = wrap(device, probsBuf, logits.dtype, [n, c]);
  } else {
    [loss, probs] = noGrad(() =>
      tidy(() => {
        const ignored = target.eq(ignoreIndex);
        const logp = logits.logSoftmax(1);
        const picked = logp.gather(1, where(ignored, 0, target).unsqueeze(1)).squeeze(1);
        return [where(ignored, 0, picked.neg()), logp.exp()] as [Tensor, Tensor];
      }),
    );
  }
  record(op, [logits, target], loss, { saved: [probs], ignoreIndex });
  probs.dispose();
  return loss;
}

/**
 * Backward of {@link softmaxCrossEntropy}: the gradient of the logits `[N, C]` from the
 * gradient of the per-row loss `gradLoss` `[N]`, the saved softmax `probs` `[N, C]` and the
 * int32 `target` `[N]`: `(probs − onehot(target)) · gradLoss[:, None]`, zero on ignored rows.
 * Used by the autograd rule; fused where the backend can.
 *
 * @example
 * ```ts
 * import { softmaxCrossEntropyBackward, ones, tensor } from '@fackel/tensor';
 * const probs = tensor([[0.5, 0.5], [0.25, 0.75]]);
 * const d = softmaxCrossEntropyBackward(ones([2]), probs, tensor([1, -100], { dtype: 'int32' }));
 * console.log(d.tolistSync()); // [[0.5, -0.5], [0, 0]]
 * ```
 */
export function softmaxCrossEntropyBackward(gradLoss: Tensor, probs: Tensor, target: Tensor, options: SoftmaxCrossEntropyOptions = {}): Tensor {
  const op = 'softmaxCrossEntropyBackward';
  const device = deviceOf(op, gradLoss, probs, target);
  if (probs.ndim !== 2 || target.ndim !== 1 || gradLoss.ndim !== 1 || target.shape[0] !== probs.shape[0] || gradLoss.shape[0] !== probs.shape[0]) {
    throw new ShapeError(
      `${op}: expected gradLoss [N], probs [N, C] and target [N], got ${fmtShape(gradLoss.shape)}, ${fmtShape(probs.shape)} and ${fmtShape(target.shape)}`,
    );
  }
  if (gradLoss.dtype !== probs.dtype || (probs.dtype !== 'float32' && probs.dtype !== 'float64') || target.dtype !== 'int32') {
    throw new DTypeError(
      `${op}: expected floating-point gradLoss and probs of one dtype and an int32 target, got ${gradLoss.dtype}, ${probs.dtype} and ${target.dtype}`,
    );
  }
  const ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, op);
  const fused = device.backend.fused?.softmaxCrossEntropyBackward;
  if (fused) {
    const buf = fused.call(device.backend.fused, gradLoss._view(op), probs._view(op), target._view(op), ignoreIndex);
    return wrap(device, buf, probs.dtype, probs.shape);
  }
  return noGrad(() =>
    tidy(() => {
      const ignored = target.eq(ignoreIndex).unsqueeze(1);
      const g = where(ignored, 0, gradLoss.unsqueeze(1));
      const d = probs.mul(g).scatterAdd(1, where(ignored, 0, target.unsqueeze(1)), g.neg());
      return where(ignored, 0, d);
    }),
  );
}

/**
 * One Adam (or AdamW with `decoupled`) step, updating `param`, `expAvg`, `expAvgSq` (and
 * `maxExpAvgSq` for AMSGrad) in place. Uses the backend's fused kernel for contiguous
 * float32 tensors where available, otherwise the same math as separate ops. Not recorded
 * by autograd.
 *
 * @example
 * ```ts
 * import { adamStep_, zeros, ones, noGrad } from '@fackel/tensor';
 * const p = ones([3]), g = ones([3]), m = zeros([3]), v = zeros([3]);
 * noGrad(() => adamStep_(p, g, m, v, null, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 }));
 * ```
 */
export function adamStep_(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, o: AdamStepOptions): void {
  const device = deviceOf('adamStep_', param, grad, expAvg, expAvgSq, maxExpAvgSq);
  const all = [param, grad, expAvg, expAvgSq, ...(maxExpAvgSq ? [maxExpAvgSq] : [])];
  for (const t of all) {
    if (t.shape.length !== param.shape.length || t.shape.some((d, i) => d !== param.shape[i])) {
      throw new ShapeError(`adamStep_: every tensor must have the parameter's shape ${fmtShape(param.shape)}, got ${fmtShape(t.shape)}`);
    }
  }
  if (param.requiresGrad && isGradEnabled() && getAutograd() !== null) {
    throw new FackelError('adamStep_: the parameter requires grad and recording is on; run the update inside noGrad(() => ...)');
  }
  const fused = device.backend.fused?.adamStep;
  const full = (t: Tensor): boolean => t.isContiguous() && t.offset === 0 && t._live('adamStep_').size === t.numel();
  if (fused && param.dtype === 'float32' && all.every((t) => t.dtype === 'float32' && full(t))) {
    fused.call(
      device.backend.fused,
      param._live('adamStep_').buffer,
      grad._live('adamStep_').buffer,
      expAvg._live('adamStep_').buffer,
      expAvgSq._live('adamStep_').buffer,
      maxExpAvgSq ? maxExpAvgSq._live('adamStep_').buffer : null,
      param.numel(),
      o,
    );
    for (const t of [param, expAvg, expAvgSq, ...(maxExpAvgSq ? [maxExpAvgSq] : [])]) t._live('adamStep_').version++;
    return;
  }
  noGrad(() =>
    tidy(() => {
      let g = grad;
      if (o.weightDecay !== 0) {
        if (o.decoupled) param.mul_(1 - o.lr * o.weightDecay);
        else g = g.add(param, o.weightDecay);
      }
      expAvg.mul_(o.beta1).add_(g, 1 - o.beta1);
      expAvgSq.mul_(o.beta2).add_(g.mul(g), 1 - o.beta2);
      let v = expAvgSq;
      if (maxExpAvgSq) {
        maxExpAvgSq.copy_(maxExpAvgSq.maximum(expAvgSq));
        v = maxExpAvgSq;
      }
      const bc1 = 1 - o.beta1 ** o.step;
      const bc2 = 1 - o.beta2 ** o.step;
      const denom = v.sqrt().div(Math.sqrt(bc2)).add(o.eps);
      param.sub_(expAvg.div(denom), o.lr / bc1);
    }),
  );
}
