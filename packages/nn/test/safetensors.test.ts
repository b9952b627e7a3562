import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { arange, ones, randn, tensor, zeros, type Tensor } from '@fackel/tensor';
import { TEMP_FILE_PATTERN, writeFileAtomic } from '@fackel/tensor/node';
import { LSTM, SafetensorsError, loadSafetensors, parseSafetensors, saveSafetensors, serializeSafetensors } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { FIXTURES } from './helpers.js';

registerCpuBackend();
const tmp = scratch('nn');
afterAll(() => tmp.cleanup());

/** Builds a safetensors file by hand: header (object or raw string/bytes), data bytes, optional length field override. */
function build(header: unknown, data: Uint8Array = new Uint8Array(0), lengthField?: bigint): Uint8Array {
  const h = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

describe('round trip Fackel → safetensors → Fackel', () => {
  it('keeps names, shapes, dtypes, values and metadata (bytes and files)', async () => {
    const t = {
      w: randn([3, 4]),
      scalar: tensor(2.5),
      ids: tensor(
        [
          [1, -2],
          [3, 2147483647],
        ],
        { dtype: 'int32' },
      ),
      mask: tensor([true, false, true]),
      f64: tensor([1e-300, 1 / 3], { dtype: 'float64' }),
      empty: zeros([0, 3]),
      view: arange(12).float().reshape([3, 4]).t(), // non-contiguous
    };
    const bytes = await serializeSafetensors(t, { format: 'pt', epoch: '3' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.__metadata__).toEqual({ format: 'pt', epoch: '3' });
    expect(header.w).toEqual({ dtype: 'F32', shape: [3, 4], data_offsets: expect.any(Array) });
    for (const v of Object.values(header) as { dtype?: string; data_offsets?: number[] }[]) {
      if (v.dtype) expect(v.data_offsets![0] % ({ F64: 8, F32: 4, I32: 4, BOOL: 1 } as Record<string, number>)[v.dtype]).toBe(0);
    }
    const path = join(tmp.dir, 'round.safetensors');
    await saveSafetensors(path, new Map(Object.entries(t)), { format: 'pt', epoch: '3' });
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
    for (const loaded of [parseSafetensors(bytes, { keepFloat64: true }), await loadSafetensors(path, { keepFloat64: true })]) {
      expect(loaded.metadata).toEqual({ format: 'pt', epoch: '3' });
      expect(loaded.notes).toEqual([]);
      for (const [k, v] of Object.entries(t)) {
        const got = loaded.tensors[k];
        expect([k, got.dtype, got.shape]).toEqual([k, v.dtype, v.shape]);
        expect(got.tolistSync()).toEqual(v.tolistSync());
      }
      expect(loaded.dtypes).toMatchObject({ w: 'F32', ids: 'I32', mask: 'BOOL', f64: 'F64' });
    }
    const f32 = parseSafetensors(bytes);
    expect(f32.tensors.f64!.dtype).toBe('float32');
    expect(f32.notes).toEqual(["'f64': F64 converted to float32 (pass keepFloat64: true to keep float64)"]);
  });

  it('round-trips a module state dict into a fresh module', async () => {
    const a = new LSTM(4, 3, { numLayers: 2 });
    const b = new LSTM(4, 3, { numLayers: 2 });
    const path = join(tmp.dir, 'lstm.safetensors');
    await saveSafetensors(path, a.stateDict());
    b.loadStateDict((await loadSafetensors(path)).tensors);
    for (const [k, v] of Object.entries(a.stateDict())) expect(Array.from(b.stateDict()[k].dataSync())).toEqual(Array.from(v.dataSync()));
  });

  it('reads the files PyTorch wrote for the fixtures', async () => {
    const { tensors, metadata } = await loadSafetensors(join(FIXTURES, 'lstm2.safetensors'));
    expect(metadata).toEqual({ format: 'pt', source: 'gen_nn_fixtures.py' });
    expect(Object.keys(tensors)).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_ih_l1',
      'weight_hh_l1',
      'bias_ih_l1',
      'bias_hh_l1',
    ]);
    expect(tensors.weight_ih_l0!.shape).toEqual([28, 5]);
  });

  it('rejects what it cannot write', async () => {
    await expect(serializeSafetensors({ __metadata__: ones([1]) })).rejects.toThrow("'__metadata__' is reserved and cannot name a tensor");
    await expect(serializeSafetensors({ a: [1, 2] as unknown as Tensor })).rejects.toThrow("serializeSafetensors: 'a' is not a Tensor (got object)");
    await expect(serializeSafetensors({ a: ones([1]) }, { epoch: 3 as unknown as string })).rejects.toThrow(
      "serializeSafetensors: metadata values must be strings, but 'epoch' is a number (use String(value))",
    );
    const d = ones([1]);
    d.dispose();
    await expect(serializeSafetensors({ d })).rejects.toThrow("serializeSafetensors: the tensor 'd' has been disposed");
  });
});

