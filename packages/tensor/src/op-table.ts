import type { Tensor } from './tensor.js';

/**
 * How an elementwise op chooses its output dtype:
 * - `float`: integer and bool inputs produce `float32`; floating inputs keep their dtype.
 * - `same`: the (promoted) input dtype.
 * - `bool`: always `bool` (comparisons, logical ops, `isnan`).
 * - `div`: like `same`, but integer and bool results become `float32` (true division).
 *
 * @example
 * ```ts
 * import { UNARY_OPS } from '@fackel/tensor';
 * UNARY_OPS.exp.dtype; // 'float'
 * ```
 */
export type DTypeRule = 'float' | 'same' | 'bool' | 'div';

/**
 * The type a WebGPU kernel computes an elementwise op in: `f32`, or `i32` where the operands
 * are integers or bools and the op's dtype rule is not `float` (see {@link UnaryOpInfo.wgsl}).
 *
 * @example
 * ```ts
 * import { UNARY_OPS, type WgslType } from '@fackel/tensor';
 * const t: WgslType = 'i32';
 * UNARY_OPS.abs.wgsl('x', t); // 'abs(x)'
 * ```
 */
export type WgslType = 'f32' | 'i32';

/** What every entry of the elementwise op tables holds.
 * @example
 * ```ts
 * import { UNARY_OPS, type OpInfo } from '@fackel/tensor';
 * const info: OpInfo<(x: number) => number> = UNARY_OPS.tanh;
 * info.js; // 'Math.tanh(x)'
 * ```
 */
export interface OpInfo<F> {
  /** Output dtype rule. */
  readonly dtype: DTypeRule;
  /** Scalar reference in double precision: the oracle of the kernel tests (and the CPU kernel's `R`). */
  readonly ref: F;
  /**
   * The op as a JavaScript expression of `x` (unary) or `a`, `b` (binary), inlined into the CPU
   * backend's generated loops; `R(…)` calls {@link OpInfo.ref}. Computed in double precision
   * and rounded where the output is stored.
   */
  readonly js: string;
}

/**
 * The gradient of a unary op: `rule(g, v)` is the input's gradient given the output's gradient
 * `g` and the saved `v` (the op's input for `uses: 'input'`, its output for `'output'`, nothing
 * for `'none'`). `@fackel/autograd` builds its rule from it.
 *
 * @example
 * ```ts
 * import { UNARY_OPS, tensor } from '@fackel/tensor';
 * const d = UNARY_OPS.sin.grad!; // { uses: 'input', rule: (g, x) => g.mul(x.cos()) }
 * d.rule(tensor([1]), tensor([0])); // [1]
 * ```
 */
export interface UnaryGrad {
  /** What `rule` reads besides the output's gradient. */
  readonly uses: 'input' | 'output' | 'none';
  /** The input's gradient (runs with recording off, in a `tidy` scope). */
  readonly rule: (g: Tensor, v: Tensor) => Tensor;
}

/** One entry of {@link UNARY_OPS}: everything a backend, autograd and the tests need to know about a unary op.
 * @example
 * ```ts
 * import { UNARY_OPS, type UnaryOpInfo } from '@fackel/tensor';
 * const info: UnaryOpInfo = UNARY_OPS.sqrt;
 * info.wgsl('v', 'f32'); // 'select(sqrt(v), f_nan(), v < 0.0)'
 * ```
 */
export interface UnaryOpInfo extends OpInfo<(x: number) => number> {
  /**
   * The op as a WGSL expression of `x`, computed in `type` (always `f32` for the dtype rule
   * `float`). It may call the float helpers of the WebGPU backend's prelude (`f_exp`, `f_log`,
   * `f_expm1`, `f_log1p`, `f_tanh`, `f_sigmoid`, `f_erf`, `f_round`, `f_nan`, `f_inf`, `is_nan`),
   * which are accurate to about 1 ulp where lavapipe's builtins are not.
   */
  readonly wgsl: (x: string, type: WgslType) => string;
  /** The gradient, or `null` for ops without one (bool results). */
  readonly grad: UnaryGrad | null;
}

