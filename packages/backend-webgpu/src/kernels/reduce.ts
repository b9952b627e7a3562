import { coalesce, shapeSize, splitAxes, type DType, type ReduceOp } from '@fackel/tensor';
import type { RawBuffer } from '../buffer.js';
import type { Runtime } from '../runtime.js';
import { f32bits, linearEntry, loadAs, storageDecl, storageType, storeAs, uint, uword, type ComputeType, type StorageType } from '../wgsl.js';
import { dot, unravel, Words, type GView } from './common.js';

const WG = 64;

interface StageInput {
  raw: RawBuffer;
  st: StorageType;
  offset: number;
  keptShape: number[];
  keptStrides: number[];
  redShape: number[];
  redStrides: number[];
  /** Partial indices of an earlier arg stage (contiguous like the values). */
  idx: RawBuffer | null;
}

/** How many chunks each output's reduction is split into, so enough invocations run. */
function chunking(outs: number, r: number): { chunks: number; chunkLen: number } {
  if (outs >= 2048 || r <= 1024) return { chunks: 1, chunkLen: r };
  let chunks = Math.min(Math.ceil(r / 256), Math.max(1, Math.floor(32768 / outs)));
  const chunkLen = Math.ceil(r / chunks);
  chunks = Math.ceil(r / chunkLen);
  return { chunks, chunkLen };
}

/**
 * Records a reduction of `x` over `axes` into `out` (contiguous, `x.shape` without `axes`).
 * Large reductions with few outputs run in several stages: each stage reduces chunks of the
 * axis into partials that the next stage reduces again.
 * @internal
 */
export function runReduce(rt: Runtime, op: ReduceOp, x: GView, axes: readonly number[], outDtype: DType, out: RawBuffer): void {
  const { keptShape, keptStrides, redShape, redStrides } = splitAxes(x.shape, x.strides, axes);
  const outs = shapeSize(keptShape);
  const r = shapeSize(redShape);
  if (outs === 0) return;
  const isArg = op === 'argmax' || op === 'argmin';
  // Accumulator type.
  const xst = storageType(x.dtype);
  let acc: ComputeType;
  if (op === 'mean') acc = 'f32';
  else if (op === 'sum' || op === 'prod') acc = outDtype === 'float32' ? 'f32' : 'i32';
  else acc = xst === 'f32' ? 'f32' : 'i32';

  const k = coalesce(keptShape, [keptStrides]);
  const rd = coalesce(redShape, [redStrides]);
  let input: StageInput = {
    raw: x.buffer.raw,
    st: xst,
    offset: x.offset,
    keptShape: k.shape,
    keptStrides: k.strides[0],
    redShape: r === 0 ? [0] : rd.shape,
    redStrides: r === 0 ? [1] : rd.strides[0],
    idx: null,
  };
  let remaining = r;
  const temps: RawBuffer[] = [];
  for (;;) {
    const { chunks, chunkLen } = chunking(outs, remaining);
    const final = chunks === 1;
    const accSt: StorageType = acc === 'f32' ? 'f32' : 'i32';
    const valOut = final ? (isArg ? null : out) : rt.pool.acquire(outs * chunks * 4, false);
    const idxOut = isArg ? (final ? out : rt.pool.acquire(outs * chunks * 4, false)) : null;
    if (!final) {
      if (valOut) temps.push(valOut);
      if (idxOut) temps.push(idxOut);
    }
    stage(rt, op, input, acc, outs, chunks, chunkLen, remaining, final, final ? storageType(outDtype) : accSt, valOut, idxOut, r);
    if (final) break;
    input = {
      raw: valOut!,
      st: accSt,
      offset: 0,
      keptShape: [outs],
      keptStrides: [chunks],
      redShape: [chunks],
      redStrides: [1],
      idx: idxOut,
    };
    remaining = chunks;
  }
  for (const t of temps) rt.pool.release(t, true);
}

