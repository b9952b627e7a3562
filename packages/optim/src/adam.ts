import { FackelError, adamStep_, type Tensor } from '@fackel/tensor';
import { Optimizer, checkBoolean, checkNumber, describeValue, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';

/**
 * Options of {@link Adam} and {@link AdamW}; all optional.
 *
 * @example
 * ```ts
 * import type { AdamOptions } from '@fackel/optim';
 * const o: AdamOptions = { lr: 3e-4, betas: [0.9, 0.98], eps: 1e-9, amsgrad: true };
 * ```
 */
export interface AdamOptions extends Partial<OptimizerOptions> {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment averages (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay: an L2 penalty for Adam (default 0), decoupled for AdamW (default 1e-2). */
  weightDecay?: number;
  /** Use the AMSGrad variant, which keeps the maximum of the second moment (default false). */
  amsgrad?: boolean;
}

/** Options of a parameter group of {@link Adam} / {@link AdamW}, all filled in.
 * @example
 * ```ts
 * import type { AdamGroupOptions } from '@fackel/optim';
 * const o: AdamGroupOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false };
 * ```
 */
export interface AdamGroupOptions extends OptimizerOptions {
  /** Decay rates of the first and second moment estimates. */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay (L2 for Adam, decoupled for AdamW). */
  weightDecay: number;
  /** Use the AMSGrad variant (the running maximum of the second moment). */
  amsgrad: boolean;
}

/** Shared implementation of Adam and AdamW. */
abstract class AdamFamily extends Optimizer<AdamGroupOptions> {
  readonly #decoupled: boolean;

  protected constructor(name: string, params: Params<AdamGroupOptions>, options: AdamOptions, weightDecay: number, decoupled: boolean) {
    super(name, params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false }, options as Partial<AdamGroupOptions>, ADAM_STATE);
    this.#decoupled = decoupled;
  }

  protected checkOptions(o: AdamGroupOptions, where: string): void {
    checkAdamOptions(o, where);
  }

  protected updateGroup(group: ParamGroup<AdamGroupOptions>): void {
    const { lr, betas, eps, weightDecay, amsgrad } = group;
    const [beta1, beta2] = betas;
    const decoupled = this.#decoupled;
    for (const { param, grad, state } of this.gradients(group)) {
      if (state.step === undefined) {
        state.step = 0;
        state.expAvg = this.newState(param);
        state.expAvgSq = this.newState(param);
      }
      if (amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = this.newState(param);
      const step = (state.step as number) + 1;
      state.step = step;
      adamStep_(param, grad, state.expAvg as Tensor, state.expAvgSq as Tensor, amsgrad ? (state.maxExpAvgSq as Tensor) : null, {
        lr,
        beta1,
        beta2,
        eps,
        weightDecay,
        decoupled,
        step,
      });
    }
  }
}

/**
 * Adam (Kingma & Ba), as PyTorch's `torch.optim.Adam`, with optional L2 weight decay
 * (added to the gradient) and AMSGrad. Each step runs the backend's fused Adam kernel where
 * it has one (contiguous float32 tensors), so it allocates nothing beyond the optimizer's
 * state. State per parameter: `step`, `expAvg`, `expAvgSq` and, with AMSGrad, `maxExpAvgSq`.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { Adam } from '@fackel/optim';
 * const w = tensor([1, 2]);
 * const opt = new Adam([w], { lr: 0.1 });
 * w.grad = tensor([0.5, -0.5]);
 * opt.step(); // w ≈ [0.9, 2.1]
 * ```
 */
export class Adam extends AdamFamily {
  /**
   * @param params - tensors (e.g. `model.parameters()`) or parameter groups.
   * @param options - defaults for every group (`lr` 1e-3, `betas` [0.9, 0.999], `eps` 1e-8,
   *   `weightDecay` 0, `amsgrad` false).
   */
  constructor(params: Params<AdamGroupOptions>, options: AdamOptions = {}) {
    super('Adam', params, options, 0, false);
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, `p ← p·(1 − lr·weightDecay)`
 * before the Adam update, as PyTorch's `torch.optim.AdamW` (default `weightDecay` 1e-2).
 * Same state as {@link Adam}; fused like it.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { AdamW } from '@fackel/optim';
 * const w = tensor([1, 2]);
 * const opt = new AdamW([w], { lr: 1e-3, weightDecay: 0.1 });
 * w.grad = tensor([0.5, -0.5]);
 * opt.step();
 * ```
 */
export class AdamW extends AdamFamily {
  /**
   * @param params - tensors (e.g. `model.parameters()`) or parameter groups.
   * @param options - defaults for every group (as Adam's, but `weightDecay` 1e-2).
   */
  constructor(params: Params<AdamGroupOptions>, options: AdamOptions = {}) {
    super('AdamW', params, options, 1e-2, true);
  }
}

const ADAM_STATE = ['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] as const;

function checkAdamOptions(o: AdamGroupOptions, where: string): void {
  checkNumber(o.lr, 'lr', where, { min: 0 });
  checkNumber(o.eps, 'eps', where, { min: 0 });
  if (!Array.isArray(o.betas) || o.betas.length !== 2)
    throw new FackelError(`${where}: option 'betas' must be a pair [beta1, beta2], got ${describeValue(o.betas)}`);
  checkNumber(o.betas[0], 'betas[0]', where, { min: 0, max: 1, maxExclusive: true });
  checkNumber(o.betas[1], 'betas[1]', where, { min: 0, max: 1, maxExclusive: true });
  checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
  checkBoolean(o.amsgrad, 'amsgrad', where);
}