/** One entry of {@link BINARY_OPS}.
 * @example
 * ```ts
 * import { BINARY_OPS, type BinaryOpInfo } from '@fackel/tensor';
 * const info: BinaryOpInfo = BINARY_OPS.maximum;
 * info.differentiable; // true
 * ```
 */
export interface BinaryOpInfo extends OpInfo<(a: number, b: number) => number> {
  /** JavaScript expression used instead of `js` where the output is int32 (32-bit wrap-around). */
  readonly jsInt32?: string;
  /**
   * The op as a WGSL expression of `a`, `b`, computed in `type`: `f32` where the output is float
   * (or, for the dtype rule `bool`, where an operand is), else `i32`. Same helpers as
   * {@link UnaryOpInfo.wgsl} plus `f_pow`, `i_pow`, `f_fmod`.
   */
  readonly wgsl: (a: string, b: string, type: WgslType) => string;
  /** Whether autograd has a rule for it (`RULES` in `@fackel/autograd`). */
  readonly differentiable: boolean;
}

const SQRT_PI = Math.sqrt(Math.PI);
const TWO_OVER_SQRT_PI = 2 / SQRT_PI;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** 2/√π · (−1)ⁿ / (n! (2n + 1)): the Maclaurin coefficients of erf, for Horner's scheme. */
const ERF_SERIES: readonly number[] = (() => {
  const c: number[] = [];
  let factorial = 1;
  for (let n = 0; n < 52; n++) {
    if (n > 0) factorial *= n;
    c.push((n % 2 === 0 ? 2 : -2) / SQRT_PI / (factorial * (2 * n + 1)));
  }
  return c;
})();

/** The first `terms` terms of erf's Maclaurin series at x (Horner's scheme in x²). */
function erfSeries(x: number, terms: number): number {
  const z = x * x;
  let p = ERF_SERIES[terms - 1];
  for (let n = terms - 2; n >= 0; n--) p = p * z + ERF_SERIES[n];
  return x * p;
}

/** erf in double precision: its Maclaurin series near 0 (20 terms below 1, 52 below 2.5), a continued fraction for erfc in the tails.
 * @example
 * ```ts
 * import { erfRef } from '@fackel/tensor';
 * erfRef(0.5); // 0.5204998778130465
 * ```
 */
