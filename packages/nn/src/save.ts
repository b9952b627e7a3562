import { Device, Tensor, getDefaultDevice, getDevice } from '@fackel/tensor';
import { writeAtomic } from '#io';
import {
  SafetensorsError,
  describeSource,
  loadSafetensors,
  parseSafetensors,
  serializeSafetensors,
  setOwn,
  type SafetensorsContents,
  type SafetensorsSource,
} from './safetensors.js';

/**
 * `torch.save` and `torch.load` for Fackel: any nested object of tensors, numbers, strings,
 * booleans, null and arrays (a model's and an optimizer's state dicts, a scheduler's, a
 * generator's state, the step) in ONE safetensors file. The tensors are ordinary safetensors
 * entries named by their dotted path (`model.lstm.weight_ih_l0`,
 * `optimizer.state.0.expAvg`), so any safetensors reader (Python's
 * `safetensors.torch.load_file`) reads them; the rest of the structure is JSON in the
 * header's `__metadata__` under {@link SAVE_STRUCTURE_KEY}.
 * @module
 */

/**
 * The `__metadata__` key under which {@link save} stores the structure (JSON, with
 * `{"$tensor": name}` where a tensor was).
 *
 * @example
 * ```ts
 * import { SAVE_STRUCTURE_KEY } from '@fackel/nn';
 * console.log(SAVE_STRUCTURE_KEY); // 'fackel.structure'
 * ```
 */
export const SAVE_STRUCTURE_KEY = 'fackel.structure';

/**
 * The version of the structure format {@link save} writes (and the newest {@link load} reads).
 *
 * @example
 * ```ts
 * import { SAVE_FORMAT_VERSION } from '@fackel/nn';
 * console.log(SAVE_FORMAT_VERSION); // 1
 * ```
 */
export const SAVE_FORMAT_VERSION = 1;

/** How deep a saved structure may nest (objects and arrays). */
const MAX_DEPTH = 256;

/**
 * What {@link save} stores and {@link load} returns: tensors, numbers (also `-0`, `NaN`,
 * `±Infinity`), strings, booleans, null, undefined, and arrays and plain objects of these.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import type { SaveValue } from '@fackel/nn';
 * const v: SaveValue = { step: 3, weights: [tensor([1, 2])], note: 'warm-up', done: false, best: null };
 * ```
 */
export type SaveValue = Tensor | null | undefined | boolean | number | string | readonly SaveValue[] | { readonly [key: string]: SaveValue };

/**
 * Options of {@link save} and {@link saveToBytes}.
 *
 * @example
 * ```ts
 * import type { SaveOptions } from '@fackel/nn';
 * const o: SaveOptions = { metadata: { note: 'epoch 3' } };
 * ```
 */
export interface SaveOptions {
  /**
   * More `__metadata__` strings to write beside the structure (`format: 'pt'` is always
   * written, as `safetensors.torch.save_file` does; the key {@link SAVE_STRUCTURE_KEY} is reserved).
   */
  metadata?: Record<string, string>;
}

/**
 * Options of {@link load} and {@link loadFromBytes}.
 *
 * @example
 * ```ts
 * import type { LoadOptions } from '@fackel/nn';
 * const o: LoadOptions = { device: 'cpu' };
 * ```
 */
export interface LoadOptions {
  /** The device for the tensors (default: the default device), like `torch.load`'s `map_location`. */
  device?: string | Device;
  /** The most tensors and `__metadata__` entries the header may list (default 65 536; see {@link parseSafetensors}). */
  maxTensors?: number;
  /** The largest header in bytes (default 100 000 000; see {@link parseSafetensors}). */
  maxHeaderBytes?: number;
}

/** What a non-JSON number is stored as (`{"$number": "-0"}`). */
function specialNumber(x: number): string | null {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return null;
}

const SPECIAL_NUMBERS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

/** Names a tensor cannot have in a safetensors file. */
const RESERVED_NAMES = new Set(['', '__metadata__', '__proto__']);

