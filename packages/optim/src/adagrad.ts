import { tidy, type Tensor } from '@fackel/tensor';
import { Optimizer, checkNumber, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';

/**
 * Options of {@link Adagrad}; all optional.
 *
 * @example
 * ```ts
 * import type { AdagradOptions } from '@fackel/optim';
 * const o: AdagradOptions = { lr: 0.1, lrDecay: 1e-4, initialAccumulatorValue: 0.1 };
 * ```
 */
export interface AdagradOptions extends Partial<OptimizerOptions> {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay: step t uses `lr / (1 + (t − 1)·lrDecay)` (default 0). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the squared-gradient sum (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps?: number;
}

/** Options of a parameter group of {@link Adagrad}, all filled in.
 * @example
 * ```ts
 * import type { AdagradGroupOptions } from '@fackel/optim';
 * const o: AdagradGroupOptions = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 };
 * ```
 */
export type AdagradGroupOptions = Required<AdagradOptions>;

/**
 * Adagrad, as PyTorch's `torch.optim.Adagrad`: `sum ← sum + g²`,
 * `p ← p − clr·g / (√sum + eps)` with `clr = lr / (1 + (step − 1)·lrDecay)`.
 * State per parameter: `step`, `sum` (created at the parameter's first update, starting at
 * `initialAccumulatorValue`). One difference from PyTorch, which fills every `sum` from the
 * constructor's `initial_accumulator_value`: a parameter group's own
 * `initialAccumulatorValue` is honoured.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { Adagrad } from '@fackel/optim';
 * const w = tensor([1, 2]);
 * const opt = new Adagrad([w], { lr: 0.1 });
 * w.grad = tensor([0.5, -0.5]);
 * opt.step(); // w ≈ [0.9, 2.1]
 * ```
 */
export class Adagrad extends Optimizer<AdagradGroupOptions> {
  /**
   * @param params - tensors (e.g. `model.parameters()`) or parameter groups.
   * @param options - defaults for every group.
   */
  constructor(params: Params<AdagradGroupOptions>, options: AdagradOptions = {}) {
    super('Adagrad', params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 }, options, ['step', 'sum']);
  }

  protected checkOptions(o: AdagradGroupOptions, where: string): void {
    checkNumber(o.lr, 'lr', where, { min: 0 });
    checkNumber(o.lrDecay, 'lrDecay', where, { min: 0 });
    checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    checkNumber(o.initialAccumulatorValue, 'initialAccumulatorValue', where, { min: 0 });
    checkNumber(o.eps, 'eps', where, { min: 0 });
  }

  protected updateGroup(group: ParamGroup<AdagradGroupOptions>): void {
    const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps } = group;
    for (const { param, grad, state } of this.gradients(group)) {
      tidy(() => {
        if (state.step === undefined) {
          state.step = 0;
          state.sum = this.newState(param, initialAccumulatorValue);
        }
        const step = (state.step as number) + 1;
        state.step = step;
        const g = weightDecay !== 0 ? grad.add(param, weightDecay) : grad;
        const clr = lr / (1 + (step - 1) * lrDecay);
        const sum = (state.sum as Tensor).add_(g.mul(g));
        param.sub_(g.div(sum.sqrt().add(eps)), clr);
      });
    }
  }
}
