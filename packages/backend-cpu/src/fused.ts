// Fused kernels that the tensor package can use when a backend offers them.
import { FackelError } from '@fackel/tensor';
import { wasmAdamStep } from './wasm/adam.js';
import { wasmLstmAvailable, wasmLstmBackward, wasmLstmForward } from './wasm/lstm.js';
import { wasmSoftmaxCrossEntropy } from './wasm/softmax-ce.js';

/** Which LSTM cell kernels run on float32 data: `'wasm'` (SIMD, where available) or `'js'`. */
export type LstmCellKernel = 'wasm' | 'js';

let lstmKernel: LstmCellKernel = 'wasm';

/**
 * @internal Chooses the float32 LSTM cell kernels (for tests and benchmarks): `'wasm'` (the
 * default) runs `./wasm/lstm.ts` where WebAssembly SIMD and the shared memory exist and falls
 * back to JavaScript elsewhere; `'js'` always runs the JavaScript kernels below. float64 always
 * runs the JavaScript kernels (exact `Math.exp`/`Math.tanh`, for gradient checks).
 */
export function setLstmCellKernel(kind: LstmCellKernel): void {
  if (kind !== 'wasm' && kind !== 'js') throw new FackelError(`setLstmCellKernel: expected 'wasm' or 'js', got ${String(kind)}`);
  lstmKernel = kind;
}

/** @internal The float32 LSTM cell kernels that run now: `'wasm'` only if chosen and available. */
export function getLstmCellKernel(): LstmCellKernel {
  return lstmKernel === 'wasm' && wasmLstmAvailable() ? 'wasm' : 'js';
}

/**
 * LSTM cell pointwise update. float32 data goes to the WebAssembly SIMD kernel
 * (`./wasm/lstm.ts`, errors of its vectorised sigmoid/tanh stated in `./wasm/math.ts`) where
 * it is available and chosen ({@link setLstmCellKernel}); otherwise, and for float64, this
 * JavaScript loop with `Math.exp`/`Math.tanh` runs. `gates` is `[n, 4h]` (i, f, g, o pre-activations), `c` is
 * `[n, h]`; writes `hc = [o * tanh(c'), c']` with `c' = f * c + i * g` (`[n, 2h]`) and the
 * activations `act = [sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)]` for the backward pass.
 */
export function lstmCellKernel(
  gates: ArrayLike<number>,
  c: ArrayLike<number>,
  n: number,
  h: number,
  hc: Float32Array | Float64Array,
  act: Float32Array | Float64Array,
): void {
  if (lstmKernel === 'wasm' && gates instanceof Float32Array && c instanceof Float32Array && hc instanceof Float32Array && act instanceof Float32Array) {
    if (wasmLstmForward(gates, c, n, h, hc, act)) return;
  }
  for (let r = 0; r < n; r++) {
    const g0 = r * 4 * h;
    const c0 = r * h;
    const o0 = r * 2 * h;
    for (let j = 0; j < h; j++) {
      const i = 1 / (1 + Math.exp(-gates[g0 + j]));
      const f = 1 / (1 + Math.exp(-gates[g0 + h + j]));
      const g = Math.tanh(gates[g0 + 2 * h + j]);
      const o = 1 / (1 + Math.exp(-gates[g0 + 3 * h + j]));
      const cn = f * c[c0 + j] + i * g;
      hc[o0 + h + j] = cn;
      hc[o0 + j] = o * Math.tanh(cn);
      act[g0 + j] = i;
      act[g0 + h + j] = f;
      act[g0 + 2 * h + j] = g;
      act[g0 + 3 * h + j] = o;
    }
  }
}

/** Backward of {@link lstmCellKernel}: `dGates [n, 4h]` and `dC [n, h]` from `dHc [n, 2h]`. */
export function lstmCellBackwardKernel(
  dHc: ArrayLike<number>,
  act: ArrayLike<number>,
  c: ArrayLike<number>,
  hc: ArrayLike<number>,
  n: number,
  h: number,
  dGates: Float32Array | Float64Array,
  dC: Float32Array | Float64Array,
): void {
  if (
    lstmKernel === 'wasm' &&
    dHc instanceof Float32Array &&
    act instanceof Float32Array &&
    c instanceof Float32Array &&
    hc instanceof Float32Array &&
    dGates instanceof Float32Array &&
    dC instanceof Float32Array
  ) {
    if (wasmLstmBackward(dHc, act, c, hc, n, h, dGates, dC)) return;
  }
  for (let r = 0; r < n; r++) {
    const g0 = r * 4 * h;
    const c0 = r * h;
    const o0 = r * 2 * h;
    for (let j = 0; j < h; j++) {
      const i = act[g0 + j];
      const f = act[g0 + h + j];
      const g = act[g0 + 2 * h + j];
      const o = act[g0 + 3 * h + j];
      const tc = Math.tanh(hc[o0 + h + j]);
      const gh = dHc[o0 + j];
      const dc = dHc[o0 + h + j] + gh * o * (1 - tc * tc);
      dGates[g0 + j] = dc * g * i * (1 - i);
      dGates[g0 + h + j] = dc * c[c0 + j] * f * (1 - f);
      dGates[g0 + 2 * h + j] = dc * i * (1 - g * g);
      dGates[g0 + 3 * h + j] = gh * tc * o * (1 - o);
      dC[c0 + j] = dc * f;
    }
  }
}

