/**
 * The forward of softmax with cross-entropy as a WebAssembly SIMD kernel (float32), assembled
 * with `./emit.ts` and the vectorised `exp` of `./math.ts` (its error stated there). For each
 * row of contiguous `logits [n, c]` it writes the softmax into `probs` and the row's maximum
 * and sum of exponentials into `stats [n, 2]`; `softmaxCrossEntropyKernel` of `../fused.ts`
 * then computes each row's loss `max − logit[target] + log(sum)` in double precision.
 *
 * The module imports the backend's shared memory (`env.mem`) and exports
 *
 * ```
 * sce(logits, probs, stats, n, c, rem)    (i32 addresses in bytes, n, c; rem = c mod 4 as f32)
 * ```
 *
 * Each row is walked in vectors of four: pass 1 takes the maximum (a NaN in a row makes its
 * maximum and its softmax NaN, as in the JavaScript kernel), pass 2 stores
 * `exp(x − max)` and sums it, pass 3 scales by `1 / sum`. When `c` is not a multiple of four,
 * the last vector of a row reads up to 12 bytes past the row and its lanes past the row are
 * masked out (−∞ for the maximum, 0 for the sum); its stores spill up to 12 bytes into the next
 * row's probabilities, which that row then overwrites, so `logits` and `probs` each need 16
 * bytes after their end.
 *
 * Operands live in ordinary typed arrays; {@link wasmSoftmaxCrossEntropy} copies chunks of rows
 * into the scratch region of the shared memory, runs the kernel and copies the results out.
 */
import { Code, F32, I32, V128, functionBody, name, section, sharedMemoryImport, wasmModule } from './emit.js';
import { MATH_TEMPS, emitExp } from './math.js';
import { SCRATCH_BASE, lazyWasmKernels, scratchF32 } from './memory.js';
import { WASM_MAX_PAGES } from '../kernels/matmul-wasm.js';

/** Scratch bytes one kernel call uses at most (a chunk of rows), unless one row needs more. */
const CHUNK_BYTES = 1 << 19;
const N_PARAMS = 6;

function sceBody(): number[] {
  const logits = 0,
    probs = 1,
    stats = 2,
    n = 3,
    c = 4,
    remF = 5;
  let next = N_PARAMS;
  const r = next++,
    j = next++,
    lp = next++,
    pp = next++,
    sp = next++,
    full = next++,
    rem = next++,
    rowBytes = next++,
    all = next++;
  const nI32 = next - N_PARAMS;
  const mx = next++,
    sum = next++;
  const nF32 = 2;
  const vnan = next++,
    vx = next++,
    vmax = next++,
    vsum = next++,
    mask = next++,
    negInf = next++,
    ve = next++,
    vinv = next++;
  const tmp = Array.from({ length: MATH_TEMPS }, () => next++);
  const nV128 = next - N_PARAMS - nI32 - nF32;
  const e = new Code();
  /** Emits: the horizontal reduction of vector local `v` with the scalar op `op`, into f32 local `out`. */
  const horizontal = (v: number, out: number, op: () => void): void => {
    e.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1);
    op();
    e.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3);
    op();
    op();
    e.set(out);
  };
  /** Emits a loop over the full vectors of a row (j = 0, 16, … < full), then `tail` if rem. */
  const vectors = (body: () => void, tail: () => void): void => {
    e.i32(0).set(j);
    e.block().loop();
    e.get(j).get(full).geS().brIf(1);
    body();
    e.get(j).i32(16).add().set(j).br(0);
    e.end().end();
    e.get(rem).if();
    tail();
    e.end();
  };
  e.get(c).i32(-4).and().i32(4).mul().set(full);
  e.get(c).i32(3).and().set(rem);
  e.get(c).i32(4).mul().set(rowBytes);
  e.get(full).get(rem).if(I32).i32(16).else().i32(0).end().add().set(all);
  // mask: lane i valid when i < c mod 4
  e.v128Const(new Uint8Array(new Float32Array([0, 1, 2, 3]).buffer))
    .get(remF)
    .f32x4Splat()
    .f32x4Lt()
    .set(mask);
  e.f32x4Const(-Infinity).set(negInf);
  e.get(logits).set(lp).get(probs).set(pp).get(stats).set(sp);
  e.i32(0).set(r);
  e.block().loop();
  {
    e.get(r).get(n).geS().brIf(1);
    // pass 1: the maximum, with f32x4.pmax (one instruction; f32x4.max, which propagates NaN,
    // is several on x64) and the NaN lanes collected apart (x ≠ x)
    e.get(negInf).set(vmax);
    e.v128Zero().set(vnan);
    const maxStep = (masked: boolean): void => {
      e.get(lp).get(j).add().v128Load(0);
      if (masked) e.get(negInf).get(mask).v128Bitselect();
      e.set(vx);
      e.get(vmax).get(vx).f32x4Pmax().set(vmax);
      e.get(vnan).get(vx).get(vx).f32x4Ne().v128Or().set(vnan);
    };
    vectors(
      () => maxStep(false),
      () => maxStep(true),
    );
    horizontal(vmax, mx, () => e.f32Max());
    // a NaN in the row makes its maximum (and so its softmax) NaN, as in the JavaScript kernel
    e.get(vnan).v128AnyTrue().if().f32(Number.NaN).set(mx).end();
    e.get(mx).f32x4Splat().set(vmax);
    // pass 2: exp(x − max), stored and summed
    e.v128Zero().set(vsum);
    const expAt = (masked: boolean): void => {
      e.get(lp).get(j).add().v128Load(0).get(vmax).f32x4Sub().set(vx);
      emitExp(e, vx, ve, tmp);
      if (masked) e.get(ve).v128Zero().get(mask).v128Bitselect().set(ve);
      e.get(pp).get(j).add().get(ve).v128Store(0);
      e.get(vsum).get(ve).f32x4Add().set(vsum);
    };
    vectors(
      () => expAt(false),
      () => expAt(true),
    );
    horizontal(vsum, sum, () => e.f32Add());
    // pass 3: scale by 1 / sum
    e.f32(1).get(sum).f32Div().f32x4Splat().set(vinv);
    e.i32(0).set(j);
    e.block().loop();
    e.get(j).get(all).geS().brIf(1);
    e.get(pp).get(j).add().get(pp).get(j).add().v128Load(0).get(vinv).f32x4Mul().v128Store(0);
    e.get(j).i32(16).add().set(j).br(0);
    e.end().end();
    e.get(sp).get(mx).f32Store(0);
    e.get(sp).get(sum).f32Store(4);
    e.get(lp).get(rowBytes).add().set(lp);
    e.get(pp).get(rowBytes).add().set(pp);
    e.get(sp).i32(8).add().set(sp);
    e.get(r).i32(1).add().set(r).br(0);
  }
  e.end().end();
  e.end();
  return functionBody(
    [
      [nI32, I32],
      [nF32, F32],
      [nV128, V128],
    ],
    e,
  );
}

