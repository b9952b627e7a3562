import { FackelError } from '@fackel/tensor';
import { describeValue, isTensor, listNames } from '../optimizer.js';
import type { SchedulableOptimizer, SchedulerStateDict } from './lr-scheduler.js';
import { checkOptimizer, checkOptions, finite, int, integer, num, numList, oneOf, perGroup, readSettings } from './validate.js';

/** The settings (state-dict names), checked by these rules in the constructor and in `loadStateDict`. */
function plateauRules(groups: number) {
  return {
    mode: oneOf('min', 'max'),
    factor: finite((v) => v < 1, '< 1'),
    patience: integer(0),
    threshold: finite(),
    thresholdMode: oneOf('rel', 'abs'),
    cooldown: integer(0),
    minLrs: perGroup(groups, 'minLr'),
    eps: finite(),
  };
}

/** The entries of `o` that are not undefined (so that defaults fill the others in). */
function definedOnly(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * Options of {@link ReduceLROnPlateau}; all optional.
 *
 * @example
 * ```ts
 * import type { ReduceLROnPlateauOptions } from '@fackel/optim';
 * const o: ReduceLROnPlateauOptions = { mode: 'min', factor: 0.5, patience: 3, minLr: 1e-5 };
 * ```
 */
export interface ReduceLROnPlateauOptions {
  /** `'min'`: the metric should go down (a loss); `'max'`: up (an accuracy). Default `'min'`. */
  mode?: 'min' | 'max';
  /** Multiply the rate by this when reducing (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement to wait before reducing (default 10). */
  patience?: number;
  /** How much better than the best a metric must be to count as an improvement (default 1e-4). */
  threshold?: number;
  /** `'rel'`: improvement relative to the best (default); `'abs'`: absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lowest learning rate, for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the learning rate when a metric has stopped improving, as PyTorch's
 * `ReduceLROnPlateau`: after more than `patience` epochs without improvement each group's
 * rate is multiplied by `factor` (not below `minLr`). Call `step(metric)` once per epoch with
 * the validation metric as a number (read it with `await loss.item()`).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD, ReduceLROnPlateau } from '@fackel/optim';
 * const opt = new SGD([zeros([1])], { lr: 0.1 });
 * const sched = new ReduceLROnPlateau(opt, { patience: 2, factor: 0.5 });
 * for (const valLoss of [1.0, 0.9, 0.95, 0.93, 0.91]) sched.step(valLoss);
 * console.log(sched.getLastLr()); // [0.05]
 * ```
 */
export class ReduceLROnPlateau {
  /** The optimizer whose learning rates this scheduler sets. */
  readonly optimizer: SchedulableOptimizer;
  /** `'min'`: lower metrics are better; `'max'`: higher are better. */
  mode: 'min' | 'max';
  /** Multiplier applied to the learning rate on a plateau. */
  factor: number;
  /** Epochs without improvement before the learning rate is reduced. */
  patience: number;
  /** Minimum change that counts as an improvement. */
  threshold: number;
  /** Whether `threshold` is relative (`'rel'`) or absolute (`'abs'`). */
  thresholdMode: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again. */
  cooldown: number;
  /** The lowest learning rate of each group. */
  minLrs: number[];
  /** Reductions smaller than this are ignored. */
  eps: number;
  /** The best metric seen so far (±Infinity before the first step). */
  best: number;
  /** Consecutive epochs without improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** The number of `step` calls so far. */
  lastEpoch = 0;
  #lastLr: number[];

  /**
   * @param optimizer - the optimizer to schedule.
   * @param options - see {@link ReduceLROnPlateauOptions}.
   */
  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const name = 'ReduceLROnPlateau';
    checkOptimizer(optimizer, name);
    checkOptions(options, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'], name, "{ mode: 'min', patience: 5 }");
    this.optimizer = optimizer;
    const { minLr, ...rest } = options;
    const minLrs = typeof minLr === 'number' || minLr === undefined ? optimizer.paramGroups.map(() => minLr ?? 0) : minLr;
    const values = { mode: 'min', factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: 'rel', cooldown: 0, eps: 1e-8, ...definedOnly(rest), minLrs };
    const s = readSettings(plateauRules(optimizer.paramGroups.length), values, name);
    this.mode = s.mode;
    this.factor = s.factor;
    this.patience = s.patience;
    this.threshold = s.threshold;
    this.thresholdMode = s.thresholdMode;
    this.cooldown = s.cooldown;
    this.minLrs = s.minLrs;
    this.eps = s.eps;
    this.best = this.modeWorse;
    this.#lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private get modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether a cooldown after a reduction is running.
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { SGD, ReduceLROnPlateau } from '@fackel/optim';
   * const s = new ReduceLROnPlateau(new SGD([zeros([1])], { lr: 0.1 }), { cooldown: 2 });
   * console.log(s.inCooldown); // false
   * ```
   */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /**
   * Records one epoch's metric and reduces the learning rates if it has not improved for
   * more than `patience` epochs.
   *
   * @param metric - the epoch's validation metric, as a number.
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { SGD, ReduceLROnPlateau } from '@fackel/optim';
   * const sched = new ReduceLROnPlateau(new SGD([zeros([1])], { lr: 0.1 }));
   * sched.step(0.42);
   * ```
   */
  step(metric: number): void {
    if (typeof metric !== 'number') {
      throw new FackelError(
        `ReduceLROnPlateau.step: the metric must be a number, got ${describeValue(metric)}${isTensor(metric) ? '; read it first with await metric.item()' : ''}`,
      );
    }
    const epoch = this.lastEpoch + 1;
    this.lastEpoch = epoch;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.#lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.minLrs.length) {
      throw new FackelError(
        `ReduceLROnPlateau: the optimizer has ${groups.length} parameter group(s) but the scheduler was created for ${this.minLrs.length}; create the scheduler after adding all parameter groups`,
      );
    }
    groups.forEach((g, i) => {
      const old = g.lr;
      const next = Math.max(old * this.factor, this.minLrs[i]);
      if (old - next > this.eps) g.lr = next;
    });
  }

  /**
   * The learning rate of each parameter group after the last step (at construction: the
   * optimizer's current rates).
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { SGD, ReduceLROnPlateau } from '@fackel/optim';
   * const sched = new ReduceLROnPlateau(new SGD([zeros([1])], { lr: 0.1 }));
   * console.log(sched.getLastLr()); // [0.1]
   * ```
   */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  /**
   * The scheduler's state as JSON (settings and counters). `best` is `null` while no metric
   * has been recorded (JSON has no Infinity).
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { SGD, ReduceLROnPlateau } from '@fackel/optim';
   * const sched = new ReduceLROnPlateau(new SGD([zeros([1])], { lr: 0.1 }));
   * const text = JSON.stringify(sched.stateDict());
   * ```
   */
  stateDict(): SchedulerStateDict {
    return {
      mode: this.mode,
      factor: this.factor,
      patience: this.patience,
      threshold: this.threshold,
      thresholdMode: this.thresholdMode,
      cooldown: this.cooldown,
      minLrs: [...this.minLrs],
      eps: this.eps,
      best: Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLr: [...this.#lastLr],
    };
  }

  /**
   * Restores a state saved by `stateDict()`.
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { SGD, ReduceLROnPlateau } from '@fackel/optim';
   * const opt = new SGD([zeros([1])], { lr: 0.1 });
   * const a = new ReduceLROnPlateau(opt);
   * a.step(1);
   * new ReduceLROnPlateau(opt).loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
   * ```
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const where = 'ReduceLROnPlateau.loadStateDict';
    if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict)) {
      throw new FackelError(`${where}: expected the object returned by stateDict(), got ${describeValue(stateDict)}`);
    }
    const known = Object.keys(this.stateDict());
    for (const k of Object.keys(stateDict)) {
      if (!known.includes(k))
        throw new FackelError(
          `${where}: unknown entry '${k}' (a ReduceLROnPlateau state dict has: ${listNames(known)}); was it saved from a different scheduler?`,
        );
    }
    for (const k of known) if (!(k in stateDict)) throw new FackelError(`${where}: the state dict has no '${k}'; was it saved from a different scheduler?`);
    const n = this.optimizer.paramGroups.length;
    const s = readSettings(plateauRules(n), stateDict, where);
    const best = stateDict.best === null ? null : num(stateDict.best, 'best', where);
    const numBadEpochs = int(stateDict.numBadEpochs, 'numBadEpochs', where, 0);
    const cooldownCounter = int(stateDict.cooldownCounter, 'cooldownCounter', where, 0);
    const lastEpoch = int(stateDict.lastEpoch, 'lastEpoch', where, 0);
    const lastLr = numList(stateDict.lastLr, 'lastLr', where, n);
    Object.assign(this, s);
    this.best = best ?? this.modeWorse;
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
    this.lastEpoch = lastEpoch;
    this.#lastLr = lastLr;
  }
}
