import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { ones, tensor, type Tensor } from '@fackel/tensor';
import { SafetensorsError, loadSafetensors, parseSafetensors, serializeSafetensors, type SafetensorsContents } from '../src/index.js';
import { scratch, thrown } from '@fackel/testkit';

registerCpuBackend();
const tmp = scratch('nn');
afterAll(() => tmp.cleanup());

const enc = new TextEncoder();

/** A safetensors file from a header (object or raw JSON text) and data bytes. */
function build(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = header instanceof Uint8Array ? header : enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function disposeAll(r: SafetensorsContents): void {
  for (const t of Object.values(r.tensors)) t.dispose();
}

/** Checks that parsing fails with a one-line SafetensorsError matching `message`, from bytes and from a file. */
async function rejects(bytes: Uint8Array, message: RegExp, options = {}): Promise<void> {
  const e = thrown(() => parseSafetensors(bytes, options));
  expect(e).toBeInstanceOf(SafetensorsError);
  expect(e.message).toMatch(message);
  expect(e.message).toMatch(/^safetensors <bytes>: /);
  expect(e.message).not.toContain('\n');
  const path = join(tmp.dir, `f${Math.random().toString(36).slice(2)}.safetensors`);
  writeFileSync(path, bytes);
  await expect(loadSafetensors(path, options)).rejects.toThrow(message);
}

const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

describe('safetensors: __proto__ and other Object.prototype names', () => {
  it('rejects a tensor named __proto__ when writing (Map or own property) and when reading', async () => {
    await expect(serializeSafetensors(new Map([['__proto__', ones([1])]]))).rejects.toThrow(SafetensorsError);
    await expect(serializeSafetensors(new Map([['__proto__', ones([1])]]))).rejects.toThrow(/serializeSafetensors: the tensor name '__proto__' is not allowed/);
    const own: Record<string, Tensor> = {};
    Object.defineProperty(own, '__proto__', { value: ones([1]), enumerable: true });
    await expect(serializeSafetensors(own)).rejects.toThrow(/the tensor name '__proto__' is not allowed/);
    await rejects(build('{"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', f32([1])), /tensor name '__proto__' is not allowed/);
  });

  it('keeps a metadata key __proto__ as an ordinary key, both ways', async () => {
    const meta: Record<string, string> = { a: '1' };
    Object.defineProperty(meta, '__proto__', { value: 'x', enumerable: true });
    const bytes = await serializeSafetensors({ w: ones([2]) }, meta);
    const r = parseSafetensors(bytes);
    expect(Object.getPrototypeOf(r.metadata)).toBe(Object.prototype);
    expect(Object.keys(r.metadata!).sort()).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(r.metadata, '__proto__')?.value).toBe('x');
    disposeAll(r);
    const raw = parseSafetensors(build('{"__metadata__": {"__proto__": "y", "constructor": "z"}}'));
    expect(Object.getOwnPropertyDescriptor(raw.metadata, '__proto__')?.value).toBe('y');
    expect(raw.metadata!.constructor).toBe('z');
  });

  it('round-trips tensors named like Object.prototype members', async () => {
    const t = { constructor: tensor([1]), toString: tensor([2]), hasOwnProperty: tensor([3]), valueOf: tensor([4]) };
    const r = parseSafetensors(await serializeSafetensors(t));
    expect(Object.getPrototypeOf(r.tensors)).toBe(Object.prototype);
    for (const [k, v] of Object.entries(t)) expect(Array.from(r.tensors[k].dataSync())).toEqual(Array.from(v.dataSync()));
    expect(r.dtypes.toString).toBe('F32');
    disposeAll(r);
  });

  it('treats dtypes named like Object.prototype members as unknown', async () => {
    for (const dtype of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      await rejects(
        build({ a: { dtype, shape: [1], data_offsets: [0, 4] } }, f32([1])),
        new RegExp(`tensor 'a': unknown dtype "${dtype}" \\(expected one of F64, F32`),
      );
    }
  });
});

