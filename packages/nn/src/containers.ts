import { FackelError } from '@fackel/tensor';
import { Module } from './module.js';

function checkModule(m: unknown, where: string): Module {
  if (!(m instanceof Module)) {
    throw new FackelError(`${where}: expected a Module, got ${m === null ? 'null' : Array.isArray(m) ? 'an array (spread it: ...modules)' : typeof m}`);
  }
  return m;
}

function index(i: number, n: number, where: string): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new FackelError(`${where}: index ${i} is out of range for ${n} module${n === 1 ? '' : 's'}`);
  return i < 0 ? i + n : i;
}

/**
 * Modules applied one after another, the output of each being the input of the next, like
 * PyTorch's `nn.Sequential`. Children are named `'0'`, `'1'`, … (or by the keys of an
 * object passed as the only argument), so state dict keys match PyTorch's (`0.weight`).
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { Linear, ReLU, Sequential, Sigmoid } from '@fackel/nn';
 * const net = new Sequential(new Linear(8, 6), new ReLU(), new Linear(6, 1), new Sigmoid());
 * net.forward(randn([4, 8])).shape; // [4, 1]
 * const named = new Sequential({ hidden: new Linear(8, 6), act: new ReLU() });
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: a Sequential chains modules of any input and output types, checked at run time by each module
export class Sequential extends Module<[any], any> {
  declare private items: [string, Module][];

  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    Object.defineProperty(this, 'items', { value: [], enumerable: false });
    if (modules.length === 1 && !(modules[0] instanceof Module) && typeof modules[0] === 'object' && modules[0] !== null && !Array.isArray(modules[0])) {
      for (const [k, m] of Object.entries(modules[0])) this.items.push([k, checkModule(m, `Sequential: entry '${k}'`)]);
    } else {
      (modules as unknown[]).forEach((m, i) => this.items.push([String(i), checkModule(m, `Sequential: argument ${i}`)]));
    }
  }

  override namedChildren(): [string, Module][] {
    return this.items.map(([k, m]) => [k, m]);
  }

  /** Adds a module at the end (named by its position); returns the Sequential. */
  append(module: Module): this {
    this.items.push([String(this.items.length), checkModule(module, 'Sequential.append')]);
    return this;
  }

  override registerModule(name: string, module: Module | null): void {
    const i = this.items.findIndex(([k]) => k === name);
    if (module === null) {
      if (i >= 0) this.items.splice(i, 1);
      return;
    }
    checkModule(module, 'Sequential.registerModule');
    if (i >= 0) this.items[i] = [name, module];
    else this.items.push([name, module]);
  }

  /** The number of modules. */
  get length(): number {
    return this.items.length;
  }

  /** The module at a position (negative counts from the end). */
  at(i: number): Module {
    return this.items[index(i, this.items.length, 'Sequential.at')][1];
  }

  /** A new Sequential over modules `start` … `end - 1` (the modules are shared, not copied). */
  slice(start?: number, end?: number): Sequential {
    const s = new Sequential();
    for (const [k, m] of this.items.slice(start, end)) s.items.push([k, m]);
    return s;
  }

  /** The modules in order. */
  *[Symbol.iterator](): Iterator<Module> {
    for (const [, m] of this.items) yield m;
  }

  /** Feeds the input through every module in order. */
  // biome-ignore lint/suspicious/noExplicitAny: the chain's input is whatever the first module accepts
  forward(input: any): any {
    let x = input;
    for (const [, m] of this.items) x = m.forward(x);
    return x;
  }
}

/**
 * A list of submodules that registers them (children `'0'`, `'1'`, …), like PyTorch's
 * `nn.ModuleList`. It has no `forward`: iterate over it in your own.
 *
 * @example
 * ```ts
 * import { Linear, ModuleList } from '@fackel/nn';
 * const layers = new ModuleList([new Linear(4, 4), new Linear(4, 4)]);
 * layers.append(new Linear(4, 2));
 * for (const layer of layers) console.log(layer.toString());
 * layers.namedParameters()[0][0]; // '0.weight'
 * ```
 */
export class ModuleList extends Module<never[], never> {
  declare private items: Module[];

  constructor(modules: Iterable<Module> = []) {
    super();
    Object.defineProperty(this, 'items', { value: [], enumerable: false });
    this.extend(modules);
  }

  override namedChildren(): [string, Module][] {
    return this.items.map((m, i) => [String(i), m]);
  }

  /** The number of modules. */
  get length(): number {
    return this.items.length;
  }

  /** The module at a position (negative counts from the end). */
  at(i: number): Module {
    return this.items[index(i, this.items.length, 'ModuleList.at')];
  }

