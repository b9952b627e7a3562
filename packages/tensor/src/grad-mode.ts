import { shared } from './state.js';
import type { Tensor } from './tensor.js';

/**
 * The node that produced a tensor in the autograd graph, as seen from the tensor package.
 * `@fackel/autograd` supplies the implementation; `name` reads like PyTorch's
 * (`'MulBackward'`).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const y = tensor([1], { requiresGrad: true }).mul(2);
 * console.log(y.gradFn?.name); // 'MulBackward' once autograd is installed
 * ```
 */
export interface GradFn {
  /** The backward node's name: the op's name with `Backward` appended (`'MulBackward'`). */
  readonly name: string;
}

/** Options of `Tensor.backward`.
 * @example
 * ```ts
 * import type { BackwardOptions } from '@fackel/tensor';
 * const o: BackwardOptions = { retainGraph: true };
 * ```
 */
export interface BackwardOptions {
  /** Keep saved tensors so that backward can run through the graph again. */
  retainGraph?: boolean;
}

/** An operand as recorded for autograd: a tensor, a scalar, or null for "no operand".
 * @example
 * ```ts
 * import { tensor, type RecordedInput } from '@fackel/tensor';
 * const operands: RecordedInput[] = [tensor([1, 2]), 0.5, null]; // e.g. clamp(x, 0.5) without a max
 * ```
 */
export type RecordedInput = Tensor | number | null;

/**
 * What the tensor package needs from an autograd implementation. `@fackel/autograd`
 * installs one with `installAutograd`; until then nothing is recorded and `backward`
 * explains how to enable it.
 *
 * @example
 * ```ts
 * import { installAutograd, type AutogradEngine } from '@fackel/tensor';
 * declare const engine: AutogradEngine;
 * installAutograd(engine);
 * ```
 */
export interface AutogradEngine {
  /** Records that `output` was computed by `op` from `inputs` (with non-tensor `attrs`). */
  record(op: string, inputs: readonly RecordedInput[], output: Tensor, attrs: Readonly<Record<string, unknown>>): void;
  /** Runs the backward pass from `root`. */
  backward(root: Tensor, gradient: Tensor | undefined, options: BackwardOptions): void;
  /** Called by `t.retainGrad()` on a non-leaf tensor: the engine keeps `t` to fill its `.grad` in backward. */
  retainGrad?(t: Tensor): void;
}

// The engine and the grad mode live in the process-wide state (state.ts), shared with any
// other loaded copy of this package: `noGrad` through one copy stops recording in all of them.

/** Installs the autograd engine (done by `@fackel/autograd`'s `enableAutograd()`).
 * @example
 * ```ts
 * import { installAutograd, type AutogradEngine } from '@fackel/tensor';
 * declare const engine: AutogradEngine;
 * installAutograd(engine);
 * ```
 */
export function installAutograd(e: AutogradEngine | null): void {
  shared.engine = e;
}

/** The installed autograd engine, or null.
 * @example
 * ```ts
 * import { getAutograd } from '@fackel/tensor';
 * console.log(getAutograd() !== null);
 * ```
 */
export function getAutograd(): AutogradEngine | null {
  return shared.engine;
}

/** Whether operations are currently recorded for autograd (`false` inside `noGrad`).
 * @example
 * ```ts
 * import { isGradEnabled, noGrad } from '@fackel/tensor';
 * noGrad(() => isGradEnabled()); // false
 * ```
 */
export function isGradEnabled(): boolean {
  return shared.gradEnabled;
}

/** Sets gradient recording on or off globally; returns the previous setting.
 * @example
 * ```ts
 * import { setGradEnabled } from '@fackel/tensor';
 * const prev = setGradEnabled(false);
 * setGradEnabled(prev);
 * ```
 */
export function setGradEnabled(on: boolean): boolean {
  const prev = shared.gradEnabled;
  shared.gradEnabled = on;
  return prev;
}

function withGradMode<T>(on: boolean, fn: () => T, name: string): T {
  const prev = setGradEnabled(on);
  try {
    const out = fn();
    if (out instanceof Promise) {
      throw new TypeError(`${name}: the function returned a Promise; ${name} only scopes synchronous code (await outside it)`);
    }
    return out;
  } finally {
    shared.gradEnabled = prev;
  }
}

/**
 * Runs `fn` without recording operations for autograd, like `torch.no_grad()`: nothing
 * inside keeps memory for a backward pass. Synchronous code only.
 *
 * @example
 * ```ts
 * import { noGrad, tensor } from '@fackel/tensor';
 * const w = tensor([1], { requiresGrad: true });
 * noGrad(() => w.sub_(0.1));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn, 'noGrad');
}

/** Runs `fn` with recording switched on again (inside a `noGrad`).
 * @example
 * ```ts
 * import { enableGrad, noGrad } from '@fackel/tensor';
 * noGrad(() => enableGrad(() => 1));
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn, 'enableGrad');
}
