import type { BinaryOp, UnaryOp } from './backend.js';

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

/** One entry of the elementwise op table.
 * @example
 * ```ts
 * import { UNARY_OPS, type OpInfo } from '@fackel/tensor';
 * const info: OpInfo<(x: number) => number> = UNARY_OPS.tanh;
 * ```
 */
export interface OpInfo<F> {
  /** Output dtype rule. */
  readonly dtype: DTypeRule;
  /** Scalar reference in double precision: the CPU kernels use it, and tests use it as an oracle. */
  readonly ref: F;
  /** Whether autograd must provide a gradient rule (false for ops whose gradient is zero or undefined). */
  readonly differentiable: boolean;
}

const SQRT_PI = Math.sqrt(Math.PI);

/** erf in double precision: Taylor series near 0, a continued fraction for erfc in the tails.
 * @example
 * ```ts
 * import { erfRef } from '@fackel/tensor';
 * erfRef(0.5); // 0.5204998778130465
 * ```
 */
export function erfRef(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / SQRT_PI) * sum;
  }
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

/**
 * The unary op table: dtype rule, scalar reference and differentiability of every `UnaryOp`.
 *
 * @example
 * ```ts
 * import { UNARY_OPS } from '@fackel/tensor';
 * UNARY_OPS.sigmoid.ref(0); // 0.5
 * ```
 */
export const UNARY_OPS: { readonly [K in UnaryOp]: OpInfo<(x: number) => number> } = {
  neg: { dtype: 'same', ref: (x) => -x, differentiable: true },
  abs: { dtype: 'same', ref: (x) => Math.abs(x), differentiable: true },
  sign: { dtype: 'same', ref: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN), differentiable: true },
  exp: { dtype: 'float', ref: Math.exp, differentiable: true },
  log: { dtype: 'float', ref: Math.log, differentiable: true },
  sqrt: { dtype: 'float', ref: Math.sqrt, differentiable: true },
  rsqrt: { dtype: 'float', ref: (x) => 1 / Math.sqrt(x), differentiable: true },
  reciprocal: { dtype: 'float', ref: (x) => 1 / x, differentiable: true },
  square: { dtype: 'same', ref: (x) => x * x, differentiable: true },
  tanh: { dtype: 'float', ref: Math.tanh, differentiable: true },
  sigmoid: { dtype: 'float', ref: (x) => 1 / (1 + Math.exp(-x)), differentiable: true },
  relu: { dtype: 'same', ref: (x) => (x > 0 ? x : x === x ? 0 : x), differentiable: true },
  erf: { dtype: 'float', ref: erfRef, differentiable: true },
  sin: { dtype: 'float', ref: Math.sin, differentiable: true },
  cos: { dtype: 'float', ref: Math.cos, differentiable: true },
  floor: { dtype: 'same', ref: Math.floor, differentiable: true },
  ceil: { dtype: 'same', ref: Math.ceil, differentiable: true },
  round: { dtype: 'same', ref: roundHalfEven, differentiable: true },
  log1p: { dtype: 'float', ref: Math.log1p, differentiable: true },
  expm1: { dtype: 'float', ref: Math.expm1, differentiable: true },
  logicalNot: { dtype: 'bool', ref: (x) => (x === 0 ? 1 : 0), differentiable: false },
  isnan: { dtype: 'bool', ref: (x) => (x !== x ? 1 : 0), differentiable: false },
};

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
export const BINARY_OPS: { readonly [K in BinaryOp]: OpInfo<(a: number, b: number) => number> } = {
  add: { dtype: 'same', ref: (a, b) => a + b, differentiable: true },
  sub: { dtype: 'same', ref: (a, b) => a - b, differentiable: true },
  mul: { dtype: 'same', ref: (a, b) => a * b, differentiable: true },
  div: { dtype: 'div', ref: (a, b) => a / b, differentiable: true },
  pow: { dtype: 'same', ref: (a, b) => (a === 1 || b === 0 || (Math.abs(a) === 1 && Math.abs(b) === Infinity) ? 1 : Math.pow(a, b)), differentiable: true },
  maximum: { dtype: 'same', ref: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b), differentiable: true },
  minimum: { dtype: 'same', ref: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b), differentiable: true },
  fmod: { dtype: 'same', ref: (a, b) => a % b, differentiable: true },
  eq: { dtype: 'bool', ref: (a, b) => (a === b ? 1 : 0), differentiable: false },
  ne: { dtype: 'bool', ref: (a, b) => (a !== b ? 1 : 0), differentiable: false },
  lt: { dtype: 'bool', ref: (a, b) => (a < b ? 1 : 0), differentiable: false },
  le: { dtype: 'bool', ref: (a, b) => (a <= b ? 1 : 0), differentiable: false },
  gt: { dtype: 'bool', ref: (a, b) => (a > b ? 1 : 0), differentiable: false },
  ge: { dtype: 'bool', ref: (a, b) => (a >= b ? 1 : 0), differentiable: false },
  logicalAnd: { dtype: 'bool', ref: (a, b) => (a !== 0 && b !== 0 ? 1 : 0), differentiable: false },
  logicalOr: { dtype: 'bool', ref: (a, b) => (a !== 0 || b !== 0 ? 1 : 0), differentiable: false },
};
