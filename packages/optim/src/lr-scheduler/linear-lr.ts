import { LRScheduler, type SchedulableOptimizer, type SchedulerStateDict } from './lr-scheduler.js';
import { finite, integer, readOptions, readSettings } from './validate.js';

/** The settings, checked by these rules in the constructor and in `loadStateDict`. */
const RULES = {
  startFactor: finite((v) => v > 0 && v <= 1, 'in (0, 1]'),
  endFactor: finite((v) => v >= 0 && v <= 1, 'in [0, 1]'),
  totalIters: integer(1),
};

/**
 * Options of {@link LinearLR}; all optional.
 *
 * @example
 * ```ts
 * import type { LinearLROptions } from '@fackel/optim';
 * const o: LinearLROptions = { startFactor: 0.01, totalIters: 100 };
 * ```
 */
export interface LinearLROptions {
  /** The multiplier of the initial rate at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** The multiplier reached at epoch `totalIters` and kept afterwards, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs over which the multiplier goes from `startFactor` to `endFactor` (default 5). */
  totalIters?: number;
  /** -1 (default) to start; the last finished epoch to resume. */
  lastEpoch?: number;
}

/**
 * Changes each group's learning rate linearly from `startFactor · initialLr` at epoch 0 to
 * `endFactor · initialLr` at epoch `totalIters`, then keeps it, as PyTorch's `LinearLR`
 * (including its recursive form, so it composes with other schedulers the same way). With
 * `endFactor` 1 (the default) it is a linear warm-up; {@link SequentialLR} follows it with a decay.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD, LinearLR } from '@fackel/optim';
 * const opt = new SGD([zeros([1])], { lr: 0.1 });
 * const warmup = new LinearLR(opt, { startFactor: 0.25, totalIters: 3 });
 * const lrs = [warmup.getLastLr()[0]];
 * for (let epoch = 0; epoch < 4; epoch++) {
 *   opt.step();
 *   warmup.step();
 *   lrs.push(warmup.getLastLr()[0]);
 * }
 * console.log(lrs.map((lr) => lr!.toFixed(3)).join(' ')); // 0.025 0.050 0.075 0.100 0.100
 * ```
 */
export class LinearLR extends LRScheduler {
  /** The multiplier at epoch 0. */
  startFactor: number;
  /** The multiplier from epoch `totalIters` on. */
  endFactor: number;
  /** Epochs of the linear change. */
  totalIters: number;

  /**
   * @param optimizer - the optimizer to schedule.
   * @param options - optional `startFactor`, `endFactor`, `totalIters`, `lastEpoch`.
   */
  constructor(optimizer: SchedulableOptimizer, options: LinearLROptions = {}) {
    const o = readOptions('LinearLR', optimizer, options, '{ startFactor: 0.1, totalIters: 10 }', RULES, { startFactor: 1 / 3, endFactor: 1, totalIters: 5 });
    super('LinearLR', optimizer, o.lastEpoch);
    this.startFactor = o.startFactor;
    this.endFactor = o.endFactor;
    this.totalIters = o.totalIters;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { startFactor: s, endFactor: e, totalIters: n, lastEpoch: t } = this;
    if (t === 0) return groups.map((g) => g.lr * s);
    if (t > n) return groups.map((g) => g.lr);
    // PyTorch's recursive form: the ratio of the multipliers at epochs t and t − 1
    return groups.map((g) => g.lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }

  protected override hyperparameters(): SchedulerStateDict {
    return { startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters };
  }

  protected override loadHyperparameters(saved: SchedulerStateDict, where: string): void {
    Object.assign(this, readSettings(RULES, saved, where));
  }
}