function stage(
  rt: Runtime,
  op: ReduceOp,
  inp: StageInput,
  acc: ComputeType,
  outs: number,
  chunks: number,
  chunkLen: number,
  r: number,
  final: boolean,
  outSt: StorageType,
  valOut: RawBuffer | null,
  idxOut: RawBuffer | null,
  originalR: number,
): void {
  const isArg = op === 'argmax' || op === 'argmin';
  const w = new Words();
  const total = w.u32(outs * chunks);
  const nChunks = w.u32(chunks);
  const cLen = w.u32(chunkLen);
  const rr = w.u32(r);
  const off = w.u32(inp.offset);
  const div = w.bits(f32bits(originalR));
  const kDims = inp.keptShape.map((d) => uword(w.u32(d)));
  const kStr = inp.keptStrides.map((s) => uint(w.i32(s)));
  const rDims = inp.redShape.map((d) => uword(w.u32(d)));
  const rStr = inp.redStrides.map((s) => uint(w.i32(s)));
  const combining = inp.idx !== null;
  const key = `reduce|${op}|${inp.st}>${acc}|${final ? `final>${outSt}` : 'partial'}|${combining ? 'comb' : 'first'}|${kDims.length}|${rDims.length}`;
  const bufs: RawBuffer[] = [inp.raw];
  let access = 'r';
  if (inp.idx) {
    bufs.push(inp.idx);
    access += 'r';
  }
  if (valOut) {
    bufs.push(valOut);
    access += 'w';
  }
  if (idxOut) {
    bufs.push(idxOut);
    access += 'w';
  }
  rt.dispatch(
    {
      key,
      access,
      source: () => {
        let b = 1;
        const decls = [storageDecl(b++, 'src', inp.st, 'read')];
        if (combining) decls.push(storageDecl(b++, 'srcIdx', 'i32', 'read'));
        if (valOut) decls.push(storageDecl(b++, 'outV', final ? outSt : acc === 'f32' ? 'f32' : 'i32', 'read_write'));
        if (idxOut) decls.push(storageDecl(b++, 'outI', 'i32', 'read_write'));
        const f = acc === 'f32';
        const T = f ? 'f32' : 'i32';
        const kc = kDims.map((_, i) => `k${i}`);
        const rc = rDims.map((_, i) => `q${i}`);
        const elemFn = `fn elem(base: u32, r: u32) -> ${T} {
${unravel('r', rDims, 'q')}  return ${loadAs(`src[${dot('base', rc, rStr)}]`, inp.st, acc)};
}`;
        let init: string;
        let step: string;
        switch (op) {
          case 'sum':
          case 'mean':
            init = `var acc: ${T} = ${f ? '0.0' : '0i'};\n  for (var r = r0; r < r1; r++) {`;
            step = 'acc = acc + elem(base, r);';
            break;
          case 'prod':
            init = `var acc: ${T} = ${f ? '1.0' : '1i'};\n  for (var r = r0; r < r1; r++) {`;
            step = 'acc = acc * elem(base, r);';
            break;
          default: {
            const better = op === 'max' || op === 'argmax' ? (f ? 'is_nan(v) || v > acc' : 'v > acc') : f ? 'is_nan(v) || v < acc' : 'v < acc';
            const guard = f && isArg ? `!is_nan(acc) && (${better})` : better;
            init = `var acc: ${T} = elem(base, r0);\n  var bi: i32 = ${isArg ? (combining ? 'idxAt(base, r0)' : 'i32(r0)') : '0i'};\n  for (var r = r0 + 1u; r < r1; r++) {`;
            step = `let v = elem(base, r);\n    if (${guard}) { acc = v;${isArg ? ` bi = ${combining ? 'idxAt(base, r)' : 'i32(r)'};` : ''} }`;
          }
        }
        const idxFn = combining
          ? `fn idxAt(base: u32, r: u32) -> i32 {
${unravel('r', rDims, 'q')}  return srcIdx[${dot('base', rc, rStr)}];
}`
          : '';
        let result: string;
        if (isArg) {
          result = final ? 'outI[gid] = bi;' : 'outV[gid] = acc;\n  outI[gid] = bi;';
        } else if (final) {
          const v = op === 'mean' ? `(acc / bitcast<f32>(${uword(div)}))` : 'acc';
          result = `outV[gid] = ${storeAs(v, acc, outSt)};`;
        } else {
          result = 'outV[gid] = acc;';
        }
        return `${decls.join('\n')}
${elemFn}
${idxFn}
fn body(gid: u32) {
  let o = gid / ${uword(nChunks)};
  let c = gid % ${uword(nChunks)};
${unravel('o', kDims, 'k')}  let base = ${dot(uword(off), kc, kStr)};
  let r0 = c * ${uword(cLen)};
  let r1 = min(${uword(rr)}, r0 + ${uword(cLen)});
  ${init}
    ${step}
  }
  ${result}
}
${linearEntry(WG, uword(total))}`;
      },
    },
    bufs,
    w.w,
    rt.groups(outs * chunks, WG),
  );
}