describe('dtype conversions when reading', () => {
  it('converts F64, F16, BF16 to float32 and I64, I16, I8, U8 to int32, with a note each', () => {
    const bytesOf = (arr: ArrayBufferView): Uint8Array => new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    const parts: [string, string, number[], Uint8Array][] = [
      ['d', 'F64', [2], bytesOf(new Float64Array([0.1, -2.5]))],
      ['h', 'F16', [3], bytesOf(new Uint16Array([0x3c00, 0xc000, 0x3555]))],
      ['b', 'BF16', [2], bytesOf(new Uint16Array([0x3f80, 0xc0a0]))],
      ['l', 'I64', [2], bytesOf(new BigInt64Array([-5n, 2147483647n]))],
      ['s', 'I16', [2], bytesOf(new Int16Array([-300, 7]))],
      ['c', 'I8', [2], bytesOf(new Int8Array([-128, 127]))],
      ['u', 'U8', [2], bytesOf(new Uint8Array([0, 255]))],
    ];
    const header: Record<string, unknown> = {};
    let off = 0;
    for (const [name, dtype, shape, b] of parts) {
      header[name] = { dtype, shape, data_offsets: [off, off + b.length] };
      off += b.length;
    }
    const data = new Uint8Array(off);
    let p = 0;
    for (const [, , , b] of parts) {
      data.set(b, p);
      p += b.length;
    }
    const r = parseSafetensors(build(header, data));
    expect(r.tensors.d!.dtype).toBe('float32');
    expect(Array.from(r.tensors.d!.dataSync())).toEqual([Math.fround(0.1), -2.5]);
    expect(Array.from(r.tensors.h!.dataSync())).toEqual([1, -2, 0.333251953125]);
    expect(Array.from(r.tensors.b!.dataSync())).toEqual([1, -5]);
    expect(r.tensors.l!.dtype).toBe('int32');
    expect(Array.from(r.tensors.l!.dataSync())).toEqual([-5, 2147483647]);
    expect(Array.from(r.tensors.s!.dataSync())).toEqual([-300, 7]);
    expect(Array.from(r.tensors.c!.dataSync())).toEqual([-128, 127]);
    expect(Array.from(r.tensors.u!.dataSync())).toEqual([0, 255]);
    expect(r.notes).toEqual([
      "'d': F64 converted to float32 (pass keepFloat64: true to keep float64)",
      "'h': F16 read as float32",
      "'b': BF16 read as float32",
      "'l': I64 converted to int32",
      "'s': I16 read as int32",
      "'c': I8 read as int32",
      "'u': U8 read as int32",
    ]);
  });
});