export function erfRef(x: number): number {
  const ax = Math.abs(x);
  if (ax < 1) return erfSeries(x, 20); // the next term is below 1e-19 of the sum
  if (ax < 2.5) return erfSeries(x, 52); // the next term is below 1e-17
  if (Number.isNaN(x)) return NaN;
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / SQRT_PI / f;
  return Math.sign(x) * (1 - erfc);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** A gradient reading the op's input. */
const fromInput = (rule: (g: Tensor, x: Tensor) => Tensor): UnaryGrad => ({ uses: 'input', rule });
/** A gradient reading the op's output. */
const fromOutput = (rule: (g: Tensor, y: Tensor) => Tensor): UnaryGrad => ({ uses: 'output', rule });
/** Piecewise-constant ops: zero gradient almost everywhere (as PyTorch). */
const ZERO_GRAD: UnaryGrad = { uses: 'none', rule: (g) => g.mul(0) };

/** GELU's tanh approximation (PyTorch's `approximate='tanh'`). */
function geluTanhRef(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/** The derivative of GELU's tanh form, as PyTorch's `gelu_backward` computes it. */
function geluTanhGrad(g: Tensor, x: Tensor): Tensor {
  const x2 = x.square();
  const t = x.add(x2.mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
  const dInner = x2
    .mul(3 * 0.044715)
    .add(1)
    .mul(SQRT_2_OVER_PI);
  const left = t.add(1).mul(0.5);
  const right = x.mul(0.5).mul(t.square().neg().add(1)).mul(dInner);
  return g.mul(left.add(right));
}

const UNARY_TABLE = {
  neg: { dtype: 'same', ref: (x) => -x, js: '-x', wgsl: (x) => `(-${x})`, grad: { uses: 'none', rule: (g) => g.neg() } },
  abs: { dtype: 'same', ref: (x) => Math.abs(x), js: 'Math.abs(x)', wgsl: (x) => `abs(${x})`, grad: fromInput((g, x) => g.mul(x.sign())) },
  sign: {
    dtype: 'same',
    ref: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
    js: '(x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x)',
    wgsl: (x, t) => (t === 'f32' ? `select(select(select(0.0, 1.0, ${x} > 0.0), -1.0, ${x} < 0.0), ${x}, is_nan(${x}))` : `sign(${x})`),
    grad: ZERO_GRAD,
  },
  exp: { dtype: 'float', ref: Math.exp, js: 'Math.exp(x)', wgsl: (x) => `f_exp(${x})`, grad: fromOutput((g, y) => g.mul(y)) },
  log: { dtype: 'float', ref: Math.log, js: 'Math.log(x)', wgsl: (x) => `f_log(${x})`, grad: fromInput((g, x) => g.div(x)) },
  sqrt: {
    dtype: 'float',
    ref: Math.sqrt,
    js: 'Math.sqrt(x)',
    wgsl: (x) => `select(sqrt(${x}), f_nan(), ${x} < 0.0)`,
    grad: fromOutput((g, y) => g.div(y.mul(2))),
  },
  rsqrt: {
    dtype: 'float',
    ref: (x) => 1 / Math.sqrt(x),
    js: '1 / Math.sqrt(x)',
    wgsl: (x) => `select(1.0 / sqrt(${x}), f_nan(), ${x} < 0.0)`,
    grad: fromOutput((g, y) => g.mul(y.mul(y).mul(y)).mul(-0.5)),
  },
  reciprocal: { dtype: 'float', ref: (x) => 1 / x, js: '1 / x', wgsl: (x) => `(1.0 / ${x})`, grad: fromOutput((g, y) => g.mul(y.mul(y)).neg()) },
  square: { dtype: 'same', ref: (x) => x * x, js: 'x * x', wgsl: (x) => `(${x} * ${x})`, grad: fromInput((g, x) => g.mul(x).mul(2)) },
  tanh: { dtype: 'float', ref: Math.tanh, js: 'Math.tanh(x)', wgsl: (x) => `f_tanh(${x})`, grad: fromOutput((g, y) => g.mul(y.mul(y).neg().add(1))) },
  sigmoid: {
    dtype: 'float',
    ref: (x) => 1 / (1 + Math.exp(-x)),
    js: '1 / (1 + Math.exp(-x))',
    wgsl: (x) => `f_sigmoid(${x})`,
    grad: fromOutput((g, y) => g.mul(y.mul(y.neg().add(1)))),
  },
  relu: {
    dtype: 'same',
    ref: (x) => (x > 0 ? x : x === x ? 0 : x),
    js: '(x > 0 ? x : x === x ? 0 : x)',
    wgsl: (x, t) => (t === 'f32' ? `select(select(0.0, ${x}, ${x} > 0.0), ${x}, is_nan(${x}))` : `max(${x}, 0i)`),
    grad: fromOutput((g, y) => g.where(y.gt(0), 0)),
  },
  erf: { dtype: 'float', ref: erfRef, js: 'R(x)', wgsl: (x) => `f_erf(${x})`, grad: fromInput((g, x) => g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI))) },
  sin: { dtype: 'float', ref: Math.sin, js: 'Math.sin(x)', wgsl: (x) => `sin(${x})`, grad: fromInput((g, x) => g.mul(x.cos())) },
  cos: { dtype: 'float', ref: Math.cos, js: 'Math.cos(x)', wgsl: (x) => `cos(${x})`, grad: fromInput((g, x) => g.mul(x.sin()).neg()) },
  floor: { dtype: 'same', ref: Math.floor, js: 'Math.floor(x)', wgsl: (x, t) => (t === 'f32' ? `floor(${x})` : x), grad: ZERO_GRAD },
  ceil: { dtype: 'same', ref: Math.ceil, js: 'Math.ceil(x)', wgsl: (x, t) => (t === 'f32' ? `ceil(${x})` : x), grad: ZERO_GRAD },
  round: { dtype: 'same', ref: roundHalfEven, js: 'R(x)', wgsl: (x, t) => (t === 'f32' ? `f_round(${x})` : x), grad: ZERO_GRAD },
  log1p: { dtype: 'float', ref: Math.log1p, js: 'Math.log1p(x)', wgsl: (x) => `f_log1p(${x})`, grad: fromInput((g, x) => g.div(x.add(1))) },
  expm1: { dtype: 'float', ref: Math.expm1, js: 'Math.expm1(x)', wgsl: (x) => `f_expm1(${x})`, grad: fromOutput((g, y) => g.mul(y.add(1))) },
  logicalNot: {
    dtype: 'bool',
    ref: (x) => (x === 0 ? 1 : 0),
    js: '(x === 0 ? 1 : 0)',
    wgsl: (x, t) => (t === 'f32' ? `(${x} == 0.0)` : `(${x} == 0i)`),
    grad: null,
  },
  isnan: { dtype: 'bool', ref: (x) => (x !== x ? 1 : 0), js: '(x !== x ? 1 : 0)', wgsl: (x, t) => (t === 'f32' ? `is_nan(${x})` : 'false'), grad: null },
  atan: {
    dtype: 'float',
    ref: Math.atan,
    js: 'Math.atan(x)',
    wgsl: (x) => `select(atan(${x}), ${x}, is_nan(${x}))`,
    grad: fromInput((g, x) => g.div(x.square().add(1))),
  },
  asin: {
    dtype: 'float',
    ref: Math.asin,
    js: 'Math.asin(x)',
    wgsl: (x) => `select(atan2(${x}, sqrt((1.0 - ${x}) * (1.0 + ${x}))), f_nan(), abs(${x}) > 1.0 || is_nan(${x}))`,
    grad: fromInput((g, x) => g.mul(x.square().neg().add(1).rsqrt())),
  },
  acos: {
    dtype: 'float',
    ref: Math.acos,
    js: 'Math.acos(x)',
    wgsl: (x) => `select(atan2(sqrt((1.0 - ${x}) * (1.0 + ${x})), ${x}), f_nan(), abs(${x}) > 1.0 || is_nan(${x}))`,
    grad: fromInput((g, x) => g.mul(x.square().neg().add(1).rsqrt()).neg()),
  },
  sinh: {
    dtype: 'float',
    ref: Math.sinh,
    js: 'Math.sinh(x)',
    wgsl: (x) => `(0.5 * (f_expm1(${x}) - f_expm1(-${x})))`,
    grad: fromInput((g, x) => g.mul(x.cosh())),
  },
  // exp(|x| - ln 2) keeps cosh finite up to where float32 overflows (e^x alone overflows first)
  cosh: {
    dtype: 'float',
    ref: Math.cosh,
    js: 'Math.cosh(x)',
    wgsl: (x) => `(f_exp(abs(${x}) - 0.6931472) + 0.5 * f_exp(-abs(${x})))`,
    grad: fromInput((g, x) => g.mul(x.sinh())),
  },
  log2: {
    dtype: 'float',
    ref: Math.log2,
    js: 'Math.log2(x)',
    wgsl: (x) => `select(select(log2(${x}), f_nan(), ${x} < 0.0 || is_nan(${x})), -f_inf(), ${x} == 0.0)`,
    grad: fromInput((g, x) => g.div(x.mul(Math.LN2))),
  },
  exp2: {
    dtype: 'float',
    ref: (x) => 2 ** x,
    js: '2 ** x',
    wgsl: (x) => `select(exp2(${x}), ${x}, is_nan(${x}))`,
    grad: fromOutput((g, y) => g.mul(y).mul(Math.LN2)),
  },
  // PyTorch's defaults beta = 1, threshold = 20: linear above the threshold
  softplus: {
    dtype: 'float',
    ref: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))),
    js: '(x > 20 ? x : Math.log1p(Math.exp(x)))',
    wgsl: (x) => `select(f_log1p(f_exp(${x})), ${x}, ${x} > 20.0)`,
    grad: fromInput((g, x) => g.mul(x.sigmoid())),
  },
  // GELU, exact (erf) form: x Φ(x)
  gelu: {
    dtype: 'float',
    ref: (x) => 0.5 * x * (1 + erfRef(x * Math.SQRT1_2)),
    js: 'R(x)',
    wgsl: (x) => `(0.5 * ${x} * (1.0 + f_erf(${x} * 0.70710678)))`,
    grad: fromInput((g, x) =>
      g.mul(
        x
          .mul(Math.SQRT1_2)
          .erf()
          .add(1)
          .mul(0.5)
          .add(x.mul(x.square().mul(-0.5).exp()).mul(INV_SQRT_2PI)),
      ),
    ),
  },
  // GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))
  geluTanh: {
    dtype: 'float',
    ref: geluTanhRef,
    js: '0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))',
    wgsl: (x) => `(0.5 * ${x} * (1.0 + f_tanh(0.7978846 * (${x} + 0.044715 * ${x} * ${x} * ${x}))))`,
    grad: fromInput(geluTanhGrad),
  },
  silu: {
    dtype: 'float',
    ref: (x) => x / (1 + Math.exp(-x)),
    js: 'x / (1 + Math.exp(-x))',
    wgsl: (x) => `(${x} * f_sigmoid(${x}))`,
    grad: fromInput((g, x) => {
      const s = x.sigmoid();
      return g.mul(s.mul(x.mul(s.neg().add(1)).add(1)));
    }),
  },
} satisfies Record<string, UnaryOpInfo>;

