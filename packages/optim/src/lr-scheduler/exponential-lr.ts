import { LRScheduler, type SchedulableOptimizer, type SchedulerStateDict } from './lr-scheduler.js';
import { finite, readOptions, readSettings } from './validate.js';

/** The settings, checked by these rules in the constructor and in `loadStateDict`. */
const RULES = { gamma: finite() };

/**
 * Options of {@link ExponentialLR}.
 *
 * @example
 * ```ts
 * import type { ExponentialLROptions } from '@fackel/optim';
 * const o: ExponentialLROptions = { gamma: 0.95 };
 * ```
 */
export interface ExponentialLROptions {
  /** Multiplicative factor applied every epoch. */
  gamma: number;
  /** -1 (default) to start; the last finished epoch to resume. */
  lastEpoch?: number;
}

/**
 * Multiplies each group's learning rate by `gamma` every epoch, as PyTorch's
 * `ExponentialLR`: `lr = initialLr · gamma^epoch`.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD, ExponentialLR } from '@fackel/optim';
 * const opt = new SGD([zeros([1])], { lr: 0.1 });
 * const sched = new ExponentialLR(opt, { gamma: 0.95 });
 * ```
 */
export class ExponentialLR extends LRScheduler {
  /** Decay factor per epoch. */
  gamma: number;

  /**
   * @param optimizer - the optimizer to schedule.
   * @param options - `gamma` and optional `lastEpoch`.
   */
  constructor(optimizer: SchedulableOptimizer, options: ExponentialLROptions) {
    const o = readOptions('ExponentialLR', optimizer, options, '{ gamma: 0.95 }', RULES);
    super('ExponentialLR', optimizer, o.lastEpoch);
    this.gamma = o.gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override hyperparameters(): SchedulerStateDict {
    return { gamma: this.gamma };
  }

  protected override loadHyperparameters(saved: SchedulerStateDict, where: string): void {
    Object.assign(this, readSettings(RULES, saved, where));
  }
}
