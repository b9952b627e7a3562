import type { View } from '../backend.js';
import type { DType } from '../dtype.js';
import { isFloatingPoint } from '../dtype.js';
import { DTypeError, FackelError, ShapeError, ZeroDivisionError, fmtShape } from '../errors.js';
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type UnaryOp } from '../op-table.js';
import { broadcastShapes, contiguousStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { isTensor, type TensorLike } from '../tensor-like.js';
import {
  broadcastView,
  checkDeviceDType,
  deviceOf,
  deviceOf2,
  markNonDifferentiable,
  promoteOperands,
  record,
  sameShape,
  wouldRecord2,
  wrap,
  wrapShape,
} from './core.js';

function unaryDType(op: UnaryOp, dtype: DType): DType {
  switch (UNARY_OPS[op].dtype) {
    case 'float':
      return isFloatingPoint(dtype) ? dtype : 'float32';
    case 'bool':
      return 'bool';
    default:
      return dtype;
  }
}

/** Applies an elementwise unary op from the op table (`neg`, `exp`, …) by name.
 * @example
 * ```ts
 * import { tensor, unary, UNARY_OPS, type UnaryOp } from '@fackel/tensor';
 * const x = tensor([-1, 0, 2]);
 * for (const op of ['abs', 'square'] as UnaryOp[]) console.log(op, unary(op, x).tolistSync(), UNARY_OPS[op].dtype);
 * ```
 */
export function unary(op: UnaryOp, x: Tensor): Tensor {
  if (!isTensor(x)) throw new FackelError(`${op}: expected a tensor, got ${typeof x}`);
  if (x.dtype === 'bool' && (op === 'neg' || op === 'sign')) {
    throw new DTypeError(`${op}: not supported for bool tensors; use logicalNot() to invert a mask`);
  }
  const device = x.device;
  const outDtype = unaryDType(op, x.dtype);
  // `x._view` checks that x is live; the output shares x's (never mutated) shape array
  const out = wrapShape(device, device.backend.unary(op, x._view(op), outDtype, x.shape), outDtype, x.shape);
  if (!wouldRecord2(x, null)) return out;
  return UNARY_OPS[op].grad !== null ? record(op, [x], out) : markNonDifferentiable(op, [x], out);
}

/** The result dtype of a binary op whose operands promote to `base`. */
function resultDType(op: BinaryOp, base: DType): DType {
  switch (BINARY_OPS[op].dtype) {
    case 'bool':
      return 'bool';
    case 'div':
      return isFloatingPoint(base) ? base : 'float32';
    default:
      return base;
  }
}

/** Applies an elementwise binary op from the op table by name, with NumPy broadcasting; either operand may be a number.
 * @example
 * ```ts
 * import { binary, tensor } from '@fackel/tensor';
 * console.log(binary('maximum', tensor([[1], [5]]), tensor([2, 4])).tolistSync()); // [[2, 4], [5, 5]]
 * ```
 */
export function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const ta = isTensor(a);
  const tb = isTensor(b);
  if (!ta && !tb) {
    if (typeof a !== 'number' || typeof b !== 'number') {
      throw new FackelError(`${op}: expected tensors or numbers, got ${describeArg(a)} and ${describeArg(b)}`);
    }
    throw new FackelError(`${op}: at least one operand must be a tensor (got two numbers)`);
  }
  if ((!ta && typeof a !== 'number') || (!tb && typeof b !== 'number')) {
    throw new FackelError(`${op}: expected tensors or numbers, got ${describeArg(a)} and ${describeArg(b)}`);
  }
  const device = deviceOf2(op, a, b);
  // the output shares an operand's shape array when no broadcast changes it (shapes are never mutated)
  const shape = ta && tb ? (sameShape(a.shape, b.shape) ? a.shape : broadcastShapes(a.shape, b.shape, op)) : ta ? (a as Tensor).shape : (b as Tensor).shape;
  const computeDtype = promoteOperands(a, b);
  const outDtype = resultDType(op, computeDtype);
  // a dtype of a tensor operand is supported by its device already
  if (!((ta && outDtype === (a as Tensor).dtype) || (tb && outDtype === (b as Tensor).dtype))) checkDeviceDType(device, outDtype, op);
  if (op === 'fmod' && b === 0 && !isFloatingPoint(computeDtype)) {
    throw new ZeroDivisionError(
      `fmod: integer division by zero (${(a as Tensor).dtype} tensor ${fmtShape((a as Tensor).shape)} divided by the number 0); use float operands to get NaN instead`,
    );
  }
  const av: View | number = ta ? broadcastView(a as Tensor, shape, op) : scalarIn(a as number, computeDtype);
  const bv: View | number = tb ? broadcastView(b as Tensor, shape, op) : scalarIn(b as number, computeDtype);
  const out = wrapShape(device, device.backend.binary(op, av, bv, shape, outDtype), outDtype, shape);
  if (!wouldRecord2(a, b)) return out;
  return BINARY_OPS[op].differentiable ? record(op, [a, b], out) : markNonDifferentiable(op, [a, b], out);
}