/** Elementwise functions of one operand: the keys of {@link UNARY_OPS}.
 * @example
 * ```ts
 * import type { UnaryOp } from '@fackel/tensor';
 * const op: UnaryOp = 'tanh';
 * ```
 */
export type UnaryOp = keyof typeof UNARY_TABLE;

/**
 * The unary op table, the one description of every elementwise unary op: its dtype rule,
 * scalar reference, JavaScript and WGSL expressions and gradient. The backends, autograd and
 * the conformance suite's list of required ops all read it.
 *
 * @example
 * ```ts
 * import { UNARY_OPS } from '@fackel/tensor';
 * UNARY_OPS.sigmoid.ref(0); // 0.5
 * ```
 */
export const UNARY_OPS: { readonly [K in UnaryOp]: UnaryOpInfo } = UNARY_TABLE;

const BINARY_TABLE = {
  add: { dtype: 'same', ref: (a, b) => a + b, js: 'a + b', wgsl: (a, b) => `(${a} + ${b})`, differentiable: true },
  sub: { dtype: 'same', ref: (a, b) => a - b, js: 'a - b', wgsl: (a, b) => `(${a} - ${b})`, differentiable: true },
  mul: { dtype: 'same', ref: (a, b) => a * b, js: 'a * b', jsInt32: 'Math.imul(a, b)', wgsl: (a, b) => `(${a} * ${b})`, differentiable: true },
  div: {
    dtype: 'div',
    ref: (a, b) => a / b,
    js: 'a / b',
    wgsl: (a, b, t) => (t === 'f32' ? `(${a} / ${b})` : `select(${a} / ${b}, 0i, ${b} == 0i)`),
    differentiable: true,
  },
  pow: {
    dtype: 'same',
    ref: (a, b) => (a === 1 || b === 0 || (Math.abs(a) === 1 && Math.abs(b) === Infinity) ? 1 : a ** b),
    js: 'R(a, b)',
    wgsl: (a, b, t) => (t === 'f32' ? `f_pow(${a}, ${b})` : `i_pow(${a}, ${b})`),
    differentiable: true,
  },
  maximum: {
    dtype: 'same',
    ref: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
    js: '(a !== a || b !== b ? NaN : a > b ? a : b)',
    wgsl: (a, b, t) => (t === 'f32' ? `select(max(${a}, ${b}), f_nan(), is_nan(${a}) || is_nan(${b}))` : `max(${a}, ${b})`),
    differentiable: true,
  },
  minimum: {
    dtype: 'same',
    ref: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
    js: '(a !== a || b !== b ? NaN : a < b ? a : b)',
    wgsl: (a, b, t) => (t === 'f32' ? `select(min(${a}, ${b}), f_nan(), is_nan(${a}) || is_nan(${b}))` : `min(${a}, ${b})`),
    differentiable: true,
  },
  fmod: {
    dtype: 'same',
    ref: (a, b) => a % b,
    js: 'a % b',
    wgsl: (a, b, t) => (t === 'f32' ? `f_fmod(${a}, ${b})` : `select(${a} % ${b}, 0i, ${b} == 0i)`),
    differentiable: true,
  },
  eq: { dtype: 'bool', ref: (a, b) => (a === b ? 1 : 0), js: '(a === b ? 1 : 0)', wgsl: (a, b) => `(${a} == ${b})`, differentiable: false },
  // !(a == b) rather than a != b: NaN != x must be true on every driver
  ne: { dtype: 'bool', ref: (a, b) => (a !== b ? 1 : 0), js: '(a !== b ? 1 : 0)', wgsl: (a, b) => `!(${a} == ${b})`, differentiable: false },
  lt: { dtype: 'bool', ref: (a, b) => (a < b ? 1 : 0), js: '(a < b ? 1 : 0)', wgsl: (a, b) => `(${a} < ${b})`, differentiable: false },
  le: { dtype: 'bool', ref: (a, b) => (a <= b ? 1 : 0), js: '(a <= b ? 1 : 0)', wgsl: (a, b) => `(${a} <= ${b})`, differentiable: false },
  gt: { dtype: 'bool', ref: (a, b) => (a > b ? 1 : 0), js: '(a > b ? 1 : 0)', wgsl: (a, b) => `(${a} > ${b})`, differentiable: false },
  ge: { dtype: 'bool', ref: (a, b) => (a >= b ? 1 : 0), js: '(a >= b ? 1 : 0)', wgsl: (a, b) => `(${a} >= ${b})`, differentiable: false },
  // !(a == 0.0): NaN is true, and NaN != 0.0 is false on some drivers
  logicalAnd: {
    dtype: 'bool',
    ref: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
    js: '(a !== 0 && b !== 0 ? 1 : 0)',
    wgsl: (a, b, t) => (t === 'f32' ? `(!(${a} == 0.0) && !(${b} == 0.0))` : `(${a} != 0i && ${b} != 0i)`),
    differentiable: false,
  },
  logicalOr: {
    dtype: 'bool',
    ref: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
    js: '(a !== 0 || b !== 0 ? 1 : 0)',
    wgsl: (a, b, t) => (t === 'f32' ? `(!(${a} == 0.0) || !(${b} == 0.0))` : `(${a} != 0i || ${b} != 0i)`),
    differentiable: false,
  },
} satisfies Record<string, BinaryOpInfo>;

/** Elementwise functions of two operands (the keys of {@link BINARY_OPS}); comparisons and logical ops produce `bool`.
 * @example
 * ```ts
 * import type { BinaryOp } from '@fackel/tensor';
 * const op: BinaryOp = 'maximum';
 * ```
 */
export type BinaryOp = keyof typeof BINARY_TABLE;

/**
 * The binary op table. The references take doubles; `fmod` keeps the dividend's sign
 * (C's fmod, PyTorch's `fmod`), `maximum`/`minimum` propagate NaN.
 *
 * @example
 * ```ts
 * import { BINARY_OPS } from '@fackel/tensor';
 * BINARY_OPS.fmod.ref(-7, 3); // -1
 * ```
 */
export const BINARY_OPS: { readonly [K in BinaryOp]: BinaryOpInfo } = BINARY_TABLE;
