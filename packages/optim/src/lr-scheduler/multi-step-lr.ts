import { LRScheduler, type SchedulableOptimizer, type SchedulerStateDict } from './lr-scheduler.js';
import { epochs, finite, readOptions, readSettings } from './validate.js';

/** The settings, checked by these rules in the constructor and in `loadStateDict`. */
const RULES = { milestones: epochs, gamma: finite() };

/**
 * Options of {@link MultiStepLR}.
 *
 * @example
 * ```ts
 * import type { MultiStepLROptions } from '@fackel/optim';
 * const o: MultiStepLROptions = { milestones: [30, 80], gamma: 0.1 };
 * ```
 */
export interface MultiStepLROptions {
  /** Epochs at which to decay (a milestone listed twice decays twice). */
  milestones: readonly number[];
  /** Multiplicative factor of each decay (default 0.1). */
  gamma?: number;
  /** -1 (default) to start; the last finished epoch to resume. */
  lastEpoch?: number;
}

/**
 * Multiplies each group's learning rate by `gamma` at each milestone epoch, as PyTorch's
 * `MultiStepLR`.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD, MultiStepLR } from '@fackel/optim';
 * const opt = new SGD([zeros([1])], { lr: 0.1 });
 * const sched = new MultiStepLR(opt, { milestones: [30, 80] }); // 0.1, then 0.01 from 30, 0.001 from 80
 * ```
 */
export class MultiStepLR extends LRScheduler {
  /** The milestones, sorted (repeats kept). */
  milestones: number[];
  /** Decay factor. */
  gamma: number;

  /**
   * @param optimizer - the optimizer to schedule.
   * @param options - `milestones` and optional `gamma`, `lastEpoch`.
   */
  constructor(optimizer: SchedulableOptimizer, options: MultiStepLROptions) {
    const o = readOptions('MultiStepLR', optimizer, options, '{ milestones: [30, 80] }', RULES, { gamma: 0.1 });
    super('MultiStepLR', optimizer, o.lastEpoch);
    this.milestones = o.milestones;
    this.gamma = o.gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    const groups = this.optimizer.paramGroups;
    if (hits === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma ** hits);
  }

  protected override hyperparameters(): SchedulerStateDict {
    return { milestones: [...this.milestones], gamma: this.gamma };
  }

  protected override loadHyperparameters(saved: SchedulerStateDict, where: string): void {
    Object.assign(this, readSettings(RULES, saved, where));
  }
}
