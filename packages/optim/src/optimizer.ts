import { FackelError, type Tensor, enableGrad, fmtShape, fullLike, isFloatingPoint, keep, noGrad, tensor, tidy } from '@fackel/tensor';

/**
 * A value that survives `JSON.stringify`/`JSON.parse` unchanged: the metadata part of a
 * state dict.
 *
 * @example
 * ```ts
 * import type { JsonValue } from '@fackel/optim';
 * const meta: JsonValue = { lr: 0.1, betas: [0.9, 0.999], amsgrad: false };
 * ```
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The option every optimizer has: the learning rate. Each optimizer extends it with its own
 * options (`AdamOptions`, `SGDOptions`, …).
 *
 * @example
 * ```ts
 * import type { OptimizerOptions } from '@fackel/optim';
 * const o: OptimizerOptions = { lr: 0.01 };
 * ```
 */
export interface OptimizerOptions {
  /** Learning rate (a scheduler changes it in every parameter group). */
  lr: number;
}

/**
 * A parameter group as passed to an optimizer: its tensors plus any options that should
 * differ from the optimizer's defaults.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD, type ParamGroupSpec, type SGDOptions } from '@fackel/optim';
 * const backbone = [zeros([4, 4])], head = [zeros([4])];
 * const groups: ParamGroupSpec<SGDOptions>[] = [{ params: backbone, lr: 1e-3 }, { params: head }];
 * const opt = new SGD(groups, { lr: 0.1, momentum: 0.9 });
 * ```
 */
export type ParamGroupSpec<O = OptimizerOptions> = {
  /** The group's parameters. */
  params: Iterable<Tensor> | Tensor;
} & Partial<O> & {
    /** The learning rate a scheduler starts from (set by the first scheduler when absent). */
    initialLr?: number;
  };

/**
 * One parameter with a gradient, as an optimizer's update loop sees it.
 * @example
 * ```ts
 * import type { GradientEntry } from '@fackel/optim';
 * declare const e: GradientEntry;
 * e.param.sub_(e.grad, 0.1);
 * ```
 */
export interface GradientEntry {
  /** The parameter. */
  param: Tensor;
  /** Its gradient (never null here). */
  grad: Tensor;
  /** The optimizer's state for this parameter. */
  state: ParamState;
  /** The parameter's index across all groups (the state dict's key). */
  index: number;
}

/**
 * What an optimizer takes as parameters: tensors (one group with the optimizer's options),
 * or parameter groups with their own options. `model.parameters()` fits the first form.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import type { Params, AdamOptions } from '@fackel/optim';
 * const w = zeros([2, 2]);
 * const a: Params<AdamOptions> = [w];
 * const b: Params<AdamOptions> = [{ params: [w], lr: 1e-4 }];
 * ```
 */
export type Params<O = OptimizerOptions> = Iterable<Tensor> | Iterable<ParamGroupSpec<O>>;

/**
 * A parameter group inside an optimizer: the full set of options (defaults filled in) and
 * the tensors. Options may be changed between steps (`group.lr = 0.01`); schedulers do that.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { SGD } from '@fackel/optim';
 * const opt = new SGD([zeros([3])], { lr: 0.1 });
 * opt.paramGroups[0].lr = 0.05; // the next step uses the new rate
 * ```
 */
export type ParamGroup<O extends OptimizerOptions> = O & {
  /** The tensors this group updates. */
  params: Tensor[];
  /** The learning rate a scheduler starts from (set by the first scheduler). */
  initialLr?: number;
};

/**
 * Per-parameter optimizer state: step counts as numbers, buffers as tensors owned by the
 * optimizer (`expAvg`, `momentumBuffer`, …).
 *
 * @example
 * ```ts
 * import type { ParamState } from '@fackel/optim';
 * declare const s: ParamState;
 * console.log(s.step);
 * ```
 */
export type ParamState = Record<string, Tensor | number>;

/**
 * A parameter group in a state dict: its options, and its parameters as indices into the
 * optimizer's parameters numbered across all groups in order (PyTorch's layout).
 *
 * @example
 * ```ts
 * import type { ParamGroupState } from '@fackel/optim';
 * const g: ParamGroupState = { params: [0, 1], lr: 0.1, momentum: 0.9 };
 * ```
 */
export interface ParamGroupState {
  /** Indices of the group's parameters (numbered across all groups, in order). */
  params: number[];
  /** Learning rate. */
  lr: number;
  /** Any other option of the group. */
  [option: string]: JsonValue | undefined;
}

