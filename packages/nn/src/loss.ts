import { FackelError, type Tensor } from '@fackel/tensor';
import * as functional from './functional/index.js';
import type { BCEOptions, BCEWithLogitsOptions, CrossEntropyOptions, LossOptions, NLLLossOptions, Reduction } from './functional/index.js';
import { Module } from './module.js';

/**
 * The base of the loss modules: `forward(input, target)` → the loss (a 0-d tensor unless
 * `reduction` is `'none'`). Class weights given to a loss are buffers, as in PyTorch.
 *
 * @example
 * ```ts
 * import { MSELoss, Loss } from '@fackel/nn';
 * new MSELoss() instanceof Loss; // true
 * ```
 */
export abstract class Loss extends Module<[Tensor, Tensor], Tensor> {
  /** `'mean'`, `'sum'` or `'none'`. */
  readonly reduction: Reduction;

  constructor(options: LossOptions = {}) {
    super();
    const r = options.reduction ?? 'mean';
    if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new FackelError(`${new.target.name}: reduction must be 'mean', 'sum' or 'none', got '${String(r)}'`);
    this.reduction = r;
  }

  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction='${this.reduction}'`;
  }
}

/**
 * Mean squared error. Input and target must have the same shape.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { MSELoss } from '@fackel/nn';
 * new MSELoss().forward(tensor([1, 2]), tensor([1, 4])); // 2
 * ```
 */
export class MSELoss extends Loss {
  forward(input: Tensor, target: Tensor): Tensor {
    return functional.mseLoss(input, target, { reduction: this.reduction }, 'MSELoss');
  }
}

/**
 * Mean absolute error. Input and target must have the same shape.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { L1Loss } from '@fackel/nn';
 * new L1Loss({ reduction: 'sum' }).forward(tensor([1, 2]), tensor([1, 4])); // 2
 * ```
 */
export class L1Loss extends Loss {
  forward(input: Tensor, target: Tensor): Tensor {
    return functional.l1Loss(input, target, { reduction: this.reduction }, 'L1Loss');
  }
}

/**
 * Binary cross-entropy of probabilities (after a sigmoid), logs clamped at −100 like
 * PyTorch. Optional per-element `weight` (a buffer).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { BCELoss } from '@fackel/nn';
 * new BCELoss().forward(tensor([0.9, 0.2]), tensor([1, 0]));
 * ```
 */
export class BCELoss extends Loss {
  /** Per-element weight buffer, or null. */
  declare readonly weight: Tensor | null;

  constructor(options: BCEOptions = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return functional.binaryCrossEntropy(input, target, { reduction: this.reduction, weight: this.weight }, 'BCELoss');
  }
}

/**
 * Binary cross-entropy on logits with the sigmoid folded in, numerically stable; optional
 * `posWeight` (per class, broadcast along the last dimension) and `weight` (buffers).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { BCEWithLogitsLoss } from '@fackel/nn';
 * const loss = new BCEWithLogitsLoss({ posWeight: tensor([1.9]) });
 * loss.forward(tensor([[3.2], [-0.4]]), tensor([[1], [0]]));
 * ```
 */
export class BCEWithLogitsLoss extends Loss {
  /** Per-element weight buffer, or null. */
  declare readonly weight: Tensor | null;
  /** Positive-class weight (the buffer `pos_weight`), or null. */
  declare readonly posWeight: Tensor | null;

  constructor(options: BCEWithLogitsOptions = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
    Object.defineProperty(this, 'posWeight', { get: () => (this as unknown as { pos_weight: Tensor | null }).pos_weight, enumerable: false });
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return functional.binaryCrossEntropyWithLogits(
      input,
      target,
      { reduction: this.reduction, weight: this.weight, posWeight: this.posWeight },
      'BCEWithLogitsLoss',
    );
  }
}

/**
 * Cross-entropy of logits `[N, C, …]` against int32 class indices `[N, …]` or class
 * probabilities `[N, C, …]`, computed as `logSoftmax` + `gather` (stable), or by the fused
 * `softmaxCrossEntropy` for class indices without `weight` or `labelSmoothing`. Options:
 * `weight` per class (a buffer), `ignoreIndex` (default −100), `labelSmoothing`, `reduction`.
 *
 * @example
 * ```ts
 * import { randn, tensor } from '@fackel/tensor';
 * import { CrossEntropyLoss } from '@fackel/nn';
 * const criterion = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = criterion.forward(randn([4, 65]), tensor([3, 1, 64, 0], { dtype: 'int32' }));
 * ```
 */
export class CrossEntropyLoss extends Loss {
  /** Per-class weight buffer `[C]`, or null. */
  declare readonly weight: Tensor | null;
  /** Class index that contributes nothing (default −100). */
  readonly ignoreIndex: number;
  /** ε of the label smoothing (default 0). */
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyOptions = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return functional.crossEntropy(
      input,
      target,
      { reduction: this.reduction, weight: this.weight, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing },
      'CrossEntropyLoss',
    );
  }

  override extraRepr(): string {
    const parts = [super.extraRepr()];
    if (this.ignoreIndex !== -100) parts.push(`ignoreIndex=${this.ignoreIndex}`);
    if (this.labelSmoothing !== 0) parts.push(`labelSmoothing=${this.labelSmoothing}`);
    return parts.filter((p) => p !== '').join(', ');
  }
}

/**
 * Negative log-likelihood of int32 class indices given log-probabilities (pair it with
 * `LogSoftmax`). Options: `weight` per class (a buffer), `ignoreIndex`, `reduction`.
 *
 * @example
 * ```ts
 * import { randn, tensor } from '@fackel/tensor';
 * import { NLLLoss } from '@fackel/nn';
 * new NLLLoss().forward(randn([3, 5]).logSoftmax(1), tensor([1, 0, 4], { dtype: 'int32' }));
 * ```
 */
export class NLLLoss extends Loss {
  /** Per-class weight buffer `[C]`, or null. */
  declare readonly weight: Tensor | null;
  /** Class index that contributes nothing (default −100). */
  readonly ignoreIndex: number;

  constructor(options: NLLLossOptions = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return functional.nllLoss(input, target, { reduction: this.reduction, weight: this.weight, ignoreIndex: this.ignoreIndex }, 'NLLLoss');
  }

  override extraRepr(): string {
    const parts = [super.extraRepr()];
    if (this.ignoreIndex !== -100) parts.push(`ignoreIndex=${this.ignoreIndex}`);
    return parts.filter((p) => p !== '').join(', ');
  }
}