/** A scalar operand converted to the dtype the op computes in (as PyTorch does). */
function scalarIn(v: number, dtype: DType): number {
  return dtype === 'float32' ? Math.fround(v) : v;
}

function describeArg(x: unknown): string {
  if (isTensor(x)) return `tensor ${fmtShape(x.shape)}`;
  if (Array.isArray(x)) return 'an array (wrap it with tensor(...))';
  return typeof x;
}

/** `a + alpha * b` with broadcasting.
 * @example
 * ```ts
 * import { add, tensor } from '@fackel/tensor';
 * add(tensor([1, 2]), 10); // [11, 12]
 * ```
 */
export function add(a: TensorLike, b: TensorLike, alpha?: number): Tensor {
  return binary('add', a, alpha === undefined || alpha === 1 ? b : scale(b, alpha));
}
/** `a - alpha * b` with broadcasting.
 * @example
 * ```ts
 * import { sub, tensor } from '@fackel/tensor';
 * sub(1, tensor([1, 2])); // [0, -1]
 * ```
 */
export function sub(a: TensorLike, b: TensorLike, alpha?: number): Tensor {
  return binary('sub', a, alpha === undefined || alpha === 1 ? b : scale(b, alpha));
}
function scale(b: TensorLike, alpha: number): TensorLike {
  return isTensor(b) ? binary('mul', b, alpha) : b * alpha;
}
/** Elementwise product with broadcasting.
 * @example
 * ```ts
 * import { mul, tensor } from '@fackel/tensor';
 * mul(tensor([[1], [2]]), tensor([1, 10])); // [[1, 10], [2, 20]]
 * ```
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', a, b);
}
/** True division (integers give float32).
 * @example
 * ```ts
 * import { div, tensor } from '@fackel/tensor';
 * div(tensor([1, 3]), 2); // [0.5, 1.5]
 * ```
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary('div', a, b);
}
/** `a ** b`.
 * @example
 * ```ts
 * import { pow, tensor } from '@fackel/tensor';
 * pow(tensor([2, 3]), 2); // [4, 9]
 * ```
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary('pow', a, b);
}
/** Elementwise maximum (NaN propagates).
 * @example
 * ```ts
 * import { maximum, tensor } from '@fackel/tensor';
 * maximum(tensor([1, 5]), 3); // [3, 5]
 * ```
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary('maximum', a, b);
}
/** Elementwise minimum (NaN propagates).
 * @example
 * ```ts
 * import { minimum, tensor } from '@fackel/tensor';
 * minimum(tensor([1, 5]), 3); // [1, 3]
 * ```
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary('minimum', a, b);
}
/**
 * Remainder with the sign of the dividend (C `fmod`). Float operands follow C: a zero divisor
 * gives NaN. Integer (int32, bool) operands raise a {@link ZeroDivisionError} for a zero
 * divisor, as PyTorch does: always for a number divisor (checked before any kernel runs), and
 * for a tensor divisor on the CPU (its kernel checks each element). The WebGPU kernel cannot
 * raise without a readback, so there a zero in an integer tensor divisor gives 0.
 * @example
 * ```ts
 * import { fmod, tensor } from '@fackel/tensor';
 * fmod(tensor([-7, 7]), 3); // [-1, 1]
 * ```
 */
