/**
 * Vectorised float32 transcendental functions as WebAssembly SIMD code: emitters that append
 * to a {@link Code} the instructions computing `exp`, `tanh` or `sigmoid` of the four lanes
 * of a `v128` local and store the result into another local. Kernels (the LSTM cell in
 * `./lstm.ts`, later elementwise kernels) splice them into their loops.
 *
 * Each emitter takes the input local `x`, the output local `out` (which may be `x`) and
 * {@link MATH_TEMPS} scratch `v128` locals, distinct from both, whose values it clobbers.
 * Every lane is computed independently; there are no branches, so all four lanes cost the
 * same whatever their values.
 *
 * The methods (coefficients fitted here by a discrete minimax fit of the relative error):
 *
 * - `exp(x)`: x is clamped to [−104, 89] (beyond it the float32 result is 0 or +Infinity
 *   anyway; NaN passes through `pmin`/`pmax`), then reduced, x = n·ln 2 + r with n = round(x·log₂e)
 *   and |r| ≤ ln 2 / 2 (Cody–Waite: ln 2 split in a 9-bit head, so n·head is exact, and a tail);
 *   e^r = 1 + r + r²·q(r) with q of degree 4 (a degree-6 polynomial, Horner); the result is
 *   e^r · 2^⌊n/2⌋ · 2^(n−⌊n/2⌋), two exponent-field multiplications, so that subnormal results
 *   (n down to −150) and overflow to +Infinity come out right without special cases.
 * - `tanh(x)`: with a = |x|, for a < 0.625 the odd polynomial a + a³·p(a²), p of degree 4
 *   (accurate to the last bit for tiny and subnormal x, where `1 − 2/(e^{2a}+1)` would cancel);
 *   otherwise 1 − 2/(e^{2a} + 1), where the subtraction is exact (e^{2a} > 3); +Infinity gives 1.
 *   The sign of x is copied onto the result (so tanh(−0) = −0).
 * - `sigmoid(x)`: e = e^{−|x|}, d = 1/(1 + e); d for x ≥ 0 and e·d for x < 0, so neither side
 *   cancels and tiny results keep their relative accuracy down to the subnormal range.
 *
 * Maximum errors against `Math.exp`, `Math.tanh` and `1 / (1 + Math.exp(−x))` evaluated in
 * double precision on the float32 input, measured by `test/wasm-math.test.ts` over every
 * 251st float32 bit pattern (all exponents, both signs, subnormals, NaNs) plus a dense linear
 * sweep of [−20, 20] and ±0, ±Infinity, NaN, the smallest subnormal, ±FLT_MAX
 * (one float32 ulp is between 6.0e-8 and 1.2e-7 relative):
 *
 * | function  | max relative error (normal results) | max absolute error                     |
 * | --------- | ----------------------------------- | -------------------------------------- |
 * | `exp`     | 9.4e-8                              | 1.2e-7 for x ≤ 0.5 (results ≤ 1.65)    |
 * | `tanh`    | 1.4e-7                              | 7.9e-8                                 |
 * | `sigmoid` | 1.9e-7                              | 8.9e-8                                 |
 *
 * "Normal results" are those of magnitude ≥ 2⁻¹²⁶ (1.18e-38), i.e. x ≥ −87.33 for `exp` and
 * `sigmoid`; smaller results are subnormal floats, whose own spacing (2⁻¹⁴⁹) bounds their
 * absolute error instead (at most 2⁻¹⁴⁹ = 1.4e-45 here). Special values are exact: exp(−∞) = 0,
 * exp(+∞) = +∞ and +∞ wherever the float32 result overflows (x > 88.7228), tanh(±0) = ±0,
 * tanh(±∞) = ±1, sigmoid(−∞) = 0, sigmoid(+∞) = 1; NaN in gives NaN out.
 *
 * @module
 */
import type { Code } from './emit.js';

/** Scratch `v128` locals each emitter needs (pass at least this many, distinct from `x` and `out`). */
export const MATH_TEMPS = 5;

// exp: clamp bounds, range reduction, and e^r = 1 + r + r²·(Q0 + Q1·r + … + Q4·r⁴) on |r| ≤ ln 2 / 2
const EXP_MAX = 89;
const EXP_MIN = -104;
const LOG2E = Math.LOG2E;
const LN2_HI = 0.693359375; // 355/512: n·LN2_HI is exact for |n| ≤ 2^15
const LN2_LO = -2.1219444e-4; // ln 2 − LN2_HI
const EXP_Q = [0.49999994, 0.166665196, 0.0416684076, 0.00836891588, 0.00138141983];
/** 1.5·2²³: adding it to a float32 of magnitude below 2²² rounds that to an integer. */
const ROUND_MAGIC = 12582912;
/** Its bit pattern (0x4b400000). */
const ROUND_MAGIC_BITS = 0x4b400000;

// tanh: a + a³·(P0 + P1·a² + … + P4·a⁸) below TANH_SMALL
const TANH_SMALL = 0.625;
const TANH_P = [-0.333332807, 0.133314416, -0.0537397042, 0.0206390508, -0.00570494542];

const SIGN_BIT = -0x80000000;

