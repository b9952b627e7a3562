// The same random inputs through the CPU backend and the WebGPU backend, for every kernel of
// the Backend contract: float32 must agree to about 1e-4 relative, int32 and bool exactly.
import { CpuBackend } from '@fackel/backend-cpu';
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type DType, type ReduceOp, type TypedArray, type UnaryOp, type View } from '@fackel/tensor';
import { afterAll, describe, it } from 'vitest';
import {
  contiguous,
  describeGpu,
  elements,
  expectClose,
  expectExact,
  permute,
  randint,
  randn,
  rng,
  size,
  tryBackend,
  type GV,
  type HostView,
} from './helpers.js';
import type { GPUTensorBuffer } from '../src/index.js';

const gpu = (await tryBackend())!;
const cpu = new CpuBackend();

type CV = View<TypedArray>;
interface Pair {
  c: CV;
  g: GV;
}

/** Uploads a host view to both backends (same shape, strides and offset). */
function pair(h: HostView): Pair {
  const cb = cpu.alloc(h.dtype, h.data.length);
  cpu.write(cb, h.dtype, h.data, 0);
  const gb = gpu.alloc(h.dtype, h.data.length);
  gpu.write(gb, h.dtype, h.data, 0);
  const meta = { dtype: h.dtype, shape: h.shape, strides: h.strides, offset: h.offset };
  return { c: { ...meta, buffer: cb }, g: { ...meta, buffer: gb } };
}

function data(r: () => number, dtype: DType, n: number, lo = -3, hi = 3): TypedArray {
  if (dtype === 'float32') return Float32Array.from(randn(r, n), (x) => lo + ((x + 1) / 2) * (hi - lo));
  if (dtype === 'int32') return randint(r, n, -20, 20);
  return Uint8Array.from(randint(r, n, 0, 2));
}

/** A random operand of `shape`: contiguous, transposed (stored permuted), or a strided slice. */
function operand(r: () => number, dtype: DType, shape: number[], layout: 'c' | 't' | 's', lo?: number, hi?: number): Pair {
  const n = size(shape);
  if (layout === 'c' || shape.length < 2) return pair({ data: data(r, dtype, n, lo, hi), dtype, shape, strides: contiguous(shape), offset: 0 });
  if (layout === 't') {
    const stored = shape.slice().reverse();
    const perm = shape.map((_, i) => shape.length - 1 - i);
    return pair(permute({ data: data(r, dtype, n, lo, hi), dtype, shape: stored, strides: contiguous(stored), offset: 0 }, perm));
  }
  // every other element of a twice-as-wide last axis, starting at 1
  const wide = shape.slice();
  wide[wide.length - 1] = shape[shape.length - 1] * 2 + 1;
  const st = contiguous(wide);
  st[st.length - 1] = 2;
  return pair({ data: data(r, dtype, size(wide), lo, hi), dtype, shape, strides: st, offset: 1 });
}

async function both(cb: TypedArray, gb: GPUTensorBuffer, dtype: DType, shape: readonly number[]): Promise<[TypedArray, TypedArray]> {
  const meta = { dtype, shape, strides: contiguous(shape), offset: 0 };
  const c = await cpu.read({ ...meta, buffer: cb });
  const g = await gpu.read({ ...meta, buffer: gb });
  gpu.release(gb, dtype, size(shape));
  return [c, g];
}

async function check(cb: TypedArray, gb: GPUTensorBuffer, dtype: DType, shape: readonly number[], what: string, rtol = 1e-4, atol = 1e-5): Promise<void> {
  const [c, g] = await both(cb, gb, dtype, shape);
  if (dtype === 'float32') expectClose(g, c, rtol, atol, what);
  else expectExact(g, c, what);
}

const SHAPE = [6, 7, 5];
const LAYOUTS = ['c', 't', 's'] as const;

