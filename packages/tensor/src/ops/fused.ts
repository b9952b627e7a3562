// Fused operations: one kernel where the backend offers it, otherwise a reference
// composition of ordinary ops (which is also the oracle the fused kernels are tested against).
import type { AdamStepOptions, View } from '../backend.js';
import { DTypeError, FackelError, ShapeError, fmtShape } from '../errors.js';
import { noGrad } from '../grad-mode.js';
import { tidy } from '../scope.js';
import { Tensor } from '../tensor.js';
import { deviceOf, record, wrap } from './core.js';
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
 * @example
 * ```ts
 * import { lstmCell, zeros, randn } from '@fackel/tensor';
 * const hc = lstmCell(randn([2, 16]), zeros([2, 4]));
 * const h = hc.narrow(1, 0, 4), c = hc.narrow(1, 4, 4);
 * ```
 */
export function lstmCell(gates: Tensor, c: Tensor): Tensor {
  const device = deviceOf('lstmCell', gates, c);
  if (gates.ndim !== 2 || c.ndim !== 2 || gates.shape[0] !== c.shape[0] || gates.shape[1] !== 4 * c.shape[1]!) {
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
    const [dg, dc] = fused.call(device.backend.fused, views[0]!.view, views[1]!.view, views[2]!.view, views[3]!.view);
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
  if (param.requiresGrad && !noGrad(() => true)) throw new FackelError('adamStep_: run it inside noGrad');
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
      const bc1 = 1 - Math.pow(o.beta1, o.step);
      const bc2 = 1 - Math.pow(o.beta2, o.step);
      const denom = v.sqrt().div(Math.sqrt(bc2)).add(o.eps);
      param.sub_(expAvg.div(denom), o.lr / bc1);
    }),
  );
}