function where(path: readonly string[]): string {
  return path.length === 0 ? 'the top level' : `'${path.join('.')}'`;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') {
    const proto = Object.getPrototypeOf(x) as { constructor?: { name?: string } } | null;
    return proto?.constructor?.name ? `a ${proto.constructor.name}` : 'an object';
  }
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
  return typeof x === 'bigint' ? 'a BigInt' : `a ${typeof x}`;
}

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Splits a value into the JSON structure and the named tensors. Tensor names are the dotted
 * paths (`optimizer.state.0.expAvg`); a tensor reached twice (tied weights) is stored once.
 */
function encode(value: unknown): { root: unknown; tensors: Map<string, Tensor> } {
  const tensors = new Map<string, Tensor>();
  const names = new Map<Tensor, string>();
  const active = new Set<object>();
  const fail = (path: readonly string[], message: string): never => {
    throw new SafetensorsError(`save: the value at ${where(path)} ${message}`);
  };
  const nameFor = (path: readonly string[]): string => {
    const base = path.length === 0 ? 'tensor' : path.join('.');
    if (!RESERVED_NAMES.has(base) && !tensors.has(base)) return base;
    for (let k = 2; ; k++) {
      const name = `${base}#${k}`;
      if (!tensors.has(name)) return name;
    }
  };
  const walk = (x: unknown, path: string[]): unknown => {
    if (x === null || typeof x === 'boolean' || typeof x === 'string') return x;
    if (x === undefined) return { $undefined: true };
    if (typeof x === 'number') {
      const special = specialNumber(x);
      return special === null ? x : { $number: special };
    }
    if (typeof x !== 'object')
      fail(path, `is ${describe(x)}, which cannot be saved (save tensors, numbers, strings, booleans, null, arrays and plain objects)`);
    const obj = x as object;
    if (obj instanceof Tensor) {
      const t = obj;
      if (t.isDisposed) fail(path, 'is a tensor that has been disposed');
      const seen = names.get(t);
      if (seen !== undefined) return { $tensor: seen };
      const name = nameFor(path);
      names.set(t, name);
      tensors.set(name, t);
      return { $tensor: name };
    }
    if (path.length >= MAX_DEPTH) fail(path, `nests more than ${MAX_DEPTH} levels deep`);
    if (active.has(obj)) fail(path, 'contains itself (a cycle); save a tree');
    if (ArrayBuffer.isView(obj)) fail(path, `is ${describe(obj)}; save it as a tensor (tensor(array)) or as a plain array`);
    active.add(obj);
    let out: unknown;
    if (Array.isArray(obj)) {
      const arr: unknown[] = [];
      for (let i = 0; i < obj.length; i++) arr.push(walk(obj[i], [...path, String(i)]));
      out = arr;
    } else {
      if (!isPlainObject(obj))
        fail(
          path,
          `is ${describe(obj)}; only plain objects, arrays, tensors, numbers, strings, booleans and null can be saved (call its stateDict() or toJSON())`,
        );
      const o: Record<string, unknown> = {};
      const keys = Object.keys(obj);
      for (const k of keys) setOwn(o, k, walk((obj as Record<string, unknown>)[k], [...path, k]));
      // an object that looks like one of the markers ({"$tensor": …}) is wrapped
      out = keys.length === 1 && keys[0].startsWith('$') ? { $object: o } : o;
    }
    active.delete(obj);
    return out;
  };
  const root = walk(value, []);
  return { root, tensors };
}

