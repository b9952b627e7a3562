/**
 * The LSTM cell's pointwise update and its backward as WebAssembly SIMD kernels (float32),
 * assembled with `./emit.ts` and the vectorised `sigmoid`/`tanh` of `./math.ts`. They compute
 * what `lstmCellKernel` and `lstmCellBackwardKernel` of `../fused.ts` compute, four hidden
 * units per instruction, with the errors of `./math.ts` in place of `Math.exp`/`Math.tanh`.
 *
 * The module imports the backend's shared memory (`env.mem`) and exports three functions, all
 * arguments i32, addresses in bytes, `n` rows and `h` hidden units:
 *
 * ```
 * fwd(gates, c, hc, act, n, h)               gates [n, 4h], c [n, h]  →  hc [n, 2h], act [n, 4h]
 * fwdAdd(gates, rec, bias, c, hc, act, n, h) fwd on gates + rec [n, 4h] + bias [4h]
 * bwd(dHc, act, c, hc, dGates, dC, n, h)     dHc [n, 2h], act, c, hc  →  dGates [n, 4h], dC [n, h]
 * ```
 *
 * with PyTorch's gate order i, f, g, o, `hc = [h', c']` and `act = [σ(i), σ(f), tanh(g), σ(o)]`
 * (the backward uses the saved activations and recomputes only tanh(c')). Each row is walked
 * in vectors of four; when `h` is not a multiple of four, the last vector of a row reads up to
 * 12 bytes past the row (so every operand needs 16 readable bytes after its end) and stores
 * only its valid lanes.
 *
 * Operands live in ordinary typed arrays; {@link wasmLstmForwardAdd} (and {@link wasmLstmForward})
 * and {@link wasmLstmBackward} copy them into the scratch region of the shared memory in chunks of
 * rows (at most {@link CHUNK_BYTES} per call), run the kernel, and copy the results out.
 */
import { Code, I32, V128, functionBody, name, section, sharedMemoryImport, wasmModule } from './emit.js';
import { MATH_TEMPS, emitSigmoid, emitTanh } from './math.js';
import { SCRATCH_BASE, lazyWasmKernels, scratchF32 } from './memory.js';
import { WASM_MAX_PAGES } from '../kernels/matmul-wasm.js';

/** Scratch bytes one kernel call uses at most (operands and results of a chunk of rows). */
export const CHUNK_BYTES = 1 << 19;

