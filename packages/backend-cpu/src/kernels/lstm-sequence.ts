// An LSTM layer's recurrence over a whole sequence in one call (the backend's
// `fused.lstmSequence` and `fused.lstmSequenceBackward`): the time loop runs here over typed
// arrays, with the matmul kernel for `h @ W_hhᵀ` (the weight's packed panels cached across the
// steps) and the cell kernels of `../fused.ts`, writing each step straight into its slot of
// the outputs. No tensor, no allocation per step.
import type { View } from '@fackel/tensor';
import { getLstmCellKernel, lstmCellBackwardKernel, lstmCellKernel } from '../fused.js';
import { wasmLstmForwardAdd } from '../wasm/lstm.js';
import { matmulInto } from './matmul.js';

type Floats = Float32Array | Float64Array;

/** A contiguous `[rows, cols]` block of `buffer` at `offset` as a one-entry matmul operand. */
function rowsView(buffer: Floats, offset: number, rows: number, cols: number): View<Floats> {
  return { buffer, dtype: buffer instanceof Float32Array ? 'float32' : 'float64', shape: [1, rows, cols], strides: [0, cols, 1], offset };
}

/** `w` `[r, c]` as the matmul operand `[1, r, c]`, or transposed as `[1, c, r]` (no copy). */
function weightView(w: View<Floats>, transposed: boolean): View<Floats> {
  const [r, c] = w.shape as [number, number];
  const [s0, s1] = w.strides as [number, number];
  return transposed ? { ...w, shape: [1, c, r], strides: [0, s1, s0] } : { ...w, shape: [1, r, c], strides: [0, s0, s1] };
}

/** Copies column block `[col, col + width)` of the rows of `src` (row length `ld`) into contiguous `dst`. */
function copyColumns(src: Floats, srcOff: number, ld: number, col: number, rows: number, width: number, dst: Floats, dstOff: number): void {
  for (let r = 0; r < rows; r++) {
    const s = srcOff + r * ld + col;
    dst.set(src.subarray(s, s + width), dstOff + r * width);
  }
}

/**
 * The forward recurrence (see `FusedKernels.lstmSequence`): `gx` `[T, N, 4H]`, `h0`/`c0`
 * `[N, H]` or null, `w` the `[4H, H]` weight view, `bias` `[4H]` or null. Writes `packed` `[T+1, N, H]` and, when given,
 * `hcs` `[T, N, 2H]` and `act` `[T, N, 4H]`.
 */
export function lstmSequenceKernel(
  gx: Floats,
  h0: Floats | null,
  c0: Floats | null,
  w: View<Floats>,
  bias: Floats | null,
  T: number,
  N: number,
  H: number,
  reverse: boolean,
  packed: Floats,
  hcs: Floats | null,
  act: Floats | null,
): void {
  const F = gx instanceof Float32Array ? Float32Array : Float64Array;
  const NH = N * H,
    NG = 4 * NH,
    G = 4 * H;
  const wT = weightView(w, true);
  const simd = gx instanceof Float32Array && getLstmCellKernel() === 'wasm';
  const rec = new F(NG);
  const gates = new F(NG);
  const hcStep = hcs === null ? new F(2 * NH) : null;
  const actStep = act === null ? new F(NG) : null;
  const c = new F(NH);
  if (c0 !== null) c.set(c0.subarray(0, NH));
  let hPrev: View<Floats> | null = h0 === null ? null : rowsView(h0, 0, N, H);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const x = gx.subarray(t * NG, (t + 1) * NG);
    if (hPrev !== null) matmulInto(hPrev, wT, rec, true);
    const hc = hcs === null ? hcStep! : hcs.subarray(t * 2 * NH, (t + 1) * 2 * NH);
    const a = act === null ? actStep! : act.subarray(t * NG, (t + 1) * NG);
    // float32: the sums inside the SIMD cell kernel; else here, then the cell
    const simdDone =
      simd &&
      wasmLstmForwardAdd(
        x as Float32Array,
        hPrev === null ? null : (rec as Float32Array),
        bias as Float32Array | null,
        c as Float32Array,
        N,
        H,
        hc as Float32Array,
        a as Float32Array,
      );
    if (!simdDone) {
      let g = x;
      if (bias !== null) {
        for (let r = 0, i = 0; r < N; r++) {
          if (hPrev !== null) for (let j = 0; j < G; j++, i++) gates[i] = x[i] + rec[i] + bias[j];
          else for (let j = 0; j < G; j++, i++) gates[i] = x[i] + bias[j];
        }
        g = gates;
      } else if (hPrev !== null) {
        for (let i = 0; i < NG; i++) gates[i] = x[i] + rec[i];
        g = gates;
      }
      lstmCellKernel(g, c, N, H, hc, a);
    }
    copyColumns(hc, 0, 2 * H, 0, N, H, packed, t * NH);
    copyColumns(hc, 0, 2 * H, H, N, H, c, 0);
    hPrev = rowsView(packed, t * NH, N, H);
  }
  packed.set(c, T * NH);
}

/**
 * The backward recurrence (see `FusedKernels.lstmSequenceBackward`): from `grad` `[T+1, N, H]`,
 * `act`, `hcs`, `c0` (or null) and the weight view `w`, writes `dG` `[T, N, 4H]`, `dh0` (when
 * given) and `dc0` `[N, H]`.
 */
export function lstmSequenceBackwardKernel(
  grad: Floats,
  act: Floats,
  hcs: Floats,
  c0: Floats | null,
  w: View<Floats>,
  T: number,
  N: number,
  H: number,
  reverse: boolean,
  dG: Floats,
  dh0: Floats | null,
  dc0: Floats,
): void {
  const F = grad instanceof Float32Array ? Float32Array : Float64Array;
  const NH = N * H,
    NG = 4 * NH;
  const wv = weightView(w, false);
  const dHc = new F(2 * NH);
  const dh = new F(NH);
  let dc = new F(NH);
  let dcNext = new F(NH);
  const cPrev = new F(NH);
  dc.set(grad.subarray(T * NH, (T + 1) * NH));
  let haveDh = false;
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    // dHc = [grad of h_t (from the output and from the next step), grad of c_t]
    for (let r = 0, o = t * NH; r < N; r++) {
      const d = 2 * r * H,
        q = r * H;
      for (let j = 0; j < H; j++) {
        dHc[d + j] = haveDh ? grad[o + q + j] + dh[q + j] : grad[o + q + j];
        dHc[d + H + j] = dc[q + j];
      }
    }
    if (s > 0) copyColumns(hcs, (reverse ? t + 1 : t - 1) * 2 * NH, 2 * H, H, N, H, cPrev, 0);
    else if (c0 !== null) cPrev.set(c0.subarray(0, NH));
    else cPrev.fill(0);
    const dGt = dG.subarray(t * NG, (t + 1) * NG);
    lstmCellBackwardKernel(dHc, act.subarray(t * NG, (t + 1) * NG), cPrev, hcs.subarray(t * 2 * NH, (t + 1) * 2 * NH), N, H, dGt, dcNext);
    [dc, dcNext] = [dcNext, dc];
    if (s > 0 || dh0 !== null) {
      matmulInto(rowsView(dG, t * NG, N, 4 * H), wv, dh, true);
      haveDh = true;
    }
  }
  dc0.set(dc);
  if (dh0 !== null) {
    if (haveDh) dh0.set(dh);
    else dh0.fill(0);
  }
}