export function fmod(a: TensorLike, b: TensorLike): Tensor {
  return binary('fmod', a, b);
}
/** `a == b` as bool.
 * @example
 * ```ts
 * import { eq, tensor } from '@fackel/tensor';
 * eq(tensor([1, 2]), 2); // [false, true]
 * ```
 */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return binary('eq', a, b);
}
/** `a != b` as bool.
 * @example
 * ```ts
 * import { ne, tensor } from '@fackel/tensor';
 * ne(tensor([1, 2]), 2); // [true, false]
 * ```
 */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return binary('ne', a, b);
}
/** `a < b` as bool.
 * @example
 * ```ts
 * import { lt, tensor } from '@fackel/tensor';
 * lt(tensor([1, 2]), 2); // [true, false]
 * ```
 */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return binary('lt', a, b);
}
/** `a <= b` as bool.
 * @example
 * ```ts
 * import { le, tensor } from '@fackel/tensor';
 * le(tensor([1, 3]), 2); // [true, false]
 * ```
 */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return binary('le', a, b);
}
/** `a > b` as bool.
 * @example
 * ```ts
 * import { gt, tensor } from '@fackel/tensor';
 * gt(tensor([1, 3]), 2); // [false, true]
 * ```
 */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return binary('gt', a, b);
}
/** `a >= b` as bool.
 * @example
 * ```ts
 * import { ge, tensor } from '@fackel/tensor';
 * ge(tensor([1, 2]), 2); // [false, true]
 * ```
 */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return binary('ge', a, b);
}
/** Logical and of truthiness (`!= 0`), as bool.
 * @example
 * ```ts
 * import { logicalAnd, tensor } from '@fackel/tensor';
 * logicalAnd(tensor([1, 0]), tensor([1, 1])); // [true, false]
 * ```
 */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return binary('logicalAnd', a, b);
}
/** Logical or of truthiness (`!= 0`), as bool.
 * @example
 * ```ts
 * import { logicalOr, tensor } from '@fackel/tensor';
 * logicalOr(tensor([1, 0]), tensor([0, 0])); // [true, false]
 * ```
 */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return binary('logicalOr', a, b);
}

/** `-x`.
 * @example
 * ```ts
 * import { neg, tensor } from '@fackel/tensor';
 * neg(tensor([1, -2])); // [-1, 2]
 * ```
 */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** `|x|`.
 * @example
 * ```ts
 * import { abs, tensor } from '@fackel/tensor';
 * abs(tensor([-1, 2])); // [1, 2]
 * ```
 */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** -1, 0 or 1 by the sign of x (NaN stays NaN).
 * @example
 * ```ts
 * import { sign, tensor } from '@fackel/tensor';
 * sign(tensor([-3, 0, 2])); // [-1, 0, 1]
 * ```
 */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** `e^x`.
 * @example
 * ```ts
 * import { exp, tensor } from '@fackel/tensor';
 * exp(tensor([0])); // [1]
 * ```
 */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** Natural logarithm.
 * @example
 * ```ts
 * import { log, tensor } from '@fackel/tensor';
 * log(tensor([1])); // [0]
 * ```
 */
export const log = (x: Tensor): Tensor => unary('log', x);
/** Square root.
 * @example
 * ```ts
 * import { sqrt, tensor } from '@fackel/tensor';
 * sqrt(tensor([4])); // [2]
 * ```
 */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** `1 / sqrt(x)`.
 * @example
 * ```ts
 * import { rsqrt, tensor } from '@fackel/tensor';
 * rsqrt(tensor([4])); // [0.5]
 * ```
 */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
/** `1 / x`.
 * @example
 * ```ts
 * import { reciprocal, tensor } from '@fackel/tensor';
 * reciprocal(tensor([4])); // [0.25]
 * ```
 */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
/** `x * x`.
 * @example
 * ```ts
 * import { square, tensor } from '@fackel/tensor';
 * square(tensor([3])); // [9]
 * ```
 */
