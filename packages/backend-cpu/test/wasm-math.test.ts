// The vectorised exp/tanh/sigmoid of src/wasm/math.ts against Math.* in double precision:
// the maximum absolute and relative errors stated in that file's comment, over a sweep of
// float32 bit patterns (every exponent, both signs, subnormals, NaNs), a dense linear sweep
// and the special values.
import { describe, expect, it } from 'vitest';
import { Code, I32, V128, functionBody, name, section, uleb } from '../src/wasm/emit.js';
import { MATH_TEMPS, emitExp, emitSigmoid, emitTanh } from '../src/wasm/math.js';

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Instance: new (m: object, imports: object) => { exports: Record<string, (ptr: number, bytes: number) => void> };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const FNS = { exp: emitExp, tanh: emitTanh, sigmoid: emitSigmoid } as const;
type Fn = keyof typeof FNS;

/** A module exporting `exp`, `tanh`, `sigmoid`: (ptr, bytes) → each float32 in place, four at a time. */
function mathModule(): Uint8Array {
  const names = Object.keys(FNS) as Fn[];
  const bodies = names.map((fn) => {
    const ptr = 0,
      end = 1; // params: ptr, bytes (reused as the end address)
    const v = 2;
    const tmp = Array.from({ length: MATH_TEMPS }, (_, i) => 3 + i);
    const e = new Code();
    e.get(ptr).get(end).add().set(end);
    e.block().loop();
    e.get(ptr).get(end).geS().brIf(1);
    e.get(ptr).v128Load(0).set(v);
    FNS[fn](e, v, v, tmp);
    e.get(ptr).get(v).v128Store(0);
    e.get(ptr).i32(16).add().set(ptr).br(0);
    e.end().end().end();
    return functionBody([[1 + MATH_TEMPS, V128]], e);
  });
  const type = section(1, [1, 0x60, 2, I32, I32, 0]);
  const imports = section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(1)]);
  const funcs = section(3, [names.length, ...names.map(() => 0)]);
  const exports = section(7, [names.length, ...names.flatMap((n, i) => [...name(n), 0x00, i])]);
  const code = section(10, [names.length, ...bodies.flat()]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...imports, ...funcs, ...exports, ...code]);
}

const REF: Record<Fn, (x: number) => number> = {
  exp: Math.exp,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

/** Inputs: every 251st bit pattern, a dense sweep of [−20, 20], and special values. */
function inputs(): Float32Array {
  const specials = [
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
    1.4e-45,
    -1.4e-45,
    1.1754942e-38,
    -1.1754942e-38,
    3.4028235e38,
    -3.4028235e38,
    88.72,
    88.73,
    88.8,
    -87.33,
    -87.34,
    -103.9,
    -104.5,
    0.625,
    -0.625,
    0.62499994,
    1e-20,
    -1e-20,
  ];
  const linear = 400_001;
  const bitsStep = 251;
  const nBits = Math.floor(2 ** 32 / bitsStep);
  const n = Math.ceil((specials.length + linear + nBits) / 4) * 4;
  const out = new Float32Array(n);
  const u = new Uint32Array(out.buffer);
  let k = 0;
  for (const s of specials) out[k++] = s;
  for (let i = 0; i < linear; i++) out[k++] = -20 + (40 * i) / (linear - 1);
  for (let i = 0; i < nBits; i++) u[k++] = i * bitsStep;
  return out;
}

interface Errors {
  absMax: number;
  relMax: number;
  relAt: number;
  bad: string[];
}

function measure(fn: Fn, x: Float32Array, y: Float32Array): Errors {
  const ref = REF[fn];
  const r: Errors = { absMax: 0, relMax: 0, relAt: NaN, bad: [] };
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = y[i];
    const want = ref(xi);
    const want32 = Math.fround(want);
    if (Number.isNaN(want)) {
      if (!Number.isNaN(yi)) r.bad.push(`${fn}(${xi}) = ${yi}, expected NaN`);
      continue;
    }
    if (!Number.isFinite(want32)) {
      // overflow (exp of x > 88.72): +Infinity, as Math.fround of the true value
      if (yi !== want32) r.bad.push(`${fn}(${xi}) = ${yi}, expected ${want32}`);
      continue;
    }
    if (Object.is(want, -0) || Object.is(want, 0)) {
      if (!Object.is(yi, want32) && !(fn !== 'tanh' && yi === 0)) r.bad.push(`${fn}(${xi}) = ${yi}, expected ${want32}`);
      continue;
    }
    const abs = Math.abs(yi - want);
    if (!(abs <= Math.abs(want))) r.bad.push(`${fn}(${xi}) = ${yi}, expected ${want}`);
    if (!(fn === 'exp' && xi > 0.5)) r.absMax = Math.max(r.absMax, abs);
    if (Math.abs(want) >= 2 ** -126) {
      const rel = abs / Math.abs(want);
      if (rel > r.relMax) {
        r.relMax = rel;
        r.relAt = xi;
      }
    } else if (abs > 2 ** -149) {
      r.bad.push(`${fn}(${xi}) = ${yi}: subnormal result off by ${abs}, more than 2^-149`);
    }
  }
  return r;
}