/**
 * An optimizer's state dict, shaped like PyTorch's: per-parameter state keyed by parameter
 * index, and the parameter groups' options. Tensors in it are the optimizer's own (not
 * copies); use `flattenStateDict` to split it into named tensors and JSON for a checkpoint.
 *
 * @example
 * ```ts
 * import type { OptimizerStateDict } from '@fackel/optim';
 * declare const sd: OptimizerStateDict;
 * console.log(sd.paramGroups[0].lr, sd.state[0]?.step);
 * ```
 */
export interface OptimizerStateDict {
  /** State of each parameter that has any, keyed by parameter index. */
  state: { [paramIndex: number]: ParamState };
  /** Options of each parameter group, with parameter indices. */
  paramGroups: ParamGroupState[];
}

/** @internal Whether a value is a tensor (also across package copies). */
export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { isTensor?: unknown }).isTensor === true;
}

/** @internal `"[a, b, c]"` for error messages. */
export function listNames(names: Iterable<string>): string {
  return [...names].join(', ');
}

/**
 * The base class of all optimizers: parameter groups, per-parameter state, `step`,
 * `zeroGrad`, state dicts and disposal. A subclass implements `updateGroup` (called inside
 * `noGrad`) and declares its option checks and state keys.
 *
 * Optimizer state tensors are owned by the optimizer: they are created outside any `tidy`
 * scope's reach and freed by `dispose()` (or when a state dict is loaded over them).
 *
 * @example
 * ```ts
 * import { zeros, tensor, tidy } from '@fackel/tensor';
 * import { Optimizer, type OptimizerOptions, type ParamGroup, type Params } from '@fackel/optim';
 * // plain gradient descent, as a minimal custom optimizer
 * class GD extends Optimizer<OptimizerOptions> {
 *   constructor(params: Params<OptimizerOptions>, options: Partial<OptimizerOptions> = {}) {
 *     super('GD', params, { lr: 0.01 }, options, []);
 *   }
 *   protected checkOptions(o: OptimizerOptions, where: string): void {
 *     if (!(o.lr >= 0)) throw new Error(`${where}: lr must be >= 0`);
 *   }
 *   protected updateGroup(group: ParamGroup<OptimizerOptions>): void {
 *     for (const { param, grad } of this.gradients(group)) tidy(() => param.sub_(grad, group.lr));
 *   }
 * }
 * const w = zeros([2]);
 * const opt = new GD([w], { lr: 0.1 });
 * w.grad = tensor([1, -1]);
 * opt.step(); // w is now [-0.1, 0.1]
 * ```
 */
export abstract class Optimizer<O extends OptimizerOptions> {
  /** The optimizer's name, used in error messages (`'Adam'`). */
  readonly name: string;
  /** The options given to the constructor, with defaults filled in. */
  readonly defaults: Readonly<O>;
  /** The parameter groups, in order. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (created by the first step that sees a gradient). Owned by the optimizer. */
  readonly state = new Map<Tensor, ParamState>();
  /** State keys this optimizer stores per parameter (checked when loading a state dict). */
  protected readonly stateKeys: readonly string[];
  #stepCount = 0;

  /**
   * @param name - the optimizer's name for messages.
   * @param params - tensors or parameter groups.
   * @param defaults - every option with its default value (the keys define which options exist).
   * @param options - the user's options, overriding the defaults for every group.
   * @param stateKeys - the per-parameter state keys this optimizer uses.
   */
  protected constructor(name: string, params: Params<O>, defaults: O, options: Partial<O>, stateKeys: readonly string[]) {
    this.name = name;
    this.stateKeys = stateKeys;
    if (options === null || typeof options !== 'object' || Array.isArray(options) || isTensor(options)) {
      throw new FackelError(`${name}: options must be an object such as { lr: 0.01 }, got ${describeValue(options)}`);
    }
    const known = Object.keys(defaults);
    for (const key of Object.keys(options)) {
      if (!known.includes(key)) throw new FackelError(`${name}: unknown option '${key}' (${name} options are: ${listNames(known)})`);
    }
    const d = { ...defaults, ...copyOptions(options as Record<string, unknown>) } as O;
    this.checkOptions(d, name);
    this.defaults = Object.freeze(d);
    if (isTensor(params)) {
      throw new FackelError(
        `${name}: params must be a list of tensors or of parameter groups, but a single tensor was given; pass [tensor] (or model.parameters())`,
      );
    }
    if (params === null || typeof params !== 'object' || typeof (params as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
      throw new FackelError(
        `${name}: params must be an iterable of tensors (e.g. model.parameters()) or of parameter groups { params, ...options }, got ${describeValue(params)}`,
      );
    }
    const list: unknown[] = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new FackelError(`${name}: got an empty list of parameters; there is nothing to optimize`);
    const tensors = list.filter(isTensor).length;
    if (tensors === list.length) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupSpec<O>);
    else if (tensors === 0) for (const g of list) this.addParamGroup(g as ParamGroupSpec<O>);
    else throw new FackelError(`${name}: params mixes tensors and parameter groups; pass either tensors or groups { params, ...options }`);
  }