/** The binary module (see the file comment). */
export function softmaxCeWasmBytes(): Uint8Array {
  const type = section(1, [1, 0x60, N_PARAMS, I32, I32, I32, I32, I32, F32, 0]);
  const imports = sharedMemoryImport(WASM_MAX_PAGES);
  const funcs = section(3, [1, 0]);
  const exports = section(7, [1, ...name('sce'), 0x00, 0]);
  return wasmModule(type, imports, funcs, exports, section(10, [1, ...sceBody()]));
}

type SceFn = (logits: number, probs: number, stats: number, n: number, c: number, rem: number) => void;

/** Compiles and instantiates the module (once); null where unavailable or failing its self-check. */
const getKernel = lazyWasmKernels(softmaxCeWasmBytes, (ex) => ex.sce as SceFn, selfCheck);

/** Bytes of `elements` float32 values rounded up to 16, plus 16 bytes after them. */
function slot(elements: number): number {
  return Math.ceil((4 * elements) / 16) * 16 + 16;
}

/**
 * The softmax of each row of `logits [n, c]` into `probs`, and each row's maximum and sum of
 * `exp(x − max)` into `stats [n, 2]`, through the WebAssembly kernel. Returns false (having
 * written nothing) where the kernel is unavailable or the scratch memory cannot grow.
 */
export function wasmSoftmaxCrossEntropy(logits: Float32Array, n: number, c: number, probs: Float32Array, stats: Float32Array): boolean {
  const k = getKernel();
  if (k === null) return false;
  if (n === 0 || c === 0) return true;
  const rows = Math.max(1, Math.min(n, Math.floor(CHUNK_BYTES / (8 * c + 8))));
  const lOff = SCRATCH_BASE;
  const pOff = lOff + slot(rows * c);
  const sOff = pOff + slot(rows * c);
  const mem = scratchF32(sOff + slot(2 * rows) - SCRATCH_BASE);
  if (mem === null) return false;
  for (let r0 = 0; r0 < n; r0 += rows) {
    const m = Math.min(rows, n - r0);
    mem.set(logits.subarray(r0 * c, (r0 + m) * c), lOff >> 2);
    k(lOff, pOff, sOff, m, c, c % 4);
    probs.set(mem.subarray(pOff >> 2, (pOff >> 2) + m * c), r0 * c);
    stats.set(mem.subarray(sOff >> 2, (sOff >> 2) + 2 * m), 2 * r0);
  }
  return true;
}

/**
 * Rows of 1, 5 and 8 classes (partial and full vectors) against a double-precision softmax;
 * also checks that nothing past the outputs is written.
 */
function selfCheck(): boolean {
  for (const c of [1, 5, 8]) {
    const n = 3;
    const logits = Float32Array.from({ length: n * c }, (_, i) => Math.sin(i * 1.3) * 5);
    const probs = new Float32Array(n * c + 1).fill(7),
      stats = new Float32Array(2 * n + 1).fill(7);
    if (!wasmSoftmaxCrossEntropy(logits, n, c, probs.subarray(0, n * c), stats.subarray(0, 2 * n))) return false;
    if (probs[n * c] !== 7 || stats[2 * n] !== 7) return false;
    for (let r = 0; r < n; r++) {
      const row = Array.from(logits.subarray(r * c, (r + 1) * c));
      const m = Math.max(...row);
      const s = row.reduce((a, x) => a + Math.exp(x - m), 0);
      if (stats[2 * r] !== Math.fround(m) || Math.abs(stats[2 * r + 1] - s) > 1e-6 * s) return false;
      for (let j = 0; j < c; j++) if (Math.abs(probs[r * c + j] - Math.exp(row[j] - m) / s) > 1e-6) return false;
    }
  }
  return true;
}
