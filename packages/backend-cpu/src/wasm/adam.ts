/**
 * The fused Adam/AdamW step as a WebAssembly SIMD kernel (float32), assembled with `./emit.ts`.
 * It computes what `adamStepKernel` of `../fused.ts` computes, four elements per instruction,
 * in float32 arithmetic with PyTorch's order of operations (`torch.optim.Adam`'s single-tensor
 * path: `m = m·β₁ + (1−β₁)·g`, `v = v·β₂ + (1−β₂)·g·g`,
 * `p = p − stepSize·m / (√v / √bc₂ + ε)`), where the JavaScript kernel rounds double-precision
 * results. Without `amsgrad` only (the JavaScript kernel handles that).
 *
 * The module imports the backend's shared memory (`env.mem`) and exports
 *
 * ```
 * adam(p, g, m, v, bytes, beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize, sqrtBc2, eps, wd, decay)
 * ```
 *
 * (addresses and `bytes` i32, a multiple of 16; the rest f32): `g += wd·p` first (L2 penalty,
 * Adam; `wd = 0` otherwise), `p *= decay` (decoupled weight decay, AdamW; `decay = 1`
 * otherwise), then the update above, in place on `p`, `m` and `v`.
 *
 * Operands live in ordinary typed arrays; {@link wasmAdamStep} copies them into the scratch
 * region of the shared memory in chunks, runs the kernel, and copies `p`, `m` and `v` back.
 */
import type { AdamStepOptions } from '@fackel/tensor';
import { Code, F32, I32, V128, functionBody, name, section, sharedMemoryImport, wasmModule } from './emit.js';
import { SCRATCH_BASE, lazyWasmKernels, scratchF32 } from './memory.js';
import { WASM_MAX_PAGES } from '../kernels/matmul-wasm.js';

/** Elements per chunk (4 operands of 64 KiB: the chunk stays in L2 from copy-in to copy-out). */
const CHUNK = 16384;

const N_I32 = 5;
const N_F32 = 9;

function adamBody(): number[] {
  const p = 0,
    g = 1,
    m = 2,
    v = 3,
    bytes = 4;
  const fb1 = 5,
    fomb1 = 6,
    fb2 = 7,
    fomb2 = 8,
    fstep = 9,
    fsqrtBc2 = 10,
    feps = 11,
    fwd = 12,
    fdecay = 13;
  let next = N_I32 + N_F32;
  const off = next++,
    end = next++;
  const nI32 = next - N_I32 - N_F32;
  const b1 = next++,
    omb1 = next++,
    b2 = next++,
    omb2 = next++,
    st = next++,
    sq = next++,
    eps = next++,
    wd = next++,
    decay = next++;
  const vp = next++,
    vg = next++,
    vm = next++,
    vv = next++;
  const nV128 = next - N_I32 - N_F32 - nI32;
  const e = new Code();
  // splat the scalars
  const pairs: [number, number][] = [
    [fb1, b1],
    [fomb1, omb1],
    [fb2, b2],
    [fomb2, omb2],
    [fstep, st],
    [fsqrtBc2, sq],
    [feps, eps],
    [fwd, wd],
    [fdecay, decay],
  ];
  for (const [s, d] of pairs) e.get(s).f32x4Splat().set(d);
  e.get(bytes).set(end);
  e.get(bytes).i32(0).eq().if().return().end();
  // two loops: with the L2 penalty (g += wd·p) and without (so that an infinite or NaN
  // parameter does not turn g into NaN through 0·p)
  e.get(fwd).f32(0).f32Ne().if();
  loop(true);
  e.else();
  loop(false);
  e.end();
  e.end();
  return functionBody(
    [
      [nI32, I32],
      [nV128, V128],
    ],
    e,
  );

  function loop(l2: boolean): void {
    e.i32(0).set(off);
    e.loop();
    e.get(p).get(off).add().v128Load(0).set(vp);
    // g += wd·p (Adam's L2 penalty); p *= decay (AdamW's decoupled decay; 1 otherwise)
    e.get(g).get(off).add().v128Load(0);
    if (l2) e.get(wd).get(vp).f32x4Mul().f32x4Add();
    e.set(vg);
    e.get(vp).get(decay).f32x4Mul().set(vp);
    // m = m·β₁ + (1−β₁)·g
    e.get(m).get(off).add().v128Load(0).get(b1).f32x4Mul().get(omb1).get(vg).f32x4Mul().f32x4Add().set(vm);
    // v = v·β₂ + (1−β₂)·g·g
    e.get(v).get(off).add().v128Load(0).get(b2).f32x4Mul().get(omb2).get(vg).f32x4Mul().get(vg).f32x4Mul().f32x4Add().set(vv);
    e.get(m).get(off).add().get(vm).v128Store(0);
    e.get(v).get(off).add().get(vv).v128Store(0);
    // p = p − stepSize·m / (√v / √bc₂ + ε)
    e.get(p).get(off).add();
    e.get(vp).get(st).get(vm).f32x4Mul();
    e.get(vv).f32x4Sqrt().get(sq).f32x4Div().get(eps).f32x4Add();
    e.f32x4Div().f32x4Sub().v128Store(0);
    e.get(off).i32(16).add().tee(off).get(end).ltU().brIf(0);
    e.end();
  }
}