  /**
   * Checks a full set of options (defaults merged with a group's overrides); throws a
   * `FackelError` naming the bad option. `where` says which group for the message.
   */
  protected abstract checkOptions(options: O, where: string): void;

  /**
   * Updates the parameters of one group from their gradients. Runs inside `noGrad`; an
   * implementation wraps each parameter's math in `tidy` and keeps new state tensors.
   */
  protected abstract updateGroup(group: ParamGroup<O>): void;

  /** How many times `step()` has run (schedulers use it to detect a wrong call order).
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { SGD } from '@fackel/optim';
   * const opt = new SGD([zeros([1])], { lr: 0.1 });
   * opt.step();
   * console.log(opt.stepCount); // 1
   * ```
   */
  get stepCount(): number {
    return this.#stepCount;
  }

  /**
   * Adds a parameter group (e.g. for layers unfrozen during training). Options not given
   * come from the optimizer's defaults.
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { Adam } from '@fackel/optim';
   * const opt = new Adam([zeros([4])], { lr: 1e-3 });
   * opt.addParamGroup({ params: [zeros([2])], lr: 1e-4 });
   * ```
   */
  addParamGroup(group: ParamGroupSpec<O>): void {
    const where = `${this.name}: parameter group ${this.paramGroups.length}`;
    if (group === null || typeof group !== 'object' || isTensor(group) || !('params' in group)) {
      throw new FackelError(`${where} must be an object { params: [...tensors], ...options }, got ${describeValue(group)}`);
    }
    const { params: raw, ...overrides } = group as { params: unknown } & Record<string, unknown>;
    let params: unknown[];
    if (isTensor(raw)) params = [raw];
    else if (raw !== null && typeof raw === 'object' && typeof (raw as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function')
      params = Array.from(raw as Iterable<unknown>);
    else throw new FackelError(`${where}: 'params' must be a list of tensors, got ${describeValue(raw)}`);
    if (params.length === 0) throw new FackelError(`${where} has no parameters`);
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      if (!isTensor(p)) throw new FackelError(`${where}: parameter ${i} is not a tensor (got ${describeValue(p)})`);
      if (p.isDisposed) throw new FackelError(`${where}: parameter ${i} has been disposed`);
      if (!isFloatingPoint(p.dtype)) throw new FackelError(`${where}: parameter ${i} has dtype ${p.dtype}; only floating-point tensors can be optimized`);
      if (!p.isLeaf)
        throw new FackelError(
          `${where}: parameter ${i} is not a leaf tensor (it was computed by ${p.gradFn?.name ?? 'an operation'}); optimize the original tensor, or use .detach().requiresGrad_()`,
        );
      if (seen.has(p))
        throw new FackelError(`${where}: parameter ${i} appears more than once (in this group or an earlier one); each tensor may belong to one group only`);
      seen.add(p);
    });
    const merged = { ...this.defaults, ...copyOptions(overrides) } as unknown as ParamGroup<O>;
    this.checkKnownKeys(merged as unknown as Record<string, unknown>, where);
    this.checkOptions(merged, where);
    merged.params = params as Tensor[];
    this.paramGroups.push(merged);
  }

