import { FackelError } from '@fackel/tensor';
import { type JsonValue, describeValue, listNames } from '../optimizer.js';
import { checkOptimizer, int, numList } from './validate.js';

/**
 * What a scheduler needs from an optimizer: its parameter groups (whose `lr` it sets) and
 * its step counter. Every `Optimizer` fits.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD, type SchedulableOptimizer } from '@fackel/optim';
 * const opt: SchedulableOptimizer = new SGD([zeros([2])], { lr: 0.1 });
 * ```
 */
export interface SchedulableOptimizer {
  /** Used in messages. */
  readonly name: string;
  /** The groups whose `lr` the scheduler sets; `initialLr` is added by the first scheduler. */
  readonly paramGroups: readonly {
    /** The group's current learning rate. */
    lr: number;
    /** The learning rate the scheduler started from. */
    initialLr?: number;
  }[];
  /** How many times the optimizer's `step()` has run. */
  readonly stepCount: number;
}

/**
 * A scheduler's state dict: plain JSON (counters, base learning rates, hyperparameters).
 *
 * @example
 * ```ts
 * import type { SchedulerStateDict } from '@fackel/optim';
 * declare const sd: SchedulerStateDict;
 * const text = JSON.stringify(sd);
 * ```
 */
export interface SchedulerStateDict {
  [key: string]: JsonValue;
}

/**
 * The base class of the epoch-based learning-rate schedulers (all but `ReduceLROnPlateau`),
 * with PyTorch's semantics: constructing a scheduler records each group's `initialLr` and
 * applies the schedule's value for epoch 0; each `step()` (called after `optimizer.step()`)
 * advances `lastEpoch` and sets every group's `lr`. Schedulers compute each rate from the
 * group's current `lr` where PyTorch does, so several schedulers on one optimizer compose.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { LRScheduler, SGD, type SchedulableOptimizer } from '@fackel/optim';
 * // halves the learning rate every epoch
 * class Halving extends LRScheduler {
 *   constructor(opt: SchedulableOptimizer) {
 *     super('Halving', opt, -1);
 *     this.initialStep();
 *   }
 *   protected computeLr(): number[] {
 *     return this.baseLrs.map((lr) => lr * 0.5 ** this.lastEpoch);
 *   }
 * }
 * const opt = new SGD([zeros([1])], { lr: 1 });
 * const s = new Halving(opt);
 * opt.step();
 * s.step(); // lr 0.5
 * ```
 */
export abstract class LRScheduler {
  /** The scheduler's name, used in messages. */
  readonly name: string;
  /** The optimizer whose learning rates this scheduler sets. */
  readonly optimizer: SchedulableOptimizer;
  /** The index of the last epoch (-1 before the constructor's initial step, then 0, 1, …). */
  lastEpoch: number;
  /** Each group's `initialLr`, the rates the schedule starts from. */
  baseLrs: number[];
  /** The rates set by the last step. */
  protected lastLr: number[] = [];
  /** How many steps have run, the constructor's initial step included. */
  protected stepCount = 0;
  #optimizerStepsAtStart = 0;

