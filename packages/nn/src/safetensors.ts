import { type Device, FackelError, Tensor, fmtShape, tensor, type DType, type TypedArray } from '@fackel/tensor';
import { FILE_PATHS, filePathOf, openRead, writeAtomic, type RandomAccessFile } from '#io';

/**
 * The safetensors format (https://github.com/huggingface/safetensors), written and read by
 * hand: an 8-byte little-endian header length N, N bytes of JSON header
 * (`{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …,
 * "__metadata__": {"key": "value"}}`, padded with spaces), then the raw little-endian
 * tensor bytes, offsets relative to the start of that data section.
 * @module
 */

/** The safetensors dtypes Fackel reads. It writes F32, F64, I32 and BOOL.
 * @example
 * ```ts
 * import type { SafetensorsDType } from '@fackel/nn';
 * const d: SafetensorsDType = 'F32';
 * ```
 */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const ITEM_SIZE: Record<SafetensorsDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** Valid in the format, but not read by Fackel. */
const UNSUPPORTED = new Set(['U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64', 'C128']);
/** The largest header accepted by default (the reference implementation's limit). */
const MAX_HEADER_BYTES = 100_000_000;
/** The most tensors (and `__metadata__` entries) accepted by default. */
const MAX_TENSORS = 65_536;
/** Nesting a header needs: the object, a tensor entry, its shape. */
const MAX_DEPTH = 3;
/** The most elements of any array in a header (a shape's dimensions, data_offsets' 2). */
const MAX_RANK = 64;
/** The most keys of one tensor entry (dtype, shape, data_offsets; others are ignored). */
const MAX_ENTRY_KEYS = 16;
/** The largest dimension and element count Fackel allocates (its tensors use 32-bit indices). */
const MAX_NUMEL = 2 ** 31 - 1;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A malformed, truncated or unsupported safetensors file, or tensors that cannot be saved.
 * The message names the file (or `<bytes>`), the tensor and the problem.
 *
 * @example
 * ```ts
 * import { parseSafetensors, SafetensorsError } from '@fackel/nn';
 * try { parseSafetensors(new Uint8Array(3)); } catch (e) { console.log(e instanceof SafetensorsError); }
 * ```
 */
export class SafetensorsError extends FackelError {}

/** What {@link loadSafetensors} and {@link parseSafetensors} return.
 * @example
 * ```ts
 * import type { SafetensorsContents } from '@fackel/nn';
 * declare const f: SafetensorsContents;
 * Object.keys(f.tensors);
 * ```
 */
export interface SafetensorsContents {
  /** The tensors by name, in the order of their data in the file. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings, or null when the file has none. */
  metadata: Record<string, string> | null;
  /** Each tensor's dtype as stored in the file. */
  dtypes: Record<string, SafetensorsDType>;
  /** One line per converted tensor (e.g. `'step': I64 read as int32`). Empty when nothing was converted. */
  notes: string[];
}

/** Options of {@link loadSafetensors} and {@link parseSafetensors}.
 * @example
 * ```ts
 * import type { LoadSafetensorsOptions } from '@fackel/nn';
 * const o: LoadSafetensorsOptions = { device: 'cpu', keepFloat64: true };
 * ```
 */
export interface LoadSafetensorsOptions {
  /** Device for the tensors (default: the default device). */
  device?: string | Device;
  /**
   * Keep F64 tensors as float64 (CPU only). By default they are converted to float32, the
   * dtype Fackel models use, and a note says so. Integers (I64, I16, I8, U8) always become
   * int32 (an I64 value outside the int32 range is an error); F16 and BF16 become float32.
   */
  keepFloat64?: boolean;
  /**
   * The most tensors the header may list, and the most `__metadata__` entries (default
   * 65 536). Checked before the JSON is parsed, so a header of millions of entries fails fast.
   */
  maxTensors?: number;
  /** The largest header in bytes (default 100 000 000, the limit of the reference implementation). */
  maxHeaderBytes?: number;
}

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

function fail(source: string, message: string): never {
  throw new SafetensorsError(`safetensors ${source}: ${message}`);
}

