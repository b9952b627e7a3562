import { BINARY_OPS, UNARY_OPS } from '@fackel/tensor';
import { describe, expect, it } from 'vitest';
import { decodeArg, decodeNumber, fixtureValues, loadFixtures } from '../src/fixtures.js';
import type { FixtureCase, FixtureTensor, ViewOp } from '../src/types.js';

// Every op of the Tensor API in docs/architecture.md that can be compared with PyTorch
// (random creation and readback are not). Dropping one from the generator fails here. The
// elementwise ops come from the op table, so a new table entry without fixtures fails too.
const OTHER_OPS = `
  softmaxCrossEntropy
  zeros ones full zerosLike onesLike fullLike arange linspace eye
  clamp where maskedFill
  sum mean prod max min argmax argmin logsumexp var std norm cumsum sort topk
  matmul bmm t mT
  reshape view transpose permute narrow slice select expand expandAs squeeze unsqueeze flatten
  unflatten contiguous detach
  gather indexSelect scatterAdd cat stack split chunk oneHot softmax logSoftmax
  to float int bool clone
  copy_ fill_ zero_ add_ sub_ mul_ div_ clamp_
`
  .split(/\s+/)
  .filter(Boolean);
const REQUIRED_OPS = [...Object.keys(UNARY_OPS), ...Object.keys(BINARY_OPS), ...OTHER_OPS];

/** The shape of a fixture input after its view ops (mirrors PyTorch's view semantics). */
function viewedShape(t: FixtureTensor): number[] {
  let s = [...t.shape];
  const norm = (d: number) => (d < 0 ? d + s.length : d);
  for (const op of t.view ?? ([] as ViewOp[])) {
    if (op[0] === 'transpose') {
      const [a, b] = [norm(op[1]), norm(op[2])];
      [s[a], s[b]] = [s[b], s[a]];
    } else if (op[0] === 'permute') {
      s = op[1].map((d) => s[norm(d)]);
    } else if (op[0] === 'slice') {
      const d = norm(op[1]);
      const n = s[d];
      const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
      const start = clampIdx(op[2] ?? 0);
      const end = clampIdx(op[3] ?? n);
      s[d] = Math.max(0, Math.ceil((end - start) / op[4]));
    } else if (op[0] === 'expand') {
      const target = op[1];
      const off = target.length - s.length;
      s = target.map((v, i) => (v === -1 ? s[i - off] : v));
    } else if (op[0] === 'narrow') {
      s[norm(op[1])] = op[3];
    }
  }
  return s;
}

describe('loadFixtures', () => {
  const file = loadFixtures();

  it('reads the generated ops fixtures', () => {
    expect(file.generator).toBe('scripts/gen_fixtures.py');
    expect(file.torch).toMatch(/^\d+\.\d+/);
    expect(file.cases.length).toBeGreaterThan(500);
  });

  it('caches the parsed file', () => {
    expect(loadFixtures('ops')).toBe(file);
  });

  it('rejects a missing file with a hint to regenerate, and a bad name', () => {
    expect(() => loadFixtures('no-such-fixtures')).toThrow(/gen_fixtures\.py/);
    expect(() => loadFixtures('../package')).toThrow(/invalid fixture name/);
  });

  it('has unique ids of the form op/variant', () => {
    const ids = file.cases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of file.cases) expect(c.id.includes('/'), c.id).toBe(true);
  });

  it('covers every op of the Tensor API', () => {
    // a case counts for the op it calls and for the op-table entry its id names (`geluTanh/2d`
    // calls `gelu` with `approximate: 'tanh'`)
    const ops = new Set(file.cases.flatMap((c) => [c.op, c.id.slice(0, c.id.indexOf('/'))]));
    expect(REQUIRED_OPS.filter((op) => !ops.has(op))).toEqual([]);
  });

  it('gives gradients shaped like the viewed inputs and a gradOutput shaped like the first output', () => {
    const graded = file.cases.filter((c): c is FixtureCase & Required<Pick<FixtureCase, 'grads' | 'gradOutput'>> => c.grads !== undefined);
    expect(graded.length).toBeGreaterThan(300);
    for (const c of graded) {
      const first = Array.isArray(c.output) ? c.output[0] : (c.output as FixtureTensor);
      expect(c.gradOutput.shape, c.id).toEqual(first.shape);
      c.inputs.forEach((x, i) => {
        const g = c.grads[i];
        if (Array.isArray(x)) {
          expect(Array.isArray(g), `${c.id} grads[${i}]`).toBe(true);
          (x as FixtureTensor[]).forEach((t, j) => {
            const gj = (g as (FixtureTensor | null)[])[j];
            if (gj) expect(gj.shape, `${c.id} grads[${i}][${j}]`).toEqual(viewedShape(t));
          });
        } else if (g && !Array.isArray(g)) {
          expect(typeof x === 'object' && x !== null, `${c.id} grads[${i}] belongs to a tensor`).toBe(true);
          const t = x as FixtureTensor;
          expect(t.dtype, `${c.id} grads[${i}]`).toBe('float32');
          expect((g as FixtureTensor).shape, `${c.id} grads[${i}]`).toEqual(viewedShape(t));
        }
      });
    }
  });

  it('has no gradients for integer or bool inputs', () => {
    for (const c of file.cases) {
      c.inputs.forEach((x, i) => {
        if (typeof x === 'object' && x !== null && !Array.isArray(x) && (x as FixtureTensor).dtype !== 'float32') {
          expect(c.grads?.[i] ?? null, `${c.id} grads[${i}]`).toBeNull();
        }
      });
    }
  });

  it('returns [values, indices] for max/min with a dim, sort and topk', () => {
    for (const c of file.cases.filter((x) => ['sort', 'topk'].includes(x.op) || (['max', 'min'].includes(x.op) && (x.args?.length ?? 0) > 0))) {
      expect(Array.isArray(c.output), c.id).toBe(true);
      const [v, i] = c.output as FixtureTensor[];
      expect(i!.dtype, c.id).toBe('int32');
      expect(i!.shape, c.id).toEqual(v!.shape);
    }
  });
});

describe('value decoding', () => {
  it('decodes NaN and infinities', () => {
    expect(decodeNumber('nan')).toBeNaN();
    expect(decodeNumber('inf')).toBe(Infinity);
    expect(decodeNumber('-inf')).toBe(-Infinity);
    expect(decodeNumber(true)).toBe(1);
    expect(() => decodeNumber('banana' as never)).toThrow(/not a fixture number/);
  });

  it('stores float32 values as a Float32Array does', () => {
    const v = fixtureValues({ dtype: 'float32', shape: [3], data: [0.1, 'nan', '-inf'] });
    expect(v).toBeInstanceOf(Float32Array);
    expect(v[0]).toBe(Math.fround(0.1));
    expect(v[1]).toBeNaN();
    expect(v[2]).toBe(-Infinity);
    expect(fixtureValues({ dtype: 'bool', shape: [2], data: [true, false] })).toEqual(new Uint8Array([1, 0]));
    expect(fixtureValues({ dtype: 'int32', shape: [2], data: [-3, 7] })).toEqual(new Int32Array([-3, 7]));
  });

  it('decodes args: null to undefined, special numbers, nested', () => {
    expect(decodeArg([null, 'inf', [1, '-inf'], 'int32'])).toEqual([undefined, Infinity, [1, -Infinity], 'int32']);
    expect(decodeArg({ dtype: 'int32' })).toEqual({ dtype: 'int32' });
  });
});