  /**
   * @param name - for messages.
   * @param optimizer - the optimizer to schedule.
   * @param lastEpoch - -1 to start a schedule; the last finished epoch to resume one (the
   *   optimizer's groups must then have `initialLr`, e.g. from its loaded state dict).
   */
  protected constructor(name: string, optimizer: SchedulableOptimizer, lastEpoch: number) {
    checkOptimizer(optimizer, name);
    this.name = name;
    this.optimizer = optimizer;
    int(lastEpoch, 'lastEpoch', name, -1);
    optimizer.paramGroups.forEach((g, i) => {
      if (lastEpoch === -1) {
        if (g.initialLr === undefined) g.initialLr = g.lr;
      } else if (g.initialLr === undefined) {
        throw new FackelError(
          `${name}: parameter group ${i} has no initialLr, which resuming a schedule (lastEpoch = ${lastEpoch}) needs; load the optimizer's state dict first, or start with lastEpoch = -1`,
        );
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** The learning rate of each group for the epoch `lastEpoch` (already advanced). */
  protected abstract computeLr(): number[];

  /**
   * Performs the constructor's initial step (PyTorch's `_initial_step`); a subclass calls it
   * at the end of its constructor, once its own fields are set.
   *
   * @example
   * ```ts
   * // in a subclass constructor: super('Mine', optimizer, lastEpoch); this.gamma = g; this.initialStep();
   * ```
   */
  protected initialStep(): void {
    this.stepCount = 0;
    this.advance();
    this.#optimizerStepsAtStart = this.optimizer.stepCount;
  }

  /**
   * Advances the schedule by one epoch and sets each group's learning rate. Call it after
   * `optimizer.step()` (calling it before the first `optimizer.step()` skips the schedule's
   * first value; a warning says so, as in PyTorch).
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { SGD, StepLR } from '@fackel/optim';
   * const opt = new SGD([zeros([1])], { lr: 0.1 });
   * const sched = new StepLR(opt, { stepSize: 2 });
   * for (let epoch = 0; epoch < 4; epoch++) {
   *   opt.step();
   *   sched.step();
   * }
   * ```
   */
  step(): void {
    if (this.stepCount === 1 && this.optimizer.stepCount === this.#optimizerStepsAtStart) {
      console.warn(
        `${this.name}.step() was called before ${this.optimizer.name}.step(). Call optimizer.step() first and then scheduler.step(); ` +
          'otherwise the first value of the learning-rate schedule is skipped.',
      );
    }
    this.advance();
  }

  /**
   * @internal Starts the schedule over at epoch 0 from `baseLrs`, for `SequentialLR`:
   * with `initial`, as the constructor's step (PyTorch's `_initial_step`); otherwise as one more
   * step (PyTorch's `step(0)`, whose closed forms start from the base rates as this does).
   */
  restart(initial: boolean): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.baseLrs[i] ?? g.lr;
    });
    this.lastEpoch = -1;
    if (initial) this.initialStep();
    else this.advance();
  }

  private advance(): void {
    this.stepCount++;
    this.lastEpoch++;
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.baseLrs.length) {
      throw new FackelError(
        `${this.name}: the optimizer has ${groups.length} parameter group(s) but the scheduler was created for ${this.baseLrs.length}; create the scheduler after adding all parameter groups`,
      );
    }
    const lrs = this.computeLr();
    lrs.forEach((lr, i) => {
      if (typeof lr !== 'number' || Number.isNaN(lr))
        throw new FackelError(`${this.name}: the learning rate for parameter group ${i} at epoch ${this.lastEpoch} is ${describeValue(lr)}`);
      groups[i].lr = lr;
    });
    this.lastLr = groups.map((g) => g.lr);
  }

  /**
   * The learning rate of each parameter group as set by the last step (or the constructor).
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { SGD, ExponentialLR } from '@fackel/optim';
   * const opt = new SGD([zeros([1])], { lr: 0.1 });
   * const sched = new ExponentialLR(opt, { gamma: 0.5 });
   * opt.step();
   * sched.step();
   * console.log(sched.getLastLr()); // [0.05]
   * ```
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The schedule's own settings, for the state dict (none by default). */
  protected hyperparameters(): SchedulerStateDict {
    return {};
  }

  /** Restores the settings saved by `hyperparameters()`, validating them (nothing by default). */
  protected loadHyperparameters(_saved: SchedulerStateDict, _where: string): void {}

  /**
   * The scheduler's state as JSON: `lastEpoch`, `baseLrs`, `lastLr`, `stepCount` and the
   * schedule's settings (not `LambdaLR`'s functions). Save it with the optimizer's state
   * dict; the groups' current learning rates are part of that one.
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { SGD, StepLR } from '@fackel/optim';
   * const opt = new SGD([zeros([1])], { lr: 0.1 });
   * const sched = new StepLR(opt, { stepSize: 2 });
   * const text = JSON.stringify(sched.stateDict());
   * ```
   */
  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr], stepCount: this.stepCount, ...this.hyperparameters() };
  }

  /**
   * Restores a state saved by `stateDict()`. Load the optimizer's state dict as well (it
   * holds the groups' current learning rates).
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { SGD, StepLR } from '@fackel/optim';
   * const opt = new SGD([zeros([1])], { lr: 0.1 });
   * const a = new StepLR(opt, { stepSize: 2 });
   * const b = new StepLR(opt, { stepSize: 2 });
   * b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
   * ```
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict)) {
      throw new FackelError(`${where}: expected the object returned by stateDict(), got ${describeValue(stateDict)}`);
    }
    const own = this.hyperparameters();
    const known = ['lastEpoch', 'baseLrs', 'lastLr', 'stepCount', ...Object.keys(own)];
    for (const k of Object.keys(stateDict)) {
      if (!known.includes(k))
        throw new FackelError(`${where}: unknown entry '${k}' (a ${this.name} state dict has: ${listNames(known)}); was it saved from a different scheduler?`);
    }
    for (const k of known) if (!(k in stateDict)) throw new FackelError(`${where}: the state dict has no '${k}'; was it saved from a different scheduler?`);
    const n = this.optimizer.paramGroups.length;
    const lastEpoch = int(stateDict.lastEpoch, 'lastEpoch', where, -1);
    const baseLrs = numList(stateDict.baseLrs, 'baseLrs', where, n);
    const lastLr = numList(stateDict.lastLr, 'lastLr', where, n);
    const stepCount = int(stateDict.stepCount, 'stepCount', where, 0);
    this.loadHyperparameters(stateDict, where);
    this.lastEpoch = lastEpoch;
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
    this.stepCount = stepCount;
  }
}