/** Rebuilds the value from the structure and the file's tensors; every tensor must be used exactly as referenced. */
function decode(structure: unknown, contents: SafetensorsContents, source: string): unknown {
  const { tensors } = contents;
  const used = new Set<string>();
  const fail = (path: readonly string[], message: string): never => {
    throw new SafetensorsError(`load ${source}: the structure at ${where(path)} ${message}; the file is corrupt or was not written by save()`);
  };
  const walk = (x: unknown, path: string[]): unknown => {
    if (x === null || typeof x === 'boolean' || typeof x === 'string' || typeof x === 'number') return x;
    if (typeof x !== 'object') fail(path, `is ${describe(x)}`);
    if (path.length >= MAX_DEPTH) fail(path, `nests more than ${MAX_DEPTH} levels deep`);
    if (Array.isArray(x)) return x.map((v, i) => walk(v, [...path, String(i)]));
    const o = x as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0].startsWith('$')) {
      const tag = keys[0];
      const v = o[tag];
      switch (tag) {
        case '$tensor': {
          if (typeof v !== 'string') fail(path, `refers to a tensor by ${describe(v)}, not by its name`);
          const name = v as string;
          if (!Object.hasOwn(tensors, name)) fail(path, `refers to the tensor '${name}', which the file does not hold`);
          used.add(name);
          return tensors[name];
        }
        case '$number':
          if (typeof v !== 'string' || !Object.hasOwn(SPECIAL_NUMBERS, v))
            fail(path, `is a $number marker with ${describe(v)} (expected "NaN", "Infinity", "-Infinity" or "-0")`);
          return SPECIAL_NUMBERS[v as string];
        case '$undefined':
          if (v !== true) fail(path, `is an $undefined marker with ${describe(v)} (expected true)`);
          return undefined;
        case '$object': {
          if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, `is an $object marker with ${describe(v)} (expected an object)`);
          const out: Record<string, unknown> = {};
          for (const [k, inner] of Object.entries(v as Record<string, unknown>)) setOwn(out, k, walk(inner, [...path, k]));
          return out;
        }
        default:
          fail(path, `is an object with the unknown marker ${JSON.stringify(tag)} (this version knows $tensor, $number, $undefined and $object)`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) setOwn(out, k, walk(o[k], [...path, k]));
    return out;
  };
  const value = walk(structure, []);
  const unused = Object.keys(tensors).filter((n) => !used.has(n));
  if (unused.length > 0) {
    throw new SafetensorsError(
      `load ${source}: the file holds tensor${unused.length === 1 ? '' : 's'} ${unused
        .slice(0, 5)
        .map((n) => `'${n}'`)
        .join(
          ', ',
        )}${unused.length > 5 ? ` and ${unused.length - 5} more` : ''} that the structure does not use; the file is corrupt or was not written by save()`,
    );
  }
  return value;
}

/** Parses and checks the structure's envelope: `{"version": 1, "root": …}`. */
function parseStructure(text: string, source: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(
      `load ${source}: the __metadata__ entry '${SAVE_STRUCTURE_KEY}' is not valid JSON (${(e as Error).message}); the file is corrupt`,
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !Object.hasOwn(json, 'root')) {
    throw new SafetensorsError(
      `load ${source}: the __metadata__ entry '${SAVE_STRUCTURE_KEY}' must be an object {"version": ${SAVE_FORMAT_VERSION}, "root": …}, got ${describe(json)}`,
    );
  }
  const version = (json as { version?: unknown }).version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new SafetensorsError(`load ${source}: the structure's version must be a whole number >= 1, got ${describe(version)}`);
  }
  if (version > SAVE_FORMAT_VERSION) {
    throw new SafetensorsError(
      `load ${source}: the structure has version ${version}, written by a newer Fackel; this version reads up to ${SAVE_FORMAT_VERSION} (update @fackel/nn, or read the tensors alone with loadSafetensors)`,
    );
  }
  return (json as { root: unknown }).root;
}

/**
 * Serialises a value as {@link save} does, into bytes (for a hash, a network, a database).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { loadFromBytes, saveToBytes } from '@fackel/nn';
 * const bytes = await saveToBytes({ step: 3, w: tensor([1, 2]) });
 * const back = loadFromBytes<{ step: number }>(bytes);
 * console.log(back.step); // 3
 * ```
 */
