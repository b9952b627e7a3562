// Printing tensors (issue 13, item 4): `toString()`, `console.log(t)` and `await t.print()` as
// PyTorch prints. The expected strings are torch's own `str(t)` (fixtures/print.json, from
// scripts/gen_print_fixtures.py), mapped to Fackel's documented spellings.
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  arrayType,
  destroyDevice,
  getDevice,
  registerBackend,
  tensor,
  type Backend,
  type DType,
  type Device,
  type GradFn,
  type Tensor,
  type TypedArray,
  type View,
} from '../src/index.js';
import { gatherView } from './helpers.js';

interface Case {
  id: string;
  dtype: DType;
  shape: number[];
  data?: (number | boolean | string)[];
  gen?: { n: number; mul: number; mod?: number | null; add?: number; div?: number };
  view?: [string, ...unknown[]][];
  requiresGrad?: boolean;
  gradFn?: string;
  torch: string;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/print.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] };

/**
 * A backend that only stores and reads (all printing needs), on plain typed arrays. With
 * `sync: false` it has no `readSync`, like WebGPU.
 */
function storeBackend(name: string, sync: boolean): Backend<TypedArray> {
  const read = (x: View<TypedArray>): TypedArray => new (arrayType(x.dtype))(gatherView(x));
  const reads = { count: 0, elements: 0 };
  const counted = (x: View<TypedArray>): TypedArray => {
    const out = read(x);
    reads.count++;
    reads.elements += out.length;
    return out;
  };
  const unsupported = (): never => {
    throw new Error(`${name}: not needed for printing`);
  };
  return {
    name,
    dtypes: ['float32', 'int32', 'bool', 'float64'],
    reads,
    alloc: (dtype: DType, size: number) => new (arrayType(dtype))(size),
    release: () => {},
    write: (buffer: TypedArray, _dtype: DType, data: TypedArray, offset: number) => buffer.set(data, offset),
    read: async (x: View<TypedArray>) => counted(x),
    ...(sync ? { readSync: counted } : {}),
    memory: () => ({ allocatedBytes: 0, pooledBytes: 0, liveBuffers: 0 }),
    unary: unsupported,
    binary: unsupported,
    where: unsupported,
    reduce: unsupported,
    cumsum: unsupported,
    sort: unsupported,
    matmul: unsupported,
    gather: unsupported,
    indexSelect: unsupported,
    scatterAdd: unsupported,
    cast: unsupported,
    copy: unsupported,
    assign: unsupported,
    fill: unsupported,
  } as unknown as Backend<TypedArray>;
}

let host: Device;
let gpu: Device;
const readsOf = (d: Device): { count: number; elements: number } => (d.backend as unknown as { reads: { count: number; elements: number } }).reads;

beforeAll(() => {
  // Named 'cpu': the one device PyTorch and Fackel print no `device=` for.
  registerBackend('cpu', () => storeBackend('cpu', true));
  // Named 'webgpu' (a fake without readSync, as WebGPU has none), for the texts users see.
  registerBackend('webgpu', () => storeBackend('webgpu', false));
  host = getDevice('cpu');
  gpu = getDevice('webgpu');
});
afterAll(async () => {
  await destroyDevice('cpu');
  await destroyDevice('webgpu');
});

function values(c: Case): number[] {
  if (c.data) return c.data.map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v)));
  const g = c.gen!;
  const out: number[] = [];
  for (let i = 0; i < g.n; i++) {
    let k = i * g.mul;
    if (g.mod != null) k %= g.mod;
    k += g.add ?? 0;
    out.push(c.dtype === 'bool' ? Number(k !== 0) : c.dtype === 'int32' ? k : k / (g.div ?? 1));
  }
  return out;
}

/** The fixture's tensor on `device` (the CPU-like `host` unless given). */
function build(c: Case, device: Device = host): Tensor {
  let t = tensor(new (arrayType(c.dtype))(values(c)), { dtype: c.dtype, device }).reshape(c.shape);
  for (const [op, ...args] of c.view ?? []) {
    if (op === 't') t = t.t();
    else if (op === 'narrow') t = t.narrow(args[0] as number, args[1] as number, args[2] as number);
    else if (op === 'permute') t = t.permute(args[0] as number[]);
    else if (op === 'expand') t = t.expand(args[0] as number[]);
    else throw new Error(`unknown view op ${op}`);
  }
  if (c.requiresGrad) t.requiresGrad = true;
  if (c.gradFn) t.gradFn = { name: c.gradFn.replace(/\d+$/, '') } as GradFn;
  return t;
}

/** torch's text in Fackel's spelling: the documented differences, nothing else. */
function fackelSpelling(s: string): string {
  return s
    .replace(/dtype=torch\.int64/g, 'dtype=int32')
    .replace(/dtype=torch\.(\w+)/g, 'dtype=$1')
    .replace(/requires_grad=True/g, 'requiresGrad=true')
    .replace(/grad_fn=<(\w+?)\d*>/g, 'gradFn=<$1>')
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false');
}

/** The text up to the suffixes. */
function valuesPart(s: string, c: Case): string {
  return c.shape.length === 0 ? s.replace(/[,)].*$/s, '') : s.slice(0, s.lastIndexOf(']') + 1);
}

