/**
 * The error that `fn` throws, for checking its class and message; throws (failing the test)
 * when `fn` returns normally.
 *
 * @example
 * ```ts
 * import { thrown } from '@fackel/testkit';
 * thrown(() => JSON.parse('{')).name; // 'SyntaxError'
 * ```
 */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}
