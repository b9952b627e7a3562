/**
 * Debug mode: tensors remember where they were created, so a tensor that is
 * garbage-collected without `dispose()` is reported with its creation stack. Off by
 * default (capturing a stack per tensor is slow); on with `setDebug(true)` or the
 * environment variable `FACKEL_DEBUG=1`.
 */

import { shared } from './state.js';

// Debug mode and the leak reporter live in the process-wide state (state.ts), shared with any
// other loaded copy of this package; it starts with debug = FACKEL_DEBUG === '1'.

/**
 * Turns debug mode on or off; returns the previous setting. In debug mode every tensor
 * records its creation stack, and leaked tensors (collected without `dispose()`) are
 * reported through the leak reporter.
 *
 * @example
 * ```ts
 * import { setDebug } from '@fackel/tensor';
 * setDebug(true);
 * ```
 */
export function setDebug(on: boolean): boolean {
  const prev = shared.debug;
  shared.debug = on;
  return prev;
}

/** Whether debug mode is on.
 * @example
 * ```ts
 * import { isDebug } from '@fackel/tensor';
 * console.log(isDebug());
 * ```
 */
export function isDebug(): boolean {
  return shared.debug;
}

/**
 * Replaces the function that receives leak reports (default: `console.warn`).
 *
 * @example
 * ```ts
 * import { setLeakReporter } from '@fackel/tensor';
 * const leaks: string[] = [];
 * setLeakReporter((m) => leaks.push(m));
 * ```
 */
export function setLeakReporter(fn: (message: string) => void): void {
  shared.reporter = fn;
}

/** @internal */
export function reportLeak(message: string): void {
  shared.reporter(message);
}