export async function saveToBytes(value: SaveValue | object, options: SaveOptions = {}): Promise<Uint8Array> {
  const extra = options.metadata ?? {};
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) throw new SafetensorsError('save: metadata must be an object of strings');
  if (Object.hasOwn(extra, SAVE_STRUCTURE_KEY)) throw new SafetensorsError(`save: the metadata key '${SAVE_STRUCTURE_KEY}' is reserved for the structure`);
  const { root, tensors } = encode(value);
  const structure = JSON.stringify({ version: SAVE_FORMAT_VERSION, root });
  const metadata: Record<string, string> = { format: 'pt' };
  for (const [k, v] of Object.entries(extra)) setOwn(metadata, k, v);
  setOwn(metadata, SAVE_STRUCTURE_KEY, structure);
  return serializeSafetensors(tensors, metadata);
}

/**
 * Saves a nested value — a model's `stateDict()`, an optimizer's and a scheduler's, a
 * generator's `getState()`, numbers and strings — in ONE safetensors file, like
 * `torch.save`. Each tensor becomes a safetensors entry named by its dotted path
 * (`model.lstm.weight_ih_l0`, `optimizer.state.0.expAvg`; a name taken twice gets `#2`),
 * in its own dtype (float32 → F32, float64 → F64, int32 → I32, bool → BOOL), contiguous
 * whatever its strides, read back from any device. The rest is JSON under the
 * `__metadata__` key {@link SAVE_STRUCTURE_KEY} (`{"version": 1, "root": …}`, with
 * `{"$tensor": name}` where a tensor was), so Python's `safetensors.torch.load_file` reads
 * the tensors and `json.loads(metadata['fackel.structure'])` the rest.
 *
 * What comes back from {@link load} is equal bit for bit: numbers JSON cannot hold (`-0`,
 * `NaN`, `±Infinity`) are stored as `{"$number": "-0"}`, `undefined` as
 * `{"$undefined": true}`, and an object whose only key starts with `$` is wrapped in
 * `{"$object": …}`. A tensor reached twice is stored once and comes back as one tensor.
 * Class instances other than tensors, typed arrays, BigInts, functions and cycles are errors
 * naming the path. `save(model.stateDict(), path)` writes a plain state-dict file (the names
 * are the state dict's keys) that PyTorch code loads with `load_state_dict`.
 *
 * The write is atomic (a temporary file in the same directory, fsynced, then renamed).
 *
 * @example
 * ```ts
 * import { Generator, type Tensor } from '@fackel/tensor';
 * import { Linear, load, save } from '@fackel/nn';
 * import { Adam } from '@fackel/optim';
 * const model = new Linear(3, 2);
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * const gen = new Generator(42);
 * await save({ model: model.stateDict(), optimizer: opt.stateDict(), rng: gen.getState(), step: 200 }, 'ckpt.safetensors');
 * const ck = await load<{ model: Record<string, Tensor>; step: number }>('ckpt.safetensors');
 * model.loadStateDict(ck.model);
 * console.log(ck.step); // 200
 * ```
 */
export async function save(value: SaveValue | object, path: string, options: SaveOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`save: the path must be a non-empty string, got ${describe(path)}`);
  const bytes = await saveToBytes(value, options);
  await writeAtomic(path, bytes);
}

/**
 * Serializes like {@link save} into a `Blob` (type `application/octet-stream`): the way to
 * save in a browser, e.g. as a download (`URL.createObjectURL(blob)` as an `<a download>`'s
 * `href`) or into IndexedDB. {@link load} reads it back.
 *
 * @example
 * ```ts
 * import { Linear, load, saveToBlob } from '@fackel/nn';
 * const model = new Linear(3, 2);
 * const blob = await saveToBlob({ model: model.stateDict(), step: 10 });
 * const back = await load<{ step: number }>(blob);
 * console.log(back.step); // 10
 * ```
 */
export async function saveToBlob(value: SaveValue | object, options: SaveOptions = {}): Promise<Blob> {
  const bytes = await saveToBytes(value, options);
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
}

function targetDevice(options: LoadOptions): Device {
  const d = options.device;
  if (d === undefined) return getDefaultDevice();
  return d instanceof Device ? d : getDevice(d);
}

