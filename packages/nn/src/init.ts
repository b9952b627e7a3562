/**
 * Parameter initialisation, like `torch.nn.init`: every function fills a tensor in place
 * (without recording for autograd) and returns it. Random ones draw from the given
 * `generator`, or from `@fackel/tensor`'s `defaultGenerator` (seeded by `manualSeed`).
 *
 * @example
 * ```ts
 * import { zeros, Generator } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * const w = zeros([128, 64]);
 * init.kaimingUniform_(w, { nonlinearity: 'relu', generator: new Generator(0) });
 * ```
 * @module
 */
import { FackelError, type Generator, Tensor, defaultGenerator, fmtShape, isFloatingPoint, noGrad, rand, randn, tensor, tidy } from '@fackel/tensor';

/** Options with an optional random generator.
 * @example
 * ```ts
 * import { Generator } from '@fackel/tensor';
 * import type { GeneratorOption } from '@fackel/nn';
 * const o: GeneratorOption = { generator: new Generator(1) };
 * ```
 */
export interface GeneratorOption {
  /** Generator to draw from; `defaultGenerator` when omitted. */
  generator?: Generator;
}

/** Nonlinearities known to {@link calculateGain}.
 * @example
 * ```ts
 * import type { Nonlinearity } from '@fackel/nn';
 * const n: Nonlinearity = 'tanh';
 * ```
 */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

function checkTarget(t: Tensor, op: string): void {
  if (!(t instanceof Tensor)) throw new FackelError(`init.${op}: expected a Tensor to fill, got ${t === null ? 'null' : typeof t}`);
  if (!isFloatingPoint(t.dtype)) throw new FackelError(`init.${op}: expected a floating-point tensor, got ${t.dtype}`);
}

/** Writes `src` into `t` without recording, disposes `src`. */
function fill(t: Tensor, make: () => Tensor): Tensor {
  noGrad(() =>
    tidy(() => {
      t.copy_(make());
    }),
  );
  return t;
}

/**
 * The recommended gain for a nonlinearity (PyTorch's table): 1 for linear, conv and
 * sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (slope `param`,
 * default 0.01), 3/4 for selu.
 *
 * @example
 * ```ts
 * import { init } from '@fackel/nn';
 * init.calculateGain('tanh'); // 1.6666…
 * init.calculateGain('leaky_relu', 0.2); // 1.3867…
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new FackelError(`calculateGain: negative slope ${String(param)} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new FackelError(
        `calculateGain: unsupported nonlinearity '${String(nonlinearity)}' (expected linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu or selu)`,
      );
  }
}

/** The fan-in and fan-out of a weight, from {@link calculateFanInAndFanOut}.
 * @example
 * ```ts
 * import type { Fans } from '@fackel/nn';
 * const f: Fans = { fanIn: 8, fanOut: 6 };
 * ```
 */
export interface Fans {
  /** Input features × receptive field. */
  fanIn: number;
  /** Output features × receptive field. */
  fanOut: number;
}

/**
 * `fanIn` (input features × receptive field) and `fanOut` (output features × receptive
 * field) of a weight shaped like PyTorch's: `[out, in, ...kernel]`.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * init.calculateFanInAndFanOut(zeros([6, 8])); // { fanIn: 8, fanOut: 6 }
 * ```
 */
export function calculateFanInAndFanOut(t: Tensor): Fans {
  return fans(t, 'calculateFanInAndFanOut');
}

function fans(t: Tensor, op: string): Fans {
  if (t.ndim < 2) {
    throw new FackelError(`init.${op}: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (got shape ${fmtShape(t.shape)})`);
  }
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i];
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

/**
 * Fills with samples from U(a, b).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * init.uniform_(zeros([3, 3]), -0.1, 0.1);
 * ```
 */
export function uniform_(t: Tensor, a = 0, b = 1, options: GeneratorOption = {}): Tensor {
  checkTarget(t, 'uniform_');
  if (!(a <= b)) throw new FackelError(`init.uniform_: expected a <= b, got a=${a}, b=${b}`);
  return fill(t, () =>
    rand(t.shape, { generator: options.generator ?? defaultGenerator, device: t.device, dtype: t.dtype })
      .mul(b - a)
      .add(a),
  );
}

/**
 * Fills with samples from N(mean, std²).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * init.normal_(zeros([3, 3]), 0, 0.02);
 * ```
 */
export function normal_(t: Tensor, mean = 0, std = 1, options: GeneratorOption = {}): Tensor {
  checkTarget(t, 'normal_');
  if (!(std >= 0)) throw new FackelError(`init.normal_: std must be non-negative, got ${std}`);
  return fill(t, () =>
    randn(t.shape, { generator: options.generator ?? defaultGenerator, device: t.device, dtype: t.dtype })
      .mul(std)
      .add(mean),
  );
}

/**
 * Fills with a constant.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * init.constant_(zeros([4]), 0.5);
 * ```
 */
export function constant_(t: Tensor, value: number): Tensor {
  checkTarget(t, 'constant_');
  noGrad(() => t.fill_(value));
  return t;
}

/**
 * Fills with zeros.
 *
 * @example
 * ```ts
 * import { ones } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * init.zeros_(ones([4]));
 * ```
 */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/**
 * Fills with ones.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * init.ones_(zeros([4]));
 * ```
 */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * Glorot/Xavier uniform: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * init.xavierUniform_(zeros([64, 32]), init.calculateGain('tanh'));
 * ```
 */
export function xavierUniform_(t: Tensor, gain = 1, options: GeneratorOption = {}): Tensor {
  checkTarget(t, 'xavierUniform_');
  const { fanIn, fanOut } = fans(t, 'xavierUniform_');
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, options);
}

/**
 * Glorot/Xavier normal: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * init.xavierNormal_(zeros([64, 32]));
 * ```
 */