/**
 * Softmax with cross-entropy over the rows of contiguous `logits [n, c]`: `probs` gets each
 * row's softmax (the row maximum subtracted first), `loss[r]` gets
 * `logsumexp(row) − row[target[r]]`, or 0 where `target[r] === ignoreIndex`. Throws on a target
 * outside `[0, c)` that is not `ignoreIndex`. float32 goes to the WebAssembly SIMD kernel
 * (`./wasm/softmax-ce.ts`: float32 arithmetic with the vectorised `exp`, the loss from its row
 * maximum and sum in double precision) where available; otherwise, and for float64, this loop
 * runs in double precision with `Math.exp`.
 */
export function softmaxCrossEntropyKernel(
  logits: ArrayLike<number>,
  target: ArrayLike<number>,
  n: number,
  c: number,
  ignoreIndex: number,
  loss: Float32Array | Float64Array,
  probs: Float32Array | Float64Array,
): void {
  const badTarget = (t: number, r: number): FackelError =>
    new FackelError(`softmaxCrossEntropy: target ${t} (row ${r}) is out of bounds for ${c} classes (valid: 0 to ${c - 1}, or ignoreIndex ${ignoreIndex})`);
  if (logits instanceof Float32Array && probs instanceof Float32Array && n * c >= 64) {
    const stats = new Float32Array(2 * n);
    if (wasmSoftmaxCrossEntropy(logits, n, c, probs, stats)) {
      for (let r = 0; r < n; r++) {
        const t = target[r];
        if (t === ignoreIndex) {
          loss[r] = 0;
          continue;
        }
        if (t < 0 || t >= c) throw badTarget(t, r);
        loss[r] = stats[2 * r] - logits[r * c + t] + Math.log(stats[2 * r + 1]);
      }
      return;
    }
  }
  const e = new Float64Array(c);
  for (let r = 0; r < n; r++) {
    const t = target[r];
    const ignored = t === ignoreIndex;
    if (!ignored && (t < 0 || t >= c)) throw badTarget(t, r);
    const base = r * c;
    let m = -Infinity;
    for (let j = 0; j < c; j++) {
      const v = logits[base + j];
      if (v > m || Number.isNaN(v)) m = v;
    }
    let s = 0;
    for (let j = 0; j < c; j++) {
      const x = Math.exp(logits[base + j] - m);
      e[j] = x;
      s += x;
    }
    const inv = 1 / s;
    for (let j = 0; j < c; j++) probs[base + j] = e[j] * inv;
    loss[r] = ignored ? 0 : m - logits[base + t] + Math.log(s);
  }
}

/**
 * Backward of {@link softmaxCrossEntropyKernel}: `dLogits[r, j] = (probs[r, j] − [j = target[r]])
 * · gradLoss[r]`, 0 on rows whose target is `ignoreIndex`.
 */
export function softmaxCrossEntropyBackwardKernel(
  gradLoss: ArrayLike<number>,
  probs: ArrayLike<number>,
  target: ArrayLike<number>,
  n: number,
  c: number,
  ignoreIndex: number,
  dLogits: Float32Array | Float64Array,
): void {
  for (let r = 0; r < n; r++) {
    const t = target[r];
    const base = r * c;
    if (t === ignoreIndex) {
      dLogits.fill(0, base, base + c);
      continue;
    }
    const g = gradLoss[r];
    for (let j = 0; j < c; j++) dLogits[base + j] = probs[base + j] * g;
    if (t >= 0 && t < c) dLogits[base + t] = (probs[base + t] - 1) * g;
  }
}

/**
 * One Adam/AdamW step in place (PyTorch's formulation, with bias correction). float32 operands
 * without `amsgrad` go to the WebAssembly SIMD kernel (`./wasm/adam.ts`, float32 arithmetic in
 * PyTorch's order) where it is available; otherwise this loop runs (double-precision
 * arithmetic, rounded when stored).
 */
export function adamStepKernel(
  param: { [i: number]: number },
  grad: ArrayLike<number>,
  m: { [i: number]: number },
  v: { [i: number]: number },
  vMax: { [i: number]: number } | null,
  n: number,
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; step: number },
): void {
  if (vMax === null && param instanceof Float32Array && grad instanceof Float32Array && m instanceof Float32Array && v instanceof Float32Array) {
    if (wasmAdamStep(param, grad, m, v, n, o)) return;
  }
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  const stepSize = o.lr / bc1;
  const sqrtBc2 = Math.sqrt(bc2);
  for (let i = 0; i < n; i++) {
    let g = grad[i];
    let p = param[i];
    if (o.weightDecay !== 0) {
      if (o.decoupled) p *= 1 - o.lr * o.weightDecay;
      else g += o.weightDecay * p;
    }
    const mi = o.beta1 * m[i] + (1 - o.beta1) * g;
    const vi = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    let denomV = vi;
    if (vMax !== null) {
      denomV = Math.max(vMax[i], vi);
      vMax[i] = denomV;
    }
    param[i] = p - (stepSize * mi) / (Math.sqrt(denomV) / sqrtBc2 + o.eps);
  }
}
