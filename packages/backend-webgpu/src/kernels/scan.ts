import { coalesce, shapeSize, type DType } from '@fackel/tensor';
import { GPUTensorBuffer, type RawBuffer } from '../buffer.js';
import type { Runtime } from '../runtime.js';
import { linearEntry, loadAs, storageDecl, storageType, storeAs, uint, uword, type ComputeType, type StorageType } from '../wgsl.js';
import { dot, unravel, Words, type GView } from './common.js';

const WG = 64;

/**
 * Records an inclusive cumulative sum along `axis` into the contiguous `out`. Lines are
 * numbered over the other axes; one invocation walks one line. When there are few long lines
 * (a 1-D cumsum of a million elements), each line is split into blocks: a first pass sums
 * every block, those sums are scanned (recursively), and a second pass scans every block
 * starting from the sum of the blocks before it.
 * @internal
 */
export function runCumsum(rt: Runtime, x: GView, axis: number, outDtype: DType, out: RawBuffer): void {
  const total = shapeSize(x.shape);
  if (total === 0) return;
  const len = x.shape[axis];
  const lines = total / len;
  let nb = 1;
  if (lines < 256 && len > 4096) {
    nb = Math.min(Math.ceil(256 / lines), Math.ceil(len / 256));
  }
  const block = Math.ceil(len / nb);
  nb = Math.ceil(len / block);
  if (nb === 1) {
    pass(rt, 'full', x, axis, outDtype, 1, len, null, out);
    return;
  }
  const accDtype: DType = outDtype === 'float32' ? 'float32' : 'int32';
  const sums = rt.pool.acquire(lines * nb * 4, false);
  const scanned = rt.pool.acquire(lines * nb * 4, false);
  pass(rt, 'sums', x, axis, outDtype, nb, block, null, sums);
  const sumsView: GView = { buffer: new GPUTensorBuffer(sums, accDtype, lines * nb), dtype: accDtype, shape: [lines, nb], strides: [nb, 1], offset: 0 };
  runCumsum(rt, sumsView, 1, accDtype, scanned);
  pass(rt, 'scan', x, axis, outDtype, nb, block, scanned, out);
  rt.pool.release(sums, true);
  rt.pool.release(scanned, true);
}

function pass(
  rt: Runtime,
  mode: 'full' | 'sums' | 'scan',
  x: GView,
  axis: number,
  outDtype: DType,
  nb: number,
  block: number,
  carries: RawBuffer | null,
  out: RawBuffer,
): void {
  const total = shapeSize(x.shape);
  const len = x.shape[axis];
  const inner = shapeSize(x.shape.slice(axis + 1));
  const lines = total / len;
  const outer = coalesce(x.shape.slice(0, axis), [x.strides.slice(0, axis)]);
  const inn = coalesce(x.shape.slice(axis + 1), [x.strides.slice(axis + 1)]);
  const acc: ComputeType = outDtype === 'float32' ? 'f32' : 'i32';
  const xst = storageType(x.dtype);
  const ost: StorageType = mode === 'sums' ? (acc === 'f32' ? 'f32' : 'i32') : storageType(outDtype);
  const w = new Words();
  const nItems = w.u32(lines * nb);
  const nBlocks = w.u32(nb);
  const bLen = w.u32(block);
  const nInner = w.u32(inner);
  const nLen = w.u32(len);
  const off = w.u32(x.offset);
  const aStride = w.i32(x.strides[axis]);
  const oDims = outer.shape.map((d) => uword(w.u32(d)));
  const oStr = outer.strides[0].map((s) => uint(w.i32(s)));
  const iDims = inn.shape.map((d) => uword(w.u32(d)));
  const iStr = inn.strides[0].map((s) => uint(w.i32(s)));
  const key = `cumsum|${mode}|${xst}>${acc}>${ost}|${oDims.length}|${iDims.length}`;
  const bufs = carries ? [x.buffer.raw, carries, out] : [x.buffer.raw, out];
  rt.dispatch(
    {
      key,
      access: carries ? 'rrw' : 'rw',
      source: () => {
        const oc = oDims.map((_, k) => `a${k}`);
        const ic = iDims.map((_, k) => `b${k}`);
        const zero = acc === 'f32' ? '0.0' : '0i';
        const store = mode === 'sums' ? '' : `    out[obase + k * ${uword(nInner)}] = ${storeAs('acc', acc, ost)};\n`;
        const init = mode === 'scan' ? `var acc = ${zero};\n  if (blk > 0u) { acc = carries[g - 1u]; }` : `var acc = ${zero};`;
        return `${storageDecl(1, 'src', xst, 'read')}
${carries ? `${storageDecl(2, 'carries', acc, 'read')}\n${storageDecl(3, 'out', ost, 'read_write')}` : storageDecl(2, 'out', ost, 'read_write')}
fn body(g: u32) {
  let line = g / ${uword(nBlocks)};
  let blk = g % ${uword(nBlocks)};
  let o = line / ${uword(nInner)};
  let i = line % ${uword(nInner)};
${unravel('o', oDims, 'a')}${unravel('i', iDims, 'b')}  let base = i32(${dot(dot(uword(off), oc, oStr), ic, iStr)});
  let step = ${uint(aStride)};
  let obase = o * ${uword(nLen)} * ${uword(nInner)} + i;
  let k0 = blk * ${uword(bLen)};
  let k1 = min(k0 + ${uword(bLen)}, ${uword(nLen)});
  ${init}
  for (var k = k0; k < k1; k++) {
    acc = acc + ${loadAs('src[u32(base + i32(k) * step)]', xst, acc)};
${store}  }
${mode === 'sums' ? '  out[g] = acc;' : ''}
}
${linearEntry(WG, uword(nItems))}`;
      },
    },
    bufs,
    w.w,
    rt.groups(lines * nb, WG),
  );
}
