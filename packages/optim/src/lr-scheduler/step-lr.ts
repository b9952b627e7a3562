import { LRScheduler, type SchedulableOptimizer, type SchedulerStateDict } from './lr-scheduler.js';
import { finite, integer, readOptions, readSettings } from './validate.js';

/** The settings, checked by these rules in the constructor and in `loadStateDict`. */
const RULES = { stepSize: integer(1), gamma: finite() };

/**
 * Options of {@link StepLR}.
 *
 * @example
 * ```ts
 * import type { StepLROptions } from '@fackel/optim';
 * const o: StepLROptions = { stepSize: 30, gamma: 0.1 };
 * ```
 */
export interface StepLROptions {
  /** Decay the learning rate every `stepSize` epochs. */
  stepSize: number;
  /** Multiplicative factor of the decay (default 0.1). */
  gamma?: number;
  /** -1 (default) to start; the last finished epoch to resume. */
  lastEpoch?: number;
}

/**
 * Multiplies each group's learning rate by `gamma` every `stepSize` epochs, as PyTorch's
 * `StepLR`: `lr = initialLr · gamma^⌊epoch / stepSize⌋`.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD, StepLR } from '@fackel/optim';
 * const opt = new SGD([zeros([1])], { lr: 0.1 });
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 }); // 0.1 for epochs 0–29, 0.01 for 30–59, …
 * ```
 */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  stepSize: number;
  /** Decay factor. */
  gamma: number;

  /**
   * @param optimizer - the optimizer to schedule.
   * @param options - `stepSize` and optional `gamma`, `lastEpoch`.
   */
  constructor(optimizer: SchedulableOptimizer, options: StepLROptions) {
    const o = readOptions('StepLR', optimizer, options, '{ stepSize: 30 }', RULES, { gamma: 0.1 });
    super('StepLR', optimizer, o.lastEpoch);
    this.stepSize = o.stepSize;
    this.gamma = o.gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override hyperparameters(): SchedulerStateDict {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }

  protected override loadHyperparameters(saved: SchedulerStateDict, where: string): void {
    Object.assign(this, readSettings(RULES, saved, where));
  }
}
