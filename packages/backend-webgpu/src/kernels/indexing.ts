import type { RawBuffer } from '../buffer.js';
import type { Runtime } from '../runtime.js';
import { computeType, linearEntry, loadAs, storageDecl, storageType, storeAs, uint, uword } from '../wgsl.js';
import { runMap } from './elementwise.js';
import { contiguousStrides, shapeSize } from '@fackel/tensor';
import { unravel, Words, type GView } from './common.js';

const WG = 64;

/**
 * Records `out[p] = x[p with p[axis] := index[p]]` over `outShape` (contiguous `out`), where
 * `indexStrides` address the index over `outShape` (stride 0 where it is broadcast, which is
 * how `indexSelect` uses it). Negative indices count from the end.
 * @internal
 */
export function runGather(
  rt: Runtime,
  x: GView,
  axis: number,
  index: GView,
  outShape: readonly number[],
  indexStrides: readonly number[],
  out: RawBuffer,
): void {
  const total = shapeSize(outShape);
  if (total === 0) return;
  const rank = Math.max(outShape.length, 1);
  const shape = outShape.length === 0 ? [1] : outShape;
  const xStrides = x.strides.length === 0 ? [0] : x.strides;
  const iStrides = indexStrides.length === 0 ? [0] : indexStrides;
  const st = storageType(x.dtype);
  const w = new Words();
  const N = w.u32(total);
  const dims = shape.map((d) => uword(w.u32(d)));
  const xs = xStrides.map((s) => uint(w.i32(s)));
  const is = iStrides.map((s) => uint(w.i32(s)));
  const xOff = w.u32(x.offset);
  const iOff = w.u32(index.offset);
  const axisLen = w.i32(x.shape.length === 0 ? 1 : x.shape[axis]);
  rt.dispatch(
    {
      key: `gather|${st}|${rank}|${axis}`,
      access: 'rrw',
      source: () => {
        const c = shape.map((_, k) => `c${k}`);
        const xTerms = c.map((ck, k) => (k === axis ? `idx * ${xs[k]}` : `i32(${ck}) * ${xs[k]}`)).join(' + ');
        const iTerms = c.map((ck, k) => `i32(${ck}) * ${is[k]}`).join(' + ');
        return `${storageDecl(1, 'src', st, 'read')}
${storageDecl(2, 'index', 'i32', 'read')}
${storageDecl(3, 'out', st, 'read_write')}
fn body(gid: u32) {
${unravel('gid', dims, 'c')}  var idx = index[u32(i32(${uword(iOff)}) + ${iTerms})];
  if (idx < 0i) { idx = idx + ${uint(axisLen)}; }
  // An out-of-range index reads 0 (a GPU kernel cannot throw; the CPU backend does).
  var v = src[u32(i32(${uword(xOff)}) + ${xTerms})];
  if (idx < 0i || idx >= ${uint(axisLen)}) { v = ${st === 'f32' ? '0.0' : st === 'i32' ? '0i' : '0u'}; }
  out[gid] = v;
}
${linearEntry(WG, uword(N))}`;
      },
    },
    [x.buffer.raw, index.buffer.raw, out],
    w.w,
    rt.groups(total, WG),
  );
}

/**
 * Records `out = base; out[p with p[axis] := index[p]] += src[p]` for every `p` of `index`'s
 * shape (contiguous `out` of `base`'s shape).
 *
 * Without float atomics in WGSL, the default way is one invocation per output element that
 * walks the index along `axis` and adds the matching `src` entries in order: deterministic,
 * and the same rounding as a sequential loop. When that walk would be very long (`outputs ×
 * index length` above 2^26), float32 uses a compare-and-swap loop on `atomic<u32>` instead
 * (work proportional to the index, summation order unspecified) and int32 uses `atomicAdd`.
 * @internal
 */
