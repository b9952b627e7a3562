import { type Device, FackelError, Tensor, fmtShape, getDevice, isDType, isFloatingPoint, keep, noGrad, tensor, type DType } from '@fackel/tensor';
import { Parameter, isParameter } from './parameter.js';

/**
 * A state dict: parameter and buffer names (PyTorch's dotted names, `lstm.weight_ih_l0`,
 * `fc.bias`) mapped to tensors. {@link Module.stateDict} returns a plain object;
 * {@link Module.loadStateDict} and `saveSafetensors` also accept a `Map`.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import type { StateDict } from '@fackel/nn';
 * const sd: StateDict = { 'fc.weight': zeros([2, 3]), 'fc.bias': zeros([2]) };
 * ```
 */
export type StateDict = Record<string, Tensor>;

/** Options of {@link Module.loadStateDict}.
 * @example
 * ```ts
 * import type { LoadStateDictOptions } from '@fackel/nn';
 * const o: LoadStateDictOptions = { strict: false };
 * ```
 */
export interface LoadStateDictOptions {
  /** Require exactly the module's keys (default true). Shape mismatches are errors either way. */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} reports: keys the module has that the dict lacked, and keys the dict had that the module lacks.
 * @example
 * ```ts
 * import type { LoadStateDictResult } from '@fackel/nn';
 * const r: LoadStateDictResult = { missingKeys: [], unexpectedKeys: ['fc.extra'] };
 * ```
 */
export interface LoadStateDictResult {
  /** Keys the module has that the state dict lacked (left unchanged). */
  missingKeys: string[];
  /** Keys in the state dict that the module does not have (ignored). */
  unexpectedKeys: string[];
}

/**
 * A state dict that does not fit the module: the message lists every missing and unexpected
 * key and every shape mismatch, like PyTorch's `Error(s) in loading state_dict for …`.
 *
 * @example
 * ```ts
 * import { StateDictError, Linear } from '@fackel/nn';
 * try { new Linear(2, 3).loadStateDict({}); } catch (e) { console.log(e instanceof StateDictError); }
 * ```
 */
export class StateDictError extends FackelError {
  constructor(
    message: string,
    /** Keys the module has that the state dict lacks. */
    readonly missingKeys: readonly string[],
    /** Keys in the state dict that the module does not have. */
    readonly unexpectedKeys: readonly string[],
    /** Keys whose value does not fit (shape, not a tensor, unreachable device). */
    readonly mismatchedKeys: readonly string[],
  ) {
    super(message);
  }
}

function isModule(x: unknown): x is Module {
  return x instanceof Module;
}