export function xavierNormal_(t: Tensor, gain = 1, options: GeneratorOption = {}): Tensor {
  checkTarget(t, 'xavierNormal_');
  const { fanIn, fanOut } = fans(t, 'xavierNormal_');
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

/** Options of the Kaiming (He) initialisers.
 * @example
 * ```ts
 * import type { KaimingOptions } from '@fackel/nn';
 * const o: KaimingOptions = { a: Math.sqrt(5), mode: 'fan_in', nonlinearity: 'leaky_relu' };
 * ```
 */
export interface KaimingOptions extends GeneratorOption {
  /** Negative slope of the rectifier after this layer (leaky_relu only); default 0. */
  a?: number;
  /** `'fan_in'` (default) keeps the forward variance, `'fan_out'` the backward one. */
  mode?: 'fan_in' | 'fan_out';
  /** Default `'leaky_relu'` (with `a = 0`, the same as relu). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, options: KaimingOptions, op: string): number {
  const mode = options.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new FackelError(`init.${op}: mode must be 'fan_in' or 'fan_out', got '${String(mode)}'`);
  const { fanIn, fanOut } = fans(t, op);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return gain / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U(−b, b) with b = gain·√(3 / fan). `Linear`'s default weight init is
 * this with `a = √5`, i.e. U(−1/√fanIn, 1/√fanIn).
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * init.kaimingUniform_(zeros([128, 64]), { nonlinearity: 'relu' });
 * ```
 */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkTarget(t, 'kaimingUniform_');
  const bound = Math.sqrt(3) * kaimingStd(t, options, 'kaimingUniform_');
  return uniform_(t, -bound, bound, options);
}

/**
 * He/Kaiming normal: N(0, std²) with std = gain / √fan.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * init.kaimingNormal_(zeros([128, 64]), { mode: 'fan_out', nonlinearity: 'relu' });
 * ```
 */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkTarget(t, 'kaimingNormal_');
  return normal_(t, 0, kaimingStd(t, options, 'kaimingNormal_'), options);
}

/**
 * A (semi-)orthogonal matrix scaled by `gain` (Saxe et al. 2013), as PyTorch computes it:
 * the Q of a QR decomposition of a normal matrix, with signs fixed by R's diagonal. A tensor
 * with more than 2 dims is treated as `[shape[0], rest]`. Computed on the host in float64.
 *
 * @example
 * ```ts
 * import { zeros } from '@fackel/tensor';
 * import { init } from '@fackel/nn';
 * const w = init.orthogonal_(zeros([4, 4])); // w.t() @ w ≈ I
 * ```
 */
export function orthogonal_(t: Tensor, gain = 1, options: GeneratorOption = {}): Tensor {
  checkTarget(t, 'orthogonal_');
  if (t.ndim < 2) throw new FackelError(`init.orthogonal_: only tensors with 2 or more dimensions are supported (got shape ${fmtShape(t.shape)})`);
  const rows = t.shape[0];
  const cols = t.numel() / Math.max(rows, 1);
  if (t.numel() === 0) return t;
  const g = options.generator ?? defaultGenerator;
  // Draw a rows × cols normal matrix (row-major), work on its transpose when rows < cols.
  const flat = new Float64Array(rows * cols);
  for (let i = 0; i < flat.length; i++) flat[i] = g.normal();
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  // A is m × n column-major: A[i + j*m]
  const A = new Float64Array(m * n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = flat[r * cols + c];
      if (rows >= cols) A[r + c * m] = v;
      else A[c + r * m] = v;
    }
  }
  const Q = thinQ(A, m, n);
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? Q[r + c * m] : Q[c + r * m]);
  }
  return fill(t, () => tensor(out, { dtype: t.dtype, device: t.device }).reshape(t.shape));
}

/**
 * Householder QR of the column-major m×n matrix A (m ≥ n); returns the thin Q (m×n,
 * column-major) with each column's sign chosen so that R's diagonal is non-negative.
 */
function thinQ(A: Float64Array, m: number, n: number): Float64Array {
  const R = Float64Array.from(A);
  const vs: Float64Array[] = [];
  const signs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += R[i + k * m] ** 2;
    norm = Math.sqrt(norm);
    const x0 = R[k + k * m];
    const alpha = x0 >= 0 ? -norm : norm; // R[k,k] becomes alpha
    const v = new Float64Array(m);
    for (let i = k; i < m; i++) v[i] = R[i + k * m];
    v[k] = x0 - alpha;
    let vnorm = 0;
    for (let i = k; i < m; i++) vnorm += v[i] ** 2;
    if (vnorm > 0) {
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i] * R[i + j * m];
        const f = (2 * dot) / vnorm;
        for (let i = k; i < m; i++) R[i + j * m] = R[i + j * m] - f * v[i];
      }
    }
    vs.push(v);
    signs[k] = R[k + k * m] < 0 ? -1 : 1;
  }
  // Q = H_0 H_1 … H_{n-1} applied to the first n columns of the identity.
  const Q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) Q[j + j * m] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    let vnorm = 0;
    for (let i = k; i < m; i++) vnorm += v[i] ** 2;
    if (vnorm === 0) continue;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i] * Q[i + j * m];
      const f = (2 * dot) / vnorm;
      for (let i = k; i < m; i++) Q[i + j * m] = Q[i + j * m] - f * v[i];
    }
  }
  // Make diag(R) non-negative: scale column j of Q by sign(R[j,j]).
  for (let j = 0; j < n; j++) if (signs[j] === -1) for (let i = 0; i < m; i++) Q[i + j * m] = -Q[i + j * m];
  return Q;
}
