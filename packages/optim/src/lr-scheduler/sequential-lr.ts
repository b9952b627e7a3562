import { FackelError } from '@fackel/tensor';
import { describeValue } from '../optimizer.js';
import { LRScheduler, type SchedulableOptimizer, type SchedulerStateDict } from './lr-scheduler.js';
import { checkOptimizer, checkOptions, int } from './validate.js';

/**
 * Options of {@link SequentialLR}.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD, LinearLR, CosineAnnealingLR, type SequentialLROptions } from '@fackel/optim';
 * const opt = new SGD([zeros([1])], { lr: 0.1 });
 * const o: SequentialLROptions = {
 *   schedulers: [new LinearLR(opt, { startFactor: 0.1, totalIters: 5 }), new CosineAnnealingLR(opt, { tMax: 95 })],
 *   milestones: [5],
 * };
 * ```
 */
export interface SequentialLROptions {
  /** The schedulers to run one after the other, all on this optimizer. */
  schedulers: readonly LRScheduler[];
  /** The epochs at which the next scheduler takes over: one fewer than `schedulers`, increasing. */
  milestones: readonly number[];
}

/**
 * Runs schedulers one after the other, as PyTorch's `SequentialLR`: `schedulers[0]` until
 * `milestones[0]`, where `schedulers[1]` starts over from the initial rates, and so on. The
 * usual use is a warm-up followed by a decay; step only the `SequentialLR`, not the schedulers
 * it holds. Its state dict holds theirs.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { AdamW, CosineAnnealingLR, LinearLR, SequentialLR } from '@fackel/optim';
 * const w = zeros([3]);
 * const opt = new AdamW([w], { lr: 1e-3, weightDecay: 0.1 });
 * // linear warm-up over 2 steps, then cosine decay to 1e-5 over the next 4
 * const sched = new SequentialLR(opt, {
 *   schedulers: [new LinearLR(opt, { startFactor: 0.01, totalIters: 2 }), new CosineAnnealingLR(opt, { tMax: 4, etaMin: 1e-5 })],
 *   milestones: [2],
 * });
 * const lrs = [sched.getLastLr()[0]];
 * for (let step = 0; step < 6; step++) {
 *   w.grad = w.add(1); // normally: loss.backward()
 *   opt.step();
 *   sched.step();
 *   lrs.push(sched.getLastLr()[0]);
 * }
 * console.log(lrs.map((lr) => lr.toExponential(2)).join(' '));
 * // 1.00e-5 5.05e-4 1.00e-3 8.55e-4 5.05e-4 1.55e-4 1.00e-5 (as PyTorch)
 * ```
 */
export class SequentialLR extends LRScheduler {
  /** The schedulers, in order. */
  readonly schedulers: readonly LRScheduler[];
  /** The epochs at which the next scheduler takes over. */
  readonly milestones: readonly number[];

  /**
   * @param optimizer - the optimizer that all `schedulers` schedule.
   * @param options - `schedulers` and `milestones`.
   */
  constructor(optimizer: SchedulableOptimizer, options: SequentialLROptions) {
    const name = 'SequentialLR';
    checkOptimizer(optimizer, name);
    checkOptions(options, ['schedulers', 'milestones'], name, '{ schedulers: [warmup, decay], milestones: [100] }');
    const { schedulers, milestones } = options;
    if (!Array.isArray(schedulers) || schedulers.length === 0) {
      throw new FackelError(`${name}: schedulers must be a non-empty list of schedulers, got ${describeValue(schedulers)}`);
    }
    schedulers.forEach((s: unknown, i) => {
      if (!(s instanceof LRScheduler) || s instanceof SequentialLR) {
        throw new FackelError(
          `${name}: schedulers[${i}] must be an epoch-based scheduler such as LinearLR or CosineAnnealingLR (not ReduceLROnPlateau or SequentialLR), got ${describeValue(s)}`,
        );
      }
      if (s.optimizer !== optimizer) {
        throw new FackelError(
          `${name}: schedulers[${i}] (${s.name}) schedules a different optimizer; create every scheduler on the optimizer given to SequentialLR`,
        );
      }
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new FackelError(
        `${name}: expected ${schedulers.length - 1} milestone(s), one fewer than the ${schedulers.length} scheduler(s), got ${describeValue(milestones)}${Array.isArray(milestones) ? ` of length ${milestones.length}` : ''}`,
      );
    }
    const ms = checkMilestones(milestones, name);
    super(name, optimizer, -1);
    this.schedulers = [...schedulers];
    this.milestones = ms;
    // As PyTorch: undo the initial steps of the schedulers (their constructors ran), then start
    // the first one from the initial rates.
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].restart(true);
    this.lastEpoch = 0;
    this.stepCount = 1;
    this.lastLr = this.schedulers[0].getLastLr();
  }

  /** The rates of the scheduler in charge (SequentialLR's own step hands over to it). */
  protected computeLr(): number[] {
    return this.current().getLastLr();
  }

  /** The scheduler in charge at `lastEpoch`: the one after the milestones passed. */
  private current(): LRScheduler {
    return this.schedulers[this.milestones.filter((m) => m <= this.lastEpoch).length];
  }

  /**
   * Advances the scheduler in charge by one epoch; at a milestone, the next scheduler starts
   * over from the initial rates. Call it after `optimizer.step()` (see the class's example).
   */
  override step(): void {
    this.lastEpoch++;
    this.stepCount++;
    const scheduler = this.current();
    if (this.milestones.includes(this.lastEpoch)) scheduler.restart(false);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  protected override hyperparameters(): SchedulerStateDict {
    return { milestones: [...this.milestones], schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  protected override loadHyperparameters(saved: SchedulerStateDict, where: string): void {
    const ms = checkMilestones(saved.milestones, where);
    if (ms.length !== this.milestones.length || ms.some((m, i) => m !== this.milestones[i])) {
      throw new FackelError(
        `${where}: the state dict's milestones [${ms.join(', ')}] differ from this scheduler's [${this.milestones.join(', ')}]; build the SequentialLR the same way before loading its state`,
      );
    }
    const inner = saved.schedulers;
    if (!Array.isArray(inner) || inner.length !== this.schedulers.length) {
      throw new FackelError(`${where}: schedulers must be a list of ${this.schedulers.length} state dict(s), one per scheduler, got ${describeValue(inner)}`);
    }
    this.schedulers.forEach((s, i) => s.loadStateDict(inner[i] as SchedulerStateDict));
  }
}

/** Milestones: increasing integers ≥ 1. */
function checkMilestones(value: unknown, where: string): number[] {
  if (!Array.isArray(value)) throw new FackelError(`${where}: milestones must be a list of epoch numbers, got ${describeValue(value)}`);
  return value.map((m, i) => {
    const e = int(m, `milestones[${i}]`, where, 1);
    if (i > 0 && e <= value[i - 1]) throw new FackelError(`${where}: milestones must increase, got ${value.join(', ')}`);
    return e;
  });
}