/** A name as messages print it: in single quotes, control characters escaped, shortened past 64 characters. */
function q(name: string): string {
  const long = name.length > 64;
  const inner = JSON.stringify(long ? name.slice(0, 64) : name)
    .slice(1, -1)
    .replace(/\\"/g, '"');
  return long ? `'${inner}…' (${name.length} characters)` : `'${inner}'`;
}

/** A JSON value as messages print it, on one line and shortened past 80 characters. */
function brief(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : `a ${typeof v}`;
}

/** @internal Defines an own, enumerable property: unlike `o[key] = v`, also right for the key `__proto__`. */
export function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

interface Limits {
  maxTensors: number;
  maxHeaderBytes: number;
}

function limits(options: LoadSafetensorsOptions, fn: string): Limits {
  const check = (name: 'maxTensors' | 'maxHeaderBytes', fallback: number): number => {
    const v = options[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new TypeError(`${fn}: ${name} must be a positive integer, got ${brief(v)}`);
    return v;
  };
  return { maxTensors: check('maxTensors', MAX_TENSORS), maxHeaderBytes: check('maxHeaderBytes', MAX_HEADER_BYTES) };
}

/** Reads the 8-byte little-endian header length; checks it against the bytes that follow. */
function headerLength(first8: Uint8Array, totalBytes: number, source: string, maxHeaderBytes: number): number {
  if (totalBytes < 8) fail(source, `the file is ${totalBytes} bytes long, too short for safetensors (it starts with an 8-byte header length)`);
  const dv = new DataView(first8.buffer, first8.byteOffset, 8);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const n = hi * 4294967296 + lo;
  const exact = (BigInt(hi) << 32n) | BigInt(lo);
  if (n > maxHeaderBytes) {
    fail(
      source,
      `the header length ${exact} bytes is absurdly large (the limit is ${maxHeaderBytes} bytes): the file is corrupt or not safetensors (pass maxHeaderBytes to read larger headers)`,
    );
  }
  if (n > totalBytes - 8) {
    fail(
      source,
      `the header length ${n} bytes runs past the end of the file (only ${totalBytes - 8} bytes follow the length field): the file is truncated or not safetensors`,
    );
  }
  if (n < 2) fail(source, `the header length ${n} is too small for a JSON object`);
  return n;
}

function safeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** An object or array open in `scanHeader`. */
interface Frame {
  array: boolean;
  /** Where it sits, for messages: '' (the header itself), `__metadata__`, `tensor 'a'`, `tensor 'a': shape`. */
  where: string;
  /** The keys seen so far (objects). */
  keys: Set<string> | null;
  /** Elements (arrays) or keys (objects; at the top level, tensors only). */
  count: number;
  /** The last key read (objects). */
  key: string;
  /** Whether a key comes next (objects). */
  expectKey: boolean;
}

const ENTRY_FIELDS = new Set(['dtype', 'shape', 'data_offsets']);

function isDelimiter(c: number): boolean {
  return c === 0x2c || c === 0x3a || c === 0x5d || c === 0x7d || c === 0x5b || c === 0x7b || c === 0x22 || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Checks the structure of the header text in one pass without recursion, before JSON.parse
 * sees it: nesting deeper than `MAX_DEPTH`, more than `maxTensors` tensors or metadata
 * entries, a tensor entry of more than `MAX_ENTRY_KEYS` keys and an array of more than
 * `MAX_RANK` elements fail at once. Returns the message for the first duplicate key
 * (which JSON.parse would silently resolve to the last), or null; the caller reports it once
 * the text is known to be valid JSON. Invalid JSON ends the scan early: JSON.parse reports it.
 */
function scanHeader(text: string, source: string, maxTensors: number): string | null {
  const stack: Frame[] = [];
  let duplicate: string | null = null;
  const at = (where: string): string => (where === '' ? '' : `${where}: `);
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x3a) {
      i++;
      continue;
    }
    const top = stack.length > 0 ? stack[stack.length - 1] : null;
    if (c === 0x2c) {
      if (top !== null && !top.array) top.expectKey = true;
      i++;
      continue;
    }
    if (c === 0x5d || c === 0x7d) {
      stack.pop();
      i++;
      continue;
    }
    if (c === 0x22 && top !== null && !top.array && top.expectKey) {
      // A key: decode it (escapes included) and check it against the object's others.
      let j = i + 1;
      let escaped = false;
      while (j < n && text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c) {
          escaped = true;
          j++;
        }
        j++;
      }
      if (j >= n) return duplicate;
      let key: string;
      if (escaped) {
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          return duplicate;
        }
      } else key = text.slice(i + 1, j);
      top.expectKey = false;
      top.key = key;
      if (top.keys!.has(key)) {
        if (duplicate === null) {
          duplicate =
            stack.length === 1 && key !== '__metadata__'
              ? `the tensor ${q(key)} appears twice in the header (JSON would silently keep the last one)`
              : `${at(top.where)}the key ${q(key)} appears twice${top.where === '' ? ' in the header' : ''} (JSON would silently keep the last one)`;
        }
      } else {
        top.keys!.add(key);
        if (stack.length === 1) {
          if (key !== '__metadata__' && ++top.count > maxTensors)
            fail(source, `the header lists more than ${maxTensors} tensors (the limit; pass maxTensors to raise it)`);
        } else if (top.where === '__metadata__' && stack.length === 2) {
          if (++top.count > maxTensors) fail(source, `__metadata__ holds more than ${maxTensors} entries (the limit; pass maxTensors to raise it)`);
        } else if (++top.count > MAX_ENTRY_KEYS) {
          fail(source, `${at(top.where)}an object with more than ${MAX_ENTRY_KEYS} keys (a tensor entry needs only dtype, shape and data_offsets)`);
        }
      }
      i = j + 1;
      continue;
    }
    // A value.
    if (top?.array && ++top.count > MAX_RANK) {
      fail(
        source,
        `${at(top.where)}an array with more than ${MAX_RANK} elements (at character ${i} of the header): shapes have at most ${MAX_RANK} dimensions`,
      );
    }
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= MAX_DEPTH) {
        fail(
          source,
          `${at(top!.where)}the header nests deeper than ${MAX_DEPTH} levels (at character ${i}); a safetensors header needs ${MAX_DEPTH} at most (the object, a tensor entry, its shape)`,
        );
      }
      let where = '';
      if (top !== null) {
        if (top.array) where = top.where;
        else if (stack.length === 1) where = top.key === '__metadata__' ? '__metadata__' : `tensor ${q(top.key)}`;
        else where = `${at(top.where)}${top.where !== '__metadata__' && ENTRY_FIELDS.has(top.key) ? top.key : q(top.key)}`;
      }
      const array = c === 0x5b;
      stack.push({ array, where, keys: array ? null : new Set(), count: 0, key: '', expectKey: !array });
      i++;
      continue;
    }
    if (c === 0x22) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      if (j >= n) return duplicate;
      i = j + 1;
      continue;
    }
    // A number or literal (or junk, which JSON.parse reports).
    i++;
    while (i < n && !isDelimiter(text.charCodeAt(i))) i++;
  }
  return duplicate;
}