describe('printing matches PyTorch', () => {
  it(`has the fixture cases (torch ${fixture.torch})`, () => {
    expect(fixture.cases.length).toBeGreaterThan(70);
  });

  for (const c of fixture.cases) {
    it(c.id, async () => {
      const t = build(c);
      const expected = fackelSpelling(c.torch);
      expect(t.toString()).toBe(expected);
      expect(inspect(t)).toBe(expected);
      expect(await t.toStringAsync()).toBe(expected);
      // On a device without synchronous reads, the async form shows the same values (the
      // suffixes, with `device=` first, may wrap differently).
      const onGpu = await build(c, gpu).toStringAsync();
      expect(valuesPart(onGpu, c)).toBe(valuesPart(expected, c));
      expect(onGpu).toMatch(/(, |,\n {7})device='webgpu'/);
    });
  }
});

describe('printing, beyond the fixtures', () => {
  it('console.log(t) prints the text, not the internals', () => {
    const t = build({ id: '', dtype: 'float32', shape: [2, 2], data: [7, 10, 15, 22], torch: '' });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      console.log(t);
      console.log({ weight: t });
      // (Node lays out an object holding a multi-line text over several lines, indented.)
      expect(log.mock.calls.map((args) => inspect(args[0]))).toEqual([
        'tensor([[ 7., 10.],\n        [15., 22.]])',
        '{\n  weight: tensor([[ 7., 10.],\n          [15., 22.]])\n}',
      ]);
    } finally {
      log.mockRestore();
    }
    expect(`${t}`).toBe('tensor([[ 7., 10.],\n        [15., 22.]])');
    expect(String(t)).toBe(t.toString());
  });

  it('a [100, 100] tensor reads only its corners (36 elements), never the whole storage', async () => {
    const t = tensor(
      new Float32Array(10000).map((_, i) => i % 7),
      { device: host },
    ).reshape([100, 100]);
    const r = readsOf(host);
    const before = { ...r };
    const text = t.toString();
    expect(r.elements - before.elements).toBe(36);
    expect(r.count - before.count).toBe(4);
    expect(text.split('\n')).toHaveLength(7);
    expect(text).toContain('...');
    expect(await t.toStringAsync()).toBe(text);
  });

  it('on an asynchronous device, toString shows the shape and how to read; print() the values', async () => {
    const t = tensor(new Float32Array([1, 2, 3, 4.5, 5, 6]), { device: gpu }).reshape([2, 3]);
    const hint = "tensor(<on webgpu: await t.print() to read>, shape=[2, 3], device='webgpu')";
    expect(t.toString()).toBe(hint);
    expect(inspect(t)).toBe(hint);
    const ints = tensor(new Int32Array([1, 2]), { device: gpu });
    expect(ints.toString()).toBe("tensor(<on webgpu: await t.print() to read>, shape=[2], device='webgpu',\n       dtype=int32)");
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await t.print();
      expect(log.mock.calls).toEqual([["tensor([[1.0000, 2.0000, 3.0000],\n        [4.5000, 5.0000, 6.0000]], device='webgpu')"]]);
    } finally {
      log.mockRestore();
    }
  });

  it('print() writes toString() with console.log on a synchronous device too', async () => {
    const t = tensor(new Int32Array([3, -10, 200]), { device: host });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await t.print();
      expect(log.mock.calls).toEqual([['tensor([  3, -10, 200])']]);
    } finally {
      log.mockRestore();
    }
  });

  it('a disposed tensor prints a placeholder and never throws', async () => {
    const t = tensor(new Float32Array(6), { device: host }).reshape([2, 3]);
    t.dispose();
    expect(t.toString()).toBe('tensor(<disposed>, shape=[2, 3])');
    expect(inspect(t)).toBe('tensor(<disposed>, shape=[2, 3])');
    expect(await t.toStringAsync()).toBe('tensor(<disposed>, shape=[2, 3])');
    const b = tensor(new Uint8Array(1), { dtype: 'bool', device: gpu });
    b.dispose();
    expect(b.toString()).toBe("tensor(<disposed>, shape=[1], device='webgpu', dtype=bool)");
    const w = tensor(new Float32Array(2), { device: host });
    w.requiresGrad = true;
    w.dispose();
    expect(w.toString()).toBe('tensor(<disposed>, shape=[2], requiresGrad=true)');
  });

  it('a failing read prints a placeholder from toString, and rejects from print()', async () => {
    const t = tensor(new Float32Array(2), { device: host });
    const spy = vi.spyOn(host.backend, 'readSync').mockImplementation(() => {
      throw new Error('device lost\nmore detail');
    });
    try {
      expect(t.toString()).toBe('tensor(<unreadable: device lost>, shape=[2])');
    } finally {
      spy.mockRestore();
    }
    const spyAsync = vi.spyOn(host.backend, 'read').mockRejectedValue(new Error('device lost'));
    try {
      await expect(t.print()).rejects.toThrow('device lost');
    } finally {
      spyAsync.mockRestore();
    }
  });
});