describe('safetensors: nesting, duplicates, counts and sizes', () => {
  it('rejects a header nested 5000 deep with a SafetensorsError, not a stack overflow', async () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    await rejects(build(`{"a": {"dtype": "F32", "shape": ${deep(5000)}, "data_offsets": [0, 0]}}`), /tensor 'a': shape: the header nests deeper than 3 levels/);
    await rejects(build(`{"__metadata__": {"k": ${deep(100_000)}}}`), /__metadata__: 'k': the header nests deeper than 3 levels/);
    await rejects(build(deep(100_000)), /the header nests deeper than 3 levels/);
    await rejects(build(`{"a": ${'{"b": '.repeat(5000)}1${'}'.repeat(5001)}`), /tensor 'a': 'b': the header nests deeper than 3 levels/);
  });

  it('rejects duplicate keys instead of keeping the last', async () => {
    const a = '{"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}';
    await rejects(build(`{"a": ${a}, "a": ${a}}`, f32([1])), /the tensor 'a' appears twice in the header/);
    await rejects(build(`{"a": ${a}, "\\u0061": ${a}}`, f32([1])), /the tensor 'a' appears twice in the header/);
    await rejects(build(`{"__metadata__": {"k": "1", "k": "2"}, "a": ${a}}`, f32([1])), /__metadata__: the key 'k' appears twice/);
    await rejects(build(`{"__metadata__": {}, "__metadata__": {}}`), /the key '__metadata__' appears twice in the header/);
    await rejects(
      build(`{"a": {"dtype": "F64", "dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}`, f32([1])),
      /tensor 'a': the key 'dtype' appears twice/,
    );
  });

  it('caps the number of tensors (65536 by default, maxTensors to change it) before parsing the JSON', async () => {
    const entries: string[] = [];
    for (let i = 0; i <= 65536; i++) entries.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    const big = build(`{${entries.join(',')}}`);
    const t0 = performance.now();
    await rejects(big, /the header lists more than 65536 tensors \(the limit; pass maxTensors to raise it\)/);
    expect(performance.now() - t0).toBeLessThan(5000);
    const three = build({
      a: { dtype: 'F32', shape: [0], data_offsets: [0, 0] },
      b: { dtype: 'F32', shape: [0], data_offsets: [0, 0] },
      c: { dtype: 'F32', shape: [0], data_offsets: [0, 0] },
    });
    await rejects(three, /the header lists more than 2 tensors/, { maxTensors: 2 });
    const r = parseSafetensors(three, { maxTensors: 3 });
    expect(Object.keys(r.tensors)).toEqual(['a', 'b', 'c']);
    disposeAll(r);
    const many = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`k${i}`, 'v']));
    await rejects(build({ __metadata__: many }), /__metadata__ holds more than 2 entries/, { maxTensors: 2 });
    expect(() => parseSafetensors(three, { maxTensors: 0 })).toThrow(TypeError);
  });

  it('caps the header size (100 MB by default, maxHeaderBytes to change it)', async () => {
    const bytes = build({ __metadata__: { note: 'x'.repeat(1000) } });
    await rejects(bytes, /the header length 10\d\d bytes is absurdly large \(the limit is 500 bytes\): .*pass maxHeaderBytes to read larger headers/, {
      maxHeaderBytes: 500,
    });
    expect(parseSafetensors(bytes, { maxHeaderBytes: 2000 }).metadata!.note).toHaveLength(1000);
  });

  it('validates every dimension and the element count', async () => {
    await rejects(
      build({ a: { dtype: 'F32', shape: [0, 2 ** 53 - 1], data_offsets: [0, 0] } }),
      /tensor 'a': dimension 1 of shape \[0,9007199254740991\] is 9007199254740991, more than 2147483647/,
    );
    await rejects(
      build({ a: { dtype: 'F32', shape: [2 ** 31, 0], data_offsets: [0, 0] } }),
      /tensor 'a': dimension 0 of shape \[2147483648,0\] is 2147483648, more than 2147483647/,
    );
    await rejects(
      build({ a: { dtype: 'BOOL', shape: [0, 65536, 65536], data_offsets: [0, 0] } }),
      /tensor 'a': the non-zero dimensions of shape \[0,65536,65536\] multiply to 4294967296 elements, more than 2147483647/,
    );
    await rejects(
      build({ a: { dtype: 'F32', shape: [0, 1.5], data_offsets: [0, 0] } }),
      /tensor 'a': shape must be an array of non-negative integers, got \[0,1.5\]/,
    );
    await rejects(build({ a: { dtype: 'F32', shape: [2 ** 53, 0], data_offsets: [0, 0] } }), /tensor 'a': shape must be an array of non-negative integers/);
    await rejects(
      build({ a: { dtype: 'F32', shape: new Array(65).fill(1), data_offsets: [0, 4] } }, f32([1])),
      /tensor 'a': shape: an array with more than 64 elements/,
    );
    // Zero-size tensors with large (allowed) dimensions stay usable: reducing over the zero dimension works.
    const r = parseSafetensors(build({ a: { dtype: 'F32', shape: [0, 3], data_offsets: [0, 0] } }));
    const s = r.tensors.a!.sum(0);
    expect(s.shape).toEqual([3]);
    expect(Array.from(s.dataSync())).toEqual([0, 0, 0]);
    s.dispose();
    disposeAll(r);
  });

  it('keeps error messages on one line, with long or odd names shortened and escaped', async () => {
    const name = `a\nb${'x'.repeat(10_000)}`;
    const e = thrown(() => parseSafetensors(build({ [name]: { dtype: 'F12', shape: [1], data_offsets: [0, 4] } }, f32([1]))));
    expect(e).toBeInstanceOf(SafetensorsError);
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain("tensor 'a\\nbxxx");
    expect(e.message.length).toBeLessThan(400);
    const s = thrown(() => parseSafetensors(build({ a: { dtype: 'F32', shape: ['y'.repeat(10_000)], data_offsets: [0, 4] } }, f32([1]))));
    expect(s.message.length).toBeLessThan(400);
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzzing: whatever the bytes, parseSafetensors returns or throws a one-line SafetensorsError,
// quickly and without allocating more than the bytes hold.

const SIZES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const weirdNumber = fc.oneof(
  fc.integer({ min: -3, max: 5 }),
  fc.constantFrom(0.5, -0, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 1e300, -1e300, Number.MAX_SAFE_INTEGER),
);
const weirdValue = fc.oneof(weirdNumber, fc.string({ maxLength: 4 }), fc.constant(null), fc.boolean(), fc.array(fc.nat(4), { maxLength: 2 }), fc.constant({}));
const nameArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'w.0', '__proto__', '__metadata__', 'constructor', 'toString', '', '\n', 'é', '1', '0') },
  { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);
const dtypeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.keys(SIZES)) },
  { weight: 1, arbitrary: fc.constantFrom('U64', 'F8_E4M3', 'C64', 'f32', 'toString', '__proto__', 'constructor', '') },
  { weight: 1, arbitrary: weirdValue },
);
const shapeArb = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.nat(4), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(weirdNumber, { maxLength: 4 }) },
  { weight: 1, arbitrary: weirdValue },
);
/** One tensor entry: usually consistent offsets (filled in later), sometimes mutated. */
const entryArb = fc.record({
  name: nameArb,
  dtype: dtypeArb,
  shape: shapeArb,
  offsets: fc.oneof(
    { weight: 5, arbitrary: fc.constant<'auto'>('auto') },
    { weight: 1, arbitrary: fc.array(weirdNumber, { maxLength: 3 }) },
    { weight: 1, arbitrary: weirdValue },
  ),
  extra: fc.option(fc.dictionary(fc.string({ maxLength: 3 }), weirdValue, { maxKeys: 2 }), { freq: 5 }),
});
const metadataArb = fc.option(
  fc.oneof(
    fc.dictionary(nameArb, fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 6 }) }, { weight: 1, arbitrary: weirdValue }), { maxKeys: 4 }),
    weirdValue,
  ),
  { freq: 3 },
);
/** What to do to the well-formed file afterwards. */
const mutationArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extraData' as const), n: fc.integer({ min: 1, max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nest' as const), depth: fc.integer({ min: 1, max: 20_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lengthField' as const), n: fc.oneof(fc.nat(64), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })) }) },
);

type Entry = { name: string; dtype: unknown; shape: unknown; offsets: unknown; extra: Record<string, unknown> | null };

function structuredFile(
  entries: Entry[],
  metadata: unknown,
  mutation: { kind: string; at?: number; byte?: number; n?: number | bigint; depth?: number },
): Uint8Array {
  const parts: string[] = [];
  if (metadata !== null) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  const ones: number[] = []; // byte positions set to 1: the lowest byte of every other element
  for (const e of entries) {
    let offsets = e.offsets;
    if (offsets === 'auto') {
      const size = typeof e.dtype === 'string' && Object.hasOwn(SIZES, e.dtype) ? SIZES[e.dtype] : 4;
      const numel = Array.isArray(e.shape) ? e.shape.reduce((a: number, d) => a * (typeof d === 'number' ? d : 1), 1) : 1;
      const bytes = Number.isSafeInteger(numel) && numel >= 0 && numel <= 64 ? numel * size : 0;
      offsets = [offset, offset + bytes];
      for (let k = 1; k * size < bytes; k += 2) ones.push(offset + k * size);
      offset += bytes;
    }
    const info: Record<string, unknown> = { ...e.extra, dtype: e.dtype, shape: e.shape, data_offsets: offsets };
    parts.push(`${JSON.stringify(e.name)}:${JSON.stringify(info)}`);
  }
  if (mutation.kind === 'duplicate' && parts.length > 0) parts.push(parts[0]);
  let text = `{${parts.join(',')}}`;
  if (mutation.kind === 'nest') {
    const d = mutation.depth!;
    text = text.replace(/\[/, `${'['.repeat(d)}[`).replace(/\]/, `]${']'.repeat(d)}`);
  }
  // Data valid for every dtype (elements 0 and 1: BOOL accepts them, I64 fits int32).
  const data = new Uint8Array(offset + (mutation.kind === 'extraData' ? Number(mutation.n) : 0));
  for (const i of ones) data[i] = 1;
  let file = build(text, data);
  if (mutation.kind === 'lengthField') new DataView(file.buffer).setBigUint64(0, BigInt(mutation.n!), true);
  if (mutation.kind === 'truncate') file = file.subarray(0, mutation.at! % (file.length + 1));
  if (mutation.kind === 'flip' && file.length > 0) file[mutation.at! % file.length] = mutation.byte!;
  return file;
}

/** Parses `bytes`: success or a one-line SafetensorsError, within a time and allocation bound. */
function parseChecked(bytes: Uint8Array): 'ok' | 'error' {
  const t0 = performance.now();
  try {
    const r = parseSafetensors(bytes);
    let allocated = 0;
    for (const t of Object.values(r.tensors)) allocated += t.numel() * (t.dtype === 'float64' ? 8 : 4);
    disposeAll(r);
    // Nothing beyond the sizes the bytes hold: at most 4 bytes per input byte (I8/U8/BOOL → 4-byte elements).
    expect(allocated).toBeLessThanOrEqual(4 * bytes.length);
    return 'ok';
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    expect(e.message).toMatch(/^safetensors <bytes>: /);
    expect(e.message).not.toMatch(/[\n\r]/);
    expect(e.message.length).toBeLessThan(600);
    return 'error';
  } finally {
    expect(performance.now() - t0).toBeLessThan(2000);
  }
}

describe('safetensors fuzzing (fast-check)', () => {
  const rssBefore = process.memoryUsage().rss;

  it('structured headers with mutated fields: a result or a SafetensorsError, nothing else', () => {
    const seen = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 4 }), metadataArb, mutationArb, (entries, metadata, mutation) => {
        seen[parseChecked(structuredFile(entries, metadata, mutation))]++;
      }),
      { numRuns: 2000 },
    );
    // The generator reaches both sides.
    expect(seen.ok).toBeGreaterThan(100);
    expect(seen.error).toBeGreaterThan(100);
  });

  it('raw bytes and JSON-ish headers: a result or a SafetensorsError, nothing else', () => {
    const lengthPrefixed = fc
      .tuple(fc.oneof(fc.json({ maxDepth: 4 }), fc.string({ unit: 'binary', maxLength: 40 })), fc.uint8Array({ maxLength: 32 }))
      .map(([h, d]) => build(h, d));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), lengthPrefixed), (bytes) => {
        parseChecked(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps memory bounded over all cases', () => {
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);
  });
});
