// Fused operations: one kernel where the backend offers it, otherwise a reference
// composition of ordinary ops (which is also the oracle the fused kernels are tested against).
import type { AdamStepOptions, View } from '../backend.js';
import { DTypeError, FackelError, ShapeError, fmtShape } from '../errors.js';
import { getAutograd, isGradEnabled, noGrad } from '../grad-mode.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { deviceOf, record, wrap } from './core.js';
import { where } from './elementwise.js';
import { cat } from './indexing.js';
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
