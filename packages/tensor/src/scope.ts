import { shared } from './state.js';
import type { Tensor } from './tensor.js';

// The stack of open `tidy` scopes, shared with any other loaded copy of this package (state.ts).
const scopes: Set<Tensor>[] = shared.scopes;

/** @internal Adds a newly created tensor to the innermost `tidy` scope. */
export function trackTensor(t: Tensor): void {
  const s = scopes[scopes.length - 1];
  if (s !== undefined) s.add(t);
}

/** @internal Forgets a tensor in all scopes (it was disposed or kept). */
export function untrackTensor(t: Tensor): void {
  for (let i = scopes.length - 1; i >= 0; i--) scopes[i].delete(t);
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors it returns
 * (directly, or inside arrays and plain objects) and those passed to `keep`. Returned
 * tensors move to the enclosing scope. Synchronous functions only.
 *
 * @example
 * ```ts
 * import { tidy, tensor } from '@fackel/tensor';
 * const x = tensor([1, 2, 3]);
 * const y = tidy(() => x.mul(2).add(1).sum()); // the intermediates are released
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TypeError('tidy: the function returned a Promise; tidy only scopes synchronous code');
  }
  const parent = scopes[scopes.length - 1];
  if (result === null || typeof result !== 'object') {
    // nothing returned can hold a tensor
    for (const t of scope) t.dispose();
  } else if ((result as { isTensor?: unknown }).isTensor === true) {
    for (const t of scope) {
      if (t === (result as unknown)) parent?.add(t);
      else t.dispose();
    }
  } else {
    const kept = new Set<Tensor>();
    collectTensors(result, kept, 0);
    for (const t of scope) {
      if (kept.has(t)) parent?.add(t);
      else t.dispose();
    }
  }
  return result;
}

/**
 * Exempts a tensor from disposal by the enclosing `tidy` scopes; returns it.
 *
 * @example
 * ```ts
 * import { tidy, keep, tensor } from '@fackel/tensor';
 * let saved;
 * tidy(() => { saved = keep(tensor([1]).mul(3)); });
 * ```
 */
export function keep<T extends Tensor>(t: T): T {
  untrackTensor(t);
  return t;
}

function collectTensors(x: unknown, out: Set<Tensor>, depth: number): void {
  if (x === null || typeof x !== 'object' || depth > 8) return;
  if ((x as { isTensor?: unknown }).isTensor === true) {
    out.add(x as Tensor);
    return;
  }
  if (Array.isArray(x)) for (const v of x) collectTensors(v, out, depth + 1);
  else if (x instanceof Map) for (const v of x.values()) collectTensors(v, out, depth + 1);
  else if (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null) {
    for (const v of Object.values(x)) collectTensors(v, out, depth + 1);
  } else if (typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
    for (const v of x as Iterable<unknown>) collectTensors(v, out, depth + 1);
  }
}
