/**
 * WGSL building blocks shared by the kernel generators: storage/compute types, conversions,
 * uniform references and a small math library that behaves the same on every driver.
 *
 * Two facts about real drivers shape this file (both measured on lavapipe):
 * - `x != x` is folded to `false`, and `max`/`min` drop NaN, so NaN is tested on the bit pattern.
 * - NaN and infinity cannot be written as constants (WGSL const-evaluation rejects them), so they
 *   come from `var<private>` bit patterns, which the shader compiler cannot fold.
 * @internal
 * @module
 */
import type { DType } from '@fackel/tensor';

/** Element type of a storage buffer: bool is stored as `u32` (0 or 1). @internal */
export type StorageType = 'f32' | 'i32' | 'u32';
/** Type a kernel computes in. @internal */
export type ComputeType = 'f32' | 'i32' | 'bool';

/** Storage element type of a dtype on the GPU. @internal */
export function storageType(dtype: DType): StorageType {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    default:
      throw new TypeError(`webgpu: dtype '${dtype}' is not supported on the GPU (supported: float32, int32, bool)`);
  }
}

/** The natural compute type of a dtype. @internal */
export function computeType(dtype: DType): ComputeType {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'bool';
}

/** Converts an expression of storage type `from` to compute type `to`. @internal */
export function loadAs(expr: string, from: StorageType, to: ComputeType): string {
  // `!(x == 0.0)`, not `x != 0.0`: drivers compile `!=` as an ordered compare, false for NaN.
  if (to === 'bool') return from === 'f32' ? `!(${expr} == 0.0)` : from === 'i32' ? `(${expr} != 0i)` : `(${expr} != 0u)`;
  if (to === 'f32') return from === 'f32' ? expr : `f32(${expr})`;
  return from === 'i32' ? expr : from === 'f32' ? `f32_to_i32(${expr})` : `i32(${expr})`;
}

/** Converts an expression of compute type `from` to storage type `to`. @internal */
export function storeAs(expr: string, from: ComputeType, to: StorageType): string {
  if (from === 'bool') return to === 'f32' ? `select(0.0, 1.0, ${expr})` : to === 'i32' ? `select(0i, 1i, ${expr})` : `select(0u, 1u, ${expr})`;
  if (to === 'u32') return from === 'f32' ? `select(1u, 0u, ${expr} == 0.0)` : `select(0u, 1u, ${expr} != 0i)`;
  if (to === 'f32') return from === 'f32' ? expr : `f32(${expr})`;
  return from === 'i32' ? expr : `f32_to_i32(${expr})`;
}

/** Converts between compute types. @internal */
export function convert(expr: string, from: ComputeType, to: ComputeType): string {
  if (from === to) return expr;
  if (to === 'bool') return from === 'f32' ? `!(${expr} == 0.0)` : `(${expr} != 0i)`;
  if (from === 'bool') return to === 'f32' ? `select(0.0, 1.0, ${expr})` : `select(0i, 1i, ${expr})`;
  return to === 'f32' ? `f32(${expr})` : `f32_to_i32(${expr})`;
}

/** WGSL reference to u32 word `i` of the uniform block. @internal */
export function uword(i: number): string {
  return `u.v[${i >> 2}].${'xyzw'[i & 3]}`;
}

/** WGSL reference to word `i` of the uniform block read as `i32`. @internal */
export function uint(i: number): string {
  return `bitcast<i32>(${uword(i)})`;
}

/** WGSL reference to word `i` of the uniform block read as a compute-type scalar. @internal */
export function uscalar(i: number, t: ComputeType): string {
  return t === 'f32' ? `bitcast<f32>(${uword(i)})` : t === 'i32' ? `bitcast<i32>(${uword(i)})` : `(${uword(i)} != 0u)`;
}

const f32view = new Float32Array(1);
const u32view = new Uint32Array(f32view.buffer);

/** The u32 bit pattern of a number rounded to f32. @internal */
export function f32bits(x: number): number {
  f32view[0] = x;
  return u32view[0];
}

/** The u32 word holding a scalar of a compute type. @internal */
export function scalarBits(x: number, t: ComputeType): number {
  if (t === 'f32') return f32bits(x);
  if (t === 'bool') return x !== 0 ? 1 : 0;
  // JavaScript ToInt32 (wraps), then reinterpret as u32.
  return (Number.isFinite(x) ? Math.trunc(x) : 0) >>> 0;
}

