// The checks every learning-rate scheduler shares: the optimizer argument, the options object
// and its keys, and one rule per setting. A scheduler lists its settings once as rules
// (`{ stepSize: integer(1), gamma: finite() }`); `readOptions` applies them to the
// constructor's options and `readSettings` to a loaded state dict, so both see the same checks.
import { FackelError } from '@fackel/tensor';
import { type JsonValue, describeValue, isTensor, listNames } from '../optimizer.js';
import type { SchedulableOptimizer } from './lr-scheduler.js';

/** @internal Throws unless `optimizer` looks like an optimizer (parameter groups and a step count). */
export function checkOptimizer(optimizer: unknown, name: string): asserts optimizer is SchedulableOptimizer {
  const o = optimizer as Partial<SchedulableOptimizer> | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.paramGroups) || typeof o.stepCount !== 'number') {
    throw new FackelError(`${name}: the first argument must be an optimizer (such as new SGD(...)), got ${describeValue(optimizer)}`);
  }
}

/** @internal Throws unless `options` is a plain object whose keys are all in `known`. */
export function checkOptions(options: unknown, known: readonly string[], name: string, example: string): asserts options is Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options) || isTensor(options)) {
    throw new FackelError(`${name}: options must be an object such as ${example}, got ${describeValue(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new FackelError(`${name}: unknown option '${k}' (options are: ${listNames(known)})`);
  }
}

/** @internal A finite number passing `check` (described by `rule` in the message). */
export function num(value: unknown, what: string, where: string, check: (v: number) => boolean = () => true, rule = ''): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw new FackelError(`${where}: ${what} must be a finite number${rule ? ` ${rule}` : ''}, got ${describeValue(value)}`);
  }
  return value;
}

/** @internal An integer ≥ `min`. */
export function int(value: unknown, what: string, where: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new FackelError(`${where}: ${what} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** @internal A list of `length` finite numbers, one per parameter group. */
export function numList(value: unknown, what: string, where: string, length: number): number[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw new FackelError(
      `${where}: ${what} must be a list of ${length} number(s) (one per parameter group), got ${describeValue(value)}${Array.isArray(value) ? ` of length ${value.length}` : ''}`,
    );
  }
  return value.map((v, i) => num(v, `${what}[${i}]`, where));
}

/** @internal Reads one setting: returns `value` if valid, otherwise throws naming `what` and `where`. */
export type Rule<T extends JsonValue = JsonValue> = (value: unknown, what: string, where: string) => T;

/** @internal A scheduler's settings, each with its rule. */
export type Rules = Record<string, Rule>;

/** @internal The values that `rules` read. */
export type Settings<R extends Rules> = { -readonly [K in keyof R]: ReturnType<R[K]> };

/** @internal Rule: an integer ≥ `min`. */
export const integer =
  (min: number): Rule<number> =>
  (v, what, where) =>
    int(v, what, where, min);

/** @internal Rule: a finite number, optionally passing `check` (described by `rule`). */
export const finite =
  (check?: (v: number) => boolean, rule?: string): Rule<number> =>
  (v, what, where) =>
    num(v, what, where, check, rule);

/** @internal Rule: one of the given strings. */
export const oneOf =
  <T extends string>(...choices: T[]): Rule<T> =>
  (v, what, where) => {
    if (!choices.includes(v as T)) throw new FackelError(`${where}: ${what} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${describeValue(v)}`);
    return v as T;
  };

/** @internal Rule: one finite number per parameter group (named `name` in messages, if given). */
export const perGroup =
  (groups: number, name?: string): Rule<number[]> =>
  (v, what, where) =>
    numList(v, name ?? what, where, groups);

/** @internal Rule: epoch numbers (integers ≥ 0), sorted, repeats kept. */
export const epochs: Rule<number[]> = (v, what, where) => {
  if (!Array.isArray(v)) throw new FackelError(`${where}: ${what} must be a list of epoch numbers, got ${describeValue(v)}`);
  return v.map((m, i) => int(m, `${what}[${i}]`, where, 0)).sort((a, b) => a - b);
};

/** @internal Each setting of `values` read by its rule (all checked before any is used). */
export function readSettings<R extends Rules>(rules: R, values: Record<string, unknown>, where: string): Settings<R> {
  const out: Record<string, JsonValue> = {};
  for (const [key, rule] of Object.entries(rules)) out[key] = rule(values[key], key, where);
  return out as Settings<R>;
}

/**
 * @internal The constructor's preamble of an epoch-based scheduler: checks the optimizer and the
 * options object (its keys: the settings, `lastEpoch` and `others`), fills in `defaults` and
 * reads each setting by its rule. `lastEpoch` is checked by the `LRScheduler` constructor.
 */
export function readOptions<R extends Rules>(
  name: string,
  optimizer: unknown,
  options: unknown,
  example: string,
  rules: R,
  defaults: Partial<Settings<R>> = {},
  others: readonly string[] = [],
): Settings<R> & { lastEpoch: number } {
  checkOptimizer(optimizer, name);
  checkOptions(options, [...Object.keys(rules), ...others, 'lastEpoch'], name, example);
  const values: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(options)) if (v !== undefined && !(v === null && k in defaults)) values[k] = v;
  return { ...readSettings(rules, values, name), lastEpoch: (options.lastEpoch as number | undefined) ?? -1 };
}
