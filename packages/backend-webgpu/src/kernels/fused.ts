import type { AdamStepOptions } from '@fackel/tensor';
import type { RawBuffer } from '../buffer.js';
import type { Runtime } from '../runtime.js';
import { f32bits, linearEntry, storageDecl, uint, uword } from '../wgsl.js';
import { Words, type GView } from './common.js';

const WG = 64;

/** Uniform words of a 2-D view: offset, row stride, column stride. */
function view2(w: Words, v: GView): [number, number, number] {
  return [w.u32(v.offset), w.i32(v.strides[0]), w.i32(v.strides[1])];
}

/** WGSL address of element (r, j) of a 2-D view described by `view2` words. */
function at(ws: [number, number, number], r: string, j: string): string {
  return `u32(i32(${uword(ws[0])}) + i32(${r}) * ${uint(ws[1])} + i32(${j}) * ${uint(ws[2])})`;
}

/**
 * LSTM cell pointwise part: from gate pre-activations `[N, 4H]` (i, f, g, o) and `c` `[N, H]`
 * writes `hc` (`[N, 2H]`: h, then the new c) and the activations `act` (`[N, 4H]`), contiguous.
 * @internal
 */
export function runLstmCell(rt: Runtime, gates: GView, c: GView, hc: RawBuffer, act: RawBuffer): void {
  const n = gates.shape[0];
  const hid = c.shape[1];
  const total = n * hid;
  if (total === 0) return;
  const w = new Words();
  const T = w.u32(total);
  const H = w.u32(hid);
  const G = view2(w, gates);
  const C = view2(w, c);
  rt.dispatch(
    {
      key: 'lstmcell',
      access: 'rrww',
      source: () => `${storageDecl(1, 'gates', 'f32', 'read')}
${storageDecl(2, 'cin', 'f32', 'read')}
${storageDecl(3, 'hc', 'f32', 'read_write')}
${storageDecl(4, 'act', 'f32', 'read_write')}
fn body(gid: u32) {
  let H = ${uword(H)};
  let r = gid / H;
  let j = gid % H;
  let ig = f_sigmoid(gates[${at(G, 'r', 'j')}]);
  let fg = f_sigmoid(gates[${at(G, 'r', 'j + H')}]);
  let gg = f_tanh(gates[${at(G, 'r', 'j + 2u * H')}]);
  let og = f_sigmoid(gates[${at(G, 'r', 'j + 3u * H')}]);
  let cn = fg * cin[${at(C, 'r', 'j')}] + ig * gg;
  hc[r * 2u * H + j] = og * f_tanh(cn);
  hc[r * 2u * H + H + j] = cn;
  let a0 = r * 4u * H + j;
  act[a0] = ig;
  act[a0 + H] = fg;
  act[a0 + 2u * H] = gg;
  act[a0 + 3u * H] = og;
}
${linearEntry(WG, uword(T))}`,
    },
    [gates.buffer.raw, c.buffer.raw, hc, act],
    w.w,
    rt.groups(total, WG),
  );
}

/**
 * Backward of the LSTM cell: from `gradHc` `[N, 2H]`, the saved `act` `[N, 4H]`, the previous
 * cell state `c` `[N, H]` and the forward's `hc` `[N, 2H]`, writes `dGates` `[N, 4H]` and
 * `dC` `[N, H]` (contiguous).
 * @internal
 */
