/**
 * `@fackel/autograd`: reverse-mode differentiation for `@fackel/tensor` on any backend.
 * Call `enableAutograd()` once (the `fackel` package does it), then use `requiresGrad`,
 * `backward()`, `.grad` and `noGrad` as in PyTorch.
 *
 * @example
 * ```ts
 * import { enableAutograd } from '@fackel/autograd';
 * import { tensor } from '@fackel/tensor';
 * enableAutograd();
 * const w = tensor([1], { requiresGrad: true });
 * const loss = w.mul(3).sub(6).pow(2).sum();
 * loss.backward();
 * ```
 * @packageDocumentation
 */
export { enableAutograd, grad, defineFunction, gradcheck, type FunctionContext, type FunctionDefinition, type GradcheckResult } from './functional.js';
export { Node } from './engine.js';
export { RULES, sumTo } from './rules.js';
export type { GradRule, GradContext, InputMeta } from './rule.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from '@fackel/tensor';