export const square = (x: Tensor): Tensor => unary('square', x);
/** Hyperbolic tangent.
 * @example
 * ```ts
 * import { tanh, tensor } from '@fackel/tensor';
 * tanh(tensor([0])); // [0]
 * ```
 */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** Logistic sigmoid `1 / (1 + e^-x)`.
 * @example
 * ```ts
 * import { sigmoid, tensor } from '@fackel/tensor';
 * sigmoid(tensor([0])); // [0.5]
 * ```
 */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** `max(x, 0)`.
 * @example
 * ```ts
 * import { relu, tensor } from '@fackel/tensor';
 * relu(tensor([-1, 2])); // [0, 2]
 * ```
 */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** The Gauss error function.
 * @example
 * ```ts
 * import { erf, tensor } from '@fackel/tensor';
 * erf(tensor([0])); // [0]
 * ```
 */
export const erf = (x: Tensor): Tensor => unary('erf', x);
/** Sine.
 * @example
 * ```ts
 * import { sin, tensor } from '@fackel/tensor';
 * sin(tensor([0])); // [0]
 * ```
 */
export const sin = (x: Tensor): Tensor => unary('sin', x);
/** Cosine.
 * @example
 * ```ts
 * import { cos, tensor } from '@fackel/tensor';
 * cos(tensor([0])); // [1]
 * ```
 */
export const cos = (x: Tensor): Tensor => unary('cos', x);
/** Round down.
 * @example
 * ```ts
 * import { floor, tensor } from '@fackel/tensor';
 * floor(tensor([1.5])); // [1]
 * ```
 */
export const floor = (x: Tensor): Tensor => unary('floor', x);
/** Round up.
 * @example
 * ```ts
 * import { ceil, tensor } from '@fackel/tensor';
 * ceil(tensor([1.5])); // [2]
 * ```
 */
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
/** Round half to even, as PyTorch.
 * @example
 * ```ts
 * import { round, tensor } from '@fackel/tensor';
 * round(tensor([0.5, 1.5])); // [0, 2]
 * ```
 */
export const round = (x: Tensor): Tensor => unary('round', x);
/** `log(1 + x)`, accurate near 0.
 * @example
 * ```ts
 * import { log1p, tensor } from '@fackel/tensor';
 * log1p(tensor([0])); // [0]
 * ```
 */
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
/** `e^x - 1`, accurate near 0.
 * @example
 * ```ts
 * import { expm1, tensor } from '@fackel/tensor';
 * expm1(tensor([0])); // [0]
 * ```
 */
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
/** Logical not of truthiness, as bool.
 * @example
 * ```ts
 * import { logicalNot, tensor } from '@fackel/tensor';
 * logicalNot(tensor([0, 2])); // [true, false]
 * ```
 */
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);
/** True where x is NaN.
 * @example
 * ```ts
 * import { isnan, tensor } from '@fackel/tensor';
 * isnan(tensor([NaN, 1])); // [true, false]
 * ```
 */
export const isnan = (x: Tensor): Tensor => unary('isnan', x);

/** Arctangent (radians).
 * @example
 * ```ts
 * import { atan, tensor } from '@fackel/tensor';
 * atan(tensor([0, 1])); // [0, 0.7853982]
 * ```
 */
export const atan = (x: Tensor): Tensor => unary('atan', x);
/** Arcsine (radians); NaN outside [-1, 1].
 * @example
 * ```ts
 * import { asin, tensor } from '@fackel/tensor';
 * asin(tensor([0, 1])); // [0, 1.5707964]
 * ```
 */
export const asin = (x: Tensor): Tensor => unary('asin', x);
/** Arccosine (radians); NaN outside [-1, 1].
 * @example
 * ```ts
 * import { acos, tensor } from '@fackel/tensor';
 * acos(tensor([1, 0])); // [0, 1.5707964]
 * ```
 */
export const acos = (x: Tensor): Tensor => unary('acos', x);
/** Hyperbolic sine.
 * @example
 * ```ts
 * import { sinh, tensor } from '@fackel/tensor';
 * sinh(tensor([0, 1])); // [0, 1.1752012]
 * ```
 */