function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * The base class of every layer and model, like PyTorch's `nn.Module`.
 *
 * Submodules and parameters register themselves by property assignment: any property
 * holding a {@link Module} is a child, any property holding a {@link Parameter} is a
 * parameter, in the order the properties were created. Buffers (non-learnable state) are
 * registered with {@link Module.registerBuffer}. Names follow PyTorch, so
 * `namedParameters()` gives `lstm.weight_ih_l0`, `fc.bias`, … and a state dict moves
 * between Fackel and PyTorch unchanged. Arrays of modules are not searched; use
 * {@link ModuleList}.
 *
 * Subclasses implement {@link Module.forward}. PyTorch calls a module as `model(x)`; in
 * TypeScript call `model.forward(x)` or its alias `model.call(x)`. The type parameters
 * give `forward`'s argument list and result.
 *
 * @example
 * ```ts
 * import { type Tensor } from '@fackel/tensor';
 * import { Module, Linear } from '@fackel/nn';
 * class Net extends Module<[Tensor], Tensor> {
 *   fc1 = new Linear(8, 6);
 *   fc2 = new Linear(6, 1);
 *   forward(x: Tensor): Tensor {
 *     return this.fc2.forward(this.fc1.forward(x).sigmoid()).sigmoid();
 *   }
 * }
 * const net = new Net();
 * net.namedParameters().map(([name]) => name); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: a bare `Module` accepts and returns anything, as torch.nn.Module does; layers narrow it
export abstract class Module<In extends unknown[] = any[], Out = any> {
  /** Whether the module is in training mode (dropout active); set with `train()`/`eval()`. */
  training = true;

  /** Registered buffer names → whether they are persistent (part of the state dict). */
  declare private _bufferNames: Map<string, boolean>;

  constructor() {
    Object.defineProperty(this, '_bufferNames', { value: new Map<string, boolean>(), enumerable: false, writable: false });
  }

  /** The computation; subclasses implement it. Call it directly or through {@link Module.call}. */
  abstract forward(...args: In): Out;

  /**
   * Runs {@link Module.forward}: the TypeScript spelling of PyTorch's `model(x)`.
   *
   * @example
   * ```ts
   * import { randn } from '@fackel/tensor';
   * import { Linear } from '@fackel/nn';
   * const y = new Linear(3, 2).call(randn([4, 3])); // [4, 2]
   * ```
   */
  call(...args: In): Out {
    return this.forward(...args);
  }

  // ------------------------------------------------------------------ registration

  /**
   * Registers (or replaces, or with `null` removes) a parameter under `name`; the same as
   * assigning a {@link Parameter} to the property.
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { Linear, Parameter } from '@fackel/nn';
   * const m = new Linear(2, 2);
   * m.registerParameter('scale', new Parameter(zeros([1])));
   * ```
   */
  registerParameter(name: string, param: Tensor | null): void {
    this.checkName(name, 'registerParameter');
    if (param !== null && !isParameter(param)) {
      throw new FackelError(`${this.constructor.name}.registerParameter: '${name}' must be a Parameter (wrap the tensor: new Parameter(t)) or null`);
    }
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  /**
   * Registers a buffer: a tensor that is part of the module's state (moved by `to`, saved in
   * the state dict when `persistent`) but not a parameter, like a running mean. Read it back
   * as a property (`this.runningMean`). `null` declares the buffer without a value.
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { Linear } from '@fackel/nn';
   * const m = new Linear(2, 2);
   * m.registerBuffer('steps', zeros([1]));
   * Object.keys(m.stateDict()); // ['weight', 'bias', 'steps']
   * ```
   */
  registerBuffer(name: string, value: Tensor | null, persistent = true): void {
    this.checkName(name, 'registerBuffer');
    if (value !== null && !(value instanceof Tensor)) {
      throw new FackelError(`${this.constructor.name}.registerBuffer: '${name}' must be a Tensor or null, got ${typeof value}`);
    }
    if (isParameter(value)) {
      throw new FackelError(`${this.constructor.name}.registerBuffer: '${name}' is a Parameter; assign it as a property instead`);
    }
    if (value !== null) keep(value);
    this._bufferNames.set(name, persistent);
    (this as unknown as Record<string, unknown>)[name] = value;
  }

  /**
   * Registers a submodule under `name`; the same as assigning it to the property (useful for
   * names computed at run time).
   *
   * @example
   * ```ts
   * import { Linear, Sequential } from '@fackel/nn';
   * const s = new Sequential();
   * s.registerModule('head', new Linear(4, 2));
   * ```
   */
  registerModule(name: string, module: Module | null): void {
    this.checkName(name, 'registerModule');
    if (module !== null && !isModule(module)) {
      throw new FackelError(`${this.constructor.name}.registerModule: '${name}' must be a Module or null`);
    }
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  private checkName(name: string, op: string): void {
    if (typeof name !== 'string' || name === '') throw new FackelError(`${this.constructor.name}.${op}: the name must be a non-empty string`);
    if (name.includes('.')) throw new FackelError(`${this.constructor.name}.${op}: the name '${name}' must not contain '.'`);
  }

  /** Own (non-recursive) parameters: [name, tensor], in property order. Containers override this. */
  protected ownParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, v] of Object.entries(this)) if (isParameter(v)) out.push([k, v]);
    return out;
  }

  /** Own buffers: [name, tensor, persistent]. */
  protected ownBuffers(): [string, Tensor, boolean][] {
    const out: [string, Tensor, boolean][] = [];
    for (const [k, persistent] of this._bufferNames) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v instanceof Tensor) out.push([k, v, persistent]);
    }
    return out;
  }

  // ------------------------------------------------------------------ traversal

  /**
   * The direct submodules with their names. Containers ({@link Sequential},
   * {@link ModuleList}, {@link ModuleDict}) name them `'0'`, `'1'`, … or by key.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@fackel/nn';
   * new Sequential(new Linear(2, 3), new ReLU()).namedChildren().map(([n]) => n); // ['0', '1']
   * ```
   */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of Object.entries(this)) if (isModule(v)) out.push([k, v]);
    return out;
  }

  /**
   * The direct submodules.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@fackel/nn';
   * new Sequential(new Linear(2, 3), new ReLU()).children().length; // 2
   * ```
   */
  children(): Module[] {
    const seen = new Set<Module>();
    const out: Module[] = [];
    for (const [, m] of this.namedChildren()) {
      if (!seen.has(m)) {
        seen.add(m);
        out.push(m);
      }
    }
    return out;
  }

  /**
   * This module and all its descendants (pre-order) with dotted names; the root is `''`.
   * A module reachable twice is listed once.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@fackel/nn';
   * new Sequential(new Linear(2, 3), new ReLU()).namedModules().map(([n]) => n); // ['', '0', '1']
   * ```
   */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, name: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [k, c] of m.namedChildren()) visit(c, name === '' ? k : `${name}.${k}`);
    };
    visit(this, prefix);
    return out;
  }

  /**
   * This module and all its descendants (pre-order).
   *
   * @example
   * ```ts
   * import { Linear, Sequential } from '@fackel/nn';
   * new Sequential(new Linear(2, 3)).modules().length; // 2
   * ```
   */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * All parameters with PyTorch's dotted names, each tensor once (a parameter shared by two
   * modules keeps its first name). With `recurse = false` only this module's own.
   *
   * @example
   * ```ts
   * import { LSTM } from '@fackel/nn';
   * new LSTM(3, 4).namedParameters().map(([n]) => n);
   * // ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
   * ```
   */
  namedParameters(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedTensors(prefix, recurse, (m) => m.ownParameters());
  }

  /** The tensors `own` gives of this module (and its submodules when `recurse`), dotted names, each tensor once (its first name). */
  private namedTensors(prefix: string, recurse: boolean, own: (m: Module) => [string, Tensor, ...unknown[]][]): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mName, m] of mods) {
      for (const [k, t] of own(m)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([mName === '' ? k : `${mName}.${k}`, t]);
      }
    }
    return out;
  }

  /**
   * All parameters (each once), e.g. to hand to an optimizer.
   *
   * @example
   * ```ts
   * import { Linear } from '@fackel/nn';
   * new Linear(3, 2).parameters().map((p) => p.shape); // [[2, 3], [2]]
   * ```
   */
  parameters(recurse = true): Tensor[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /**
   * All buffers with dotted names (persistent or not), each tensor once.
   *
   * @example
   * ```ts
   * import { zeros } from '@fackel/tensor';
   * import { Linear } from '@fackel/nn';
   * const m = new Linear(2, 2);
   * m.registerBuffer('count', zeros([1]));
   * m.namedBuffers().map(([n]) => n); // ['count']
   * ```
   */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedTensors(prefix, recurse, (m) => m.ownBuffers());
  }

  /**
   * All buffers (each once).
   *
   * @example
   * ```ts
   * import { Linear } from '@fackel/nn';
   * new Linear(2, 2).buffers().length; // 0
   * ```
   */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  /**
   * The submodule at a dotted path (`'encoder.layers.0'`); `''` is the module itself.
   *
   * @example
   * ```ts
   * import { Linear, Sequential } from '@fackel/nn';
   * const s = new Sequential(new Linear(2, 3));
   * s.getSubmodule('0'); // the Linear
   * ```
   */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    const walked: string[] = [];
    for (const part of target.split('.')) {
      const next = m.namedChildren().find(([k]) => k === part)?.[1];
      if (next === undefined) {
        throw new FackelError(
          `getSubmodule: ${m.constructor.name}${walked.length ? ` at '${walked.join('.')}'` : ''} has no submodule '${part}' (it has: ${
            m
              .namedChildren()
              .map(([k]) => k)
              .join(', ') || 'none'
          })`,
        );
      }
      walked.push(part);
      m = next;
    }
    return m;
  }

  // ------------------------------------------------------------------ modes and helpers

  /**
   * Sets training mode on this module and every descendant (dropout is active only in
   * training mode); returns the module.
   *
   * @example
   * ```ts
   * import { Dropout, Sequential } from '@fackel/nn';
   * const m = new Sequential(new Dropout(0.5)).train(false);
   * m.training; // false
   * ```
   */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /**
   * Evaluation mode: `train(false)`.
   *
   * @example
   * ```ts
   * import { LSTM } from '@fackel/nn';
   * const lstm = new LSTM(3, 4, { numLayers: 2, dropout: 0.5 }).eval();
   * ```
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Sets `requiresGrad` on every parameter (freezing with `false`); returns the module.
   *
   * @example
   * ```ts
   * import { Linear } from '@fackel/nn';
   * const frozen = new Linear(3, 2).requiresGrad_(false);
   * ```
   */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Clears the gradients of all parameters. With `setToNone` (the default, as in PyTorch 2)
   * the `.grad` tensors are disposed and set to null; otherwise they are zeroed in place.
   *
   * @example
   * ```ts
   * import { Linear } from '@fackel/nn';
   * const m = new Linear(3, 2);
   * m.zeroGrad();
   * ```
   */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g === null) continue;
      if (setToNone) {
        p.grad = null;
        g.dispose();
      } else {
        noGrad(() => g.zero_());
      }
    }
  }

  /**
   * Calls `fn` on every submodule (children first) and then on this module, like PyTorch's
   * `apply`, e.g. for custom initialisation; returns the module.
   *
   * @example
   * ```ts
   * import { Linear, Sequential, init } from '@fackel/nn';
   * const net = new Sequential(new Linear(4, 4), new Linear(4, 1));
   * net.apply((m) => { if (m instanceof Linear) init.xavierUniform_(m.weight); });
   * ```
   */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ------------------------------------------------------------------ devices and dtypes

  /**
   * Moves every parameter, gradient and buffer to a device (asynchronously, as tensor moves
   * are), or casts the floating-point ones to a dtype (synchronously). The module keeps its
   * identity; its tensors are replaced and the old ones disposed, so build the optimizer
   * after moving the model. Tensors shared between modules stay shared.
   *
   * @example
   * ```ts
   * import { Linear } from '@fackel/nn';
   * const m = new Linear(3, 2);
   * await m.to('cpu');
   * m.to('float64'); // for gradcheck
   * ```
   */
  to(dtype: DType): this;
  to(device: string | Device): Promise<this>;
  to(target: DType | string | Device): this | Promise<this> {
    if (typeof target === 'string' && isDType(target)) {
      const dtype = target;
      this.replaceTensors((t) => (isFloatingPoint(t.dtype) && t.dtype !== dtype ? noGrad(() => t.to(dtype)) : null));
      return this;
    }
    return this.toDevice(getDevice(target));
  }

  /** Casts floating-point parameters and buffers to float32.
   * @example
   * ```ts
   * import { Linear } from '@fackel/nn';
   * new Linear(2, 2).double().float();
   * ```
   */
  float(): this {
    return this.to('float32');
  }

  /** Casts floating-point parameters and buffers to float64 (CPU only), e.g. for `gradcheck`.
   * @example
   * ```ts
   * import { Linear } from '@fackel/nn';
   * new Linear(2, 2).double().weight.dtype; // 'float64'
   * ```
   */
  double(): this {
    return this.to('float64');
  }

  private async toDevice(device: Device): Promise<this> {
    const moved = new Map<Tensor, Tensor>();
    const grads = new Map<Tensor, Tensor>();
    for (const t of this.allOwnedTensors()) {
      if (t.device === device || moved.has(t)) continue;
      moved.set(t, await t.to(device));
      if (t.grad !== null) grads.set(t, await t.grad.to(device));
    }
    this.replaceTensors((t) => moved.get(t) ?? null, grads);
    return this;
  }

  private allOwnedTensors(): Tensor[] {
    const out: Tensor[] = [];
    for (const m of this.modules()) {
      for (const [, p] of m.ownParameters()) out.push(p);
      for (const [, b] of m.ownBuffers()) out.push(b);
    }
    return out;
  }

  /** Replaces parameters and buffers by `convert(t)` (null: keep), sharing preserved; disposes the old ones. */
  private replaceTensors(convert: (t: Tensor) => Tensor | null, grads?: Map<Tensor, Tensor>): void {
    const done = new Map<Tensor, Tensor>();
    const make = (t: Tensor, param: boolean): Tensor | null => {
      const prev = done.get(t);
      if (prev !== undefined) return prev;
      const raw = convert(t);
      if (raw === null) return null;
      let out: Tensor;
      if (param) {
        out = new Parameter(raw.isLeaf ? raw : raw.detach(), t.requiresGrad);
        const g = grads?.get(t);
        if (g !== undefined) out.grad = g;
        else if (t.grad !== null && isFloatingPoint(out.dtype)) out.grad = noGrad(() => t.grad!.to(out.dtype));
      } else {
        out = keep(raw);
      }
      done.set(t, out);
      return out;
    };
    for (const m of this.modules()) {
      const rec = m as unknown as Record<string, unknown>;
      for (const [k, p] of m.ownParameters()) {
        const n = make(p, true);
        if (n !== null) m.setOwnTensor(k, n);
      }
      for (const [k, b] of m.ownBuffers()) {
        const n = make(b, false);
        if (n !== null) rec[k] = n;
      }
    }
    for (const old of done.keys()) old.dispose();
  }

  /** Replaces an own parameter; containers that keep parameters elsewhere override this. */
  protected setOwnTensor(name: string, t: Tensor): void {
    (this as unknown as Record<string, unknown>)[name] = t;
  }

  // ------------------------------------------------------------------ state dict

  /**
   * The module's state: every parameter and persistent buffer under its dotted name (a
   * tensor shared by two modules appears under both names, as in PyTorch).
   *
   * Ownership: the values are **detached views sharing storage** with the parameters (as in
   * PyTorch), so writing into them changes the model. They are new tensor objects owned by
   * the caller: disposing them (or letting a `tidy` scope do it) never affects the module.
   * With `keepVars` the parameter tensors themselves are returned; do not dispose those.
   *
   * @example
   * ```ts
   * import type { Tensor } from '@fackel/tensor';
   * import { LSTM, Linear, Module, saveSafetensors } from '@fackel/nn';
   * class CharRNN extends Module<[Tensor], Tensor> {
   *   lstm = new LSTM(65, 128, { numLayers: 2, batchFirst: true });
   *   fc = new Linear(128, 65);
   *   forward(x: Tensor): Tensor { return this.fc.forward(this.lstm.forward(x)[0]); }
   * }
   * const sd = new CharRNN().stateDict(); // 'lstm.weight_ih_l0', …, 'fc.weight', 'fc.bias'
   * await saveSafetensors('model.safetensors', sd);
   * ```
   */
  stateDict(options: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    const prefix = options.prefix ?? '';
    const out: StateDict = {};
    this.collectState(prefix, (name, t) => {
      out[name] = options.keepVars ? t : t.detach();
    });
    return out;
  }

  /** Visits every state entry (params then persistent buffers per module, then children), no de-duplication. */
  private collectState(prefix: string, visit: (name: string, t: Tensor) => void, stack = new Set<Module>()): void {
    if (stack.has(this)) return;
    stack.add(this);
    for (const [k, p] of this.ownParameters()) visit(prefix + k, p);
    for (const [k, b, persistent] of this.ownBuffers()) if (persistent) visit(prefix + k, b);
    for (const [k, c] of this.namedChildren()) c.collectState(`${prefix}${k}.`, visit, stack);
    stack.delete(this);
  }

  /**
   * Copies a state dict into the module's parameters and persistent buffers (in place, so
   * optimizers keep working). Everything is checked before anything is copied: with
   * `strict` (the default) the error lists every missing and unexpected key; a shape
   * mismatch is an error either way. Values are converted to each parameter's dtype, and a
   * tensor on another device is copied over when its device can be read synchronously (CPU).
   *
   * @example
   * ```ts
   * import { Linear, loadSafetensors } from '@fackel/nn';
   * const fc = new Linear(128, 65);
   * const { tensors } = await loadSafetensors('fc.safetensors');
   * fc.loadStateDict(tensors);
   * ```
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    if (stateDict === null || typeof stateDict !== 'object') {
      throw new FackelError(
        `${this.constructor.name}.loadStateDict: expected an object or Map of name → Tensor, got ${stateDict === null ? 'null' : typeof stateDict}`,
      );
    }
    const source: Map<string, unknown> = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const expected = new Map<string, Tensor>();
    this.collectState('', (name, t) => expected.set(name, t));
    const missing: string[] = [];
    const unexpected: string[] = [];
    const mismatched: string[] = [];
    const problems: string[] = [];
    const copies: [Tensor, Tensor, string][] = [];
    for (const [name, dst] of expected) {
      const src = source.get(name);
      if (src === undefined) {
        missing.push(name);
        continue;
      }
      if (!(src instanceof Tensor)) {
        mismatched.push(name);
        problems.push(`value for ${name} is not a Tensor (got ${src === null ? 'null' : typeof src})`);
        continue;
      }
      if (src.isDisposed) {
        mismatched.push(name);
        problems.push(`the tensor for ${name} has been disposed`);
        continue;
      }
      if (src.shape.length !== dst.shape.length || src.shape.some((d, i) => d !== dst.shape[i])) {
        mismatched.push(name);
        problems.push(
          `size mismatch for ${name}: copying a param with shape ${fmtShape(src.shape)} from checkpoint, the shape in current model is ${fmtShape(dst.shape)}`,
        );
        continue;
      }
      if (src.device !== dst.device && !src.device.backend.readSync) {
        mismatched.push(name);
        problems.push(
          `the tensor for ${name} is on '${src.device.name}' but the module's is on '${dst.device.name}'; move it first with await t.to('${dst.device.name}')`,
        );
        continue;
      }
      copies.push([dst, src, name]);
    }
    for (const name of source.keys()) if (!expected.has(name)) unexpected.push(name);
    if (problems.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      const lines: string[] = [];
      if (strict && missing.length > 0) lines.push(`Missing key(s) in state_dict: ${missing.map((k) => `"${k}"`).join(', ')}.`);
      if (strict && unexpected.length > 0) lines.push(`Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(', ')}.`);
      lines.push(...problems.map((p) => `${p}.`));
      throw new StateDictError(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${lines.join('\n\t')}`, missing, unexpected, mismatched);
    }
    noGrad(() => {
      for (const [dst, src] of copies) {
        if (src.device === dst.device) {
          dst.copy_(src);
        } else {
          const moved = tensor(src.dataSync(), { dtype: src.dtype, device: dst.device });
          const shaped = moved.reshape(dst.shape);
          dst.copy_(shaped);
          shaped.dispose();
          moved.dispose();
        }
      }
    });
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  // ------------------------------------------------------------------ printing

  /**
   * The extra text in this module's line of `toString()` (`in=3, out=2` and the like);
   * subclasses override it.
   *
   * @example
   * ```ts
   * import { Linear } from '@fackel/nn';
   * new Linear(3, 2).extraRepr(); // 'inFeatures=3, outFeatures=2, bias=true'
   * ```
   */
  extraRepr(): string {
    return '';
  }

  /**
   * A tree of the module and its submodules in PyTorch's style:
   * `Net(\n  (fc): Linear(inFeatures=3, outFeatures=2, bias=true)\n)`.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from '@fackel/nn';
   * console.log(new Sequential(new Linear(3, 2), new ReLU()).toString());
   * ```
   */
  toString(): string {
    const children = this.namedChildren();
    const extra = this.extraRepr();
    const name = this.constructor.name;
    if (children.length === 0) return `${name}(${extra})`;
    const lines: string[] = [];
    if (extra !== '') lines.push(...extra.split('\n'));
    for (const [k, c] of children) {
      const sub = c.toString().split('\n');
      lines.push(`(${k}): ${sub[0]}`, ...sub.slice(1));
    }
    return `${name}(\n${lines.map((l) => `  ${l}`).join('\n')}\n)`;
  }

  /**
   * The number of parameter elements (each shared tensor counted once); only those that
   * require gradients with `trainableOnly`.
   *
   * @example
   * ```ts
   * import { Linear } from '@fackel/nn';
   * new Linear(3, 2).numParameters(); // 8
   * ```
   */
  numParameters(trainableOnly = false): number {
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.numel();
    return n;
  }

  /**
   * A readable summary: the module tree, then one line per parameter and buffer (name,
   * shape, dtype, device, element count) and the totals (trainable and frozen).
   *
   * @example
   * ```ts
   * import { LSTM } from '@fackel/nn';
   * console.log(new LSTM(65, 128, { numLayers: 2 }).summary());
   * // … Total parameters: 233,472 (trainable 233,472, frozen 0)
   * ```
   */
  summary(): string {
    const rows: string[][] = [['name', 'kind', 'shape', 'dtype', 'device', 'count']];
    let total = 0;
    let trainable = 0;
    for (const [name, p] of this.namedParameters()) {
      const n = p.numel();
      total += n;
      if (p.requiresGrad) trainable += n;
      rows.push([name, p.requiresGrad ? 'param' : 'param (frozen)', fmtShape(p.shape), p.dtype, p.device.name, groupDigits(n)]);
    }
    let bufferCount = 0;
    for (const [name, b] of this.namedBuffers()) {
      bufferCount += b.numel();
      rows.push([name, 'buffer', fmtShape(b.shape), b.dtype, b.device.name, groupDigits(b.numel())]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const table = rows.map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    );
    table.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
    return [
      this.toString(),
      '',
      ...table,
      '',
      `Total parameters: ${groupDigits(total)} (trainable ${groupDigits(trainable)}, frozen ${groupDigits(total - trainable)})` +
        (bufferCount > 0 ? `; buffer elements: ${groupDigits(bufferCount)}` : ''),
    ].join('\n');
  }
}