export function runLstmCellBackward(rt: Runtime, gradHc: GView, act: GView, c: GView, hc: GView, dGates: RawBuffer, dC: RawBuffer): void {
  const n = c.shape[0];
  const hid = c.shape[1];
  const total = n * hid;
  if (total === 0) return;
  const w = new Words();
  const T = w.u32(total);
  const H = w.u32(hid);
  const D = view2(w, gradHc);
  const A = view2(w, act);
  const C = view2(w, c);
  const HC = view2(w, hc);
  rt.dispatch(
    {
      key: 'lstmcell-backward',
      access: 'rrrrww',
      source: () => `${storageDecl(1, 'dhc', 'f32', 'read')}
${storageDecl(2, 'act', 'f32', 'read')}
${storageDecl(3, 'cin', 'f32', 'read')}
${storageDecl(4, 'hc', 'f32', 'read')}
${storageDecl(5, 'dg', 'f32', 'read_write')}
${storageDecl(6, 'dc', 'f32', 'read_write')}
fn body(gid: u32) {
  let H = ${uword(H)};
  let r = gid / H;
  let j = gid % H;
  let ig = act[${at(A, 'r', 'j')}];
  let fg = act[${at(A, 'r', 'j + H')}];
  let gg = act[${at(A, 'r', 'j + 2u * H')}];
  let og = act[${at(A, 'r', 'j + 3u * H')}];
  let tc = f_tanh(hc[${at(HC, 'r', 'j + H')}]);
  let gh = dhc[${at(D, 'r', 'j')}];
  let d = dhc[${at(D, 'r', 'j + H')}] + gh * og * (1.0 - tc * tc);
  let g0 = r * 4u * H + j;
  dg[g0] = d * gg * ig * (1.0 - ig);
  dg[g0 + H] = d * cin[${at(C, 'r', 'j')}] * fg * (1.0 - fg);
  dg[g0 + 2u * H] = d * ig * (1.0 - gg * gg);
  dg[g0 + 3u * H] = gh * tc * og * (1.0 - og);
  dc[gid] = d * fg;
}
${linearEntry(WG, uword(T))}`,
    },
    [gradHc.buffer.raw, act.buffer.raw, c.buffer.raw, hc.buffer.raw, dGates, dC],
    w.w,
    rt.groups(total, WG),
  );
}

/** Uniform words of a 1-D view: offset, stride. */
function view1(w: Words, v: GView): [number, number] {
  return [w.u32(v.offset), w.i32(v.strides[0] ?? 0)];
}

/** WGSL address of element r of a 1-D view described by `view1` words. */
function at1(ws: [number, number], r: string): string {
  return `u32(i32(${uword(ws[0])}) + i32(${r}) * ${uint(ws[1])})`;
}

/**
 * Softmax with cross-entropy, one invocation per row: from `logits` `[N, C]` and int32
 * `target` `[N]` writes the per-row loss `[N]` (0 on ignored rows, NaN for an out-of-range
 * target) and the softmax `probs` `[N, C]` (contiguous). Stable: the row maximum is subtracted
 * before exponentiating; a row holding NaN or whose maximum is infinite gives NaN.
 * @internal
 */
export function runSoftmaxCrossEntropy(rt: Runtime, logits: GView, target: GView, ignoreIndex: number, loss: RawBuffer, probs: RawBuffer): void {
  const n = logits.shape[0];
  const c = logits.shape[1];
  if (n === 0 || c === 0) return;
  const w = new Words();
  const N = w.u32(n);
  const C = w.u32(c);
  const IGN = w.i32(ignoreIndex);
  const L = view2(w, logits);
  const T = view1(w, target);
  rt.dispatch(
    {
      key: 'softmax-ce',
      access: 'rrww',
      source: () => `${storageDecl(1, 'logits', 'f32', 'read')}
${storageDecl(2, 'tgt', 'i32', 'read')}
${storageDecl(3, 'loss', 'f32', 'read_write')}
${storageDecl(4, 'probs', 'f32', 'read_write')}
fn body(r: u32) {
  let C = ${uword(C)};
  let base = r * C;
  var m = -f_inf();
  var bad = false;
  for (var j = 0u; j < C; j = j + 1u) {
    let v = logits[${at(L, 'r', 'j')}];
    if (is_nan(v)) { bad = true; }
    m = max(m, v);
  }
  if (is_inf(m)) { bad = true; }
  var s = 0.0;
  for (var j = 0u; j < C; j = j + 1u) {
    let e = f_exp(logits[${at(L, 'r', 'j')}] - m);
    probs[base + j] = e;
    s = s + e;
  }
  let inv = 1.0 / s;
  for (var j = 0u; j < C; j = j + 1u) {
    probs[base + j] = select(probs[base + j] * inv, f_nan(), bad);
  }
  let t = tgt[${at1(T, 'r')}];
  if (t == ${uint(IGN)}) {
    loss[r] = 0.0;
  } else if (bad || t < 0i || t >= i32(C)) {
    loss[r] = f_nan();
  } else {
    loss[r] = (m - logits[${at(L, 'r', 'u32(t)')}]) + f_log(s);
  }
}
${linearEntry(WG, uword(N))}`,
    },
    [logits.buffer.raw, target.buffer.raw, loss, probs],
    w.w,
    rt.groups(n, WG),
  );
}

/**
 * Backward of softmax with cross-entropy, one invocation per element: from `gradLoss` `[N]`,
 * the saved `probs` `[N, C]` and `target` `[N]` writes `dLogits` `[N, C]` (contiguous):
 * `(probs − onehot(target)) · gradLoss`, 0 on ignored rows; an out-of-range target adds no
 * one-hot term.
 * @internal
 */
