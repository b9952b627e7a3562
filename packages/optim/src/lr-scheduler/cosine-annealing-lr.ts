import { LRScheduler, type SchedulableOptimizer, type SchedulerStateDict } from './lr-scheduler.js';
import { finite, integer, readOptions, readSettings } from './validate.js';

/** The settings, checked by these rules in the constructor and in `loadStateDict`. */
const RULES = { tMax: integer(1), etaMin: finite() };

/**
 * Options of {@link CosineAnnealingLR}.
 *
 * @example
 * ```ts
 * import type { CosineAnnealingLROptions } from '@fackel/optim';
 * const o: CosineAnnealingLROptions = { tMax: 100, etaMin: 1e-5 };
 * ```
 */
export interface CosineAnnealingLROptions {
  /** Epochs of half a cosine period (from the initial rate down to `etaMin`). */
  tMax: number;
  /** The lowest learning rate (default 0). */
  etaMin?: number;
  /** -1 (default) to start; the last finished epoch to resume. */
  lastEpoch?: number;
}

/**
 * Cosine annealing from each group's initial rate down to `etaMin` over `tMax` epochs (and
 * back up over the next `tMax`, periodically), as PyTorch's `CosineAnnealingLR`, including
 * its recursive form (so it composes with other schedulers the same way):
 * `lr = etaMin + (initialLr − etaMin)·(1 + cos(π·epoch/tMax))/2` when used alone.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD, CosineAnnealingLR } from '@fackel/optim';
 * const opt = new SGD([zeros([1])], { lr: 0.1 });
 * const sched = new CosineAnnealingLR(opt, { tMax: 50, etaMin: 1e-4 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half period in epochs. */
  tMax: number;
  /** Lowest learning rate. */
  etaMin: number;

  /**
   * @param optimizer - the optimizer to schedule.
   * @param options - `tMax` and optional `etaMin`, `lastEpoch`.
   */
  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingLROptions) {
    const o = readOptions('CosineAnnealingLR', optimizer, options, '{ tMax: 100 }', RULES, { etaMin: 0 });
    super('CosineAnnealingLR', optimizer, o.lastEpoch);
    this.tMax = o.tMax;
    this.etaMin = o.etaMin;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { tMax, etaMin, lastEpoch: e } = this;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / tMax))) / 2);
    }
    if ((e - 1 - tMax) % (2 * tMax) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map((g) => ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (g.lr - etaMin) + etaMin);
  }

  protected override hyperparameters(): SchedulerStateDict {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }

  protected override loadHyperparameters(saved: SchedulerStateDict, where: string): void {
    Object.assign(this, readSettings(RULES, saved, where));
  }
}