/** The binary module (see the file comment). */
export function adamWasmBytes(): Uint8Array {
  const type = section(1, [1, 0x60, N_I32 + N_F32, ...new Array<number>(N_I32).fill(I32), ...new Array<number>(N_F32).fill(F32), 0]);
  const imports = sharedMemoryImport(WASM_MAX_PAGES);
  const funcs = section(3, [1, 0]);
  const exports = section(7, [1, ...name('adam'), 0x00, 0]);
  const code = section(10, [1, ...adamBody()]);
  return wasmModule(type, imports, funcs, exports, code);
}

type AdamFn = (
  p: number,
  g: number,
  m: number,
  v: number,
  bytes: number,
  beta1: number,
  oneMinusBeta1: number,
  beta2: number,
  oneMinusBeta2: number,
  stepSize: number,
  sqrtBc2: number,
  eps: number,
  wd: number,
  decay: number,
) => void;

/** The settings of one step, as `adamStepKernel` takes them: the backend contract's own. */
export type AdamOptions = AdamStepOptions;

/** Compiles and instantiates the module (once); null where unavailable or failing its self-check. */
const getKernel = lazyWasmKernels(adamWasmBytes, (ex) => ex.adam as AdamFn, selfCheck);

/**
 * One Adam/AdamW step in place through the WebAssembly kernel (see the file comment).
 * Returns false (having written nothing) where the kernel is unavailable or the scratch memory
 * cannot grow; the caller then uses the JavaScript kernel.
 */
export function wasmAdamStep(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, o: AdamOptions): boolean {
  const k = getKernel();
  if (k === null) return false;
  if (n === 0) return true;
  const chunk = Math.min(CHUNK, Math.ceil(n / 4) * 4);
  const pOff = SCRATCH_BASE,
    gOff = pOff + 4 * chunk,
    mOff = gOff + 4 * chunk,
    vOff = mOff + 4 * chunk;
  const mem = scratchF32(16 * chunk);
  if (mem === null) return false;
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  const stepSize = o.lr / bc1;
  const wd = o.weightDecay !== 0 && !o.decoupled ? o.weightDecay : 0;
  const decay = o.weightDecay !== 0 && o.decoupled ? 1 - o.lr * o.weightDecay : 1;
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const len = Math.min(chunk, n - i0);
    const i1 = i0 + len;
    mem.set(param.subarray(i0, i1), pOff >> 2);
    mem.set(grad.subarray(i0, i1), gOff >> 2);
    mem.set(m.subarray(i0, i1), mOff >> 2);
    mem.set(v.subarray(i0, i1), vOff >> 2);
    k(pOff, gOff, mOff, vOff, Math.ceil(len / 4) * 16, o.beta1, 1 - o.beta1, o.beta2, 1 - o.beta2, stepSize, Math.sqrt(bc2), o.eps, wd, decay);
    param.set(mem.subarray(pOff >> 2, (pOff >> 2) + len), i0);
    m.set(mem.subarray(mOff >> 2, (mOff >> 2) + len), i0);
    v.set(mem.subarray(vOff >> 2, (vOff >> 2) + len), i0);
  }
  return true;
}

/**
 * Three steps (Adam with an L2 penalty, then AdamW) on 7 elements (a partial last vector)
 * against a scalar evaluation in double precision; also checks that nothing past the operands
 * is written.
 */
function selfCheck(): boolean {
  const n = 7;
  const p = new Float32Array(n + 1).fill(9),
    g = new Float32Array(n),
    m = new Float32Array(n + 1).fill(9),
    v = new Float32Array(n + 1).fill(9);
  for (let i = 0; i < n; i++) {
    p[i] = Math.sin(i + 1);
    m[i] = 0.1 * Math.cos(i);
    v[i] = 0.01 * (i + 1);
    g[i] = Math.cos(3 * i) - 0.2;
  }
  const rp = Float64Array.from(p.subarray(0, n)),
    rm = Float64Array.from(m.subarray(0, n)),
    rv = Float64Array.from(v.subarray(0, n));
  for (let step = 1; step <= 3; step++) {
    const o: AdamOptions = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: step === 3, step };
    if (!wasmAdamStep(p.subarray(0, n), g, m.subarray(0, n), v.subarray(0, n), n, o)) return false;
    const bc1 = 1 - o.beta1 ** step,
      bc2 = 1 - o.beta2 ** step;
    for (let i = 0; i < n; i++) {
      let gi = g[i];
      if (o.decoupled) rp[i] = rp[i] * (1 - o.lr * o.weightDecay);
      else gi += o.weightDecay * rp[i];
      rm[i] = o.beta1 * rm[i] + (1 - o.beta1) * gi;
      rv[i] = o.beta2 * rv[i] + (1 - o.beta2) * gi * gi;
      rp[i] = rp[i] - ((o.lr / bc1) * rm[i]) / (Math.sqrt(rv[i]) / Math.sqrt(bc2) + o.eps);
    }
  }
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-5 * (1 + Math.abs(b));
  for (let i = 0; i < n; i++) if (!close(p[i], rp[i]) || !close(m[i], rm[i]) || !close(v[i], rv[i])) return false;
  return p[n] === 9 && m[n] === 9 && v[n] === 9;
}