  /**
   * Clears the gradients of all parameters. With `setToNone` (the default, as in PyTorch 2)
   * the gradient tensors are disposed and `.grad` becomes null, which frees their memory
   * and makes the next backward write fresh gradients; with `setToNone: false` they are
   * filled with zeros in place.
   *
   * @example
   * ```ts
   * import { zeros, tensor } from '@fackel/tensor';
   * import { SGD } from '@fackel/optim';
   * const w = zeros([2]);
   * const opt = new SGD([w], { lr: 0.1 });
   * w.grad = tensor([1, 2]);
   * opt.zeroGrad(); // w.grad === null
   * ```
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const g = p.grad;
          if (g === null || g.isDisposed) {
            p.grad = null;
            continue;
          }
          if (setToNone || !g.isLeaf) {
            p.grad = null;
            g.dispose();
            if (!setToNone) p.grad = keep(fullLike(p, 0));
          } else {
            if (g.requiresGrad) g.requiresGrad_(false);
            g.zero_();
          }
        }
      }
    });
  }

  /**
   * Performs one optimization step: updates every parameter that has a gradient, without
   * recording for autograd. `closure`, if given, is called first (with gradient recording
   * on) to recompute the loss; its result is returned.
   *
   * @example
   * ```ts
   * import { zeros, tensor } from '@fackel/tensor';
   * import { Adam } from '@fackel/optim';
   * const w = zeros([2]);
   * const opt = new Adam([w], { lr: 0.1 });
   * w.grad = tensor([0.5, -2]);
   * opt.step();
   * ```
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    let loss: L | undefined;
    if (closure !== undefined) {
      if (typeof closure !== 'function')
        throw new FackelError(`${this.name}.step: the closure must be a function that recomputes the loss, got ${describeValue(closure)}`);
      loss = enableGrad(closure);
    }
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    });
    this.#stepCount++;
    return loss;
  }

  /**
   * The parameters of a group that have a gradient, with their state (an empty object on
   * the first step). Checks that each gradient matches its parameter.
   *
   * @example
   * ```ts
   * // inside a subclass's updateGroup:
   * // for (const { param, grad, state } of this.gradients(group)) { ... }
   * ```
   */
  protected *gradients(group: ParamGroup<O>): Generator<GradientEntry> {
    const gi = this.paramGroups.indexOf(group);
    for (let i = 0; i < group.params.length; i++) {
      const param = group.params[i];
      const grad = param.grad;
      if (grad === null) continue;
      const what = `${this.name}.step: parameter ${i} of group ${gi}`;
      if (param.isDisposed) throw new FackelError(`${what} has been disposed; remove it from the optimizer (create a new optimizer) or keep the tensor alive`);
      if (grad.isDisposed)
        throw new FackelError(`${what} has a disposed gradient; set param.grad = null instead of disposing it (or call optimizer.zeroGrad())`);
      if (grad.shape.length !== param.shape.length || grad.shape.some((d, k) => d !== param.shape[k])) {
        throw new FackelError(`${what} has shape ${fmtShape(param.shape)} but its gradient has shape ${fmtShape(grad.shape)}`);
      }
      if (grad.device !== param.device) throw new FackelError(`${what} is on '${param.device.name}' but its gradient is on '${grad.device.name}'`);
      if (grad.dtype !== param.dtype) throw new FackelError(`${what} has dtype ${param.dtype} but its gradient has dtype ${grad.dtype}`);
      let state = this.state.get(param);
      if (state === undefined) {
        state = {};
        this.state.set(param, state);
      }
      yield { param, grad, state, index: i };
    }
  }

  /**
   * A new state tensor like `param` filled with `value`, owned by the optimizer (kept out of
   * any enclosing `tidy`).
   *
   * @example
   * ```ts
   * // inside a subclass: state.expAvg = this.newState(param);
   * ```
   */
  protected newState(param: Tensor, value = 0): Tensor {
    return keep(fullLike(param, value));
  }

  /**
   * The optimizer's state as `{ state, paramGroups }`, like PyTorch's `state_dict()`.
   * Parameters are numbered across all groups in order; the tensors are the optimizer's
   * own (valid until the next `step`, load or `dispose`), so clone them to keep a snapshot.
   *
   * @example
   * ```ts
   * import { zeros, tensor } from '@fackel/tensor';
   * import { Adam, flattenStateDict } from '@fackel/optim';
   * const w = zeros([2]);
   * const opt = new Adam([w], { lr: 0.1 });
   * w.grad = tensor([1, 1]);
   * opt.step();
   * const { tensors, json } = flattenStateDict(opt.stateDict());
   * // tensors: { 'state.0.expAvg': …, 'state.0.expAvgSq': … }; json: plain JSON
   * ```
   */
  stateDict(): OptimizerStateDict {
    const paramGroups: ParamGroupState[] = [];
    const state: { [paramIndex: number]: ParamState } = {};
    let index = 0;
    for (const group of this.paramGroups) {
      const { params, ...options } = group as ParamGroup<O> & Record<string, unknown>;
      const ids: number[] = [];
      for (const p of params) {
        const s = this.state.get(p);
        if (s !== undefined && Object.keys(s).length > 0) state[index] = { ...s };
        ids.push(index++);
      }
      paramGroups.push({ ...(copyOptions(options) as Omit<ParamGroupState, 'params'>), params: ids } as ParamGroupState);
    }
    return { state, paramGroups };
  }

