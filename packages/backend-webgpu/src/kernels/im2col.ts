// im2col / col2im in WGSL: the data movement of convolution and pooling (the products run
// through the matmul kernel). im2col: one invocation per column entry. col2im is written as a
// gather (each image element sums the column entries that read it), so it needs no atomics.
import type { Im2colParams } from '@fackel/tensor';
import type { RawBuffer } from '../buffer.js';
import type { Runtime } from '../runtime.js';
import { f32bits, linearEntry, storageDecl, uint, uword } from '../wgsl.js';
import { Words, type GView } from './common.js';

const WG = 64;

/** Uniform words of the geometry, in a fixed order; returns the word index of each field. */
function geometryWords(w: Words, p: Im2colParams, offset: number): Record<string, number> {
  const idx: Record<string, number> = {};
  for (const k of ['c', 'h', 'w', 'kh', 'kw', 'dh', 'dw', 'sh', 'sw', 'pt', 'pl', 'oh', 'ow'] as const) idx[k] = w.u32(p[k]);
  idx.offset = w.u32(offset);
  idx.padValue = w.bits(f32bits(p.padValue));
  return idx;
}

/** Writes the `[n, c·kh·kw, oh·ow]` columns of the contiguous float32 input `x` into `out`. @internal */
export function runIm2col(rt: Runtime, x: GView, p: Im2colParams, out: RawBuffer): void {
  const total = p.n * p.c * p.kh * p.kw * p.oh * p.ow;
  if (total === 0) return;
  const w = new Words();
  const T = w.u32(total);
  const g = geometryWords(w, p, x.offset);
  const u = (k: string): string => uword(g[k]);
  const s = (k: string): string => uint(g[k]);
  rt.dispatch(
    {
      key: 'im2col',
      access: 'rw',
      source: () => `${storageDecl(1, 'x', 'f32', 'read')}
${storageDecl(2, 'cols', 'f32', 'read_write')}
fn body(gid: u32) {
  let OW = ${u('ow')};
  let L = ${u('oh')} * OW;
  let KW = ${u('kw')};
  let KK = ${u('kh')} * KW;
  let ox = gid % OW;
  let oy = (gid / OW) % ${u('oh')};
  let row = gid / L;              // (b·C + ci)·KK + i·KW + j
  let j = row % KW;
  let i = (row / KW) % ${u('kh')};
  let plane = row / KK;           // b·C + ci
  let y = i32(oy) * ${s('sh')} + i32(i) * ${s('dh')} - ${s('pt')};
  let xx = i32(ox) * ${s('sw')} + i32(j) * ${s('dw')} - ${s('pl')};
  var v = bitcast<f32>(${u('padValue')});
  if (y >= 0 && y < ${s('h')} && xx >= 0 && xx < ${s('w')}) {
    v = x[${u('offset')} + (plane * ${u('h')} + u32(y)) * ${u('w')} + u32(xx)];
  }
  cols[gid] = v;
}
${linearEntry(WG, uword(T))}`,
    },
    [x.buffer.raw, out],
    w.w,
    rt.groups(total, WG),
  );
}

/** Sums the contiguous float32 columns `cols` back into the `[n, c, h, w]` image `out`. @internal */
export function runCol2im(rt: Runtime, cols: GView, p: Im2colParams, out: RawBuffer): void {
  const total = p.n * p.c * p.h * p.w;
  if (total === 0) return;
  const w = new Words();
  const T = w.u32(total);
  const g = geometryWords(w, p, cols.offset);
  const u = (k: string): string => uword(g[k]);
  const s = (k: string): string => uint(g[k]);
  rt.dispatch(
    {
      key: 'col2im',
      access: 'rw',
      source: () => `${storageDecl(1, 'cols', 'f32', 'read')}
${storageDecl(2, 'img', 'f32', 'read_write')}
fn body(gid: u32) {
  let W = ${u('w')};
  let H = ${u('h')};
  let xx = i32(gid % W);
  let y = i32((gid / W) % H);
  let plane = gid / (W * H);      // b·C + ci
  let OH = ${s('oh')};
  let OW = ${s('ow')};
  let SH = ${s('sh')};
  let SW = ${s('sw')};
  let KH = ${u('kh')};
  let KW = ${u('kw')};
  let L = u32(OH * OW);
  var acc = 0.0;
  for (var i = 0u; i < KH; i = i + 1u) {
    let ty = y + ${s('pt')} - i32(i) * ${s('dh')};   // = oy·sh
    if (ty < 0 || ty % SH != 0) { continue; }
    let oy = ty / SH;
    if (oy >= OH) { continue; }
    for (var j = 0u; j < KW; j = j + 1u) {
      let tx = xx + ${s('pl')} - i32(j) * ${s('dw')};
      if (tx < 0 || tx % SW != 0) { continue; }
      let ox = tx / SW;
      if (ox >= OW) { continue; }
      let row = plane * KH * KW + i * KW + j;
      acc = acc + cols[${u('offset')} + row * L + u32(oy * OW + ox)];
    }
  }
  img[gid] = acc;
}
${linearEntry(WG, uword(T))}`,
    },
    [cols.buffer.raw, out],
    w.w,
    rt.groups(total, WG),
  );
}