/** Parses and validates the JSON header against a data section of `dataLength` bytes. */
function parseHeader(
  headerBytes: Uint8Array,
  dataLength: number,
  source: string,
  maxTensors: number,
): { entries: Entry[]; metadata: Record<string, string> | null } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    fail(source, 'the header is not valid UTF-8 text');
  }
  const duplicate = scanHeader(text, source, maxTensors);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const m = (e as Error).message.replace(/[\u0000-\u001f]/g, ' ');
    fail(source, `the header is not valid JSON (${m.length > 120 ? `${m.slice(0, 120)}…` : m})`);
  }
  if (duplicate !== null) fail(source, duplicate);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail(source, `the header must be a JSON object, got ${describeJson(json)}`);
  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info))
        fail(source, `__metadata__ must be an object of strings, got ${describeJson(info)}`);
      metadata = {};
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(source, `__metadata__ must map strings to strings, but ${q(k)} is ${describeJson(v)}`);
        setOwn(metadata, k, v);
      }
      continue;
    }
    const where = `tensor ${q(name)}`;
    if (name === '__proto__')
      fail(source, `the tensor name '__proto__' is not allowed (it would replace the prototype of the returned object): rename the tensor`);
    if (info === null || typeof info !== 'object' || Array.isArray(info))
      fail(source, `${where}: expected an object with dtype, shape and data_offsets, got ${describeJson(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string') fail(source, `${where}: dtype must be a string, got ${describeJson(dtype)}`);
    if (!Object.hasOwn(ITEM_SIZE, dtype)) {
      if (UNSUPPORTED.has(dtype)) fail(source, `${where}: dtype ${dtype} is not supported by Fackel (it reads ${Object.keys(ITEM_SIZE).join(', ')})`);
      fail(source, `${where}: unknown dtype ${brief(dtype)} (expected one of ${Object.keys(ITEM_SIZE).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every(safeInt)) fail(source, `${where}: shape must be an array of non-negative integers, got ${brief(shape)}`);
    if (shape.length > MAX_RANK) fail(source, `${where}: shape has ${shape.length} dimensions, more than ${MAX_RANK}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(safeInt)) {
      fail(source, `${where}: data_offsets must be [begin, end] with non-negative integers, got ${brief(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(source, `${where}: data_offsets [${begin}, ${end}] are out of order (begin after end)`);
    if (end > dataLength) fail(source, `${where}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLength} bytes)`);
    const st = dtype as SafetensorsDType;
    const dims = shape as number[];
    let numel = 1;
    for (const d of dims) numel *= d;
    if (dims.includes(0)) numel = 0;
    const need = numel * ITEM_SIZE[st];
    if (need !== end - begin) {
      fail(
        source,
        `${where}: dtype ${st} and shape ${fmtShape(dims)} need ${Number.isSafeInteger(need) ? need : 'more than 2^53'} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    // A zero-size tensor holds no bytes, but reducing over its zero dimension makes the others real.
    let nonZero = 1;
    for (let i = 0; i < dims.length; i++) {
      const d = dims[i];
      if (d > MAX_NUMEL)
        fail(source, `${where}: dimension ${i} of shape ${fmtShape(dims)} is ${d}, more than ${MAX_NUMEL}, the largest Fackel's tensors allow`);
      if (d !== 0) nonZero *= d;
    }
    if (nonZero > MAX_NUMEL) {
      fail(
        source,
        `${where}: the non-zero dimensions of shape ${fmtShape(dims)} multiply to ${nonZero} elements, more than ${MAX_NUMEL}, the most one Fackel tensor holds`,
      );
    }
    entries.push({ name, dtype: st, shape: dims, begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: Entry | null = null;
  for (const e of entries) {
    if (e.begin < pos) fail(source, `tensors ${q(prev!.name)} [${prev!.begin}, ${prev!.end}] and ${q(e.name)} [${e.begin}, ${e.end}] overlap`);
    if (e.begin > pos) {
      fail(
        source,
        `bytes ${pos}–${e.begin} of the data section belong to no tensor (${prev ? `between ${q(prev.name)} and ${q(e.name)}` : `before ${q(e.name)}`})`,
      );
    }
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLength)
    fail(
      source,
      `${dataLength - pos} bytes after the last tensor${prev ? ` (${q(prev.name)})` : ''} belong to no tensor (the data section is ${dataLength} bytes)`,
    );
  return { entries, metadata };
}

/** Converts one tensor's raw little-endian bytes (an exclusively owned, aligned buffer) to a Fackel tensor. */
function decode(e: Entry, raw: ArrayBuffer, options: LoadSafetensorsOptions, source: string, notes: string[]): Tensor {
  const numel = e.shape.reduce((a, b) => a * b, 1);
  const dv = new DataView(raw);
  let data: TypedArray;
  let dtype: DType;
  switch (e.dtype) {
    case 'F32':
      dtype = 'float32';
      if (LITTLE_ENDIAN) data = new Float32Array(raw, 0, numel);
      else {
        data = new Float32Array(numel);
        for (let i = 0; i < numel; i++) data[i] = dv.getFloat32(4 * i, true);
      }
      break;
    case 'F64': {
      const f64 = LITTLE_ENDIAN ? new Float64Array(raw, 0, numel) : Float64Array.from({ length: numel }, (_, i) => dv.getFloat64(8 * i, true));
      if (options.keepFloat64) {
        dtype = 'float64';
        data = f64;
      } else {
        dtype = 'float32';
        data = Float32Array.from(f64);
        notes.push(`${q(e.name)}: F64 converted to float32 (pass keepFloat64: true to keep float64)`);
      }
      break;
    }
    case 'F16':
      dtype = 'float32';
      data = new Float32Array(numel);
      for (let i = 0; i < numel; i++) data[i] = halfToFloat(dv.getUint16(2 * i, true));
      notes.push(`${q(e.name)}: F16 read as float32`);
      break;
    case 'BF16': {
      dtype = 'float32';
      const out = new Float32Array(numel);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < numel; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
      data = out;
      notes.push(`${q(e.name)}: BF16 read as float32`);
      break;
    }
    case 'I64': {
      dtype = 'int32';
      const out = new Int32Array(numel);
      for (let i = 0; i < numel; i++) {
        const lo = dv.getInt32(8 * i, true);
        const hi = dv.getInt32(8 * i + 4, true);
        if (hi !== lo >> 31) {
          fail(source, `tensor ${q(e.name)}: I64 value ${dv.getBigInt64(8 * i, true)} at flat index ${i} does not fit in int32, Fackel's integer dtype`);
        }
        out[i] = lo;
      }
      data = out;
      notes.push(`${q(e.name)}: I64 converted to int32`);
      break;
    }
    case 'I32':
      dtype = 'int32';
      data = LITTLE_ENDIAN ? new Int32Array(raw, 0, numel) : Int32Array.from({ length: numel }, (_, i) => dv.getInt32(4 * i, true));
      break;
    case 'I16':
      dtype = 'int32';
      data = Int32Array.from({ length: numel }, (_, i) => dv.getInt16(2 * i, true));
      notes.push(`${q(e.name)}: I16 read as int32`);
      break;
    case 'I8':
      dtype = 'int32';
      data = Int32Array.from(new Int8Array(raw, 0, numel));
      notes.push(`${q(e.name)}: I8 read as int32`);
      break;
    case 'U8':
      dtype = 'int32';
      data = Int32Array.from(new Uint8Array(raw, 0, numel));
      notes.push(`${q(e.name)}: U8 read as int32`);
      break;
    case 'BOOL': {
      dtype = 'bool';
      const b = new Uint8Array(raw, 0, numel);
      for (let i = 0; i < numel; i++) if (b[i] > 1) fail(source, `tensor ${q(e.name)}: BOOL byte ${b[i]} at flat index ${i} is neither 0 nor 1`);
      data = b;
      break;
    }
  }
  const flat = tensor(data, { dtype, device: options.device });
  if (e.shape.length === 1) return flat;
  const shaped = flat.reshape(e.shape);
  flat.dispose();
  return shaped;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function finish(
  entries: Entry[],
  metadata: Record<string, string> | null,
  read: (e: Entry) => ArrayBuffer,
  options: LoadSafetensorsOptions,
  source: string,
): SafetensorsContents {
  const tensors: Record<string, Tensor> = {};
  const dtypes: Record<string, SafetensorsDType> = {};
  const notes: string[] = [];
  try {
    for (const e of entries) {
      tensors[e.name] = decode(e, read(e), options, source, notes);
      dtypes[e.name] = e.dtype;
    }
  } catch (err) {
    for (const t of Object.values(tensors)) t.dispose();
    throw err;
  }
  return { tensors, metadata, dtypes, notes };
}

/**
 * Reads safetensors from bytes in memory. Every structural problem (truncation, a header
 * length beyond the data or above the limit, invalid UTF-8 or JSON, an unknown dtype, a byte
 * length that does not match dtype and shape, offsets out of range, reversed, overlapping
 * or leaving gaps) is a one-line {@link SafetensorsError} naming the tensor; nothing is
 * allocated beyond the sizes the bytes actually hold.
 *
 * Limits, checked before anything is allocated (the header text before `JSON.parse`):
 * - the header is at most 100 000 000 bytes (the reference implementation's limit;
 *   `maxHeaderBytes` changes it);
 * - at most 65 536 tensors, and at most as many `__metadata__` entries (`maxTensors`);
 * - the header nests at most 3 levels (object, tensor entry, shape), an array holds at most
 *   64 elements (a shape at most 64 dimensions), a tensor entry at most 16 keys;
 * - no key appears twice in an object (JSON would silently keep the last one);
 * - no tensor is named `__proto__` (a metadata key `__proto__` is kept as an ordinary key);
 * - every dimension is an integer from 0 to 2^31 − 1, and the non-zero dimensions multiply
 *   to at most 2^31 − 1 elements (so even a zero-size tensor can be reduced safely).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { parseSafetensors, serializeSafetensors } from '@fackel/nn';
 * const bytes = await serializeSafetensors({ w: tensor([[1, 2], [3, 4]]) }, { epoch: '3' });
 * const { tensors, metadata } = parseSafetensors(bytes); // tensors.w, metadata.epoch === '3'
 * ```
 */
export function parseSafetensors(bytes: Uint8Array, options: LoadSafetensorsOptions = {}): SafetensorsContents {
  return parseBytes(bytes, options, '<bytes>', 'parseSafetensors');
}

function parseBytes(bytes: Uint8Array, options: LoadSafetensorsOptions, source: string, what: string): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError(`${what}: expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  const { maxTensors, maxHeaderBytes } = limits(options, what);
  const n = headerLength(bytes.subarray(0, 8), bytes.length, source, maxHeaderBytes);
  const dataStart = 8 + n;
  const { entries, metadata } = parseHeader(bytes.subarray(8, dataStart), bytes.length - dataStart, source, maxTensors);
  const read = (e: Entry): ArrayBuffer => {
    const out = new ArrayBuffer(e.end - e.begin);
    new Uint8Array(out).set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    return out;
  };
  return finish(entries, metadata, read, options, source);
}

/**
 * Where {@link loadSafetensors} and `load` read from: a file path (Node.js; in a browser a
 * string is a URL to fetch), a `URL` (`file:` read from disk in Node.js, anything else
 * fetched), the bytes themselves (`ArrayBuffer`, `Uint8Array` or another view), a `Blob` or
 * `File` (e.g. from an `<input type="file">`), or a `Response` from `fetch`.
 *
 * @example
 * ```ts
 * import type { SafetensorsSource } from '@fackel/nn';
 * const sources: SafetensorsSource[] = ['model.safetensors', new URL('https://example.org/m.safetensors'), new Uint8Array(8)];
 * ```
 */
export type SafetensorsSource = string | URL | ArrayBuffer | ArrayBufferView | Blob | Response;

/** @internal A short name of a source for messages. */
export function describeSource(source: SafetensorsSource): string {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  if (typeof Response === 'function' && source instanceof Response) return source.url || '<response>';
  if (typeof Blob === 'function' && source instanceof Blob) {
    const name = (source as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : '<blob>';
  }
  return '<bytes>';
}

/**
 * @internal The bytes of a non-path source (fetched, read from the Blob or Response, or the
 * given bytes), or the file path to read piecewise.
 */
export async function resolveSource(source: SafetensorsSource, what: string): Promise<{ path: string } | { bytes: Uint8Array; name: string }> {
  if (typeof source === 'string') {
    if (source === '') throw new TypeError(`${what}: the path must be a non-empty string`);
    return FILE_PATHS ? { path: source } : fetchBytes(source, what);
  }
  if (source instanceof URL) return source.protocol === 'file:' && FILE_PATHS ? { path: filePathOf(source) } : fetchBytes(source, what);
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: '<bytes>' };
  if (ArrayBuffer.isView(source)) return { bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), name: '<bytes>' };
  if (typeof Response === 'function' && source instanceof Response) return responseBytes(source, describeSource(source), what);
  if (typeof Blob === 'function' && source instanceof Blob) return { bytes: new Uint8Array(await source.arrayBuffer()), name: describeSource(source) };
  const got = source === null ? 'null' : typeof source === 'object' ? `an object (${Object.prototype.toString.call(source)})` : typeof source;
  throw new TypeError(`${what}: expected a path, URL, ArrayBuffer, Uint8Array, Blob or Response, got ${got}`);
}

async function fetchBytes(url: string | URL, what: string): Promise<{ bytes: Uint8Array; name: string }> {
  const name = typeof url === 'string' ? url : url.href;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new SafetensorsError(`${what} ${name}: the fetch failed (${(e as Error).message})`);
  }
  return responseBytes(res, name, what);
}

async function responseBytes(res: Response, name: string, what: string): Promise<{ bytes: Uint8Array; name: string }> {
  if (!res.ok) throw new SafetensorsError(`${what} ${name}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  if (res.bodyUsed) throw new SafetensorsError(`${what} ${name}: the response body has already been read`);
  return { bytes: new Uint8Array(await res.arrayBuffer()), name };
}

/**
 * Loads a safetensors file (as written by Python's `safetensors`, by PyTorch code, or by
 * {@link saveSafetensors}). From a path, the file is read piecewise: header first, validated
 * against the file size, then each tensor's bytes, so a malformed file fails before any large
 * allocation. The source may also be a URL (fetched), a `Blob`/`File`, a `Response`, or the
 * bytes (see {@link SafetensorsSource}); that is how a browser page loads weights. Errors are
 * one-line {@link SafetensorsError}s naming the path and the tensor.
 * The limits (header size, tensor count, nesting, shapes) are those of {@link parseSafetensors}.
 *
 * @example
 * ```ts
 * import { LSTM, loadSafetensors } from '@fackel/nn';
 * const lstm = new LSTM(65, 128, { numLayers: 2, batchFirst: true });
 * const { tensors, notes } = await loadSafetensors('lstm_from_torch.safetensors');
 * lstm.loadStateDict(tensors);
 * ```
 */
export async function loadSafetensors(source: SafetensorsSource, options: LoadSafetensorsOptions = {}): Promise<SafetensorsContents> {
  const { maxTensors, maxHeaderBytes } = limits(options, 'loadSafetensors');
  const resolved = await resolveSource(source, 'loadSafetensors');
  if (!('path' in resolved)) return parseBytes(resolved.bytes, options, resolved.name, 'loadSafetensors');
  const path = resolved.path;
  const fh = await openRead(path);
  try {
    const size = fh.size;
    const head = new Uint8Array(8);
    if (size >= 8) await readExactly(fh, head, 0, path);
    const n = headerLength(head, size, path, maxHeaderBytes);
    const headerBytes = new Uint8Array(n);
    await readExactly(fh, headerBytes, 8, path);
    const dataStart = 8 + n;
    const { entries, metadata } = parseHeader(headerBytes, size - dataStart, path, maxTensors);
    const raws = new Map<Entry, ArrayBuffer>();
    for (const e of entries) {
      const buf = new ArrayBuffer(e.end - e.begin);
      await readExactly(fh, new Uint8Array(buf), dataStart + e.begin, path);
      raws.set(e, buf);
    }
    return finish(entries, metadata, (e) => raws.get(e)!, options, path);
  } finally {
    await fh.close();
  }
}

async function readExactly(fh: RandomAccessFile, into: Uint8Array, position: number, source: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const bytesRead = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) fail(source, `the file ended early (it changed while being read?)`);
    done += bytesRead;
  }
}

const DTYPE_TO_ST: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

/**
 * Serializes tensors (a plain object or a `Map` of name → tensor, e.g. `module.stateDict()`)
 * and optional string metadata into safetensors bytes: float32 → F32, float64 → F64,
 * int32 → I32, bool → BOOL. Tensors on any device are read back (hence async); views are
 * written contiguously. The header is padded to 8 bytes and the data ordered by alignment.
 *
 * @example
 * ```ts
 * import { ones } from '@fackel/tensor';
 * import { serializeSafetensors } from '@fackel/nn';
 * const bytes = await serializeSafetensors({ 'fc.weight': ones([2, 3]) }, { format: 'pt' });
 * ```
 */
export async function serializeSafetensors(
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata?: Record<string, string> | null,
): Promise<Uint8Array> {
  if (tensors === null || typeof tensors !== 'object')
    throw new SafetensorsError(`serializeSafetensors: expected an object or Map of name → Tensor, got ${tensors === null ? 'null' : typeof tensors}`);
  const items = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))];
  for (const [name, t] of items) {
    if (typeof name !== 'string' || name === '') throw new SafetensorsError('serializeSafetensors: tensor names must be non-empty strings');
    if (name === '__metadata__') throw new SafetensorsError("serializeSafetensors: '__metadata__' is reserved and cannot name a tensor");
    if (name === '__proto__') {
      throw new SafetensorsError(
        "serializeSafetensors: the tensor name '__proto__' is not allowed (readers would replace the prototype of their result with it): rename the tensor",
      );
    }
    if (!(t instanceof Tensor)) throw new SafetensorsError(`serializeSafetensors: ${q(name)} is not a Tensor (got ${t === null ? 'null' : typeof t})`);
    if (t.isDisposed) throw new SafetensorsError(`serializeSafetensors: the tensor ${q(name)} has been disposed`);
    if (t.shape.length > MAX_RANK)
      throw new SafetensorsError(
        `serializeSafetensors: the tensor ${q(name)} has ${t.shape.length} dimensions; safetensors files read by Fackel allow at most ${MAX_RANK}`,
      );
  }
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new SafetensorsError('serializeSafetensors: metadata must be an object of strings');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new SafetensorsError(`serializeSafetensors: metadata values must be strings, but ${q(k)} is ${describeJson(v)} (use String(value))`);
    }
  }
  // Largest alignment first (stable), so that every tensor starts aligned to its item size.
  const ordered = items.map(([name, t], i) => ({ name, t, st: DTYPE_TO_ST[t.dtype], i })).sort((a, b) => ITEM_SIZE[b.st] - ITEM_SIZE[a.st] || a.i - b.i);
  const datas: Uint8Array[] = [];
  // Own properties throughout, so that a metadata key '__proto__' is written like any other.
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && metadata !== null) {
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata)) setOwn(meta, k, v);
    setOwn(header, '__metadata__', meta);
  }
  // every read-back in flight at once (one round trip to the device, not one per tensor)
  const hosts = await Promise.all(ordered.map(({ t }) => t.data()));
  let offset = 0;
  for (const [i, { name, t, st }] of ordered.entries()) {
    const bytes = toLittleEndianBytes(hosts[i], st);
    setOwn(header, name, { dtype: st, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] });
    datas.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, padded % 4294967296, true);
  dv.setUint32(4, Math.floor(padded / 4294967296), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let pos = 8 + padded;
  for (const d of datas) {
    out.set(d, pos);
    pos += d.length;
  }
  return out;
}

