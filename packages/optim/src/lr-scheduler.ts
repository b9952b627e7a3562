import { FackelError } from '@fackel/tensor';
import { describeValue, isTensor, listNames, type JsonValue } from './optimizer.js';

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

function checkOptimizer(optimizer: unknown, name: string): asserts optimizer is SchedulableOptimizer {
  const o = optimizer as Partial<SchedulableOptimizer> | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.paramGroups) || typeof o.stepCount !== 'number') {
    throw new FackelError(`${name}: the first argument must be an optimizer (such as new SGD(...)), got ${describeValue(optimizer)}`);
  }
}

function checkOptionsObject(options: unknown, name: string, example: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options) || isTensor(options)) {
    throw new FackelError(`${name}: options must be an object such as ${example}, got ${describeValue(options)}`);
  }
}

function checkKeys(options: object, known: readonly string[], name: string): void {
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new FackelError(`${name}: unknown option '${k}' (options are: ${listNames(known)})`);
  }
}

function num(value: unknown, what: string, where: string, check: (v: number) => boolean = () => true, rule = ''): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw new FackelError(`${where}: ${what} must be a finite number${rule ? ` ${rule}` : ''}, got ${describeValue(value)}`);
  }
  return value;
}

function int(value: unknown, what: string, where: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new FackelError(`${where}: ${what} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

function numList(value: unknown, what: string, where: string, length: number): number[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw new FackelError(`${where}: ${what} must be a list of ${length} number(s) (one per parameter group), got ${describeValue(value)}${Array.isArray(value) ? ` of length ${value.length}` : ''}`);
  }
  return value.map((v, i) => num(v, `${what}[${i}]`, where));
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
      if (typeof lr !== 'number' || Number.isNaN(lr)) throw new FackelError(`${this.name}: the learning rate for parameter group ${i} at epoch ${this.lastEpoch} is ${describeValue(lr)}`);
      groups[i]!.lr = lr;
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
      if (!known.includes(k)) throw new FackelError(`${where}: unknown entry '${k}' (a ${this.name} state dict has: ${listNames(known)}); was it saved from a different scheduler?`);
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
    checkOptionsObject(options, 'StepLR', '{ stepSize: 30 }');
    checkKeys(options, ['stepSize', 'gamma', 'lastEpoch'], 'StepLR');
    super('StepLR', optimizer, options.lastEpoch ?? -1);
    this.stepSize = int(options.stepSize, 'stepSize', 'StepLR', 1);
    this.gamma = num(options.gamma ?? 0.1, 'gamma', 'StepLR');
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
    const stepSize = int(saved.stepSize, 'stepSize', where, 1);
    this.gamma = num(saved.gamma, 'gamma', where);
    this.stepSize = stepSize;
  }
}

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
    checkOptionsObject(options, 'MultiStepLR', '{ milestones: [30, 80] }');
    checkKeys(options, ['milestones', 'gamma', 'lastEpoch'], 'MultiStepLR');
    super('MultiStepLR', optimizer, options.lastEpoch ?? -1);
    this.milestones = milestoneList(options.milestones, 'MultiStepLR');
    this.gamma = num(options.gamma ?? 0.1, 'gamma', 'MultiStepLR');
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
    const milestones = milestoneList(saved.milestones as number[], where);
    this.gamma = num(saved.gamma, 'gamma', where);
    this.milestones = milestones;
  }
}

function milestoneList(value: unknown, where: string): number[] {
  if (!Array.isArray(value)) throw new FackelError(`${where}: milestones must be a list of epoch numbers, got ${describeValue(value)}`);
  return value.map((m, i) => int(m, `milestones[${i}]`, where, 0)).sort((a, b) => a - b);
}

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
    checkOptionsObject(options, 'ExponentialLR', '{ gamma: 0.95 }');
    checkKeys(options, ['gamma', 'lastEpoch'], 'ExponentialLR');
    super('ExponentialLR', optimizer, options.lastEpoch ?? -1);
    this.gamma = num(options.gamma, 'gamma', 'ExponentialLR');
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
    this.gamma = num(saved.gamma, 'gamma', where);
  }
}

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
    checkOptionsObject(options, 'CosineAnnealingLR', '{ tMax: 100 }');
    checkKeys(options, ['tMax', 'etaMin', 'lastEpoch'], 'CosineAnnealingLR');
    super('CosineAnnealingLR', optimizer, options.lastEpoch ?? -1);
    this.tMax = int(options.tMax, 'tMax', 'CosineAnnealingLR', 1);
    this.etaMin = num(options.etaMin ?? 0, 'etaMin', 'CosineAnnealingLR');
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
      return groups.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map(
      (g) => ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }

  protected override hyperparameters(): SchedulerStateDict {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }

  protected override loadHyperparameters(saved: SchedulerStateDict, where: string): void {
    const tMax = int(saved.tMax, 'tMax', where, 1);
    this.etaMin = num(saved.etaMin, 'etaMin', where);
    this.tMax = tMax;
  }
}

/**
 * A learning-rate multiplier as a function of the epoch, for {@link LambdaLR}.
 *
 * @example
 * ```ts
 * import type { LrLambda } from '@fackel/optim';
 * const warmup: LrLambda = (epoch) => Math.min(1, (epoch + 1) / 5);
 * ```
 */
export type LrLambda = (epoch: number) => number;

/**
 * Options of {@link LambdaLR}.
 *
 * @example
 * ```ts
 * import type { LambdaLROptions } from '@fackel/optim';
 * const o: LambdaLROptions = { lrLambda: (epoch) => 0.95 ** epoch };
 * ```
 */
export interface LambdaLROptions {
  /** One function for all groups, or one per parameter group. */
  lrLambda: LrLambda | readonly LrLambda[];
  /** -1 (default) to start; the last finished epoch to resume. */
  lastEpoch?: number;
}

/**
 * Sets each group's learning rate to its initial rate times `lrLambda(epoch)`, as PyTorch's
 * `LambdaLR`. The functions are not part of the state dict: pass the same ones when
 * rebuilding the scheduler.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD, LambdaLR } from '@fackel/optim';
 * const opt = new SGD([zeros([1])], { lr: 0.1 });
 * const warmup = new LambdaLR(opt, { lrLambda: (epoch) => Math.min(1, (epoch + 1) / 5) });
 * ```
 */
export class LambdaLR extends LRScheduler {
  /** The multiplier function of each group. */
  readonly lrLambdas: LrLambda[];
  readonly #perGroup: boolean;

  /**
   * @param optimizer - the optimizer to schedule.
   * @param options - `lrLambda` and optional `lastEpoch`.
   */
  constructor(optimizer: SchedulableOptimizer, options: LambdaLROptions) {
    checkOptionsObject(options, 'LambdaLR', '{ lrLambda: (epoch) => 0.95 ** epoch }');
    checkKeys(options, ['lrLambda', 'lastEpoch'], 'LambdaLR');
    super('LambdaLR', optimizer, options.lastEpoch ?? -1);
    const n = this.optimizer.paramGroups.length;
    const f = options.lrLambda;
    let fns: LrLambda[];
    if (typeof f === 'function') fns = Array.from({ length: n }, () => f);
    else if (Array.isArray(f)) {
      if (f.length !== n) throw new FackelError(`LambdaLR: expected ${n} lrLambda function(s), one per parameter group, got ${f.length}`);
      fns = [...(f as LrLambda[])];
    } else throw new FackelError(`LambdaLR: lrLambda must be a function of the epoch or a list of them, got ${describeValue(f)}`);
    fns.forEach((fn, i) => {
      if (typeof fn !== 'function') throw new FackelError(`LambdaLR: lrLambda[${i}] must be a function of the epoch, got ${describeValue(fn)}`);
    });
    this.lrLambdas = fns;
    this.#perGroup = typeof f !== 'function';
    this.initialStep();
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((base, i) => {
      const factor = this.lrLambdas[i]!(this.lastEpoch);
      if (typeof factor !== 'number' || Number.isNaN(factor)) {
        throw new FackelError(`LambdaLR: lrLambda${this.#perGroup ? `[${i}]` : ''} returned ${describeValue(factor)} for epoch ${this.lastEpoch}; it must return a number`);
      }
      return base * factor;
    });
  }

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
    checkOptionsObject(options, name, "{ mode: 'min', patience: 5 }");
    checkKeys(options, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'], name);
    this.optimizer = optimizer;
    const s = readPlateauSettings(
      {
        mode: options.mode ?? 'min',
        factor: options.factor ?? 0.1,
        patience: options.patience ?? 10,
        threshold: options.threshold ?? 1e-4,
        thresholdMode: options.thresholdMode ?? 'rel',
        cooldown: options.cooldown ?? 0,
        minLrs: typeof options.minLr === 'number' || options.minLr === undefined ? optimizer.paramGroups.map(() => (options.minLr as number | undefined) ?? 0) : [...options.minLr],
        eps: options.eps ?? 1e-8,
      },
      name,
      optimizer.paramGroups.length,
    );
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
      throw new FackelError(`ReduceLROnPlateau: the optimizer has ${groups.length} parameter group(s) but the scheduler was created for ${this.minLrs.length}; create the scheduler after adding all parameter groups`);
    }
    groups.forEach((g, i) => {
      const old = g.lr;
      const next = Math.max(old * this.factor, this.minLrs[i]!);
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
      if (!known.includes(k)) throw new FackelError(`${where}: unknown entry '${k}' (a ReduceLROnPlateau state dict has: ${listNames(known)}); was it saved from a different scheduler?`);
    }
    for (const k of known) if (!(k in stateDict)) throw new FackelError(`${where}: the state dict has no '${k}'; was it saved from a different scheduler?`);
    const n = this.optimizer.paramGroups.length;
    const s = readPlateauSettings(stateDict as unknown as PlateauSettings, where, n);
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

interface PlateauSettings {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
}

function readPlateauSettings(s: PlateauSettings, where: string, groups: number): PlateauSettings {
  if (s.mode !== 'min' && s.mode !== 'max') throw new FackelError(`${where}: mode must be 'min' or 'max', got ${describeValue(s.mode)}`);
  if (s.thresholdMode !== 'rel' && s.thresholdMode !== 'abs') throw new FackelError(`${where}: thresholdMode must be 'rel' or 'abs', got ${describeValue(s.thresholdMode)}`);
  return {
    mode: s.mode,
    factor: num(s.factor, 'factor', where, (v) => v < 1, '< 1'),
    patience: int(s.patience, 'patience', where, 0),
    threshold: num(s.threshold, 'threshold', where),
    thresholdMode: s.thresholdMode,
    cooldown: int(s.cooldown, 'cooldown', where, 0),
    minLrs: numList(s.minLrs, 'minLr', where, groups),
    eps: num(s.eps, 'eps', where),
  };
}