  /** Replaces the module at a position. */
  set(i: number, module: Module): void {
    this.items[index(i, this.items.length, 'ModuleList.set')] = checkModule(module, 'ModuleList.set');
  }

  /** Adds a module at the end; returns the list. */
  append(module: Module): this {
    this.items.push(checkModule(module, 'ModuleList.append'));
    return this;
  }

  /** Adds several modules at the end; returns the list. */
  extend(modules: Iterable<Module>): this {
    if (modules === null || typeof (modules as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
      throw new FackelError('ModuleList: expected an iterable of modules (e.g. an array)');
    }
    let i = 0;
    for (const m of modules) this.items.push(checkModule(m, `ModuleList: item ${i++}`));
    return this;
  }

  /** Inserts a module before position `i`. */
  insert(i: number, module: Module): void {
    const n = this.items.length;
    if (!Number.isInteger(i) || i < -n || i > n) throw new FackelError(`ModuleList.insert: index ${i} is out of range for ${n} modules`);
    this.items.splice(i < 0 ? i + n : i, 0, checkModule(module, 'ModuleList.insert'));
  }

  override registerModule(name: string, _module: Module | null): void {
    throw new FackelError(`ModuleList.registerModule: use append/insert/set instead of registering '${name}'`);
  }

  /** The modules in order. */
  *[Symbol.iterator](): Iterator<Module> {
    yield* this.items;
  }

  /** A ModuleList is not callable. */
  forward(): never {
    throw new FackelError('ModuleList has no forward(): it only holds modules; iterate over it in your own forward');
  }
}

/**
 * A string-keyed dictionary of submodules in insertion order, like PyTorch's
 * `nn.ModuleDict`. It has no `forward`.
 *
 * @example
 * ```ts
 * import { Linear, ModuleDict, ReLU, Tanh } from '@fackel/nn';
 * const acts = new ModuleDict({ relu: new ReLU(), tanh: new Tanh() });
 * acts.set('head', new Linear(4, 2));
 * acts.get('relu'); // the ReLU
 * [...acts.keys()]; // ['relu', 'tanh', 'head']
 * ```
 */
export class ModuleDict extends Module<never[], never> {
  declare private items: Map<string, Module>;

  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    Object.defineProperty(this, 'items', { value: new Map(), enumerable: false });
    this.update(modules);
  }

  override namedChildren(): [string, Module][] {
    return [...this.items.entries()];
  }

  /** The module under `key` (an error naming the keys when there is none). */
  get(key: string): Module {
    const m = this.items.get(key);
    if (m === undefined) throw new FackelError(`ModuleDict.get: no module under '${key}' (keys: ${[...this.items.keys()].join(', ') || 'none'})`);
    return m;
  }

  /** Sets (adds or replaces) the module under `key`. */
  set(key: string, module: Module): this {
    if (typeof key !== 'string' || key === '' || key.includes('.'))
      throw new FackelError(`ModuleDict.set: a key must be a non-empty string without '.', got '${String(key)}'`);
    this.items.set(key, checkModule(module, `ModuleDict.set('${key}')`));
    return this;
  }

  /** Whether there is a module under `key`. */
  has(key: string): boolean {
    return this.items.has(key);
  }

  /** Removes and returns the module under `key`. */
  pop(key: string): Module {
    const m = this.get(key);
    this.items.delete(key);
    return m;
  }

  /** Adds or replaces modules from an object or [key, module] pairs. */
  update(modules: Record<string, Module> | Iterable<[string, Module]>): this {
    const entries =
      typeof (modules as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
        ? (modules as Iterable<[string, Module]>)
        : Object.entries(modules as Record<string, Module>);
    for (const [k, m] of entries) this.set(k, m);
    return this;
  }

  override registerModule(name: string, module: Module | null): void {
    if (module === null) this.items.delete(name);
    else this.set(name, module);
  }

  /** The number of modules. */
  get size(): number {
    return this.items.size;
  }

  /** The keys in insertion order. */
  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  /** The modules in insertion order. */
  values(): IterableIterator<Module> {
    return this.items.values();
  }

  /** [key, module] pairs in insertion order. */
  entries(): IterableIterator<[string, Module]> {
    return this.items.entries();
  }

  /** [key, module] pairs in insertion order. */
  [Symbol.iterator](): IterableIterator<[string, Module]> {
    return this.items.entries();
  }

  /** A ModuleDict is not callable. */
  forward(): never {
    throw new FackelError('ModuleDict has no forward(): it only holds modules; pick them by key in your own forward');
  }
}