export const sinh = (x: Tensor): Tensor => unary('sinh', x);
/** Hyperbolic cosine.
 * @example
 * ```ts
 * import { cosh, tensor } from '@fackel/tensor';
 * cosh(tensor([0, 1])); // [1, 1.5430807]
 * ```
 */
export const cosh = (x: Tensor): Tensor => unary('cosh', x);
/** Base-2 logarithm.
 * @example
 * ```ts
 * import { log2, tensor } from '@fackel/tensor';
 * log2(tensor([1, 8])); // [0, 3]
 * ```
 */
export const log2 = (x: Tensor): Tensor => unary('log2', x);
/** `2 ** x`.
 * @example
 * ```ts
 * import { exp2, tensor } from '@fackel/tensor';
 * exp2(tensor([0, 3])); // [1, 8]
 * ```
 */
export const exp2 = (x: Tensor): Tensor => unary('exp2', x);
/** The SiLU (swish) activation `x * sigmoid(x)`.
 * @example
 * ```ts
 * import { silu, tensor } from '@fackel/tensor';
 * silu(tensor([0, 1])); // [0, 0.7310586]
 * ```
 */
export const silu = (x: Tensor): Tensor => unary('silu', x);

/** Options of {@link softplus}, PyTorch's `beta` and `threshold`.
 * @example
 * ```ts
 * import type { SoftplusOptions } from '@fackel/tensor';
 * const o: SoftplusOptions = { beta: 2, threshold: 10 };
 * ```
 */
export interface SoftplusOptions {
  /** Sharpness: `log(1 + exp(beta * x)) / beta` (default 1). */
  beta?: number;
  /** Above `beta * x > threshold` the result is `x` itself (default 20). */
  threshold?: number;
}

/**
 * Softplus `log(1 + exp(beta * x)) / beta`, and `x` where `beta * x > threshold` (PyTorch's
 * `F.softplus`, defaults `beta = 1`, `threshold = 20`). The defaults run as one kernel; other
 * values compose it with `mul`, `where` and `div`, so for float64 inputs with
 * `20 < beta * x <= threshold` the result is `x` rather than `x + log1p(exp(-beta * x)) / beta`
 * (a difference below 2.1e-9).
 *
 * @example
 * ```ts
 * import { softplus, tensor } from '@fackel/tensor';
 * softplus(tensor([0, 30])); // [0.6931472, 30]
 * softplus(tensor([1]), { beta: 2 }); // [1.0634364]
 * ```
 */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  const beta = options.beta ?? 1;
  const threshold = options.threshold ?? 20;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta === 0) {
    throw new FackelError(`softplus: beta must be a finite nonzero number, got ${String(beta)}`);
  }
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new FackelError(`softplus: threshold must be a number, got ${String(threshold)}`);
  if (beta === 1 && threshold === 20) return unary('softplus', x);
  const z = beta === 1 ? x : binary('mul', x, beta);
  const soft = beta === 1 ? unary('softplus', z) : binary('div', unary('softplus', z), beta);
  return where(binary('gt', z, threshold), x, soft);
}

/** Options of {@link gelu}.
 * @example
 * ```ts
 * import type { GeluOptions } from '@fackel/tensor';
 * const o: GeluOptions = { approximate: 'tanh' };
 * ```
 */