  /**
   * Restores state saved by `stateDict()` (possibly through `flattenStateDict`, JSON and
   * `unflattenStateDict`), so that training resumes exactly. The optimizer must have been
   * built with the same parameter layout (groups of the same sizes, in the same order).
   * Group options (learning rates included) are taken from the state dict. State tensors are
   * copied (converted to each parameter's dtype and device), so the caller still owns and may
   * dispose the tensors it passed.
   *
   * @example
   * ```ts
   * import { zeros, tensor } from '@fackel/tensor';
   * import { Adam } from '@fackel/optim';
   * const w = zeros([2]);
   * const a = new Adam([w], { lr: 0.1 });
   * w.grad = tensor([1, 1]);
   * a.step();
   * const b = new Adam([w], { lr: 0.1 });
   * b.loadStateDict(a.stateDict()); // b continues where a stopped
   * ```
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (
      stateDict === null ||
      typeof stateDict !== 'object' ||
      !Array.isArray(stateDict.paramGroups) ||
      stateDict.state === null ||
      typeof stateDict.state !== 'object'
    ) {
      throw new FackelError(`${where}: expected a state dict { state, paramGroups } as returned by stateDict(), got ${describeValue(stateDict)}`);
    }
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw new FackelError(`${where}: the state dict has ${saved.length} parameter group(s) but this optimizer has ${this.paramGroups.length}`);
    }
    // Map saved parameter indices to this optimizer's parameters, group by group, in order.
    const byIndex = new Map<number, Tensor>();
    const newGroups: ParamGroup<O>[] = [];
    saved.forEach((sg, gi) => {
      const group = this.paramGroups[gi];
      if (sg === null || typeof sg !== 'object' || !Array.isArray(sg.params)) {
        throw new FackelError(`${where}: parameter group ${gi} of the state dict has no 'params' list of indices`);
      }
      if (sg.params.length !== group.params.length) {
        throw new FackelError(
          `${where}: parameter group ${gi} has ${sg.params.length} parameter(s) in the state dict but ${group.params.length} in this optimizer; build the optimizer with the same parameters as the one that was saved`,
        );
      }
      sg.params.forEach((id, j) => {
        if (!Number.isInteger(id) || id < 0) throw new FackelError(`${where}: parameter group ${gi} lists an invalid parameter index ${JSON.stringify(id)}`);
        if (byIndex.has(id)) throw new FackelError(`${where}: parameter index ${id} appears in more than one place in the state dict's parameter groups`);
        byIndex.set(id, group.params[j]);
      });
      const { params: _ids, ...options } = sg;
      const merged = { ...this.defaults, ...copyOptions(options) } as unknown as ParamGroup<O>;
      const gw = `${where}: parameter group ${gi}`;
      this.checkKnownKeys(merged as unknown as Record<string, unknown>, gw);
      this.checkOptions(merged, gw);
      merged.params = group.params;
      newGroups.push(merged);
    });
    // Copy the state, all or nothing.
    const created: Tensor[] = [];
    const newState = new Map<Tensor, ParamState>();
    try {
      for (const [key, entry] of Object.entries(stateDict.state)) {
        const id = Number(key);
        const param = byIndex.get(id);
        if (param === undefined) throw new FackelError(`${where}: the state dict has state for parameter ${key}, which none of its parameter groups lists`);
        if (entry === null || typeof entry !== 'object')
          throw new FackelError(`${where}: the state of parameter ${key} must be an object, got ${describeValue(entry)}`);
        const ps: ParamState = {};
        for (const [name, value] of Object.entries(entry)) {
          const what = `${where}: state '${name}' of parameter ${key}`;
          if (!this.stateKeys.includes(name)) {
            throw new FackelError(
              `${where}: parameter ${key} has unknown state '${name}' (a ${this.name} optimizer keeps: ${listNames(this.stateKeys)}); was the state dict saved from a different optimizer?`,
            );
          }
          if (typeof value === 'number') {
            if (!Number.isFinite(value)) throw new FackelError(`${what} must be a finite number, got ${value}`);
            ps[name] = value;
          } else if (isTensor(value)) {
            const t = adoptStateTensor(value, param, what);
            created.push(t);
            ps[name] = t;
          } else {
            throw new FackelError(`${what} must be a number or a tensor, got ${describeValue(value)}`);
          }
        }
        newState.set(param, ps);
      }
    } catch (e) {
      for (const t of created) t.dispose();
      throw e;
    }
    this.disposeState();
    for (const [p, s] of newState) this.state.set(p, s);
    this.paramGroups.splice(0, this.paramGroups.length, ...newGroups);
  }

  /**
   * Frees the optimizer's state tensors. The optimizer may still be used afterwards (state
   * starts over, as for a new optimizer); the parameters are not touched.
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { Adam } from '@fackel/optim';
   * const opt = new Adam([zeros([2])], { lr: 0.1 });
   * opt.dispose();
   * ```
   */
  dispose(): void {
    this.disposeState();
  }