export function runSoftmaxCrossEntropyBackward(rt: Runtime, gradLoss: GView, probs: GView, target: GView, ignoreIndex: number, dLogits: RawBuffer): void {
  const n = probs.shape[0];
  const c = probs.shape[1];
  const total = n * c;
  if (total === 0) return;
  const w = new Words();
  const TOT = w.u32(total);
  const C = w.u32(c);
  const IGN = w.i32(ignoreIndex);
  const G = view1(w, gradLoss);
  const P = view2(w, probs);
  const T = view1(w, target);
  rt.dispatch(
    {
      key: 'softmax-ce-backward',
      access: 'rrrw',
      source: () => `${storageDecl(1, 'gl', 'f32', 'read')}
${storageDecl(2, 'probs', 'f32', 'read')}
${storageDecl(3, 'tgt', 'i32', 'read')}
${storageDecl(4, 'dl', 'f32', 'read_write')}
fn body(gid: u32) {
  let C = ${uword(C)};
  let r = gid / C;
  let j = gid % C;
  let t = tgt[${at1(T, 'r')}];
  if (t == ${uint(IGN)}) {
    dl[gid] = 0.0;
    return;
  }
  let p = probs[${at(P, 'r', 'j')}];
  dl[gid] = select(p, p - 1.0, i32(j) == t) * gl[${at1(G, 'r')}];
}
${linearEntry(WG, uword(TOT))}`,
    },
    [gradLoss.buffer.raw, probs.buffer.raw, target.buffer.raw, dLogits],
    w.w,
    rt.groups(total, WG),
  );
}

/**
 * One Adam/AdamW step in place, following `torch.optim.Adam`/`AdamW` (the formulation of the
 * CPU backend): bias corrections and the step size are computed in double precision on the host.
 * @internal
 */
export function runAdamStep(
  rt: Runtime,
  param: RawBuffer,
  grad: RawBuffer,
  m: RawBuffer,
  v: RawBuffer,
  vmax: RawBuffer | null,
  size: number,
  o: AdamStepOptions,
): void {
  if (size === 0) return;
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  const w = new Words();
  const N = w.u32(size);
  const b1 = w.bits(f32bits(o.beta1));
  const b2 = w.bits(f32bits(o.beta2));
  const eps = w.bits(f32bits(o.eps));
  const wd = w.bits(f32bits(o.weightDecay));
  const decay = w.bits(f32bits(o.decoupled ? 1 - o.lr * o.weightDecay : 1));
  const stepSize = w.bits(f32bits(o.lr / bc1));
  const bc2s = w.bits(f32bits(Math.sqrt(bc2)));
  const ams = vmax !== null;
  const f = (i: number): string => `bitcast<f32>(${uword(i)})`;
  const wdMode = o.weightDecay === 0 ? 'none' : o.decoupled ? 'decoupled' : 'l2';
  rt.dispatch(
    {
      key: `adam|${ams ? 'ams' : 'plain'}|${wdMode}`,
      access: ams ? 'wrwww' : 'wrww',
      source: () => `${storageDecl(1, 'param', 'f32', 'read_write')}
${storageDecl(2, 'grad', 'f32', 'read')}
${storageDecl(3, 'm', 'f32', 'read_write')}
${storageDecl(4, 'v', 'f32', 'read_write')}
${ams ? storageDecl(5, 'vmax', 'f32', 'read_write') : ''}
fn body(gid: u32) {
  var p = param[gid];
  var g = grad[gid];
  ${wdMode === 'decoupled' ? `p = p * ${f(decay)};` : wdMode === 'l2' ? `g = g + ${f(wd)} * p;` : ''}
  let mn = ${f(b1)} * m[gid] + (1.0 - ${f(b1)}) * g;
  let vn = ${f(b2)} * v[gid] + (1.0 - ${f(b2)}) * g * g;
  m[gid] = mn;
  v[gid] = vn;
  ${ams ? `let vm = max(vmax[gid], vn);\n  vmax[gid] = vm;\n  let denom = sqrt(vm) / ${f(bc2s)} + ${f(eps)};` : `let denom = sqrt(vn) / ${f(bc2s)} + ${f(eps)};`}
  param[gid] = p - ${f(stepSize)} * (mn / denom);
}
${linearEntry(WG, uword(N))}`,
    },
    ams ? [param, grad, m, v, vmax] : [param, grad, m, v],
    w.w,
    rt.groups(size, WG),
  );
}
