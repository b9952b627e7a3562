// Fused kernels that the tensor package can use when a backend offers them.

/**
 * LSTM cell pointwise update. `gates` is `[n, 4h]` (i, f, g, o pre-activations), `c` is
 * `[n, h]`; writes `h = o * tanh(c')`, `c' = f * c + i * g` and the activations
 * `act = [sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)]` for the backward pass.
 */
export function lstmCellKernel(
  gates: ArrayLike<number>,
  c: ArrayLike<number>,
  n: number,
  h: number,
  hOut: { [i: number]: number },
  cOut: { [i: number]: number },
  act: { [i: number]: number },
): void {
  for (let r = 0; r < n; r++) {
    const g0 = r * 4 * h;
    const c0 = r * h;
    for (let j = 0; j < h; j++) {
      const i = 1 / (1 + Math.exp(-gates[g0 + j]!));
      const f = 1 / (1 + Math.exp(-gates[g0 + h + j]!));
      const g = Math.tanh(gates[g0 + 2 * h + j]!);
      const o = 1 / (1 + Math.exp(-gates[g0 + 3 * h + j]!));
      const cn = f * c[c0 + j]! + i * g;
      cOut[c0 + j] = cn;
      hOut[c0 + j] = o * Math.tanh(cn);
      act[g0 + j] = i;
      act[g0 + h + j] = f;
      act[g0 + 2 * h + j] = g;
      act[g0 + 3 * h + j] = o;
    }
  }
}

/** One Adam/AdamW step in place (PyTorch's formulation, with bias correction). */
export function adamStepKernel(
  param: { [i: number]: number },
  grad: ArrayLike<number>,
  m: { [i: number]: number },
  v: { [i: number]: number },
  vMax: { [i: number]: number } | null,
  n: number,
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; step: number },
): void {
  const bc1 = 1 - Math.pow(o.beta1, o.step);
  const bc2 = 1 - Math.pow(o.beta2, o.step);
  const stepSize = o.lr / bc1;
  const sqrtBc2 = Math.sqrt(bc2);
  for (let i = 0; i < n; i++) {
    let g = grad[i]!;
    let p = param[i]!;
    if (o.weightDecay !== 0) {
      if (o.decoupled) p *= 1 - o.lr * o.weightDecay;
      else g += o.weightDecay * p;
    }
    const mi = o.beta1 * m[i]! + (1 - o.beta1) * g;
    const vi = o.beta2 * v[i]! + (1 - o.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    let denomV = vi;
    if (vMax !== null) {
      denomV = Math.max(vMax[i]!, vi);
      vMax[i] = denomV;
    }
    param[i] = p - (stepSize * mi) / (Math.sqrt(denomV) / sqrtBc2 + o.eps);
  }
}