/** Number of u32 words in a uniform block (the binding is 512 bytes). @internal */
export const UNIFORM_WORDS = 128;

/** Declarations every shader starts with: the uniform block and the helpers. @internal */
export const PRELUDE = /* wgsl */ `
struct Params { v: array<vec4<u32>, 32> };
@group(0) @binding(0) var<uniform> u: Params;
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn f_nan() -> f32 { return bitcast<f32>(NAN_BITS); }
fn f_inf() -> f32 { return bitcast<f32>(INF_BITS); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn f32_to_i32(x: f32) -> i32 {
  // Truncates toward zero; NaN gives 0 and out-of-range values saturate on every driver.
  if (is_nan(x)) { return 0i; }
  if (x >= 2147483520.0) { return 2147483647i; }
  if (x <= -2147483648.0) { return -2147483647i - 1i; }
  return i32(x);
}
`;

/** Float math helpers, keyed by the name kernels call. Included only when referenced. @internal */
const MATH: Record<string, { deps: string[]; code: string }> = {
  f_exp: {
    deps: [],
    code: /* wgsl */ `
fn f_exp(x: f32) -> f32 {
  // exp to about 1 ulp on every driver (lavapipe's builtin is off by up to ~4e-6 relative):
  // x = k ln2 + r with a two-part ln2 (Cody-Waite), e^r by its Taylor series to r^7 (|r| <= 0.35),
  // then two exact scalings by powers of two.
  if (is_nan(x)) { return x; }
  if (x > 88.72284) { return f_inf(); }
  if (x < -103.97208) { return 0.0; }
  let k = floor(x * 1.442695041 + 0.5);
  let r = (x - k * 0.693145752) - k * 1.42860677e-6;
  var p = 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  let ki = i32(k);
  let k1 = ki / 2i;
  let k2 = ki - k1;
  return p * bitcast<f32>(u32(k1 + 127i) << 23u) * bitcast<f32>(u32(k2 + 127i) << 23u);
}`,
  },
  f_log: {
    deps: [],
    code: /* wgsl */ `
fn f_log(x: f32) -> f32 {
  // log to about 1 ulp: x = m 2^e with m in [sqrt(1/2), sqrt(2)), then log(m) = 2 atanh(s),
  // s = (m - 1) / (m + 1), by its series to s^11 (|s| <= 0.172).
  if (is_nan(x) || x < 0.0) { return f_nan(); }
  if (x == 0.0) { return -f_inf(); }
  if (is_inf(x)) { return x; }
  var bits = bitcast<u32>(x);
  var e = 0i;
  if (bits < 0x00800000u) {
    bits = bitcast<u32>(x * 16777216.0);
    e = -24i;
  }
  e = e + i32(bits >> 23u) - 127i;
  var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (m > 1.41421356) {
    m = m * 0.5;
    e = e + 1i;
  }
  let f = m - 1.0;
  let s = f / (2.0 + f);
  let z = s * s;
  var q = 1.0 / 11.0;
  q = q * z + 1.0 / 9.0;
  q = q * z + 1.0 / 7.0;
  q = q * z + 1.0 / 5.0;
  q = q * z + 1.0 / 3.0;
  let lm = f - s * (f - 2.0 * z * q);
  let fe = f32(e);
  return fe * 0.693145752 + (lm + fe * 1.42860677e-6);
}`,
  },
  f_expm1: {
    deps: ['f_exp', 'f_log'],
    code: /* wgsl */ `
fn f_expm1(x: f32) -> f32 {
  // Kahan's trick near 0: the rounding of exp(x) cancels against log(exp(x)).
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  if (abs(x) >= 0.5 || is_nan(x)) { return select(f_exp(x) - 1.0, -1.0, x < -17.0); }
  let e = f_exp(x);
  let em1 = e - 1.0;
  if (em1 == 0.0) { return x; }
  return em1 * x / f_log(e);
}`,
  },
  f_log1p: {
    deps: ['f_log'],
    code: /* wgsl */ `
fn f_log1p(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x < -1.0) { return f_nan(); }
  if (x == -1.0) { return -f_inf(); }
  if (is_inf(x)) { return x; }
  if (abs(x) < 1e-4) { return x * (1.0 - x * (0.5 - x * (1.0 / 3.0))); }
  let w = 1.0 + x;
  let d = w - 1.0;
  if (d == 0.0) { return x; }
  return f_log(w) * (x / d);
}`,
  },
  f_tanh: {
    deps: ['f_expm1'],
    code: /* wgsl */ `
fn f_tanh(x: f32) -> f32 {
  let ax = abs(x);
  var r: f32;
  if (ax < 0.0004) {
    r = ax * (1.0 - ax * ax * (1.0 / 3.0));
  } else if (ax > 9.1) {
    r = 1.0;
  } else {
    let e = f_expm1(2.0 * ax);
    r = e / (e + 2.0);
  }
  if (is_nan(x)) { return x; }
  return select(r, -r, x < 0.0);
}`,
  },
  f_sigmoid: {
    deps: ['f_exp'],
    code: /* wgsl */ `
fn f_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + f_exp(-x)); }
  let e = f_exp(x);
  return e / (1.0 + e);
}`,
  },
  f_erf: {
    deps: ['f_exp'],
    code: /* wgsl */ `
fn f_erf(x: f32) -> f32 {
  let ax = abs(x);
  var r: f32;
  if (ax < 1.0) {
    // Maclaurin series of erf, 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)), to n = 11.
    let z = ax * ax;
    var p = -1.0 / (39916800.0 * 23.0);
    p = p * z + 1.0 / (3628800.0 * 21.0);
    p = p * z - 1.0 / (362880.0 * 19.0);
    p = p * z + 1.0 / (40320.0 * 17.0);
    p = p * z - 1.0 / (5040.0 * 15.0);
    p = p * z + 1.0 / (720.0 * 13.0);
    p = p * z - 1.0 / (120.0 * 11.0);
    p = p * z + 1.0 / (24.0 * 9.0);
    p = p * z - 1.0 / (6.0 * 7.0);
    p = p * z + 1.0 / (2.0 * 5.0);
    p = p * z - 1.0 / 3.0;
    p = p * z + 1.0;
    r = 1.1283791670955126 * ax * p;
  } else if (ax < 4.0) {
    // Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7; erf >= 0.84 here).
    let t = 1.0 / (1.0 + 0.3275911 * ax);
    let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    r = 1.0 - poly * f_exp(-ax * ax);
  } else {
    r = 1.0;
  }
  if (is_nan(x)) { return x; }
  return select(r, -r, x < 0.0);
}`,
  },
  f_pow: {
    deps: ['f_exp', 'f_log'],
    code: /* wgsl */ `
fn f_pow(a: f32, b: f32) -> f32 {
  // C's pow: pow(x, 0) = 1 and pow(1, y) = 1 even for NaN; negative bases need integer exponents.
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return f_nan(); }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  if (b == 0.5 && !is_inf(a)) { return select(sqrt(a), f_nan(), a < 0.0); }
  let bint = floor(b) == b;
  let aa = abs(a);
  if (aa == 0.0) {
    let odd = bint && abs(b) < 16777216.0 && (i32(abs(b)) & 1i) == 1i;
    if (b > 0.0) { return select(0.0, a, odd); }
    return select(f_inf(), select(f_inf(), -f_inf(), a < 0.0 || bitcast<u32>(a) == 0x80000000u), odd);
  }
  if (is_inf(b)) {
    if (aa == 1.0) { return 1.0; }
    return select(0.0, f_inf(), (aa > 1.0) == (b > 0.0));
  }
  if (is_inf(aa)) {
    let odd = bint && abs(b) < 16777216.0 && (i32(abs(b)) & 1i) == 1i;
    let m = select(0.0, f_inf(), b > 0.0);
    return select(m, -m, a < 0.0 && odd);
  }
  if (a < 0.0 && !bint) { return f_nan(); }
  let m = f_exp(b * f_log(aa));
  let odd = bint && abs(b) < 16777216.0 && (i32(abs(b)) & 1i) == 1i;
  return select(m, -m, a < 0.0 && odd);
}`,
  },
  f_fmod: {
    deps: [],
    code: /* wgsl */ `
fn f_fmod(a: f32, b: f32) -> f32 {
  // C's fmod, exact (bitwise long division of the mantissas, as in musl's fmodf): the result
  // has the sign of the dividend and |r| < |b|.
  if (is_nan(a) || is_nan(b) || is_inf(a) || b == 0.0) { return f_nan(); }
  let sa = bitcast<u32>(a) & 0x80000000u;
  let ua = bitcast<u32>(a) & 0x7fffffffu;
  let ub = bitcast<u32>(b) & 0x7fffffffu;
  if (ua < ub) { return a; }
  if (ua == ub) { return bitcast<f32>(sa); }
  var ex = i32(ua >> 23u);
  var ey = i32(ub >> 23u);
  var mx: u32;
  var my: u32;
  if (ex == 0i) {
    mx = ua;
    ex = 1i;
    while (mx < 0x800000u) { mx = mx << 1u; ex = ex - 1i; }
  } else {
    mx = (ua & 0x7fffffu) | 0x800000u;
  }
  if (ey == 0i) {
    my = ub;
    ey = 1i;
    while (my < 0x800000u) { my = my << 1u; ey = ey - 1i; }
  } else {
    my = (ub & 0x7fffffu) | 0x800000u;
  }
  while (ex > ey) {
    if (mx >= my) {
      mx = mx - my;
      if (mx == 0u) { return bitcast<f32>(sa); }
    }
    mx = mx << 1u;
    ex = ex - 1i;
  }
  if (mx >= my) {
    mx = mx - my;
    if (mx == 0u) { return bitcast<f32>(sa); }
  }
  while (mx < 0x800000u) { mx = mx << 1u; ex = ex - 1i; }
  var r: u32;
  if (ex > 0i) { r = (mx - 0x800000u) | (u32(ex) << 23u); } else { r = mx >> u32(1i - ex); }
  return bitcast<f32>(r | sa);
}`,
  },
  i_pow: {
    deps: [],
    code: /* wgsl */ `
fn i_pow(a: i32, b: i32) -> i32 {
  if (b < 0i) {
    if (a == 1i) { return 1i; }
    if (a == -1i) { return select(1i, -1i, (b & 1i) == 1i); }
    return 0i;
  }
  var r = 1i;
  var base = a;
  var e = b;
  loop {
    if (e == 0i) { break; }
    if ((e & 1i) == 1i) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}`,
  },
  f_round: {
    deps: [],
    code: /* wgsl */ `
fn f_round(x: f32) -> f32 {
  // Round half to even (PyTorch), written out so no driver can pick half-away-from-zero.
  let f = floor(x);
  let d = x - f;
  if (d > 0.5) { return f + 1.0; }
  if (d < 0.5) { return f; }
  return select(f + 1.0, f, f * 0.5 == floor(f * 0.5));
}`,
  },
};

