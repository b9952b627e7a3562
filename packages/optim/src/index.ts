/**
 * `@fackel/optim`: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) with parameter groups and
 * state dicts, learning-rate schedulers, and gradient clipping, following PyTorch's
 * `torch.optim` semantics.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { Adam, StepLR, clipGradNorm_ } from '@fackel/optim';
 * const w = tensor([1, 2, 3]);
 * const opt = new Adam([w], { lr: 1e-2 });
 * const sched = new StepLR(opt, { stepSize: 10, gamma: 0.5 });
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   w.grad = w.mul(2);            // normally: loss.backward()
 *   clipGradNorm_([w], 1.0).dispose();
 *   opt.step();
 *   opt.zeroGrad();
 *   sched.step();
 * }
 * ```
 * @packageDocumentation
 */
export {
  Optimizer,
  type JsonValue,
  type OptimizerOptions,
  type ParamGroupSpec,
  type Params,
  type ParamGroup,
  type ParamState,
  type ParamGroupState,
  type OptimizerStateDict,
  type GradientEntry,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDGroupOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamGroupOptions } from './adam.js';
export { RMSprop, type RMSpropOptions, type RMSpropGroupOptions } from './rmsprop.js';
export { Adagrad, type AdagradOptions, type AdagradGroupOptions } from './adagrad.js';
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LambdaLR,
  LinearLR,
  SequentialLR,
  ReduceLROnPlateau,
  type SchedulableOptimizer,
  type SchedulerStateDict,
  type StepLROptions,
  type MultiStepLROptions,
  type ExponentialLROptions,
  type CosineAnnealingLROptions,
  type LambdaLROptions,
  type LrLambda,
  type LinearLROptions,
  type SequentialLROptions,
  type ReduceLROnPlateauOptions,
} from './lr-scheduler/index.js';
export { clipGradNorm_, clipGradValue_ } from './clip.js';
export { flattenStateDict, unflattenStateDict, type FlatStateDict, type StateTree } from './state-dict.js';