describeGpu(gpu)('CPU and WebGPU agree on random inputs', () => {
  afterAll(async () => gpu.destroy());

  describe('unary', () => {
    const domain: Partial<Record<UnaryOp, [number, number]>> = { log: [0.01, 5], sqrt: [0, 5], rsqrt: [0.01, 5], log1p: [-0.9, 5], reciprocal: [0.1, 3] };
    it.each(Object.keys(UNARY_OPS) as UnaryOp[])('%s', async (op) => {
      const r = rng(op.length * 7919);
      const [lo, hi] = domain[op] ?? [-4, 4];
      for (const layout of LAYOUTS) {
        const x = operand(r, 'float32', SHAPE, layout, lo, hi);
        const outDt: DType = UNARY_OPS[op].dtype === 'bool' ? 'bool' : 'float32';
        await check(cpu.unary(op, x.c, outDt, SHAPE), gpu.unary(op, x.g, outDt, SHAPE), outDt, SHAPE, `${op} ${layout}`);
        if (UNARY_OPS[op].dtype !== 'float') {
          const xi = operand(r, 'int32', SHAPE, layout);
          const oi: DType = UNARY_OPS[op].dtype === 'bool' ? 'bool' : 'int32';
          await check(cpu.unary(op, xi.c, oi, SHAPE), gpu.unary(op, xi.g, oi, SHAPE), oi, SHAPE, `${op} int32 ${layout}`);
        }
      }
    });
  });

  describe('binary', () => {
    // Integer fmod by zero: the CPU raises ZeroDivisionError, a GPU kernel writes 0 (the
    // Backend contract), so the parity check uses nonzero int32 divisors.
    const nonzero = (host: Int32Array, g: GPUTensorBuffer): void => {
      for (let i = 0; i < host.length; i++) if (host[i] === 0) host[i] = 1;
      gpu.write(g, 'int32', host, 0);
    };
    it.each(Object.keys(BINARY_OPS) as BinaryOp[])('%s', async (op) => {
      const r = rng(op.length * 104729);
      const info = BINARY_OPS[op];
      for (const dt of ['float32', 'int32'] as const) {
        const outDt: DType = info.dtype === 'bool' ? 'bool' : info.dtype === 'div' ? 'float32' : dt;
        const pos = op === 'pow' && dt === 'float32';
        for (const [la, lb] of [
          ['c', 'c'],
          ['t', 's'],
          ['s', 't'],
        ] as const) {
          const a = operand(r, dt, SHAPE, la, pos ? 0.1 : -3, 3);
          const b = operand(r, dt, SHAPE, lb, -3, 3);
          if (op === 'pow' && dt === 'int32') {
            // small non-negative exponents keep int32 powers exact in both backends
            for (let i = 0; i < (b.c.buffer as Int32Array).length; i++) (b.c.buffer as Int32Array)[i] = Math.abs((b.c.buffer as Int32Array)[i] % 5);
            gpu.write(b.g.buffer, 'int32', b.c.buffer, 0);
          }
          if (op === 'fmod' && dt === 'int32') nonzero(b.c.buffer as Int32Array, b.g.buffer);
          await check(cpu.binary(op, a.c, b.c, SHAPE, outDt), gpu.binary(op, a.g, b.g, SHAPE, outDt), outDt, SHAPE, `${op} ${dt} ${la}${lb}`);
          const s = dt === 'int32' ? 3 : 1.5;
          await check(cpu.binary(op, a.c, s, SHAPE, outDt), gpu.binary(op, a.g, s, SHAPE, outDt), outDt, SHAPE, `${op} ${dt} scalar right`);
          if (!(op === 'pow' && dt === 'float32'))
            await check(cpu.binary(op, s, b.c, SHAPE, outDt), gpu.binary(op, s, b.g, SHAPE, outDt), outDt, SHAPE, `${op} ${dt} scalar left`);
        }
        // broadcast: b is a row expanded along the first two axes
        const a = operand(r, dt, SHAPE, 'c', pos ? 0.1 : -3, 3);
        const row = operand(r, dt, [SHAPE[2]], 'c', -3, 3);
        if (op === 'fmod' && dt === 'int32') nonzero(row.c.buffer as Int32Array, row.g.buffer);
        const bc = { ...row.c, shape: SHAPE, strides: [0, 0, 1] };
        const bg = { ...row.g, shape: SHAPE, strides: [0, 0, 1] };
        if (op !== 'pow' || dt === 'float32')
          await check(cpu.binary(op, a.c, bc, SHAPE, outDt), gpu.binary(op, a.g, bg, SHAPE, outDt), outDt, SHAPE, `${op} ${dt} broadcast`);
      }
    });
  });

  it('where', async () => {
    const r = rng(1);
    for (const layout of LAYOUTS) {
      const c = operand(r, 'bool', SHAPE, layout);
      const a = operand(r, 'float32', SHAPE, 'c');
      const b = operand(r, 'float32', SHAPE, layout);
      await check(cpu.where(c.c, a.c, b.c, SHAPE, 'float32'), gpu.where(c.g, a.g, b.g, SHAPE, 'float32'), 'float32', SHAPE, `where ${layout}`);
      await check(cpu.where(c.c, 2, b.c, SHAPE, 'float32'), gpu.where(c.g, 2, b.g, SHAPE, 'float32'), 'float32', SHAPE, `where scalar ${layout}`);
    }
  });

  describe('reduce', () => {
    const ops: ReduceOp[] = ['sum', 'mean', 'prod', 'max', 'min', 'argmax', 'argmin'];
    it.each(ops)('%s', async (op) => {
      const r = rng(op.length * 31);
      for (const layout of LAYOUTS) {
        for (const axes of op.startsWith('arg') ? [[0], [1], [2]] : [[0], [2], [0, 2], [1, 2], [0, 1, 2]]) {
          const dt: DType = op === 'prod' ? 'float32' : 'float32';
          const x = operand(r, dt, SHAPE, layout, op === 'prod' ? 0.5 : -3, op === 'prod' ? 1.5 : 3);
          const outShape = SHAPE.filter((_, d) => !axes.includes(d));
          const outDt: DType = op.startsWith('arg') ? 'int32' : 'float32';
          await check(cpu.reduce(op, x.c, axes, outDt), gpu.reduce(op, x.g, axes, outDt), outDt, outShape, `${op} ${axes} ${layout}`);
          if (op !== 'mean') {
            const xi = operand(r, 'int32', SHAPE, layout);
            const oi: DType = 'int32';
            if (op !== 'prod') await check(cpu.reduce(op, xi.c, axes, oi), gpu.reduce(op, xi.g, axes, oi), oi, outShape, `${op} int32 ${axes} ${layout}`);
          }
        }
      }
    });
  });

  it('cumsum', async () => {
    const r = rng(2);
    for (const layout of LAYOUTS)
      for (let axis = 0; axis < 3; axis++) {
        const x = operand(r, 'float32', SHAPE, layout);
        await check(cpu.cumsum(x.c, axis, 'float32'), gpu.cumsum(x.g, axis, 'float32'), 'float32', SHAPE, `cumsum ${axis} ${layout}`);
        const xi = operand(r, 'int32', SHAPE, layout);
        await check(cpu.cumsum(xi.c, axis, 'int32'), gpu.cumsum(xi.g, axis, 'int32'), 'int32', SHAPE, `cumsum int ${axis} ${layout}`);
      }
  });

  it('sort', async () => {
    const r = rng(3);
    for (const shape of [
      [4, 65],
      [3, 300],
    ])
      for (const layout of LAYOUTS)
        for (const desc of [false, true]) {
          const x = operand(r, 'int32', shape, layout); // ties exercise stability
          const [cv, ci] = cpu.sort(x.c, desc);
          const [gv, gi] = gpu.sort(x.g, desc);
          await check(cv, gv, 'int32', shape, `sort values ${shape} ${layout} ${desc}`);
          await check(ci, gi, 'int32', shape, `sort indices ${shape} ${layout} ${desc}`);
          const xf = operand(r, 'float32', shape, layout);
          const [cfv, cfi] = cpu.sort(xf.c, desc);
          const [gfv, gfi] = gpu.sort(xf.g, desc);
          await check(cfv, gfv, 'float32', shape, 'sort float values');
          await check(cfi, gfi, 'int32', shape, 'sort float indices');
        }
  });

  it('matmul', async () => {
    const r = rng(4);
    for (const [bt, m, k, n] of [
      [1, 17, 33, 9],
      [3, 64, 64, 130],
      [2, 1, 200, 1],
    ] as const)
      for (const layout of ['c', 't'] as const) {
        const a = operand(r, 'float32', [bt, m, k], layout);
        const b = operand(r, 'float32', [bt, k, n], layout === 'c' ? 't' : 'c');
        await check(cpu.matmul(a.c, b.c), gpu.matmul(a.g, b.g), 'float32', [bt, m, n], `matmul ${bt}x${m}x${k}x${n} ${layout}`, 1e-4, 1e-4);
      }
  });

  it('gather, indexSelect, scatterAdd', async () => {
    const r = rng(5);
    for (let axis = 0; axis < 3; axis++) {
      const x = operand(r, 'float32', SHAPE, 't');
      const ishape = SHAPE.map((d, i) => (i === axis ? 9 : d));
      const hi = { data: randint(r, size(ishape), 0, SHAPE[axis]), dtype: 'int32' as const, shape: ishape, strides: contiguous(ishape), offset: 0 };
      const idx = pair(hi);
      await check(cpu.gather(x.c, axis, idx.c), gpu.gather(x.g, axis, idx.g), 'float32', ishape, `gather ${axis}`);
      const sel = pair({ data: randint(r, 11, 0, SHAPE[axis]), dtype: 'int32', shape: [11], strides: [1], offset: 0 });
      const oshape = SHAPE.map((d, i) => (i === axis ? 11 : d));
      await check(cpu.indexSelect(x.c, axis, sel.c), gpu.indexSelect(x.g, axis, sel.g), 'float32', oshape, `indexSelect ${axis}`);
      const base = operand(r, 'float32', SHAPE, 'c');
      const src = operand(r, 'float32', ishape, 's');
      await check(cpu.scatterAdd(base.c, axis, idx.c, src.c), gpu.scatterAdd(base.g, axis, idx.g, src.g), 'float32', SHAPE, `scatterAdd ${axis}`);
    }
  });

  it('cast, copy, assign, fill', async () => {
    const r = rng(6);
    const dts: DType[] = ['float32', 'int32', 'bool'];
    for (const from of dts)
      for (const to of dts)
        for (const layout of LAYOUTS) {
          const x = operand(r, from, SHAPE, layout, -30, 30);
          await check(cpu.cast(x.c, to), gpu.cast(x.g, to), to, SHAPE, `cast ${from}->${to} ${layout}`);
        }
    for (const layout of LAYOUTS) {
      const x = operand(r, 'float32', SHAPE, layout);
      await check(cpu.copy(x.c), gpu.copy(x.g), 'float32', SHAPE, `copy ${layout}`);
      const dst = operand(r, 'float32', SHAPE, layout);
      cpu.assign(dst.c, x.c);
      gpu.assign(dst.g, x.g);
      expectClose(await gpu.read(dst.g), elements({ ...dst.c, data: dst.c.buffer, shape: [...SHAPE], strides: [...dst.c.strides] }), 0, 0, `assign ${layout}`);
    }
    await check(cpu.fill('float32', 10, 2.5), gpu.fill('float32', 10, 2.5), 'float32', [10], 'fill');
  });

  it('fused lstmCell (forward and backward) and adamStep', async () => {
    const r = rng(7);
    const n = 4;
    const h = 16;
    const g = operand(r, 'float32', [n, 4 * h], 'c');
    const c = operand(r, 'float32', [n, h], 'c');
    const [chc, cact] = cpu.fused.lstmCell!(g.c, c.c);
    const [ghc, gact] = gpu.fused.lstmCell!(g.g, c.g);
    const meta = (shape: number[]) => ({ dtype: 'float32' as const, shape, strides: contiguous(shape), offset: 0 });
    const gHcV = { ...meta([n, 2 * h]), buffer: ghc };
    const gActV = { ...meta([n, 4 * h]), buffer: gact };
    expectClose(await gpu.read(gHcV), await cpu.read({ ...meta([n, 2 * h]), buffer: chc }), 1e-5, 1e-6, 'hc');
    expectClose(await gpu.read(gActV), await cpu.read({ ...meta([n, 4 * h]), buffer: cact }), 1e-5, 1e-6, 'act');
    const d = operand(r, 'float32', [n, 2 * h], 'c');
    const [cdg, cdc] = cpu.fused.lstmCellBackward!(d.c, { ...meta([n, 4 * h]), buffer: cact }, c.c, { ...meta([n, 2 * h]), buffer: chc });
    const [gdg, gdc] = gpu.fused.lstmCellBackward!(d.g, gActV, c.g, gHcV);
    await check(cdg, gdg, 'float32', [n, 4 * h], 'dGates');
    await check(cdc, gdc, 'float32', [n, h], 'dC');

    const size1 = 1000;
    const ps = ['p', 'g', 'm', 'v', 'vm'].map((_, i) => operand(r, 'float32', [size1], 'c', i >= 3 ? 0 : -1, 1));
    const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true, step: 7 };
    cpu.fused.adamStep!(ps[0].c.buffer, ps[1].c.buffer, ps[2].c.buffer, ps[3].c.buffer, ps[4].c.buffer, size1, o);
    gpu.fused.adamStep!(ps[0].g.buffer, ps[1].g.buffer, ps[2].g.buffer, ps[3].g.buffer, ps[4].g.buffer, size1, o);
    for (const [k, p] of ps.entries()) expectClose(await gpu.read(p.g), await cpu.read(p.c), 1e-5, 1e-7, `adam buffer ${k}`);
  });
});
