import { FackelError, type Tensor } from '@fackel/tensor';
import { describeValue, isTensor, type JsonValue } from './optimizer.js';

/**
 * Anything `flattenStateDict` accepts: JSON values with tensors anywhere inside (an
 * optimizer's or scheduler's state dict, or an object holding several).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import type { StateTree } from '@fackel/optim';
 * const t: StateTree = { step: 3, buffers: [zeros([2])] };
 * ```
 */
export type StateTree = Tensor | null | boolean | number | string | readonly StateTree[] | { readonly [key: string]: StateTree | undefined };

/**
 * A state dict split for storage: `tensors` by name (for safetensors or any tensor file)
 * and `json`, the rest of the structure, where each tensor was replaced by
 * `{ "$tensor": name }`.
 *
 * @example
 * ```ts
 * import type { FlatStateDict } from '@fackel/optim';
 * declare const flat: FlatStateDict;
 * const text = JSON.stringify(flat.json);
 * console.log(Object.keys(flat.tensors)); // ['state.0.expAvg', ...]
 * ```
 */
export interface FlatStateDict {
  /** The tensors, named by their path in the state dict (`'state.0.expAvg'`), prefixed if asked. */
  tensors: Record<string, Tensor>;
  /** Everything else, JSON-serialisable, with `{ "$tensor": name }` where a tensor was. */
  json: JsonValue;
}

const TENSOR_KEY = '$tensor';

function isTensorRef(x: unknown): x is { $tensor: string } {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const keys = Object.keys(x);
  return keys.length === 1 && keys[0] === TENSOR_KEY && typeof (x as Record<string, unknown>)[TENSOR_KEY] === 'string';
}

/**
 * Splits a state dict (of an optimizer, a scheduler, or an object holding several) into
 * named tensors and JSON, so a checkpoint can keep the tensors in a tensor file (e.g.
 * safetensors) and the rest as JSON. Tensor names are the paths to the tensors joined with
 * dots (`state.3.expAvgSq`), after `prefix`. The tensors are the same objects as in the
 * state dict (not copies). Inverse: {@link unflattenStateDict}.
 *
 * @param stateDict - what `stateDict()` returned, or an object containing such values.
 * @param prefix - put before every tensor name, e.g. `'optimizer.'`.
 *
 * @example
 * ```ts
 * import { zeros, tensor } from '@fackel/tensor';
 * import { Adam, StepLR, flattenStateDict } from '@fackel/optim';
 * const w = zeros([2]);
 * const opt = new Adam([w], { lr: 0.1 });
 * const sched = new StepLR(opt, { stepSize: 10 });
 * w.grad = tensor([1, 1]);
 * opt.step();
 * sched.step();
 * const { tensors, json } = flattenStateDict({ optimizer: opt.stateDict(), scheduler: sched.stateDict() });
 * // tensors: { 'optimizer.state.0.expAvg': …, 'optimizer.state.0.expAvgSq': … }
 * const text = JSON.stringify(json);
 * ```
 */
export function flattenStateDict(stateDict: StateTree | object, prefix = ''): FlatStateDict {
  const tensors: Record<string, Tensor> = {};
  const walk = (x: unknown, path: string[]): JsonValue => {
    const where = path.length ? `'${path.join('.')}'` : 'the state dict';
    if (isTensor(x)) {
      if (x.isDisposed) throw new FackelError(`flattenStateDict: the tensor at ${where} has been disposed`);
      const name = prefix + path.join('.');
      if (name in tensors) throw new FackelError(`flattenStateDict: two tensors would both be named '${name}' (a key contains a '.'); rename the key`);
      tensors[name] = x;
      return { [TENSOR_KEY]: name };
    }
    if (x === null || typeof x === 'boolean' || typeof x === 'string') return x;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) throw new FackelError(`flattenStateDict: the number at ${where} is ${x}, which JSON cannot store`);
      return x;
    }
    if (Array.isArray(x)) return x.map((v, i) => walk(v === undefined ? null : v, [...path, String(i)]));
    if (typeof x === 'object') {
      const proto = Object.getPrototypeOf(x);
      if (proto !== Object.prototype && proto !== null) {
        throw new FackelError(
          `flattenStateDict: the value at ${where} is a ${proto?.constructor?.name ?? 'class instance'}; only plain objects, arrays, numbers, strings, booleans, null and tensors can be stored`,
        );
      }
      if (isTensorRef(x)) throw new FackelError(`flattenStateDict: the object at ${where} looks like a tensor reference { "$tensor": ... }, which is reserved`);
      const out: { [key: string]: JsonValue } = {};
      for (const [k, v] of Object.entries(x)) if (v !== undefined) out[k] = walk(v, [...path, k]);
      return out;
    }
    throw new FackelError(`flattenStateDict: the value at ${where} is ${describeValue(x)}, which cannot be stored`);
  };
  const json = walk(stateDict, []);
  return { tensors, json };
}

/**
 * Rebuilds a state dict from the `json` and `tensors` of {@link flattenStateDict} (for
 * example after reading the JSON and a safetensors file). The tensors are used as they
 * are; `loadStateDict` copies them, so the caller may dispose them afterwards.
 *
 * @param json - the JSON part (parsed).
 * @param tensors - the tensors by name, as an object or a Map.
 *
 * @example
 * ```ts
 * import { zeros, tensor } from '@fackel/tensor';
 * import { Adam, flattenStateDict, unflattenStateDict, type OptimizerStateDict } from '@fackel/optim';
 * const w = zeros([2]);
 * const opt = new Adam([w], { lr: 0.1 });
 * w.grad = tensor([1, 1]);
 * opt.step();
 * const { tensors, json } = flattenStateDict(opt.stateDict());
 * const restored = unflattenStateDict<OptimizerStateDict>(JSON.parse(JSON.stringify(json)), tensors);
 * new Adam([w], { lr: 0.1 }).loadStateDict(restored);
 * ```
 */
export function unflattenStateDict<T = unknown>(json: JsonValue, tensors: Record<string, Tensor> | ReadonlyMap<string, Tensor>): T {
  const get = (name: string): Tensor | undefined => (tensors instanceof Map ? tensors.get(name) : (tensors as Record<string, Tensor>)[name]);
  const names = (): string[] => (tensors instanceof Map ? [...tensors.keys()] : Object.keys(tensors));
  const walk = (x: unknown, path: string[]): unknown => {
    if (isTensorRef(x)) {
      const name = x[TENSOR_KEY];
      const t = get(name);
      if (t === undefined || !isTensor(t)) {
        const have = names();
        throw new FackelError(
          `unflattenStateDict: the state dict needs a tensor named '${name}', which is missing (got ${have.length ? have.slice(0, 8).join(', ') + (have.length > 8 ? ', …' : '') : 'no tensors'})`,
        );
      }
      return t;
    }
    if (Array.isArray(x)) return x.map((v, i) => walk(v, [...path, String(i)]));
    if (x !== null && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) out[k] = walk(v, [...path, k]);
      return out;
    }
    return x;
  };
  return walk(json, []) as T;
}