/** The value of the file's contents; disposes the tensors when the structure is bad. */
function finish(contents: SafetensorsContents, source: string, device: Device): unknown {
  try {
    if (!device.supports('float64')) {
      const f64 = Object.keys(contents.dtypes).find((n) => contents.dtypes[n] === 'F64');
      if (f64 !== undefined) {
        throw new SafetensorsError(
          `load ${source}: the tensor '${f64}' is float64, which device '${device.name}' does not store; load the file on the CPU and convert it (t.to('float32')) before moving it`,
        );
      }
    }
    const meta = contents.metadata;
    if (meta === null || !Object.hasOwn(meta, SAVE_STRUCTURE_KEY)) return { ...contents.tensors }; // a plain safetensors file: its state dict
    return decode(parseStructure(meta[SAVE_STRUCTURE_KEY], source), contents, source);
  } catch (e) {
    for (const t of Object.values(contents.tensors)) t.dispose();
    throw e;
  }
}

function readOptions(options: LoadOptions, device: Device): { device: Device; keepFloat64: boolean; maxTensors?: number; maxHeaderBytes?: number } {
  return {
    device,
    keepFloat64: device.supports('float64'),
    ...(options.maxTensors !== undefined ? { maxTensors: options.maxTensors } : {}),
    ...(options.maxHeaderBytes !== undefined ? { maxHeaderBytes: options.maxHeaderBytes } : {}),
  };
}

/**
 * Reads bytes written by {@link saveToBytes} (or {@link save}), like {@link load}.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { loadFromBytes, saveToBytes } from '@fackel/nn';
 * const back = loadFromBytes<{ x: number[] }>(await saveToBytes({ x: [0.1, -0, NaN] }));
 * console.log(Object.is(back.x[1], -0)); // true
 * ```
 */
export function loadFromBytes<T = unknown>(bytes: Uint8Array, options: LoadOptions = {}): T {
  const device = targetDevice(options);
  return finish(parseSafetensors(bytes, readOptions(options, device)), '<bytes>', device) as T;
}

/**
 * Reads a file written by {@link save}, like `torch.load`: the same nested value, with every
 * tensor in the dtype it was saved in (float64 stays float64), on `options.device` (default:
 * the default device). The file is read by {@link loadSafetensors}, with its checks and
 * limits (header size, tensor count, shapes, offsets); then the structure is checked — a
 * reference to a tensor the file does not hold, a tensor no reference uses, an unknown marker,
 * a structure from a newer version — each a {@link SafetensorsError} naming the path inside the
 * structure. On an error nothing stays allocated.
 *
 * A safetensors file without a structure (one written by Python, or by
 * {@link saveSafetensors}) loads as its state dict: an object of its tensors by name.
 *
 * Besides a path, the source may be a URL (fetched), a `Blob`/`File`, a `Response` or the
 * bytes (see {@link SafetensorsSource}): in a browser, `load(await fetch('ckpt.safetensors'))`
 * or `load(fileInput.files[0])` reads a checkpoint that the CLI wrote.
 *
 * @example
 * ```ts no-run
 * import { LSTM, load } from '@fackel/nn';
 * import type { Tensor } from '@fackel/tensor';
 * const lstm = new LSTM(65, 128, { numLayers: 2 });
 * const ck = await load<{ model: Record<string, Tensor>; step: number }>('ckpt.safetensors', { device: 'cpu' });
 * lstm.loadStateDict(ck.model);
 * ```
 */
export async function load<T = unknown>(source: SafetensorsSource, options: LoadOptions = {}): Promise<T> {
  if (typeof source === 'string' && source === '') throw new TypeError(`load: the path must be a non-empty string, got ${describe(source)}`);
  if (source === null || (typeof source !== 'string' && typeof source !== 'object')) {
    throw new TypeError(`load: expected a path, URL, ArrayBuffer, Uint8Array, Blob or Response, got ${describe(source)}`);
  }
  const device = targetDevice(options);
  return finish(await loadSafetensors(source, readOptions(options, device)), describeSource(source), device) as T;
}
