import { describe, expect, it } from 'vitest';
import { callOp, outputsOf, type CaseValue } from '../src/build.js';
import { toleranceFor, unknownNames } from '../src/conformance.js';
import { loadFixtures } from '../src/fixtures.js';
import type { FixtureCase, FixtureTensor } from '../src/types.js';

// A stand-in tensor that records how it is called, so the calling conventions can be
// checked without a backend.
class Fake {
  readonly isTensor = true;
  readonly calls: { op: string; args: unknown[] }[] = [];
  readonly shape = [1];
  readonly dtype = 'float32';
  constructor(readonly name: string) {}
  get mT(): string {
    return `${this.name}.mT`;
  }
  gather(...args: unknown[]): unknown {
    this.calls.push({ op: 'gather', args });
    return this;
  }
  add(...args: unknown[]): unknown {
    this.calls.push({ op: 'add', args });
    return this;
  }
  add_(...args: unknown[]): unknown {
    this.calls.push({ op: 'add_', args });
    return 'something else';
  }
  max(...args: unknown[]): unknown {
    this.calls.push({ op: 'max', args });
    return { values: new Fake('values'), indices: new Fake('indices') };
  }
  split(): unknown {
    return [new Fake('a'), new Fake('b')];
  }
  dispose(): void {}
}

const T: FixtureTensor = { dtype: 'float32', shape: [1], data: [0] };
const mk = (c: Partial<FixtureCase>): FixtureCase => ({ id: 'x/y', op: 'add', call: 'method', inputs: [], output: T, ...c });
const asValue = (f: Fake) => f as unknown as CaseValue;

describe('callOp', () => {
  it('method: rest inputs then args (null becomes undefined, "inf" a number)', () => {
    const x = new Fake('x');
    const y = new Fake('y');
    callOp(mk({ op: 'add', args: [null, '-inf'] }), [asValue(x), asValue(y)], 'cpu');
    expect(x.calls).toEqual([{ op: 'add', args: [y, undefined, -Infinity] }]);
  });

  it('method with argsFirst: args before the other tensors (gather(dim, index))', () => {
    const x = new Fake('x');
    const idx = new Fake('idx');
    callOp(mk({ op: 'gather', argsFirst: true, args: [1] }), [asValue(x), asValue(idx)], 'cpu');
    expect(x.calls).toEqual([{ op: 'gather', args: [1, idx] }]);
  });

  it('function: inputs then args, with options merged with the device last', () => {
    const seen: unknown[][] = [];
    const api = { full: (...a: unknown[]) => (seen.push(a), 'out'), where: (...a: unknown[]) => (seen.push(a), 'w') };
    expect(callOp(mk({ op: 'full', call: 'function', args: [[2, 2], 2.5], options: { dtype: 'float32' } }), [], 'webgpu', api)).toBe('out');
    expect(seen[0]).toEqual([[2, 2], 2.5, { dtype: 'float32', device: 'webgpu' }]);
    const c = new Fake('c');
    callOp(mk({ op: 'where', call: 'function' }), [asValue(c), 1.5, 'nan' as unknown as CaseValue], 'cpu', api);
    expect(seen[1]).toEqual([c, 1.5, 'nan']); // callOp passes built inputs through unchanged
  });

  it('property: reads the property', () => {
    expect(callOp(mk({ op: 'mT', call: 'property' }), [asValue(new Fake('x'))], 'cpu')).toBe('x.mT');
  });

  it('reports a missing method or function by name', () => {
    expect(() => callOp(mk({ op: 'frobnicate' }), [asValue(new Fake('x'))], 'cpu')).toThrow(/Tensor has no method 'frobnicate'/);
    expect(() => callOp(mk({ op: 'frobnicate', call: 'function' }), [], 'cpu', {})).toThrow(/exports no function 'frobnicate'/);
  });
});

describe('outputsOf', () => {
  it('unpacks { values, indices }, lists, and in-place results', () => {
    const x = new Fake('x');
    const vi = outputsOf(mk({ op: 'max', output: [T, T] }), x.max(1), [asValue(x)]);
    expect(vi.map((t) => (t as unknown as Fake).name)).toEqual(['values', 'indices']);
    const parts = outputsOf(mk({ op: 'split', output: [T, T] }), x.split(), [asValue(x)]);
    expect(parts).toHaveLength(2);
    const inplace = outputsOf(mk({ op: 'add_' }), x.add_(1), [asValue(x)]);
    expect(inplace[0]).toBe(x);
  });

  it('rejects the wrong number or kind of outputs', () => {
    const x = new Fake('x');
    expect(() => outputsOf(mk({ output: [T, T, T] }), x.split(), [])).toThrow(/expected 3 output tensors, got 2/);
    expect(() => outputsOf(mk({ output: [T] }), x, [])).toThrow(/expected a list of 1 tensors, got one tensor/);
    expect(() => outputsOf(mk({}), x.split(), [])).toThrow(/expected one tensor, got a list of 2/);
    expect(() => outputsOf(mk({}), 3, [])).toThrow(/returned number, not a tensor/);
  });
});

describe('skip names and tolerances', () => {
  const { cases } = loadFixtures();

  it('accepts case ids and op names and reports unknown names', () => {
    expect(unknownNames(['matmul', 'add/broadcast-row'], cases)).toEqual([]);
    expect(unknownNames(['matmul', 'no-such-op', 'add/no-such-case'], cases)).toEqual(['no-such-op', 'add/no-such-case']);
  });

  it('applies op overrides, then id overrides', () => {
    const c = cases.find((x) => x.id === 'erf/wide')!;
    const base = { rtol: 1e-4, atol: 1e-5 };
    expect(toleranceFor(c, base)).toEqual(base);
    expect(toleranceFor(c, base, { erf: { rtol: 1e-3 } })).toEqual({ rtol: 1e-3, atol: 1e-5 });
    expect(toleranceFor(c, base, { erf: { rtol: 1e-3 }, 'erf/wide': { rtol: 1e-2, atol: 0 } })).toEqual({ rtol: 1e-2, atol: 0 });
  });
});