export function runScatterAdd(rt: Runtime, base: GView, axis: number, index: GView, src: GView, out: RawBuffer): void {
  const total = shapeSize(base.shape);
  if (total === 0) return;
  const rank = Math.max(base.shape.length, 1);
  const bShape = base.shape.length === 0 ? [1] : base.shape;
  const iShape = index.shape.length === 0 ? [1] : index.shape;
  const L = iShape[axis] ?? 1;
  const st = storageType(base.dtype);
  const ct = computeType(base.dtype) === 'bool' ? 'i32' : computeType(base.dtype);
  const srcSt = storageType(src.dtype);
  const bStrides = base.strides.length === 0 ? [0] : base.strides;
  const iStrides = index.strides.length === 0 ? [0] : index.strides;
  const sStrides = src.strides.length === 0 ? [0] : src.strides;
  const useAtomics = st !== 'u32' && total * L > 2 ** 26;
  if (useAtomics) {
    scatterAtomic(rt, base, axis, index, src, out, rank, bShape, iShape, iStrides, sStrides);
    return;
  }
  const w = new Words();
  const N = w.u32(total);
  const dims = bShape.map((d) => uword(w.u32(d)));
  const idims = iShape.map((d) => uword(w.u32(d)));
  const bs = bStrides.map((s) => uint(w.i32(s)));
  const is = iStrides.map((s) => uint(w.i32(s)));
  const ss = sStrides.map((s) => uint(w.i32(s)));
  const bOff = w.u32(base.offset);
  const iOff = w.u32(index.offset);
  const sOff = w.u32(src.offset);
  rt.dispatch(
    {
      key: `scatteradd|loop|${st}|${srcSt}|${rank}|${axis}`,
      access: 'rrrw',
      source: () => {
        const c = bShape.map((_, k) => `c${k}`);
        const bTerms = c.map((ck, k) => `i32(${ck}) * ${bs[k]}`).join(' + ');
        const iTerms = c.map((ck, k) => (k === axis ? `i32(j) * ${is[k]}` : `i32(${ck}) * ${is[k]}`)).join(' + ');
        const sTerms = c.map((ck, k) => (k === axis ? `i32(j) * ${ss[k]}` : `i32(${ck}) * ${ss[k]}`)).join(' + ');
        const inRange = c
          .map((ck, k) => (k === axis ? null : `${ck} < ${idims[k]}`))
          .filter((e) => e)
          .join(' && ');
        return `${storageDecl(1, 'base', st, 'read')}
${storageDecl(2, 'index', 'i32', 'read')}
${storageDecl(3, 'src', srcSt, 'read')}
${storageDecl(4, 'out', st, 'read_write')}
fn body(gid: u32) {
${unravel('gid', dims, 'c')}  var acc = ${loadAs(`base[u32(i32(${uword(bOff)}) + ${bTerms})]`, st, ct)};
  if (${inRange || 'true'}) {
    let want = i32(c${axis});
    let axisLen = i32(${dims[axis]});
    for (var j = 0u; j < ${idims[axis]}; j++) {
      var idx = index[u32(i32(${uword(iOff)}) + ${iTerms})];
      if (idx < 0i) { idx = idx + axisLen; }
      if (idx == want) {
        acc = acc + ${loadAs(`src[u32(i32(${uword(sOff)}) + ${sTerms})]`, srcSt, ct)};
      }
    }
  }
  out[gid] = ${storeAs('acc', ct, st)};
}
${linearEntry(WG, uword(N))}`;
      },
    },
    [base.buffer.raw, index.buffer.raw, src.buffer.raw, out],
    w.w,
    rt.groups(total, WG),
  );
}

function scatterAtomic(
  rt: Runtime,
  base: GView,
  axis: number,
  index: GView,
  src: GView,
  out: RawBuffer,
  rank: number,
  bShape: readonly number[],
  iShape: readonly number[],
  iStrides: readonly number[],
  sStrides: readonly number[],
): void {
  copyInto(rt, base, out);
  const st = storageType(base.dtype);
  const srcSt = storageType(src.dtype);
  const count = shapeSize(iShape);
  const oStrides = contiguousStrides(bShape);
  const w = new Words();
  const N = w.u32(count);
  const idims = iShape.map((d) => uword(w.u32(d)));
  const os = oStrides.map((s) => uint(w.i32(s)));
  const is = iStrides.map((s) => uint(w.i32(s)));
  const ss = sStrides.map((s) => uint(w.i32(s)));
  const iOff = w.u32(index.offset);
  const sOff = w.u32(src.offset);
  const axisLen = w.i32(bShape[axis]);
  rt.dispatch(
    {
      key: `scatteradd|atomic|${st}|${srcSt}|${rank}|${axis}`,
      access: 'rrw',
      source: () => {
        const c = iShape.map((_, k) => `c${k}`);
        const iTerms = c.map((ck, k) => `i32(${ck}) * ${is[k]}`).join(' + ');
        const sTerms = c.map((ck, k) => `i32(${ck}) * ${ss[k]}`).join(' + ');
        const oTerms = c.map((ck, k) => (k === axis ? `idx * ${os[k]}` : `i32(${ck}) * ${os[k]}`)).join(' + ');
        const v = loadAs(`src[u32(i32(${uword(sOff)}) + ${sTerms})]`, srcSt, st === 'f32' ? 'f32' : 'i32');
        const update =
          st === 'f32'
            ? `  loop {
    let old = atomicLoad(&out[t]);
    let nv = bitcast<u32>(bitcast<f32>(old) + v);
    if (atomicCompareExchangeWeak(&out[t], old, nv).exchanged) { break; }
  }`
            : `  atomicAdd(&out[t], v);`;
        return `${storageDecl(1, 'index', 'i32', 'read')}
${storageDecl(2, 'src', srcSt, 'read')}
${storageDecl(3, 'out', st === 'f32' ? 'atomic<u32>' : 'atomic<i32>', 'read_write')}
fn body(gid: u32) {
${unravel('gid', idims, 'c')}  var idx = index[u32(i32(${uword(iOff)}) + ${iTerms})];
  if (idx < 0i) { idx = idx + ${uint(axisLen)}; }
  if (idx < 0i || idx >= ${uint(axisLen)}) { return; }
  let t = u32(${oTerms});
  let v = ${v};
${update}
}
${linearEntry(WG, uword(N))}`;
      },
    },
    [index.buffer.raw, src.buffer.raw, out],
    w.w,
    rt.groups(count, WG),
  );
}

/** Contiguous copy of a view into `out` (same dtype). */
function copyInto(rt: Runtime, x: GView, out: RawBuffer): void {
  const t = computeType(x.dtype);
  runMap(rt, { name: 'copy', inputs: [{ view: x, ctype: t }], expr: (a) => a[0], rtype: t, outDtype: x.dtype, shape: x.shape }, out);
}
