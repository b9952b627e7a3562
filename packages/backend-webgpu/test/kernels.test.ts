// Kernel-level tests of the WebGPU backend: hand-made views against straightforward
// references (the op table's scalar references for elementwise ops).
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type DType, type ReduceOp, type UnaryOp } from '@fackel/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import {
  contiguous,
  describeGpu,
  elements,
  expand,
  expectClose,
  expectExact,
  host,
  narrow,
  permute,
  randint,
  randn,
  readOut,
  rng,
  size,
  tryBackend,
  upload,
  type GV,
  type HostView,
} from './helpers.js';

// Skipped (with this reason) when no GPU adapter exists, unless REQUIRE_WEBGPU=1.
const be = (await tryBackend())!;

const F = 'float32' as const;
const I = 'int32' as const;
const B = 'bool' as const;

function outOf(dt: DType): (v: number) => number {
  return dt === 'float32' ? Math.fround : dt === 'int32' ? (v) => (Number.isFinite(v) ? v | 0 : 0) : (v) => (v !== 0 ? 1 : 0);
}

describeGpu(be)('WebGPU kernels (no adapter: skipped; set REQUIRE_WEBGPU=1 to fail instead)', () => {
  afterAll(async () => {
    await be.sync();
    await be.destroy();
  });

  describe('storage', () => {
    it('alloc is zero-filled, also when a pooled buffer is reused', async () => {
      const a = be.fill(F, 100, 7);
      await be.sync();
      be.release(a, F, 100);
      await be.sync();
      const b = be.alloc(F, 100);
      expect(Array.from(await readOut(be, b, F, [100]))).toEqual(new Array(100).fill(0));
    });

    it('write/read round-trips float32, int32 and bool, with offsets', async () => {
      for (const [dt, data] of [
        [F, [1.5, -2, NaN, Infinity, 3e-40]],
        [I, [1, -2, 2147483647, -2147483648, 0]],
        [B, [1, 0, 1, 1, 0]],
      ] as const) {
        const h = host(data, dt, [5]);
        const v = upload(be, h);
        const r = await be.read(v);
        expect(r.constructor).toBe(h.data.constructor);
        expectExact(r, h.data, dt);
        // partial write at an offset keeps the rest
        be.write(v.buffer, dt, h.data.slice(0, 2), 3);
        expectExact(await be.read(v), [h.data[0], h.data[1], h.data[2], h.data[0], h.data[1]], `${dt} partial`);
        be.release(v.buffer, dt, 5);
      }
    });

    it('writes after queued kernels that read the buffer do not overtake them', async () => {
      const v = upload(be, host([1, 2, 3], F, [3]));
      const out = be.binary('mul', v, 10, [3], F);
      be.write(v.buffer, F, new Float32Array([7, 8, 9]), 0);
      expectExact(await readOut(be, out, F, [3]), [10, 20, 30]);
      expectExact(await be.read(v), [7, 8, 9]);
    });

    it('reads strided, transposed, broadcast, 0-d and empty views', async () => {
      const h = host(
        Array.from({ length: 24 }, (_, i) => i),
        F,
        [2, 3, 4],
      );
      const v = upload(be, h);
      const cases: HostView[] = [
        permute(h, [2, 0, 1]),
        narrow(h, 2, 1, 2, 2),
        expand(narrow(h, 0, 1, 1), [3, 3, 4]),
        { ...h, shape: [], strides: [], offset: 5 },
        { ...h, shape: [0, 4], strides: [4, 1] },
      ];
      for (const c of cases) expectExact(await be.read({ ...v, shape: c.shape, strides: c.strides, offset: c.offset }), elements(c), JSON.stringify(c.shape));
    });

    it('float64 is rejected with a clear error', () => {
      expect(() => be.alloc('float64', 4)).toThrow(/float64/);
      expect(be.dtypes).not.toContain('float64');
    });
  });

  describe('unary', () => {
    const specials = [NaN, 0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 1e-30, -1e-7, 1e-4, 3, -3, 10, -10, 20, 88, -88, 100, -100, Infinity, -Infinity];
    const r = rng(1);
    const values = [...specials, ...randn(r, 200, 5), ...randn(r, 50, 0.01)];
    const floatOps = Object.keys(UNARY_OPS) as UnaryOp[];

    it.each(floatOps)('%s on float32 matches the op table', async (op) => {
      const info = UNARY_OPS[op];
      const outDt: DType = info.dtype === 'bool' ? B : F;
      const h = host(values, F, [values.length]);
      const v = upload(be, h);
      const got = await readOut(be, be.unary(op, v, outDt, h.shape), outDt, h.shape);
      const want = Array.from(h.data, (x) => outOf(outDt)(info.ref(x)));
      // sin/cos of |x| >= 88 lose relative accuracy in float32 argument reduction; exp-based ops ~4e-6
      expectClose(got, want, 2e-5, 2e-6, op);
      be.release(v.buffer, F, h.data.length);
    });

    const intOps: UnaryOp[] = ['neg', 'abs', 'sign', 'square', 'relu', 'floor', 'ceil', 'round', 'logicalNot', 'isnan'];
    it.each(intOps)('%s on int32 is exact', async (op) => {
      const info = UNARY_OPS[op];
      const outDt: DType = info.dtype === 'bool' ? B : I;
      const h = host([0, 1, -1, 7, -7, 46340, -46341, 2147483647, -2147483648], I, [9]);
      const v = upload(be, h);
      const got = await readOut(be, be.unary(op, v, outDt, h.shape), outDt, h.shape);
      const want = Array.from(h.data, (x) => outOf(outDt)(op === 'square' ? Math.imul(x, x) : info.ref(x)));
      expectExact(got, want, op);
    });

    it('float ops on int32 and bool inputs produce float32', async () => {
      const v = upload(be, host([0, 1, 4, 9], I, [4]));
      expectClose(await readOut(be, be.unary('sqrt', v, F, [4]), F, [4]), [0, 1, 2, 3]);
      const bv = upload(be, host([1, 0, 1], B, [3]));
      expectExact(await readOut(be, be.unary('logicalNot', bv, B, [3]), B, [3]), [0, 1, 0]);
      expectClose(await readOut(be, be.unary('exp', bv, F, [3]), F, [3]), [Math.E, 1, Math.E]);
    });

    it('works on transposed and broadcast views, and on empty and 0-d shapes', async () => {
      const h = host(randn(rng(2), 12), F, [3, 4]);
      const v = upload(be, h);
      const t = permute(h, [1, 0]);
      expectClose(await readOut(be, be.unary('exp', { ...v, shape: t.shape, strides: t.strides }, F, t.shape), F, t.shape), elements(t).map(Math.exp), 1e-5);
      const e = expand(narrow(h, 0, 2, 1), [5, 4]);
      expectClose(
        await readOut(be, be.unary('neg', { ...v, shape: e.shape, strides: e.strides, offset: e.offset }, F, e.shape), F, e.shape),
        elements(e).map((x) => -x),
      );
      expectExact(await readOut(be, be.unary('neg', { ...v, shape: [0, 3], strides: [3, 1] }, F, [0, 3]), F, [0, 3]), []);
      expectClose(await readOut(be, be.unary('neg', { ...v, shape: [], strides: [], offset: 7 }, F, []), F, []), [-h.data[7]]);
    });

    it('handles more than 65 535 workgroups (2-D dispatch)', async () => {
      const n = 65535 * 64 + 1000;
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = i % 1000;
      const v = upload(be, host(data, F, [n]));
      const got = await readOut(be, be.binary('add', v, 1, [n], F), F, [n]);
      let bad = -1;
      for (let i = 0; i < n; i++)
        if (got[i] !== (i % 1000) + 1) {
          bad = i;
          break;
        }
      expect(bad).toBe(-1);
      be.release(v.buffer, F, n);
    });
  });

  describe('binary', () => {
    const fa = [0, -0, 1, -1, 2.5, -2.5, 7, -7, 0.1, 1e-20, 3, NaN, 1, Infinity, -Infinity, 2, -8, 0, 5, 1e30, 1e-40, 123456.7, -1, 1e38];
    const fb = [1, 2, 0, -0, 2, 2, 3, -3, 0.3, 1e20, NaN, 0, NaN, 2, 3, -Infinity, 1 / 3, 0, 0.5, 1e-30, 3e-41, 0.1, Infinity, 1e-38];
    const ops = Object.keys(BINARY_OPS) as BinaryOp[];

    it.each(ops)('%s on float32 (views and scalars on either side) matches the op table', async (op) => {
      const info = BINARY_OPS[op];
      const outDt: DType = info.dtype === 'bool' ? B : F;
      const ha = host(fa, F, [fa.length]);
      const hb = host(fb, F, [fb.length]);
      const a = upload(be, ha);
      const b = upload(be, hb);
      // pow follows C/PyTorch where JavaScript's Math.pow differs: pow(1, NaN) = 1, pow(±1, ±Infinity) = 1
      const cpow = (x: number, y: number): number => (x === 1 || y === 0 || (Math.abs(x) === 1 && Math.abs(y) === Infinity) ? 1 : x ** y);
      const ref = (x: number, y: number): number => outOf(outDt)(op === 'pow' ? cpow(x, y) : info.ref(x, y));
      const tol = op === 'pow' ? 1e-5 : 1e-6;
      expectClose(
        await readOut(be, be.binary(op, a, b, ha.shape, outDt), outDt, ha.shape),
        Array.from(ha.data, (x, i) => ref(x, hb.data[i])),
        tol,
        0,
        op,
      );
      for (const s of [2, -0.5, 0]) {
        const sf = Math.fround(s);
        expectClose(
          await readOut(be, be.binary(op, a, s, ha.shape, outDt), outDt, ha.shape),
          Array.from(ha.data, (x) => ref(x, sf)),
          tol,
          0,
          `${op} scalar right`,
        );
        expectClose(
          await readOut(be, be.binary(op, s, b, hb.shape, outDt), outDt, hb.shape),
          Array.from(hb.data, (y) => ref(sf, y)),
          tol,
          0,
          `${op} scalar left`,
        );
      }
    });

    it.each(ops)('%s on int32 is exact (no crash on division by zero)', async (op) => {
      const info = BINARY_OPS[op];
      if (info.dtype === 'div') return; // true division produces float32
      const outDt: DType = info.dtype === 'bool' ? B : I;
      const ia = [0, 1, -1, 7, -7, 7, -7, 2147483647, -2147483648, 5, 3, -2, 12, 0];
      const ib = [1, 0, 0, 2, 2, -2, -2, 1, -1, 0, 4, 3, 5, 0];
      const a = upload(be, host(ia, I, [ia.length]));
      const b = upload(be, host(ib, I, [ib.length]));
      const ref = (x: number, y: number): number => {
        if (op === 'mul') return Math.imul(x, y);
        if (op === 'pow') {
          let r = 1;
          if (y < 0) return x === 1 ? 1 : x === -1 ? (y % 2 ? -1 : 1) : 0;
          for (let k = 0; k < y; k++) r = Math.imul(r, x);
          return r;
        }
        return outOf(outDt)(info.ref(x, y));
      };
      expectExact(
        await readOut(be, be.binary(op, a, b, [ia.length], outDt), outDt, [ia.length]),
        ia.map((x, i) => ref(x, ib[i])),
        op,
      );
      expectExact(
        await readOut(be, be.binary(op, a, 3, [ia.length], outDt), outDt, [ia.length]),
        ia.map((x) => ref(x, 3)),
        `${op} scalar`,
      );
    });

    it('compares int32 against a fractional scalar in float', async () => {
      const a = upload(be, host([1, 2, 3], I, [3]));
      expectExact(await readOut(be, be.binary('lt', a, 2.5, [3], B), B, [3]), [1, 1, 0]);
      expectExact(await readOut(be, be.binary('add', a, 0.5, [3], F), F, [3]), [1.5, 2.5, 3.5]);
    });

    it('logical ops and arithmetic on bool', async () => {
      const a = upload(be, host([1, 1, 0, 0], B, [4]));
      const b = upload(be, host([1, 0, 1, 0], B, [4]));
      expectExact(await readOut(be, be.binary('logicalAnd', a, b, [4], B), B, [4]), [1, 0, 0, 0]);
      expectExact(await readOut(be, be.binary('logicalOr', a, b, [4], B), B, [4]), [1, 1, 1, 0]);
      expectExact(await readOut(be, be.binary('add', a, b, [4], B), B, [4]), [1, 1, 1, 0]);
      expectExact(await readOut(be, be.binary('eq', a, b, [4], B), B, [4]), [1, 0, 0, 1]);
      expectExact(await readOut(be, be.binary('add', a, b, [4], I), I, [4]), [2, 1, 1, 0]);
    });

    it('broadcast (stride 0), transposed and sliced operands', async () => {
      const r = rng(3);
      const ha = host(randn(r, 4 * 5 * 6), F, [4, 5, 6]);
      const hb = host(randn(r, 6 * 5), F, [6, 5]);
      const a = upload(be, ha);
      const b = upload(be, hb);
      const bt = expand(permute(hb, [1, 0]), [4, 5, 6]);
      const as = narrow(narrow(ha, 2, 1, 3, 2), 0, 1, 3);
      const bs = narrow(bt, 2, 0, 3);
      const av: GV = { ...a, shape: as.shape, strides: as.strides, offset: as.offset };
      const bv: GV = { ...b, shape: bs.shape, strides: bs.strides, offset: bs.offset };
      const got = await readOut(be, be.binary('sub', av, bv, as.shape, F), F, as.shape);
      const ea = elements(as);
      const eb = elements(bs);
      expectClose(
        got,
        ea.map((x, i) => x - eb[i]),
        1e-6,
        1e-7,
      );
      // a column (stride 0 along the last axis) against a row (stride 0 along the first)
      const col = expand(narrow(narrow(ha, 0, 0, 1), 2, 0, 1), [1, 5, 6]);
      const row = expand(narrow(hb, 1, 0, 1), [1, 6, 1]);
      const rowB = expand({ ...row, shape: [1, 1, 6], strides: [0, 0, row.strides[1]] }, [1, 5, 6]);
      const got2 = await readOut(
        be,
        be.binary(
          'mul',
          { ...a, shape: col.shape, strides: col.strides, offset: col.offset },
          { ...b, shape: rowB.shape, strides: rowB.strides, offset: rowB.offset },
          [1, 5, 6],
          F,
        ),
        F,
        [1, 5, 6],
      );
      const ec = elements(col);
      const er = elements(rowB);
      expectClose(
        got2,
        ec.map((x, i) => Math.fround(x * er[i])),
        1e-6,
        0,
      );
    });
  });

  describe('where, cast, copy, fill, assign', () => {
    it('where with views and scalars, broadcast condition', async () => {
      const c = upload(be, host([1, 0, 1], B, [3]));
      const a = upload(be, host([1, 2, 3, 4, 5, 6], F, [2, 3]));
      const cv: GV = { ...c, shape: [2, 3], strides: [0, 1] };
      expectExact(await readOut(be, be.where(cv, a, -1, [2, 3], F), F, [2, 3]), [1, -1, 3, 4, -1, 6]);
      expectExact(await readOut(be, be.where(cv, 9, a, [2, 3], F), F, [2, 3]), [9, 2, 9, 9, 5, 9]);
      expectExact(await readOut(be, be.where(cv, 1, 0, [2, 3], I), I, [2, 3]), [1, 0, 1, 1, 0, 1]);
      expectExact(await readOut(be, be.where(cv, 1, 0, [2, 3], B), B, [2, 3]), [1, 0, 1, 1, 0, 1]);
    });

    it('cast truncates toward zero and maps to bool by != 0', async () => {
      const v = upload(be, host([1.7, -1.7, 0, -0, NaN, 2.5, 1e10, -1e10], F, [8]));
      expectExact(await readOut(be, be.cast(v, I), I, [8]), [1, -1, 0, 0, 0, 2, 2147483647, -2147483648]);
      expectExact(await readOut(be, be.cast(v, B), B, [8]), [1, 1, 0, 0, 1, 1, 1, 1]);
      const iv = upload(be, host([3, -4, 0], I, [3]));
      expectExact(await readOut(be, be.cast(iv, F), F, [3]), [3, -4, 0]);
      expectExact(await readOut(be, be.cast(iv, B), B, [3]), [1, 1, 0]);
      const bv = upload(be, host([1, 0], B, [2]));
      expectExact(await readOut(be, be.cast(bv, F), F, [2]), [1, 0]);
      expectExact(await readOut(be, be.cast(bv, I), I, [2]), [1, 0]);
    });

    it('copy makes strided views contiguous', async () => {
      const h = host(randint(rng(4), 60, -100, 100), I, [3, 4, 5]);
      const v = upload(be, h);
      const p = permute(narrow(h, 2, 1, 3), [2, 0, 1]);
      expectExact(await readOut(be, be.copy({ ...v, shape: p.shape, strides: p.strides, offset: p.offset }), I, p.shape), elements(p));
    });

    it('fill for every dtype', async () => {
      expectExact(await readOut(be, be.fill(F, 5, -1.25), F, [5]), [-1.25, -1.25, -1.25, -1.25, -1.25]);
      expectExact(await readOut(be, be.fill(I, 3, 42), I, [3]), [42, 42, 42]);
      expectExact(await readOut(be, be.fill(B, 3, 2), B, [3]), [1, 1, 1]);
      expectExact(await readOut(be, be.fill(F, 0, 1), F, [0]), []);
    });

    it('assign writes a strided destination from a view or a scalar, also when they overlap', async () => {
      const h = host(
        Array.from({ length: 12 }, (_, i) => i),
        F,
        [3, 4],
      );
      const v = upload(be, h);
      // dst = column 1, src = scalar
      be.assign({ ...v, shape: [3], strides: [4], offset: 1 }, -1);
      expectExact(await be.read(v), [0, -1, 2, 3, 4, -1, 6, 7, 8, -1, 10, 11]);
      // dst = transpose of rows 0..1 cols 0..1, src = another view of the same buffer (overlap)
      const src: GV = { ...v, shape: [2, 2], strides: [1, 4], offset: 0 };
      be.assign({ ...v, shape: [2, 2], strides: [4, 1], offset: 0 }, src);
      expectExact(await be.read(v), [0, 4, 2, 3, -1, -1, 6, 7, 8, -1, 10, 11]);
      // int source into a bool destination
      const bd = upload(be, host([0, 0, 0], B, [3]));
      const is = upload(be, host([0, 5, -1], I, [3]));
      be.assign(bd, is);
      expectExact(await be.read(bd), [0, 1, 1]);
    });
  });

  describe('reduce', () => {
    const r = rng(5);
    const h = host(randn(r, 2 * 3 * 4 * 5), F, [2, 3, 4, 5]);
    const axesCases: number[][] = [[0], [1], [3], [0, 2], [1, 3], [0, 1, 2, 3], [2, 3]];

    function refReduce(op: ReduceOp, hv: HostView, axes: number[]): number[] {
      const kept = hv.shape.map((_, d) => d).filter((d) => !axes.includes(d));
      const outShape = kept.map((d) => hv.shape[d]);
      const groups: number[][] = Array.from({ length: size(outShape) }, () => []);
      const el = elements(hv);
      const st = contiguous(outShape);
      const idx = new Array<number>(hv.shape.length).fill(0);
      for (let i = 0; i < el.length; i++) {
        let o = 0;
        kept.forEach((d, k) => (o += idx[d] * st[k]));
        groups[o].push(el[i]);
        for (let d = idx.length - 1; d >= 0; d--) {
          if (++idx[d] < hv.shape[d]) break;
          idx[d] = 0;
        }
      }
      return groups.map((g) => {
        switch (op) {
          case 'sum':
            return g.reduce((a, b) => a + b, 0);
          case 'mean':
            return g.reduce((a, b) => a + b, 0) / g.length;
          case 'prod':
            return g.reduce((a, b) => a * b, 1);
          case 'max':
            return g.some(Number.isNaN) ? NaN : Math.max(...g);
          case 'min':
            return g.some(Number.isNaN) ? NaN : Math.min(...g);
          case 'argmax':
          case 'argmin': {
            const nan = g.findIndex(Number.isNaN);
            if (nan >= 0) return nan;
            let bi = 0;
            for (let j = 1; j < g.length; j++) if (op === 'argmax' ? g[j] > g[bi] : g[j] < g[bi]) bi = j;
            return bi;
          }
        }
      });
    }

    const ops: ReduceOp[] = ['sum', 'mean', 'prod', 'max', 'min'];
    it.each(ops)('%s over several axis sets of contiguous and permuted views', async (op) => {
      const v = upload(be, h);
      for (const hv of [h, permute(h, [3, 1, 0, 2]), narrow(h, 3, 1, 2, 2)]) {
        for (const axes of axesCases) {
          const view: GV = { ...v, shape: hv.shape, strides: hv.strides, offset: hv.offset };
          const outShape = hv.shape.filter((_, d) => !axes.includes(d));
          const got = await readOut(be, be.reduce(op, view, axes, F), F, outShape);
          expectClose(got, refReduce(op, hv, axes), 1e-5, 1e-6, `${op} ${axes}`);
        }
      }
    });

    it.each(['argmax', 'argmin'] as const)('%s takes the first index on ties, NaN wins', async (op) => {
      const d = [1, 3, 3, 0, 0, 2, NaN, 5, NaN, 2, 2, 2];
      const hv = host(d, F, [3, 4]);
      const v = upload(be, hv);
      for (const axis of [0, 1]) {
        const outShape = hv.shape.filter((_, k) => k !== axis);
        expectExact(await readOut(be, be.reduce(op, v, [axis], I), I, outShape), refReduce(op, hv, [axis]), `${op} axis ${axis}`);
      }
      const tr = permute(hv, [1, 0]);
      expectExact(await readOut(be, be.reduce(op, { ...v, shape: tr.shape, strides: tr.strides }, [1], I), I, [4]), refReduce(op, tr, [1]), `${op} transposed`);
    });

    it('max/min propagate NaN', async () => {
      const v = upload(be, host([1, NaN, 3, 4, 5, 6], F, [2, 3]));
      expectExact(await readOut(be, be.reduce('max', v, [1], F), F, [2]), [NaN, 6]);
      expectExact(await readOut(be, be.reduce('min', v, [0], F), F, [3]), [1, NaN, 3]);
      expectExact(await readOut(be, be.reduce('max', v, [0, 1], F), F, []), [NaN]);
    });

    it('int32 and bool reductions are exact', async () => {
      const hi = host(randint(rng(6), 1000, -1000, 1000), I, [10, 100]);
      const v = upload(be, hi);
      for (const op of ['sum', 'max', 'min', 'prod'] as const) {
        const got = await readOut(be, be.reduce(op, v, [1], I), I, [10]);
        const want = refReduce(op, hi, [1]).map((x) => (op === 'prod' ? 0 : x));
        if (op === 'prod') continue; // overflow wraps differently in double vs int32; covered below
        expectExact(got, want, op);
      }
      const small = upload(be, host([1, 2, 3, -4], I, [4]));
      expectExact(await readOut(be, be.reduce('prod', small, [0], I), I, []), [-24]);
      expectClose(await readOut(be, be.reduce('mean', small, [0], F), F, []), [0.5]);
      const bv = upload(be, host([1, 0, 1, 1, 0, 0], B, [2, 3]));
      expectExact(await readOut(be, be.reduce('sum', bv, [1], I), I, [2]), [2, 1]);
      expectExact(await readOut(be, be.reduce('max', bv, [1], B), B, [2]), [1, 1]);
      expectExact(await readOut(be, be.reduce('min', bv, [1], B), B, [2]), [0, 0]);
    });

    it('large reductions run in stages (1M elements to a scalar; 3 x 200k rows)', async () => {
      const n = 1 << 20;
      const d = randn(rng(7), n);
      d[777777] = 5;
      d[888888] = 5;
      const v = upload(be, host(d, F, [n]));
      let s = 0;
      for (const x of d) s += x;
      expectClose(await readOut(be, be.reduce('sum', v, [0], F), F, []), [s], 1e-4, 1e-3);
      expectExact(await readOut(be, be.reduce('argmax', v, [0], I), I, []), [777777]);
      expectExact(await readOut(be, be.reduce('max', v, [0], F), F, []), [5]);
      const rows: GV = { ...v, shape: [3, 200000], strides: [200000, 1] };
      const got = await readOut(be, be.reduce('mean', rows, [1], F), F, [3]);
      const want = [0, 1, 2].map((k) => {
        let t = 0;
        for (let j = 0; j < 200000; j++) t += d[k * 200000 + j];
        return t / 200000;
      });
      expectClose(got, want, 1e-3, 1e-6);
      be.release(v.buffer, F, n);
    });

    it('empty reductions give the identity', async () => {
      const v = upload(be, host([], F, [3, 0]));
      expectExact(await readOut(be, be.reduce('sum', v, [1], F), F, [3]), [0, 0, 0]);
      expectExact(await readOut(be, be.reduce('prod', v, [1], F), F, [3]), [1, 1, 1]);
      expectExact(await readOut(be, be.reduce('sum', v, [0], F), F, [0]), []);
    });
  });

  describe('cumsum', () => {
    it('along every axis of strided views, float32 and int32', async () => {
      const h = host(randn(rng(8), 3 * 4 * 5), F, [3, 4, 5]);
      const v = upload(be, h);
      for (const hv of [h, permute(h, [2, 0, 1])]) {
        for (let axis = 0; axis < 3; axis++) {
          const got = await readOut(be, be.cumsum({ ...v, shape: hv.shape, strides: hv.strides }, axis, F), F, hv.shape);
          // reference
          const el = elements(hv);
          const st = contiguous(hv.shape);
          const want = el.slice();
          for (let i = 0; i < el.length; i++) {
            const k = Math.floor(i / st[axis]) % hv.shape[axis];
            if (k > 0) want[i] = want[i - st[axis]] + el[i];
          }
          expectClose(got, want, 1e-5, 1e-6, `axis ${axis}`);
        }
      }
      const iv = upload(be, host([1, 2, 3, 4, 5, 6], I, [2, 3]));
      expectExact(await readOut(be, be.cumsum(iv, 1, I), I, [2, 3]), [1, 3, 6, 4, 9, 15]);
      const bv = upload(be, host([1, 0, 1, 1], B, [4]));
      expectExact(await readOut(be, be.cumsum(bv, 0, I), I, [4]), [1, 1, 2, 3]);
    });

    it('long lines are scanned in blocks (1-D 1M elements, 3 x 50 000 transposed, int32)', async () => {
      const n = 1 << 20;
      const d = randn(rng(21), n);
      const v = upload(be, host(d, F, [n]));
      const got = await readOut(be, be.cumsum(v, 0, F), F, [n]);
      let acc = 0;
      let worst = 0;
      for (let i = 0; i < n; i++) {
        acc += d[i];
        worst = Math.max(worst, Math.abs(got[i] - acc));
      }
      expect(worst).toBeLessThan(2e-2); // |prefix sums| reach ~1e3; float32 accumulation
      const hi = host(randint(rng(22), 150000, -100, 100), I, [50000, 3]);
      const iv = upload(be, hi);
      const t = permute(hi, [1, 0]);
      const gi = await readOut(be, be.cumsum({ ...iv, shape: t.shape, strides: t.strides }, 1, I), I, [3, 50000]);
      const el = elements(t);
      const want = el.slice();
      for (let i = 0; i < el.length; i++) if (i % 50000 > 0) want[i] = want[i - 1] + el[i];
      expectExact(gi, want, 'int32 blocks');
      be.release(v.buffer, F, n);
    });
  });

  describe('sort', () => {
    function refSort(rows: number[][], desc: boolean): { v: number[]; i: number[] } {
      const v: number[] = [];
      const ix: number[] = [];
      for (const row of rows) {
        const idx = row.map((_, j) => j);
        idx.sort((a, b) => {
          const x = row[a];
          const y = row[b];
          const nx = Number.isNaN(x);
          const ny = Number.isNaN(y);
          if (nx || ny) return nx === ny ? 0 : (nx ? 1 : -1) * (desc ? -1 : 1);
          return desc ? y - x : x - y;
        });
        for (const j of idx) {
          v.push(row[j]);
          ix.push(j);
        }
      }
      return { v, i: ix };
    }

    it.each([1, 5, 65, 128, 129, 1000, 3000])('rows of %i (stable, with ties and NaN), both directions', async (n) => {
      const r = rng(n);
      const rows = 3;
      const d = new Float32Array(rows * n);
      for (let i = 0; i < d.length; i++) d[i] = Math.floor(r() * 20) - 10;
      if (n > 3) {
        d[2] = NaN;
        d[n + 1] = NaN;
      }
      const v = upload(be, host(d, F, [rows, n]));
      const rowsArr = [0, 1, 2].map((k) => Array.from(d.subarray(k * n, (k + 1) * n)));
      for (const desc of [false, true]) {
        const [vals, idx] = be.sort(v, desc);
        const want = refSort(rowsArr, desc);
        expectExact(await readOut(be, vals, F, [rows, n]), want.v, `values n=${n} desc=${desc}`);
        expectExact(await readOut(be, idx, I, [rows, n]), want.i, `indices n=${n} desc=${desc}`);
      }
    });

    it('sorts a transposed int32 view and a 0-d view', async () => {
      const h = host(randint(rng(9), 12, -5, 5), I, [4, 3]);
      const v = upload(be, h);
      const t = permute(h, [1, 0]);
      const [vals, idx] = be.sort({ ...v, shape: t.shape, strides: t.strides }, false);
      const el = elements(t);
      const rows = [0, 1, 2].map((k) => el.slice(k * 4, k * 4 + 4));
      const want = refSort(rows, false);
      expectExact(await readOut(be, vals, I, [3, 4]), want.v);
      expectExact(await readOut(be, idx, I, [3, 4]), want.i);
      const [v0, i0] = be.sort({ ...v, shape: [], strides: [], offset: 3 }, true);
      expectExact(await readOut(be, v0, I, []), [h.data[3]]);
      expectExact(await readOut(be, i0, I, []), [0]);
    });
  });

  describe('matmul', () => {
    function refMatmul(a: HostView, b: HostView): number[] {
      const [bt, m, k] = a.shape as [number, number, number];
      const n = b.shape[2];
      const ea = elements(a);
      const eb = elements(b);
      const out: number[] = [];
      for (let z = 0; z < bt; z++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < k; p++) s += ea[z * m * k + i * k + p] * eb[z * k * n + p * n + j];
            out.push(s);
          }
      return out;
    }

    for (const variant of ['register', 'tiled'] as const) {
      describe(variant, () => {
        const mb = (async () => (variant === 'register' ? be : await tryBackend({ matmul: variant })))();
        afterAll(async () => {
          const b2 = await mb;
          if (b2 && b2 !== be) await b2.destroy();
        });
        it.each([
          [1, 1, 1, 1],
          [1, 3, 5, 7],
          [2, 65, 130, 67],
          [3, 8, 64, 64],
          [1, 100, 1, 100],
          [1, 4, 300, 257],
          [1, 5, 0, 3],
        ])('batch %i, %i x %i @ . x %i (contiguous, transposed, broadcast)', async (bt, m, k, n) => {
          const g = (await mb)!;
          const r = rng(m * 1000 + k * 10 + n);
          const ha = host(randn(r, bt * m * k), F, [bt, m, k]);
          const hb = host(randn(r, bt * k * n), F, [bt, k, n]);
          const a = upload(g, ha);
          const b = upload(g, hb);
          expectClose(await readOut(g, g.matmul(a, b), F, [bt, m, n]), refMatmul(ha, hb), 1e-4, 1e-5, 'contiguous');
          // transposed operands: a stored as [bt, k, m], b stored as [bt, n, k]
          const haT = permute(host(randn(r, bt * m * k), F, [bt, k, m]), [0, 2, 1]);
          const hbT = permute(host(randn(r, bt * k * n), F, [bt, n, k]), [0, 2, 1]);
          const aT = upload(g, haT);
          const bT = upload(g, hbT);
          expectClose(await readOut(g, g.matmul(aT, bT), F, [bt, m, n]), refMatmul(haT, hbT), 1e-4, 1e-5, 'transposed');
          // broadcast batch: b has stride 0 on the batch axis
          const hb1 = host(randn(r, k * n), F, [1, k, n]);
          const hbB = expand(hb1, [bt, k, n]);
          const bB = upload(g, hbB);
          expectClose(await readOut(g, g.matmul(a, bB), F, [bt, m, n]), refMatmul(ha, hbB), 1e-4, 1e-5, 'broadcast');
        });
        it('int32 is exact', async () => {
          const g = (await mb)!;
          const r = rng(11);
          const ha = host(randint(r, 2 * 9 * 17, -50, 50), I, [2, 9, 17]);
          const hb = host(randint(r, 2 * 17 * 70, -50, 50), I, [2, 17, 70]);
          expectExact(await readOut(g, g.matmul(upload(g, ha), upload(g, hb)), I, [2, 9, 70]), refMatmul(ha, hb));
        });
      });
    }
  });

  describe('gather, indexSelect, scatterAdd', () => {
    it('gather along each axis, with a strided source and index', async () => {
      const hx = host(randn(rng(12), 3 * 4 * 5), F, [3, 4, 5]);
      const x = upload(be, hx);
      for (let axis = 0; axis < 3; axis++) {
        const ishape = [3, 4, 5].map((d, k) => (k === axis ? 6 : Math.max(1, d - 1)));
        const hi = host(randint(rng(axis), size(ishape), 0, hx.shape[axis]), I, ishape);
        const idx = upload(be, hi);
        const got = await readOut(be, be.gather(x, axis, idx), F, ishape);
        const want: number[] = [];
        const st = contiguous(ishape);
        for (let i = 0; i < size(ishape); i++) {
          const c = ishape.map((_, k) => Math.floor(i / st[k]) % ishape[k]);
          c[axis] = hi.data[i];
          want.push(hx.data[c[0] * 20 + c[1] * 5 + c[2]]);
        }
        expectExact(got, want, `axis ${axis}`);
      }
      // strided source (transposed) with a broadcast index
      const t = permute(hx, [2, 1, 0]); // [5, 4, 3]
      const hi = host([2, 0], I, [1, 2, 1]);
      const ie = expand(hi, [5, 2, 3]);
      const got = await readOut(
        be,
        be.gather({ ...x, shape: t.shape, strides: t.strides }, 1, { ...upload(be, hi), shape: ie.shape, strides: ie.strides }),
        F,
        [5, 2, 3],
      );
      const want: number[] = [];
      for (let a = 0; a < 5; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) want.push(hx.data[c * 20 + [2, 0][b] * 5 + a]);
      expectExact(got, want, 'strided');
    });

    it('indexSelect rows of a table (embedding lookup) and columns of a view', async () => {
      const hx = host(
        Array.from({ length: 20 }, (_, i) => i),
        I,
        [5, 4],
      );
      const x = upload(be, hx);
      const idx = upload(be, host([4, 0, 4, 2], I, [4]));
      expectExact(await readOut(be, be.indexSelect(x, 0, idx), I, [4, 4]), [16, 17, 18, 19, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11]);
      const cidx = upload(be, host([3, 1], I, [2]));
      expectExact(await readOut(be, be.indexSelect(x, 1, cidx), I, [5, 2]), [3, 1, 7, 5, 11, 9, 15, 13, 19, 17]);
      const bx = upload(be, host([1, 0, 1], B, [3]));
      expectExact(await readOut(be, be.indexSelect(bx, 0, upload(be, host([2, 1], I, [2]))), B, [2]), [1, 0]);
    });

    it('scatterAdd accumulates duplicates in order (loop kernel)', async () => {
      const base = upload(be, host([1, 1, 1, 1, 1, 1], F, [2, 3]));
      const idx = upload(be, host([0, 2, 0, 1, 1, 1], I, [2, 3]));
      const src = upload(be, host([10, 20, 30, 40, 50, 60], F, [2, 3]));
      // axis 1: out[i][idx[i][j]] += src[i][j]
      expectExact(await readOut(be, be.scatterAdd(base, 1, idx, src), F, [2, 3]), [41, 1, 21, 1, 151, 1]);
      // axis 0 with a smaller index than base
      const idx0 = upload(be, host([1, 0], I, [1, 2]));
      const src0 = upload(be, host([5, 7, 9, 11], F, [2, 2]));
      expectExact(await readOut(be, be.scatterAdd(base, 0, idx0, { ...src0, shape: [1, 2], strides: [2, 1] }), F, [2, 3]), [1, 8, 1, 6, 1, 1]);
      const ib = upload(be, host([1, 2, 3], I, [3]));
      expectExact(await readOut(be, be.scatterAdd(ib, 0, upload(be, host([2, 2], I, [2])), upload(be, host([5, 6], I, [2]))), I, [3]), [1, 2, 14]);
    });

    it('scatterAdd of an embedding-sized gradient uses atomics and still sums exactly (small integers)', async () => {
      const V = 5000;
      const D = 64;
      const N = 300;
      const r = rng(13);
      const tokens = randint(r, N, 0, V);
      const hidx = host(tokens, I, [N, 1]);
      const idx = upload(be, hidx);
      const src = upload(
        be,
        host(
          Array.from({ length: N * D }, (_, i) => (i % 7) - 3),
          F,
          [N, D],
        ),
      );
      const base = be.fill(F, V * D, 0);
      const baseV: GV = { buffer: base, dtype: F, shape: [V, D], strides: [D, 1], offset: 0 };
      const ie: GV = { ...idx, shape: [N, D], strides: [1, 0] };
      const got = await readOut(be, be.scatterAdd(baseV, 0, ie, src), F, [V, D]);
      const want = new Float32Array(V * D);
      for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) want[tokens[i] * D + d] += ((i * D + d) % 7) - 3;
      expectExact(got, want);
    });
  });

  describe('fused kernels', () => {
    it('lstmCell and its backward match the pointwise formulas', async () => {
      const n = 3;
      const h = 5;
      const r = rng(14);
      const g = randn(r, n * 4 * h, 3);
      const c = randn(r, n * h);
      const dhc = randn(r, n * 2 * h);
      const gv = upload(be, host(g, F, [n, 4 * h]));
      const cv = upload(be, host(c, F, [n, h]));
      const [hcB, actB] = be.fused.lstmCell!(gv, cv);
      const sig = (x: number): number => 1 / (1 + Math.exp(-x));
      const wantHc: number[] = [];
      const wantA: number[] = [];
      const wantDg: number[] = [];
      const wantDc: number[] = [];
      for (let i = 0; i < n; i++) {
        const row = (k: number, j: number): number => g[i * 4 * h + k * h + j];
        const acts: number[][] = [[], [], [], []];
        const hs: number[] = [];
        const cs: number[] = [];
        const dgs: number[][] = [[], [], [], []];
        for (let j = 0; j < h; j++) {
          const ig = sig(row(0, j));
          const fg = sig(row(1, j));
          const gg = Math.tanh(row(2, j));
          const og = sig(row(3, j));
          const cn = fg * c[i * h + j] + ig * gg;
          hs.push(og * Math.tanh(cn));
          cs.push(cn);
          acts[0].push(ig);
          acts[1].push(fg);
          acts[2].push(gg);
          acts[3].push(og);
          const tc = Math.tanh(Math.fround(cn));
          const gh = dhc[i * 2 * h + j];
          const d = dhc[i * 2 * h + h + j] + gh * og * (1 - tc * tc);
          dgs[0].push(d * gg * ig * (1 - ig));
          dgs[1].push(d * c[i * h + j] * fg * (1 - fg));
          dgs[2].push(d * ig * (1 - gg * gg));
          dgs[3].push(gh * tc * og * (1 - og));
          wantDc.push(d * fg);
        }
        wantHc.push(...hs, ...cs);
        wantA.push(...acts.flat());
        wantDg.push(...dgs.flat());
      }
      const hcV: GV = { buffer: hcB, dtype: F, shape: [n, 2 * h], strides: [2 * h, 1], offset: 0 };
      const actV: GV = { buffer: actB, dtype: F, shape: [n, 4 * h], strides: [4 * h, 1], offset: 0 };
      expectClose(await be.read(hcV), wantHc, 1e-5, 1e-6, 'hc');
      expectClose(await be.read(actV), wantA, 1e-5, 1e-6, 'act');
      const dv = upload(be, host(dhc, F, [n, 2 * h]));
      const [dg, dc] = be.fused.lstmCellBackward!(dv, actV, cv, hcV);
      expectClose(await readOut(be, dg, F, [n, 4 * h]), wantDg, 1e-4, 1e-5, 'dGates');
      expectClose(await readOut(be, dc, F, [n, h]), wantDc, 1e-4, 1e-5, 'dC');
    });

    it.each([
      [false, 0, false],
      [true, 0.01, false],
      [false, 0.1, true],
    ])('adamStep (decoupled=%s, weightDecay=%s, amsgrad=%s) matches the reference', async (decoupled, weightDecay, ams) => {
      const n = 257;
      const r = rng(15);
      const p0 = randn(r, n);
      const g0 = randn(r, n);
      const m0 = randn(r, n, 0.1);
      const v0 = Float32Array.from(randn(r, n, 0.1), Math.abs);
      const vm0 = Float32Array.from(v0, (x) => x * 1.5);
      const bufs = [p0, g0, m0, v0, vm0].map((d) => upload(be, host(d, F, [n])).buffer);
      const o = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, step: 3 };
      be.fused.adamStep!(bufs[0], bufs[1], bufs[2], bufs[3], ams ? bufs[4] : null, n, o);
      const bc1 = 1 - o.beta1 ** o.step;
      const bc2 = 1 - o.beta2 ** o.step;
      const wantP: number[] = [];
      for (let i = 0; i < n; i++) {
        let g = g0[i];
        let p = p0[i];
        if (weightDecay !== 0) {
          if (decoupled) p *= 1 - o.lr * weightDecay;
          else g += weightDecay * p;
        }
        const m = o.beta1 * m0[i] + (1 - o.beta1) * g;
        const v = o.beta2 * v0[i] + (1 - o.beta2) * g * g;
        const dv = ams ? Math.max(vm0[i], v) : v;
        wantP.push(p - ((o.lr / bc1) * m) / (Math.sqrt(dv) / Math.sqrt(bc2) + o.eps));
      }
      const view = (b: (typeof bufs)[number]): GV => ({ buffer: b, dtype: F, shape: [n], strides: [1], offset: 0 });
      expectClose(await be.read(view(bufs[0])), wantP, 1e-5, 1e-6);
    });
  });

  it('reports no device errors after all of the above', async () => {
    await be.sync();
  });
});
