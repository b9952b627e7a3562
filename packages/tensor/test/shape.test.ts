import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastShapes, contiguousStrides, inferShape, isContiguousLayout, normalizeDims, shapeSize, viewStrides } from '../src/shape.js';
import { Generator } from '../src/random.js';
import { promoteTypes } from '../src/dtype.js';
import { erfRef, UNARY_OPS } from '../src/op-table.js';

const dim = fc.integer({ min: 0, max: 4 });
const shapeArb = fc.array(dim, { minLength: 0, maxLength: 4 });

/** Reference broadcasting: align right, sizes equal or 1. */
function refBroadcast(a: number[], b: number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Element offsets of a strided layout, in row-major order (reference walk). */
function walk(shape: number[], strides: number[], offset = 0): number[] {
  const out: number[] = [];
  const rec = (d: number, off: number): void => {
    if (d === shape.length) {
      out.push(off);
      return;
    }
    for (let i = 0; i < shape[d]; i++) rec(d + 1, off + i * strides[d]);
  };
  rec(0, offset);
  return out;
}

describe('broadcasting (property-based)', () => {
  it('agrees with the reference on random shape pairs', () => {
    fc.assert(
      fc.property(shapeArb, shapeArb, (a, b) => {
        const ref = refBroadcast(a, b);
        if (ref === null) expect(() => broadcastShapes(a, b, 'add')).toThrow(/add: shapes .* cannot be broadcast together/);
        else expect(broadcastShapes(a, b)).toEqual(ref);
      }),
      { numRuns: 500 },
    );
  });
  it('is symmetric and idempotent', () => {
    fc.assert(
      fc.property(shapeArb, (a) => {
        expect(broadcastShapes(a, a)).toEqual(a);
        expect(broadcastShapes(a, [])).toEqual(a);
      }),
    );
  });
});

describe('view algebra (property-based)', () => {
  it('viewStrides gives the same element order as a copy whenever it succeeds', () => {
    // A random permutation of a contiguous tensor, then a random reshape of the same size.
    const arb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.shuffledSubarray(
          shape.map((_, i) => i),
          { minLength: shape.length, maxLength: shape.length },
        ),
      ),
    );
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 3 }), ([shape, perm], split) => {
        const base = contiguousStrides(shape);
        const pShape = perm.map((p) => shape[p]);
        const pStrides = perm.map((p) => base[p]);
        const order = walk(pShape, pStrides);
        const n = shapeSize(pShape);
        // candidate target shapes: flatten, and split the total into two factors
        const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
        const d = divisors[split % divisors.length];
        for (const target of [[n], [d, n / d], [1, n, 1]]) {
          const st = viewStrides(pShape, pStrides, target);
          if (st !== null) expect(walk(target, st)).toEqual(order);
        }
        // a contiguous layout can always be viewed
        expect(viewStrides(shape, base, [n])).not.toBeNull();
      }),
      { numRuns: 400 },
    );
  });
  it('refuses to flatten a transpose and detects contiguity', () => {
    expect(viewStrides([3, 2], [1, 3], [6])).toBeNull();
    expect(isContiguousLayout([3, 2], [1, 3])).toBe(false);
    expect(isContiguousLayout([2, 1, 3], [3, 99, 1])).toBe(true);
  });
  it('infers one -1 and names bad sizes', () => {
    expect(inferShape([-1, 3], 12, 'reshape')).toEqual([4, 3]);
    expect(() => inferShape([5], 6, 'reshape')).toThrow('reshape: shape [5] is invalid for input of size 6');
    expect(() => inferShape([-1, -1], 6, 'view')).toThrow(/only one dimension can be inferred/);
  });
  it('normalizes dims and rejects duplicates and out-of-range dims', () => {
    expect(normalizeDims([-1, 0], 3, 'sum')).toEqual([0, 2]);
    expect(() => normalizeDims([0, -3], 3, 'sum')).toThrow(/appears multiple times/);
    expect(() => normalizeDims(3, 3, 'sum')).toThrow('sum: dimension 3 is out of range for a tensor of rank 3 (expected to be in range [-3, 2])');
  });
});

describe('Generator', () => {
  it('gives the same stream for the same seed and restores its state', () => {
    const a = new Generator(123);
    const b = new Generator(123);
    const xs = Array.from({ length: 10 }, () => a.random());
    expect(Array.from({ length: 10 }, () => b.random())).toEqual(xs);
    const s = a.getState();
    const next = [a.normal(), a.normal(), a.random()];
    a.setState(JSON.parse(JSON.stringify(s)));
    expect([a.normal(), a.normal(), a.random()]).toEqual(next);
    expect(new Generator(124).random()).not.toBe(xs[0]);
  });
  it('draws uniform and normal numbers with the right moments', () => {
    const g = new Generator(7);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const z = g.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    for (let i = 0; i < 1000; i++) {
      const u = g.randomFloat32();
      expect(u >= 0 && u < 1).toBe(true);
    }
  });
});

describe('dtype promotion and the op table', () => {
  it('promotes bool < int32 < float32 < float64', () => {
    expect(promoteTypes('bool', 'int32')).toBe('int32');
    expect(promoteTypes('int32', 'float32')).toBe('float32');
    expect(promoteTypes('float64', 'float32')).toBe('float64');
  });
  it('has an accurate erf and round-half-to-even', () => {
    // reference values of erf
    expect(erfRef(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erfRef(-1.5)).toBeCloseTo(-0.9661051464753108, 14);
    expect(erfRef(3)).toBeCloseTo(0.9999779095030014, 14);
    expect(erfRef(1e-5) / 1e-5).toBeCloseTo(2 / Math.sqrt(Math.PI), 8);
    expect([0.5, 1.5, 2.5, -0.5, -2.5, 0.4].map(UNARY_OPS.round.ref)).toEqual([0, 2, 2, -0, -2, 0]);
  });
});