  /** Same as `dispose()`, for `using opt = new Adam(...)`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.state.clear();
  }

  private checkKnownKeys(options: Record<string, unknown>, where: string): void {
    const known = [...Object.keys(this.defaults), 'initialLr'];
    for (const key of Object.keys(options)) {
      if (key === 'params') continue;
      if (!known.includes(key)) throw new FackelError(`${where}: unknown option '${key}' (${this.name} options are: ${listNames(known)})`);
    }
    if (options.initialLr !== undefined) checkNumber(options.initialLr, 'initialLr', where, { min: 0 });
  }
}

/** @internal A copy of an options object whose arrays are copied too (betas). */
function copyOptions(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

/** A fresh, optimizer-owned copy of a loaded state tensor on the parameter's device and dtype. */
function adoptStateTensor(t: Tensor, param: Tensor, what: string): Tensor {
  if (t.isDisposed) throw new FackelError(`${what} has been disposed`);
  if (t.shape.length !== param.shape.length || t.shape.some((d, k) => d !== param.shape[k])) {
    throw new FackelError(`${what} has shape ${fmtShape(t.shape)} but the parameter has shape ${fmtShape(param.shape)}`);
  }
  const dtype = isFloatingPoint(t.dtype) ? param.dtype : t.dtype;
  return noGrad(() =>
    keep(
      tidy(() => {
        let src = t;
        if (t.device !== param.device) {
          if (!t.device.backend.readSync) {
            throw new FackelError(
              `${what} is on '${t.device.name}' but the parameter is on '${param.device.name}'; move the state tensors first (await t.to('${param.device.name}'))`,
            );
          }
          src = tensor(t.dataSync(), { dtype: t.dtype, device: param.device }).reshape(t.shape);
        }
        return src.dtype === dtype ? src.clone() : src.to(dtype);
      }),
    ),
  );
}

/** @internal A short description of a value for error messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (isTensor(v)) return `a tensor of shape ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v);
  return `${typeof v} ${String(v)}`;
}

/**
 * @internal Checks that an option is a finite number within bounds; throws a user-facing
 * `FackelError` naming the option otherwise.
 */
export function checkNumber(
  value: unknown,
  name: string,
  where: string,
  bounds: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean } = {},
): void {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new FackelError(`${where}: option '${name}' must be a number, got ${describeValue(value)}`);
  if (!Number.isFinite(value)) throw new FackelError(`${where}: option '${name}' must be finite, got ${value}`);
  const { min, max, minExclusive = false, maxExclusive = false } = bounds;
  if (min !== undefined && (minExclusive ? !(value > min) : !(value >= min))) {
    throw new FackelError(
      `${where}: invalid ${name} ${value}; it must be ${minExclusive ? '>' : '>='} ${min}${max !== undefined ? ` and ${maxExclusive ? '<' : '<='} ${max}` : ''}`,
    );
  }
  if (max !== undefined && (maxExclusive ? !(value < max) : !(value <= max))) {
    throw new FackelError(
      `${where}: invalid ${name} ${value}; it must be ${min !== undefined ? `${minExclusive ? '>' : '>='} ${min} and ` : ''}${maxExclusive ? '<' : '<='} ${max}`,
    );
  }
}

/** @internal Checks a boolean option. */
export function checkBoolean(value: unknown, name: string, where: string): void {
  if (typeof value !== 'boolean') throw new FackelError(`${where}: option '${name}' must be true or false, got ${describeValue(value)}`);
}