function toLittleEndianBytes(host: TypedArray, st: SafetensorsDType): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(host.buffer, host.byteOffset, host.byteLength);
  const out = new Uint8Array(host.length * ITEM_SIZE[st]);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < host.length; i++) {
    if (st === 'F32') dv.setFloat32(4 * i, host[i], true);
    else if (st === 'F64') dv.setFloat64(8 * i, host[i], true);
    else if (st === 'I32') dv.setInt32(4 * i, host[i], true);
    else out[i] = host[i];
  }
  return out;
}

/**
 * Saves tensors (e.g. `module.stateDict()`) as a safetensors file that Python's
 * `safetensors` and PyTorch code read (`load_state_dict` takes the same keys). The write
 * is atomic: the bytes go to a temporary file in the same directory, which is fsynced and
 * then renamed over `path`, so a crash during the save leaves the previous file intact.
 *
 * @example
 * ```ts
 * import { LSTM, saveSafetensors } from '@fackel/nn';
 * const lstm = new LSTM(65, 128, { numLayers: 2 });
 * await saveSafetensors('lstm.safetensors', lstm.stateDict(), { epoch: '1' });
 * ```
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata?: Record<string, string> | null,
): Promise<void> {
  const bytes = await serializeSafetensors(tensors, metadata);
  await writeAtomic(path, bytes);
}