/** The WGSL of the named math helpers and their dependencies, each once. @internal */
export function mathLib(names: Iterable<string>): string {
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = (n: string): void => {
    if (seen.has(n)) return;
    seen.add(n);
    const m = MATH[n];
    if (!m) return;
    for (const d of m.deps) visit(d);
    out.push(m.code);
  };
  for (const n of names) visit(n);
  return out.join('\n');
}

/** Names of math helpers referenced in a piece of WGSL. @internal */
export function mathUsed(code: string): string[] {
  return Object.keys(MATH).filter((n) => code.includes(`${n}(`));
}

/** WGSL declaration of storage binding `index` named `name`. @internal */
export function storageDecl(index: number, name: string, type: StorageType | 'atomic<u32>' | 'atomic<i32>', access: 'read' | 'read_write'): string {
  return `@group(0) @binding(${index}) var<storage, ${access}> ${name}: array<${type}>;`;
}

/**
 * Entry point of a 1-D kernel whose per-element work is `fn body(gid: u32)`: a grid-stride
 * loop over `gid < count`, so any number of workgroups covers any size. (On CPU drivers each
 * workgroup costs microseconds, so the runtime dispatches few of them; see `Runtime.groups`.)
 * @internal
 */
export function linearEntry(wg: number, count: string): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let n = ${count};
  let stride = nwg.x * nwg.y * ${wg}u;
  for (var g = (wid.y * nwg.x + wid.x) * ${wg}u + lid; g < n; g = g + stride) { body(g); }
}`;
}
