import { FackelError, keep, tidy, type Tensor } from '@fackel/tensor';
import { Optimizer, checkBoolean, checkNumber, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';

/**
 * Options of {@link SGD}. Only `lr` is required.
 *
 * @example
 * ```ts
 * import type { SGDOptions } from '@fackel/optim';
 * const o: SGDOptions = { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 };
 * ```
 */
export interface SGDOptions extends OptimizerOptions {
  /** Momentum factor (default 0: plain gradient descent). */
  momentum?: number;
  /** Dampening of the momentum (default 0). */
  dampening?: number;
  /** Use Nesterov momentum (default false; needs `momentum > 0` and `dampening = 0`). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

/**
 * The options every SGD parameter group carries once defaults are filled in.
 * @example
 * ```ts
 * import type { SGDGroupOptions } from '@fackel/optim';
 * const o: SGDGroupOptions = { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 };
 * ```
 */
export type SGDGroupOptions = Required<SGDOptions>;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay,
 * computed exactly as PyTorch's `torch.optim.SGD`:
 * `g ← grad + weightDecay·p`; `buf ← momentum·buf + (1 − dampening)·g` (the first step
 * sets `buf ← g`); `g ← nesterov ? g + momentum·buf : buf`; `p ← p − lr·g`.
 * State per parameter: `momentumBuffer` (only with momentum).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { SGD } from '@fackel/optim';
 * const w = tensor([1, 2]);
 * const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
 * w.grad = tensor([1, 1]);
 * opt.step();      // w = [0.9, 1.9]
 * opt.zeroGrad();
 * ```
 */
export class SGD extends Optimizer<SGDGroupOptions> {
  /**
   * @param params - tensors (e.g. `model.parameters()`) or parameter groups.
   * @param options - `lr` and the defaults for every group.
   */
  constructor(params: Params<SGDGroupOptions>, options: SGDOptions) {
    if (options === null || typeof options !== 'object' || options.lr === undefined) {
      throw new FackelError('SGD: the learning rate is required, e.g. new SGD(params, { lr: 0.01 })');
    }
    super('SGD', params, { lr: options.lr, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }, options, ['momentumBuffer']);
  }

  protected checkOptions(o: SGDGroupOptions, where: string): void {
    checkNumber(o.lr, 'lr', where, { min: 0 });
    checkNumber(o.momentum, 'momentum', where, { min: 0 });
    checkNumber(o.dampening, 'dampening', where);
    checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    checkBoolean(o.nesterov, 'nesterov', where);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new FackelError(`${where}: Nesterov momentum needs momentum > 0 and dampening = 0 (got momentum ${o.momentum}, dampening ${o.dampening})`);
    }
  }

  protected updateGroup(group: ParamGroup<SGDGroupOptions>): void {
    const { lr, momentum, dampening, nesterov, weightDecay } = group;
    for (const { param, grad, state } of this.gradients(group)) {
      tidy(() => {
        let d: Tensor = weightDecay !== 0 ? grad.add(param, weightDecay) : grad;
        if (momentum !== 0) {
          let buf = state.momentumBuffer as Tensor | undefined;
          if (buf === undefined) {
            buf = keep(d.clone());
            state.momentumBuffer = buf;
          } else {
            buf.mul_(momentum).add_(d, 1 - dampening);
          }
          d = nesterov ? d.add(buf, momentum) : buf;
        }
        param.sub_(d, lr);
      });
    }
  }
}