describe('malformed files: each rejected with its own message, no crash, no hang, no huge allocation', () => {
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const two = f32([1, 2]);
  const corpus: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array([1, 2, 3]), /the file is 3 bytes long, too short for safetensors/],
    [
      'header length beyond the file',
      build(ok, two, 5000n),
      /the header length 5000 bytes runs past the end of the file \(only \d+ bytes follow the length field\)/,
    ],
    ['absurd header length', build(ok, two, 1n << 62n), /the header length 4611686018427387904 bytes is absurdly large \(the limit is 100000000 bytes\)/],
    ['not UTF-8', build(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), two), /the header is not valid UTF-8 text/],
    ['invalid JSON', build('{"a": {"dtype": "F32",', two), /the header is not valid JSON \(/],
    ['header not an object', build('[1, 2]', two), /the header must be a JSON object, got an array/],
    ['metadata not strings', build({ __metadata__: { epoch: 3 }, ...ok }, two), /__metadata__ must map strings to strings, but 'epoch' is a number/],
    ['entry not an object', build({ a: 5 }, two), /tensor 'a': expected an object with dtype, shape and data_offsets, got a number/],
    ['missing dtype', build({ a: { shape: [2], data_offsets: [0, 8] } }, two), /tensor 'a': dtype must be a string, got missing/],
    ['unknown dtype', build({ a: { dtype: 'F12', shape: [2], data_offsets: [0, 8] } }, two), /tensor 'a': unknown dtype "F12" \(expected one of F64, F32/],
    ['unsupported dtype', build({ a: { dtype: 'U64', shape: [1], data_offsets: [0, 8] } }, two), /tensor 'a': dtype U64 is not supported by Fackel/],
    [
      'bad shape',
      build({ a: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] } }, two),
      /tensor 'a': shape must be an array of non-negative integers, got \[2,-1\]/,
    ],
    [
      'bad offsets',
      build({ a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, two),
      /tensor 'a': data_offsets must be \[begin, end\] with non-negative integers, got \[0\]/,
    ],
    [
      'reversed offsets',
      build({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, two),
      /tensor 'a': data_offsets \[8, 0\] are out of order \(begin after end\)/,
    ],
    [
      'offsets out of range',
      build({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, two),
      /tensor 'a': data_offsets \[0, 16\] run past the end of the data section \(8 bytes\)/,
    ],
    [
      'byte length mismatch',
      build({ a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 8] } }, two),
      /tensor 'a': dtype F32 and shape \[2,3\] need 24 bytes, but data_offsets \[0, 8\] hold 8/,
    ],
    [
      'absurd shape',
      build({ a: { dtype: 'F32', shape: [1e9, 1e9, 1e9], data_offsets: [0, 8] } }, two),
      /tensor 'a': dtype F32 and shape \[1000000000,1000000000,1000000000\] need more than 2\^53 bytes, but data_offsets \[0, 8\] hold 8/,
    ],
    [
      'overlapping tensors',
      build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, two),
      /tensors 'a' \[0, 8\] and 'b' \[4, 8\] overlap/,
    ],
    ['gap', build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, two), /bytes 0–4 of the data section belong to no tensor \(before 'a'\)/],
    ['trailing bytes', build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, two), /4 bytes after the last tensor \('a'\) belong to no tensor/],
    [
      'I64 out of int32 range',
      build({ l: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(new BigInt64Array([1n << 40n]).buffer)),
      /tensor 'l': I64 value 1099511627776 at flat index 0 does not fit in int32/,
    ],
    [
      'bool byte',
      build({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 2])),
      /tensor 'm': BOOL byte 2 at flat index 1 is neither 0 nor 1/,
    ],
  ];

  it('has a distinct message for every case', () => {
    const messages = corpus.map(([, bytes]) => {
      try {
        parseSafetensors(bytes);
        return 'no error';
      } catch (e) {
        expect(e).toBeInstanceOf(SafetensorsError);
        return (e as Error).message;
      }
    });
    expect(new Set(messages).size).toBe(corpus.length);
  });

  for (const [name, bytes, message] of corpus) {
    it(name, async () => {
      expect(() => parseSafetensors(bytes)).toThrow(message);
      expect(() => parseSafetensors(bytes)).toThrow(/^safetensors <bytes>: /);
      const path = join(tmp.dir, `bad-${name.replace(/\W+/g, '_')}.safetensors`);
      writeFileSync(path, bytes);
      await expect(loadSafetensors(path)).rejects.toThrow(message);
      await expect(loadSafetensors(path)).rejects.toThrow(`safetensors ${path}: `);
    });
  }

  it('accepts the smallest valid file and zero-sized tensors', () => {
    expect(Object.keys(parseSafetensors(build({})).tensors)).toEqual([]);
    const r = parseSafetensors(build({ e: { dtype: 'F32', shape: [0, 4], data_offsets: [0, 0] }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, two));
    expect(r.tensors.e!.shape).toEqual([0, 4]);
    expect(Array.from(r.tensors.a!.dataSync())).toEqual([1, 2]);
  });
});

describe('atomic writes', () => {
  it('a failure before the rename leaves the previous file intact and no temporary file behind', async () => {
    const path = join(tmp.dir, 'atomic.safetensors');
    await saveSafetensors(path, { a: ones([2]) });
    const before = readFileSync(path);
    const newBytes = await serializeSafetensors({ a: zeros([1000]) });
    let tempSeen = '';
    await expect(
      writeFileAtomic(path, newBytes, {
        fsync: true,
        beforeRename: (temp) => {
          tempSeen = temp;
          expect(readFileSync(temp).length).toBe(newBytes.length); // fully written and synced
          throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    expect(readFileSync(path)).toEqual(before);
    expect(existsSync(tempSeen)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => TEMP_FILE_PATTERN.test(f))).toEqual([]);
  });

  it('a failure while serializing never touches the file', async () => {
    const path = join(tmp.dir, 'atomic2.safetensors');
    await saveSafetensors(path, { a: ones([2]) });
    const before = readFileSync(path);
    const gone = ones([3]);
    gone.dispose();
    await expect(saveSafetensors(path, { a: gone })).rejects.toThrow('disposed');
    expect(readFileSync(path)).toEqual(before);
  });

  it('replaces the file in one step when it succeeds', async () => {
    const path = join(tmp.dir, 'atomic3.safetensors');
    await saveSafetensors(path, { a: ones([2]) });
    await saveSafetensors(path, { b: zeros([3]) });
    expect(Object.keys((await loadSafetensors(path)).tensors)).toEqual(['b']);
    expect(readdirSync(tmp.dir).filter((f) => TEMP_FILE_PATTERN.test(f))).toEqual([]);
  });
});
