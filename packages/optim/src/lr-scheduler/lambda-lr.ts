import { FackelError } from '@fackel/tensor';
import { describeValue } from '../optimizer.js';
import { LRScheduler, type SchedulableOptimizer } from './lr-scheduler.js';
import { readOptions } from './validate.js';

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
    const o = readOptions('LambdaLR', optimizer, options, '{ lrLambda: (epoch) => 0.95 ** epoch }', {}, {}, ['lrLambda']);
    super('LambdaLR', optimizer, o.lastEpoch);
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
      const factor = this.lrLambdas[i](this.lastEpoch);
      if (typeof factor !== 'number' || Number.isNaN(factor)) {
        throw new FackelError(
          `LambdaLR: lrLambda${this.#perGroup ? `[${i}]` : ''} returned ${describeValue(factor)} for epoch ${this.lastEpoch}; it must return a number`,
        );
      }
      return base * factor;
    });
  }
}