function checkTemps(what: string, x: number, out: number, t: readonly number[], need: number): void {
  if (t.length < need) throw new RangeError(`${what}: needs ${need} scratch v128 locals, got ${t.length}`);
  for (let i = 0; i < need; i++) {
    if (t[i] === x || t[i] === out) throw new RangeError(`${what}: scratch local ${t[i]} is also the input or output`);
  }
}

/** Horner: leaves c[last]·v^(k) + … + c[0] on the stack, with `v` the local holding the variable. */
function horner(e: Code, v: number, c: readonly number[]): void {
  e.f32x4Const(c[c.length - 1]);
  for (let k = c.length - 2; k >= 0; k--) e.get(v).f32x4Mul().f32x4Const(c[k]).f32x4Add();
}

/**
 * Appends code that sets local `out` to e^x, lane-wise, for the float32 lanes of local `x`
 * (see the module comment for the method and its error). Uses the first three of `tmp`.
 */
export function emitExp(e: Code, x: number, out: number, tmp: readonly number[]): Code {
  checkTemps('emitExp', x, out, tmp, 3);
  const [xr, n, p] = tmp as [number, number, number];
  // clamp: pmin/pmax are one instruction each (min/max with WebAssembly's NaN rules are
  // several on x64) and return their first operand, so a NaN x passes through
  e.get(x).f32x4Const(EXP_MAX).f32x4Pmin().f32x4Const(EXP_MIN).f32x4Pmax().set(xr);
  // n = round(x·log2 e), held as t = x·log2 e + 1.5·2²³: adding the constant rounds to an
  // integer (ties to even, as f32x4.nearest), which sits in t's low mantissa bits, so that
  // n = t − 1.5·2²³ as a float and bits(t) − bits(1.5·2²³) as an integer (no float-to-int
  // conversion, which V8 expands on x64); |x·log2 e| ≤ 151 keeps t in [2²³, 2²⁴)
  e.get(xr).f32x4Const(LOG2E).f32x4Mul().f32x4Const(ROUND_MAGIC).f32x4Add().set(n);
  // r = x − n·ln2_hi − n·ln2_lo
  e.get(xr).get(n).f32x4Const(ROUND_MAGIC).f32x4Sub().f32x4Const(LN2_HI).f32x4Mul().f32x4Sub();
  e.get(n).f32x4Const(ROUND_MAGIC).f32x4Sub().f32x4Const(LN2_LO).f32x4Mul().f32x4Sub().set(xr);
  // p = 1 + r·(1 + r·q(r))
  horner(e, xr, EXP_Q);
  e.get(xr).f32x4Mul().f32x4Const(1).f32x4Add().get(xr).f32x4Mul().f32x4Const(1).f32x4Add().set(p);
  // p · 2^(n >> 1) · 2^(n − (n >> 1)), each factor built in the exponent field
  e.get(n).i32x4Const(ROUND_MAGIC_BITS).i32x4Sub().set(n);
  e.get(p);
  e.get(n).i32(1).i32x4ShrS().i32x4Const(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul();
  e.get(n).get(n).i32(1).i32x4ShrS().i32x4Sub().i32x4Const(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul();
  e.set(out);
  return e;
}

/**
 * Appends code that sets local `out` to tanh(x), lane-wise (see the module comment). Uses
 * the {@link MATH_TEMPS} locals of `tmp`.
 */
export function emitTanh(e: Code, x: number, out: number, tmp: readonly number[]): Code {
  checkTemps('emitTanh', x, out, tmp, MATH_TEMPS);
  const [a, big, t0, t1, t2] = tmp as [number, number, number, number, number];
  e.get(x).f32x4Abs().set(a);
  // large |x|: 1 − 2 / (e^{2a} + 1)
  e.get(a).get(a).f32x4Add().set(big);
  emitExp(e, big, big, [t0, t1, t2]);
  e.f32x4Const(1).f32x4Const(2).get(big).f32x4Const(1).f32x4Add().f32x4Div().f32x4Sub().set(big);
  // small |x|: a + (a·a²)·p(a²)
  e.get(a).get(a).f32x4Mul().set(t0);
  horner(e, t0, TANH_P);
  e.get(a).get(t0).f32x4Mul().f32x4Mul().get(a).f32x4Add();
  // select by a < TANH_SMALL (false for NaN: the large branch, which gives NaN), then copy the sign
  e.get(big).get(a).f32x4Const(TANH_SMALL).f32x4Lt().v128Bitselect();
  e.get(x).i32x4Const(SIGN_BIT).v128And().v128Or();
  e.set(out);
  return e;
}

/**
 * Appends code that sets local `out` to 1 / (1 + e^−x), lane-wise (see the module comment).
 * Uses the first four of `tmp`.
 */
export function emitSigmoid(e: Code, x: number, out: number, tmp: readonly number[]): Code {
  checkTemps('emitSigmoid', x, out, tmp, 4);
  const [m, d, t1, t2] = tmp as [number, number, number, number];
  e.get(x).f32x4Abs().f32x4Neg().set(m);
  emitExp(e, m, m, [d, t1, t2]); // m = e^{−|x|}
  e.f32x4Const(1).f32x4Const(1).get(m).f32x4Add().f32x4Div().set(d); // d = 1 / (1 + e^{−|x|})
  // x < 0: e·d; otherwise (and for NaN) d
  e.get(m).get(d).f32x4Mul().get(d).get(x).v128Zero().f32x4Lt().v128Bitselect();
  e.set(out);
  return e;
}
