import { tidy, type Tensor } from '@fackel/tensor';
import { Optimizer, checkBoolean, checkNumber, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';

/**
 * Options of {@link RMSprop}; all optional.
 *
 * @example
 * ```ts
 * import type { RMSpropOptions } from '@fackel/optim';
 * const o: RMSpropOptions = { lr: 1e-3, alpha: 0.9, momentum: 0.9, centered: true };
 * ```
 */
export interface RMSpropOptions extends Partial<OptimizerOptions> {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalise by the estimated variance of the gradient instead of its second moment (default false). */
  centered?: boolean;
}

/** Options of a parameter group of {@link RMSprop}, all filled in.
 * @example
 * ```ts
 * import type { RMSpropGroupOptions } from '@fackel/optim';
 * const o: RMSpropGroupOptions = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false };
 * ```
 */
export type RMSpropGroupOptions = Required<RMSpropOptions>;

/**
 * RMSprop, as PyTorch's `torch.optim.RMSprop`: `v ← α·v + (1 − α)·g²`; with `centered`,
 * `ḡ ← α·ḡ + (1 − α)·g` and the denominator is `√(v − ḡ²) + eps`, otherwise `√v + eps`;
 * with momentum `buf ← momentum·buf + g/denom`, `p ← p − lr·buf`, otherwise
 * `p ← p − lr·g/denom`. State per parameter: `step`, `squareAvg`, plus `momentumBuffer`
 * (momentum > 0) and `gradAvg` (centered).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { RMSprop } from '@fackel/optim';
 * const w = tensor([1, 2]);
 * const opt = new RMSprop([w], { lr: 0.01, momentum: 0.9 });
 * w.grad = tensor([0.5, -0.5]);
 * opt.step();
 * ```
 */
export class RMSprop extends Optimizer<RMSpropGroupOptions> {
  /**
   * @param params - tensors (e.g. `model.parameters()`) or parameter groups.
   * @param options - defaults for every group.
   */
  constructor(params: Params<RMSpropGroupOptions>, options: RMSpropOptions = {}) {
    super('RMSprop', params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false }, options, [
      'step',
      'squareAvg',
      'momentumBuffer',
      'gradAvg',
    ]);
  }

  protected checkOptions(o: RMSpropGroupOptions, where: string): void {
    checkNumber(o.lr, 'lr', where, { min: 0 });
    checkNumber(o.alpha, 'alpha', where, { min: 0 });
    checkNumber(o.eps, 'eps', where, { min: 0 });
    checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    checkNumber(o.momentum, 'momentum', where, { min: 0 });
    checkBoolean(o.centered, 'centered', where);
  }

  protected updateGroup(group: ParamGroup<RMSpropGroupOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = group;
    for (const { param, grad, state } of this.gradients(group)) {
      tidy(() => {
        if (state.step === undefined) {
          state.step = 0;
          state.squareAvg = this.newState(param);
        }
        if (momentum > 0 && state.momentumBuffer === undefined) state.momentumBuffer = this.newState(param);
        if (centered && state.gradAvg === undefined) state.gradAvg = this.newState(param);
        state.step = (state.step as number) + 1;
        const g = weightDecay !== 0 ? grad.add(param, weightDecay) : grad;
        const squareAvg = (state.squareAvg as Tensor).mul_(alpha).add_(g.mul(g), 1 - alpha);
        let avg: Tensor;
        if (centered) {
          const gradAvg = (state.gradAvg as Tensor).mul_(alpha).add_(g, 1 - alpha);
          avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt();
        } else {
          avg = squareAvg.sqrt();
        }
        avg = avg.add(eps);
        if (momentum > 0) {
          const buf = (state.momentumBuffer as Tensor).mul_(momentum).add_(g.div(avg));
          param.sub_(buf, lr);
        } else {
          param.sub_(g.div(avg), lr);
        }
      });
    }
  }
}