// The bounds stated in src/wasm/math.ts.
const STATED: Record<Fn, { rel: number; abs: number }> = {
  exp: { rel: 9.4e-8, abs: 1.2e-7 },
  tanh: { rel: 1.4e-7, abs: 7.9e-8 },
  sigmoid: { rel: 1.9e-7, abs: 8.9e-8 },
};

describe.skipIf(wasm === undefined)('vectorised float32 exp, tanh, sigmoid (WebAssembly SIMD)', () => {
  const bytes = mathModule();
  it('assembles a valid module', () => {
    expect(wasm!.validate(bytes)).toBe(true);
  });

  const x = inputs();
  const mem = new wasm!.Memory({ initial: 1 });
  mem.grow(Math.ceil((x.byteLength + 65536) / 65536));
  const instance = new wasm!.Instance(new wasm!.Module(bytes), { env: { mem } });

  for (const fn of Object.keys(FNS) as Fn[]) {
    it(`${fn}: within the stated maximum errors against Math (${x.length.toLocaleString('en-US')} inputs), exact on special values`, () => {
      const y = new Float32Array(mem.buffer, 0, x.length);
      y.set(x);
      instance.exports[fn](0, x.byteLength);
      const e = measure(fn, x, y.slice());
      if (process.env.FACKEL_PRINT_MATH_ERRORS) console.log(fn, { abs: e.absMax, rel: e.relMax, relAt: e.relAt });
      expect(e.bad.slice(0, 5)).toEqual([]);
      expect(e.relMax).toBeLessThanOrEqual(STATED[fn].rel);
      expect(e.absMax).toBeLessThanOrEqual(STATED[fn].abs);
      // spot checks of the special values
      const at = (v: number): number => {
        y[0] = v;
        instance.exports[fn](0, 16);
        return y[0];
      };
      const special: Record<Fn, [number, number][]> = {
        exp: [
          [0, 1],
          [-Infinity, 0],
          [Infinity, Infinity],
          [89, Infinity],
          [-200, 0],
          [1.4e-45, 1],
        ],
        tanh: [
          [0, 0],
          [-0, -0],
          [Infinity, 1],
          [-Infinity, -1],
          [1.4e-45, 1.4e-45],
          [-1e-30, -1e-30],
          [30, 1],
        ],
        sigmoid: [
          [0, 0.5],
          [-0, 0.5],
          [Infinity, 1],
          [-Infinity, 0],
          [40, 1],
        ],
      };
      for (const [v, want] of special[fn]) expect(Object.is(at(v), Math.fround(want)), `${fn}(${v}) = ${at(v)}`).toBe(true);
      expect(at(NaN)).toBeNaN();
    });
  }
});