export interface GeluOptions {
  /** `'none'` (default): `x Φ(x)` with the error function; `'tanh'`: PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/**
 * The GELU activation, `x Φ(x)` with Φ the standard normal CDF (`0.5 x (1 + erf(x / √2))`),
 * or with `approximate: 'tanh'`, `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`, as PyTorch's
 * `F.gelu`.
 *
 * @example
 * ```ts
 * import { gelu, tensor } from '@fackel/tensor';
 * gelu(tensor([1])); // [0.8413447]
 * gelu(tensor([1]), { approximate: 'tanh' }); // [0.8411920]
 * ```
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate === 'none') return unary('gelu', x);
  if (approximate === 'tanh') return unary('geluTanh', x);
  throw new FackelError(`gelu: approximate must be 'none' or 'tanh', got ${String(approximate)}`);
}

/**
 * Clamps every element into `[min, max]`; either bound may be omitted. NaN stays NaN.
 * The gradient passes where `min <= x <= max`.
 *
 * @example
 * ```ts
 * import { clamp, tensor } from '@fackel/tensor';
 * clamp(tensor([-2, 0.5, 3]), -1, 1); // [-1, 0.5, 1]
 * ```
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? null;
  const hi = max ?? null;
  if (lo === null && hi === null) throw new FackelError('clamp: at least one of min or max must be given');
  const device = deviceOf('clamp', x);
  let dtype = x.dtype;
  for (const v of [lo, hi]) if (v !== null && !Number.isInteger(v) && !isFloatingPoint(dtype)) dtype = 'float32';
  const b = device.backend;
  let buf: unknown;
  if (lo !== null && hi !== null) {
    const tmp = b.binary('maximum', x._view('clamp'), scalarIn(lo, dtype), x.shape, dtype);
    const tv: View = { buffer: tmp, dtype, shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 };
    buf = b.binary('minimum', tv, scalarIn(hi, dtype), x.shape, dtype);
    b.release(tmp, dtype, x.numel());
  } else {
    buf = b.binary(lo !== null ? 'maximum' : 'minimum', x._view('clamp'), scalarIn((lo ?? hi)!, dtype), x.shape, dtype);
  }
  return record('clamp', [x], wrap(device, buf, dtype, x.shape), { min: lo, max: hi });
}

/**
 * Picks elements from `a` where `condition` is true and from `b` elsewhere, broadcasting
 * all three. `a` and `b` may be numbers.
 *
 * @example
 * ```ts
 * import { where, tensor } from '@fackel/tensor';
 * const x = tensor([-1, 2, -3]);
 * where(x.gt(0), x, 0); // [0, 2, 0]
 * ```
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!isTensor(condition)) throw new FackelError('where: condition must be a bool tensor');
  if (condition.dtype !== 'bool') throw new DTypeError(`where: condition must be a bool tensor, got ${condition.dtype}`);
  const device = deviceOf('where', condition, a, b);
  let shape: readonly number[] = condition.shape;
  if (isTensor(a)) shape = broadcastShapes(shape, a.shape, 'where');
  if (isTensor(b)) shape = broadcastShapes(shape, b.shape, 'where');
  const dtype = promoteOperands(a, b);
  const av = isTensor(a) ? broadcastView(a, shape, 'where') : scalarIn(a, dtype);
  const bv = isTensor(b) ? broadcastView(b, shape, 'where') : scalarIn(b, dtype);
  const buf = device.backend.where(broadcastView(condition, shape, 'where'), av, bv, shape, dtype);
  return record('where', [condition, a, b], wrap(device, buf, dtype, shape));
}

/**
 * Returns a copy of `x` with `value` where `mask` (bool, broadcastable to x) is true.
 *
 * @example
 * ```ts
 * import { maskedFill, tensor } from '@fackel/tensor';
 * const x = tensor([1, 2, 3]);
 * maskedFill(x, x.gt(1), 0); // [1, 0, 0]
 * ```
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (!isTensor(mask) || mask.dtype !== 'bool') {
    throw new DTypeError(`maskedFill: mask must be a bool tensor, got ${isTensor(mask) ? mask.dtype : typeof mask}`);
  }
  if (typeof value !== 'number') throw new FackelError(`maskedFill: value must be a number, got ${typeof value}`);
  const device = deviceOf('maskedFill', x, mask);
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
  if (shape.length !== x.shape.length || shape.some((d, i) => d !== x.shape[i])) {
    throw new ShapeError(`maskedFill: mask of shape ${fmtShape(mask.shape)} cannot be broadcast to the input's shape ${fmtShape(x.shape)}`);
  }
  const buf = device.backend.where(broadcastView(mask, shape, 'maskedFill'), scalarIn(value, x.dtype), x._view('maskedFill'), shape, x.dtype);
  return record('maskedFill', [x, mask], wrap(device, buf, x.dtype, shape), { value });
}