/** Declares locals: hands out indices after the parameters and lists them as `[count, type]` runs. */
class Locals {
  private readonly types: number[] = [];
  constructor(private readonly nParams: number) {}
  add(type: number): number {
    this.types.push(type);
    return this.nParams + this.types.length - 1;
  }
  many(type: number, n: number): number[] {
    return Array.from({ length: n }, () => this.add(type));
  }
  runs(): [number, number][] {
    const out: [number, number][] = [];
    for (const t of this.types) {
      const last = out[out.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else out.push([1, t]);
    }
    return out;
  }
}

/**
 * The loop shared by both kernels: rows `0 … n-1`, and in each row the byte offsets `j` of
 * the vectors of four hidden units. `rowStart` advances the row pointers, `body(partial)`
 * emits one vector's work (`partial`: store only the first `h mod 4` lanes).
 */
function rowLoop(
  e: Code,
  v: { n: number; h: number; r: number; j: number; full: number; rem: number; h4: number },
  rowAdvance: () => void,
  body: (partial: boolean) => void,
): void {
  e.get(v.h).i32(4).mul().set(v.h4);
  e.get(v.h).i32(-4).and().i32(4).mul().set(v.full);
  e.get(v.h).i32(3).and().set(v.rem);
  e.i32(0).set(v.r);
  e.block().loop();
  e.get(v.r).get(v.n).geS().brIf(1);
  e.i32(0).set(v.j);
  e.block().loop();
  e.get(v.j).get(v.full).geS().brIf(1);
  body(false);
  e.get(v.j).i32(16).add().set(v.j).br(0);
  e.end().end();
  e.get(v.rem).if();
  body(true);
  e.end();
  rowAdvance();
  e.get(v.r).i32(1).add().set(v.r).br(0);
  e.end().end();
}

/** Emits: store vector local `val` at `addr` (pushed by `pushAddr`), whole or its first `rem` lanes. */
function store(e: Code, pushAddr: () => void, val: number, partial: boolean, rem: number): void {
  if (!partial) {
    pushAddr();
    e.get(val).v128Store(0);
    return;
  }
  pushAddr();
  e.get(val).f32x4ExtractLane(0).f32Store(0);
  for (const lane of [1, 2]) {
    e.get(rem)
      .i32(lane + 1)
      .geS()
      .if();
    pushAddr();
    e.get(val)
      .f32x4ExtractLane(lane)
      .f32Store(4 * lane);
    e.end();
  }
}

/**
 * The forward kernel; `withAdd`: the variant `fwdAdd(gates, rec, bias, c, hc, act, n, h)` whose
 * pre-activations are `gates + rec + bias` (`rec` `[n, 4h]`, `bias` `[4h]` shared by the rows).
 */
function forwardBody(withAdd: boolean): number[] {
  const extra = withAdd ? 2 : 0;
  const gates = 0,
    rec = 1,
    bias = 2,
    c = 1 + extra,
    hc = 2 + extra,
    act = 3 + extra,
    n = 4 + extra,
    h = 5 + extra;
  const L = new Locals(6 + extra);
  const [r, j, full, rem, h4, gp, cp, hp, ap, rp] = L.many(I32, 10) as [number, number, number, number, number, number, number, number, number, number];
  const [vi, vf, vg, vo, vc, vcn, vhn] = L.many(V128, 7) as [number, number, number, number, number, number, number];
  const tmp = L.many(V128, MATH_TEMPS);
  const e = new Code();
  // address of gate segment k (0…3) of row pointer p at offset j: p + j + k·4h
  const at = (p: number, k: number) => (): void => {
    e.get(p).get(j).add();
    for (let i = 0; i < k; i++) e.get(h4).add();
  };
  e.get(gates).set(gp).get(c).set(cp).get(hc).set(hp).get(act).set(ap);
  if (withAdd) e.get(rec).set(rp);
  rowLoop(
    e,
    { n, h, r, j, full, rem, h4 },
    () => {
      e.get(gp).get(h4).i32(4).mul().add().set(gp);
      if (withAdd) e.get(rp).get(h4).i32(4).mul().add().set(rp);
      e.get(ap).get(h4).i32(4).mul().add().set(ap);
      e.get(hp).get(h4).i32(2).mul().add().set(hp);
      e.get(cp).get(h4).add().set(cp);
    },
    (partial) => {
      const gate = [vi, vf, vg, vo];
      for (let k = 0; k < 4; k++) {
        at(gp, k)();
        e.v128Load(0);
        if (withAdd) {
          at(rp, k)();
          e.v128Load(0).f32x4Add();
          at(bias, k)();
          e.v128Load(0).f32x4Add();
        }
        e.set(gate[k]);
      }
      emitSigmoid(e, vi, vi, tmp);
      emitSigmoid(e, vf, vf, tmp);
      emitTanh(e, vg, vg, tmp);
      emitSigmoid(e, vo, vo, tmp);
      at(cp, 0)();
      e.v128Load(0).set(vc);
      // c' = f·c + i·g; h' = o·tanh(c')
      e.get(vf).get(vc).f32x4Mul().get(vi).get(vg).f32x4Mul().f32x4Add().set(vcn);
      emitTanh(e, vcn, vhn, tmp);
      e.get(vo).get(vhn).f32x4Mul().set(vhn);
      for (let k = 0; k < 4; k++) store(e, at(ap, k), gate[k], partial, rem);
      store(e, at(hp, 0), vhn, partial, rem);
      store(e, at(hp, 1), vcn, partial, rem);
    },
  );
  e.end();
  return functionBody(L.runs(), e);
}

function backwardBody(): number[] {
  const dhc = 0,
    act = 1,
    c = 2,
    hc = 3,
    dg = 4,
    dc = 5,
    n = 6,
    h = 7;
  const L = new Locals(8);
  const [r, j, full, rem, h4, dhp, ap, cp, hp, dgp, dcp] = L.many(I32, 11) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [gh, gc, vi, vf, vg, vo, vcp, tc, vdc, t] = L.many(V128, 10) as [number, number, number, number, number, number, number, number, number, number];
  const tmp = L.many(V128, MATH_TEMPS);
  const e = new Code();
  const at = (p: number, k: number) => (): void => {
    e.get(p).get(j).add();
    for (let i = 0; i < k; i++) e.get(h4).add();
  };
  const load = (p: number, k: number, dst: number): void => {
    at(p, k)();
    e.v128Load(0).set(dst);
  };
  const oneMinus = (x: number, square: boolean): void => {
    // pushes 1 − x (or 1 − x²)
    e.f32x4Const(1).get(x);
    if (square) e.get(x).f32x4Mul();
    e.f32x4Sub();
  };
  e.get(dhc).set(dhp).get(act).set(ap).get(c).set(cp).get(hc).set(hp).get(dg).set(dgp).get(dc).set(dcp);
  rowLoop(
    e,
    { n, h, r, j, full, rem, h4 },
    () => {
      for (const [p, k] of [
        [dhp, 2],
        [ap, 4],
        [cp, 1],
        [hp, 2],
        [dgp, 4],
        [dcp, 1],
      ] as const) {
        e.get(p).get(h4);
        if (k > 1) e.i32(k).mul();
        e.add().set(p);
      }
    },
    (partial) => {
      load(dhp, 0, gh);
      load(dhp, 1, gc);
      load(ap, 0, vi);
      load(ap, 1, vf);
      load(ap, 2, vg);
      load(ap, 3, vo);
      load(cp, 0, vcp);
      load(hp, 1, tc);
      emitTanh(e, tc, tc, tmp);
      // dc = gc + gh·o·(1 − tanh²(c'))
      e.get(gh).get(vo).f32x4Mul();
      oneMinus(tc, true);
      e.f32x4Mul().get(gc).f32x4Add().set(vdc);
      // dGates: i, f, g, o
      e.get(vdc).get(vg).f32x4Mul().get(vi).f32x4Mul();
      oneMinus(vi, false);
      e.f32x4Mul().set(t);
      store(e, at(dgp, 0), t, partial, rem);
      e.get(vdc).get(vcp).f32x4Mul().get(vf).f32x4Mul();
      oneMinus(vf, false);
      e.f32x4Mul().set(t);
      store(e, at(dgp, 1), t, partial, rem);
      e.get(vdc).get(vi).f32x4Mul();
      oneMinus(vg, true);
      e.f32x4Mul().set(t);
      store(e, at(dgp, 2), t, partial, rem);
      e.get(gh).get(tc).f32x4Mul().get(vo).f32x4Mul();
      oneMinus(vo, false);
      e.f32x4Mul().set(t);
      store(e, at(dgp, 3), t, partial, rem);
      // dC = dc·f
      e.get(vdc).get(vf).f32x4Mul().set(t);
      store(e, at(dcp, 0), t, partial, rem);
    },
  );
  e.end();
  return functionBody(L.runs(), e);
}

/** The binary module (see the file comment). */
export function lstmWasmBytes(): Uint8Array {
  const fwdType = [0x60, 6, ...new Array<number>(6).fill(I32), 0];
  const bwdType = [0x60, 8, ...new Array<number>(8).fill(I32), 0];
  const type = section(1, [2, ...fwdType, ...bwdType]);
  const imports = sharedMemoryImport(WASM_MAX_PAGES);
  // fwdAdd has bwd's type: eight i32 parameters
  const funcs = section(3, [3, 0, 1, 1]);
  const exports = section(7, [3, ...name('fwd'), 0x00, 0, ...name('bwd'), 0x00, 1, ...name('fwdAdd'), 0x00, 2]);
  const code = section(10, [3, ...forwardBody(false), ...backwardBody(), ...forwardBody(true)]);
  return wasmModule(type, imports, funcs, exports, code);
}

type Fwd = (gates: number, c: number, hc: number, act: number, n: number, h: number) => void;
type FwdAdd = (gates: number, rec: number, bias: number, c: number, hc: number, act: number, n: number, h: number) => void;
type Bwd = (dHc: number, act: number, c: number, hc: number, dGates: number, dC: number, n: number, h: number) => void;

/** Bytes of `elements` float32 values rounded up to 16, plus 16 readable bytes after them. */
function slot(elements: number): number {
  return Math.ceil((4 * elements) / 16) * 16 + 16;
}

/** Compiles and instantiates the module (once); null where unavailable or failing its self-check. */
const getKernels = lazyWasmKernels(lstmWasmBytes, (ex) => ({ fwd: ex.fwd as Fwd, bwd: ex.bwd as Bwd, fwdAdd: ex.fwdAdd as FwdAdd }), selfCheck);

/**
 * Whether the WebAssembly LSTM kernels can run here (WebAssembly SIMD and the shared memory
 * exist, and the kernels pass their self-check). Compiles them on the first call.
 */
export function wasmLstmAvailable(): boolean {
  return getKernels() !== null;
}

/**
 * The forward cell update through the WebAssembly kernel: reads `gates [n, 4h]` and
 * `c [n, h]`, writes `hc [n, 2h]` and `act [n, 4h]`. Returns false (having written nothing)
 * where the kernel is unavailable or the scratch memory cannot grow; the caller then uses
 * the JavaScript kernel.
 */
export function wasmLstmForward(gates: Float32Array, c: Float32Array, n: number, h: number, hc: Float32Array, act: Float32Array): boolean {
  return wasmLstmForwardAdd(gates, null, null, c, n, h, hc, act);
}

/**
 * {@link wasmLstmForward} on the pre-activations `gates + rec + bias` (`rec` `[n, 4h]` and
 * `bias` `[4h]` each optional): one LSTM step of a sequence, the input projection, the
 * recurrent product and the biases added inside the kernel (`fwdAdd`; with neither, `fwd`
 * runs on `gates` alone). Returns false (having written nothing) where unavailable.
 */
export function wasmLstmForwardAdd(
  gates: Float32Array,
  rec: Float32Array | null,
  bias: Float32Array | null,
  c: Float32Array,
  n: number,
  h: number,
  hc: Float32Array,
  act: Float32Array,
): boolean {
  const k = getKernels();
  if (k === null) return false;
  if (n === 0 || h === 0) return true;
  const add = rec !== null || bias !== null;
  const rowBytes = 4 * (add ? 15 : 11) * h;
  const rows = Math.max(1, Math.min(n, Math.floor(CHUNK_BYTES / rowBytes)));
  // scratch: [bias], gates, [rec], c, hc, act (the bracketed ones only with the sums)
  const bOff = SCRATCH_BASE;
  const gOff = bOff + (add ? slot(4 * h) : 0);
  const rOff = gOff + slot(rows * 4 * h);
  const cOff = rOff + (add ? slot(rows * 4 * h) : 0);
  const hcOff = cOff + slot(rows * h);
  const aOff = hcOff + slot(rows * 2 * h);
  const end = aOff + slot(rows * 4 * h);
  const mem = scratchF32(end - SCRATCH_BASE);
  if (mem === null) return false;
  if (add) {
    if (bias !== null) mem.set(bias.subarray(0, 4 * h), bOff >> 2);
    else mem.fill(0, bOff >> 2, (bOff >> 2) + 4 * h);
    if (rec === null) mem.fill(0, rOff >> 2, (rOff >> 2) + rows * 4 * h);
  }
  for (let r0 = 0; r0 < n; r0 += rows) {
    const m = Math.min(rows, n - r0);
    mem.set(gates.subarray(r0 * 4 * h, (r0 + m) * 4 * h), gOff >> 2);
    if (rec !== null) mem.set(rec.subarray(r0 * 4 * h, (r0 + m) * 4 * h), rOff >> 2);
    mem.set(c.subarray(r0 * h, (r0 + m) * h), cOff >> 2);
    if (add) k.fwdAdd(gOff, rOff, bOff, cOff, hcOff, aOff, m, h);
    else k.fwd(gOff, cOff, hcOff, aOff, m, h);
    hc.set(mem.subarray(hcOff >> 2, (hcOff >> 2) + m * 2 * h), r0 * 2 * h);
    act.set(mem.subarray(aOff >> 2, (aOff >> 2) + m * 4 * h), r0 * 4 * h);
  }
  return true;
}

/**
 * The backward cell update through the WebAssembly kernel: from `dHc [n, 2h]`, `act [n, 4h]`,
 * `c [n, h]` (the previous cell state) and `hc [n, 2h]` writes `dGates [n, 4h]` and
 * `dC [n, h]`. Returns false (having written nothing) where unavailable, as
 * {@link wasmLstmForward}.
 */
export function wasmLstmBackward(
  dHc: Float32Array,
  act: Float32Array,
  c: Float32Array,
  hc: Float32Array,
  n: number,
  h: number,
  dGates: Float32Array,
  dC: Float32Array,
): boolean {
  const k = getKernels();
  if (k === null) return false;
  if (n === 0 || h === 0) return true;
  const rowBytes = 4 * 14 * h;
  const rows = Math.max(1, Math.min(n, Math.floor(CHUNK_BYTES / rowBytes)));
  const dhOff = SCRATCH_BASE;
  const aOff = dhOff + slot(rows * 2 * h);
  const cOff = aOff + slot(rows * 4 * h);
  const hcOff = cOff + slot(rows * h);
  const dgOff = hcOff + slot(rows * 2 * h);
  const dcOff = dgOff + slot(rows * 4 * h);
  const end = dcOff + slot(rows * h);
  const mem = scratchF32(end - SCRATCH_BASE);
  if (mem === null) return false;
  for (let r0 = 0; r0 < n; r0 += rows) {
    const m = Math.min(rows, n - r0);
    mem.set(dHc.subarray(r0 * 2 * h, (r0 + m) * 2 * h), dhOff >> 2);
    mem.set(act.subarray(r0 * 4 * h, (r0 + m) * 4 * h), aOff >> 2);
    mem.set(c.subarray(r0 * h, (r0 + m) * h), cOff >> 2);
    mem.set(hc.subarray(r0 * 2 * h, (r0 + m) * 2 * h), hcOff >> 2);
    k.bwd(dhOff, aOff, cOff, hcOff, dgOff, dcOff, m, h);
    dGates.set(mem.subarray(dgOff >> 2, (dgOff >> 2) + m * 4 * h), r0 * 4 * h);
    dC.set(mem.subarray(dcOff >> 2, (dcOff >> 2) + m * h), r0 * h);
  }
  return true;
}

/**
 * Runs both kernels on a small case with a partial last vector (h = 5) and compares them with
 * a scalar evaluation in double precision; also checks that nothing past the outputs is written.
 */
function selfCheck(): boolean {
  const n = 3,
    h = 5;
  const gates = Float32Array.from({ length: n * 4 * h }, (_, i) => Math.sin(i * 1.7) * 4);
  const c = Float32Array.from({ length: n * h }, (_, i) => Math.cos(i * 0.9) * 2);
  const hc = new Float32Array(n * 2 * h + 1).fill(7);
  const act = new Float32Array(n * 4 * h + 1).fill(7);
  if (!wasmLstmForward(gates, c, n, h, hc.subarray(0, n * 2 * h), act.subarray(0, n * 4 * h))) return false;
  if (hc[n * 2 * h] !== 7 || act[n * 4 * h] !== 7) return false;
  // fwdAdd on parts that sum (in its order, in float32) to gates gives fwd's results exactly
  const rec = Float32Array.from({ length: n * 4 * h }, (_, i) => Math.cos(i * 0.3));
  const bias = Float32Array.from({ length: 4 * h }, (_, i) => Math.sin(i * 2.1));
  const part = Float32Array.from(gates, (v, i) => v - rec[i] - bias[i % (4 * h)]);
  const sum = Float32Array.from(part, (v, i) => Math.fround(Math.fround(v + rec[i]) + bias[i % (4 * h)]));
  const hcSum = new Float32Array(n * 2 * h);
  const actSum = new Float32Array(n * 4 * h);
  const hcAdd = new Float32Array(n * 2 * h);
  const actAdd = new Float32Array(n * 4 * h);
  if (!wasmLstmForward(sum, c, n, h, hcSum, actSum) || !wasmLstmForwardAdd(part, rec, bias, c, n, h, hcAdd, actAdd)) return false;
  if (hcSum.some((v, i) => v !== hcAdd[i]) || actSum.some((v, i) => v !== actAdd[i])) return false;
  const dHc = Float32Array.from({ length: n * 2 * h }, (_, i) => Math.sin(i * 0.37));
  const dG = new Float32Array(n * 4 * h);
  const dC = new Float32Array(n * h);
  if (!wasmLstmBackward(dHc, act.subarray(0, n * 4 * h), c, hc.subarray(0, n * 2 * h), n, h, dG, dC)) return false;
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-5 * (1 + Math.abs(b));
  for (let r = 0; r < n; r++) {
    for (let u = 0; u < h; u++) {
      const g = (k: number): number => gates[r * 4 * h + k * h + u];
      const i = sig(g(0)),
        f = sig(g(1)),
        gg = Math.tanh(g(2)),
        o = sig(g(3));
      const cn = f * c[r * h + u] + i * gg;
      const tc = Math.tanh(cn);
      if (!close(hc[r * 2 * h + u], o * tc) || !close(hc[r * 2 * h + h + u], cn)) return false;
      if (!close(act[r * 4 * h + u], i) || !close(act[r * 4 * h + 2 * h + u], gg)) return false;
      const gh = dHc[r * 2 * h + u];
      const dc = dHc[r * 2 * h + h + u] + gh * o * (1 - tc * tc);
      if (!close(dG[r * 4 * h + u], dc * gg * i * (1 - i)) || !close(dG[r * 4 * h + h + u], dc * c[r * h + u] * f * (1 - f))) return false;
      if (!close(dG[r * 4 * h + 3 * h + u], gh * tc * o * (1 - o)) || !close(dC[r * h + u], dc * f)) return false;
    }
  }
  return true;
}
