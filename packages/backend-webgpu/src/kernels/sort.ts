import type { RawBuffer } from '../buffer.js';
import type { Runtime } from '../runtime.js';
import { linearEntry, storageDecl, storageType, uint, uword, type StorageType } from '../wgsl.js';
import { coalesce, shapeSize } from '@fackel/tensor';
import { dot, unravel, Words, type GView } from './common.js';

const WG = 64;
/** Rows up to this length are sorted by one rank kernel; longer ones in blocks plus merges. */
const RANK_BLOCK = 64;

function beforeFn(st: StorageType, descending: boolean): string {
  const T = st;
  if (st === 'f32') {
    // NaN sorts as the largest value (PyTorch): last ascending, first descending.
    return descending
      ? `fn before(a: f32, b: f32) -> bool { return a > b || (is_nan(a) && !is_nan(b)); }`
      : `fn before(a: f32, b: f32) -> bool { return a < b || (!is_nan(a) && is_nan(b)); }`;
  }
  return `fn before(a: ${T}, b: ${T}) -> bool { return a ${descending ? '>' : '<'} b; }`;
}

/**
 * Records a stable sort of every row (last axis) of `x` into `values` and `indices` (int32).
 * Rows are first ranked in blocks of 64 (each element counts the elements that precede it),
 * then neighbouring sorted runs are merged pass by pass, each element finding its place in the
 * other run by binary search: O(n log² n) work, every pass fully parallel.
 * @internal
 */
export function runSort(rt: Runtime, x: GView, descending: boolean, values: RawBuffer, indices: RawBuffer): void {
  const total = shapeSize(x.shape);
  if (total === 0) return;
  const n = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1];
  const rows = total / n;
  const st = storageType(x.dtype);
  const block = n <= 2 * RANK_BLOCK ? n : RANK_BLOCK;
  const passes: number[] = [];
  for (let width = block; width < n; width *= 2) passes.push(width);
  const temps: RawBuffer[] = [];
  let curV = values;
  let curI = indices;
  let nextV: RawBuffer | null = null;
  let nextI: RawBuffer | null = null;
  if (passes.length > 0) {
    nextV = rt.pool.acquire(total * 4, false);
    nextI = rt.pool.acquire(total * 4, false);
    temps.push(nextV, nextI);
    // Ping-pong so that the last pass lands in the outputs.
    if (passes.length % 2 === 1) {
      [curV, nextV] = [nextV, curV];
      [curI, nextI] = [nextI, curI];
    }
  }
  rankBlocks(rt, x, st, descending, n, rows, block, curV, curI);
  for (const width of passes) {
    mergePass(rt, st, descending, n, rows, width, curV, curI, nextV!, nextI!);
    [curV, nextV] = [nextV!, curV];
    [curI, nextI] = [nextI!, curI];
  }
  for (const t of temps) rt.pool.release(t, true);
}

function rankBlocks(
  rt: Runtime,
  x: GView,
  st: StorageType,
  descending: boolean,
  n: number,
  rows: number,
  block: number,
  outV: RawBuffer,
  outI: RawBuffer,
): void {
  const rowShape = x.shape.slice(0, -1);
  const rowCol = coalesce(rowShape, [x.strides.slice(0, -1)]);
  const w = new Words();
  const total = w.u32(rows * n);
  const nn = w.u32(n);
  const bl = w.u32(block);
  const off = w.u32(x.offset);
  const cs = w.i32(x.shape.length === 0 ? 1 : x.strides[x.strides.length - 1]);
  const rDims = rowCol.shape.map((d) => uword(w.u32(d)));
  const rStr = rowCol.strides[0].map((s) => uint(w.i32(s)));
  rt.dispatch(
    {
      key: `sortrank|${st}|${descending ? 'd' : 'a'}|${rDims.length}`,
      access: 'rww',
      source: () => `${storageDecl(1, 'src', st, 'read')}
${storageDecl(2, 'outV', st, 'read_write')}
${storageDecl(3, 'outI', 'i32', 'read_write')}
${beforeFn(st, descending)}
fn body(gid: u32) {
  let row = gid / ${uword(nn)};
  let p = gid % ${uword(nn)};
${unravel('row', rDims, 'r')}  let base = i32(${dot(
        uword(off),
        rDims.map((_, k) => `r${k}`),
        rStr,
      )});
  let cs = ${uint(cs)};
  let key = src[u32(base + i32(p) * cs)];
  let bs = (p / ${uword(bl)}) * ${uword(bl)};
  let be = min(bs + ${uword(bl)}, ${uword(nn)});
  var rank = 0u;
  for (var j = bs; j < p; j++) {
    if (!before(key, src[u32(base + i32(j) * cs)])) { rank++; }
  }
  for (var j = p + 1u; j < be; j++) {
    if (before(src[u32(base + i32(j) * cs)], key)) { rank++; }
  }
  let o = row * ${uword(nn)} + bs + rank;
  outV[o] = key;
  outI[o] = i32(p);
}
${linearEntry(WG, uword(total))}`,
    },
    [x.buffer.raw, outV, outI],
    w.w,
    rt.groups(rows * n, WG),
  );
}

function mergePass(
  rt: Runtime,
  st: StorageType,
  descending: boolean,
  n: number,
  rows: number,
  width: number,
  inV: RawBuffer,
  inI: RawBuffer,
  outV: RawBuffer,
  outI: RawBuffer,
): void {
  const w = new Words();
  const total = w.u32(rows * n);
  const nn = w.u32(n);
  const wd = w.u32(width);
  rt.dispatch(
    {
      key: `sortmerge|${st}|${descending ? 'd' : 'a'}`,
      access: 'rrww',
      source: () => `${storageDecl(1, 'inV', st, 'read')}
${storageDecl(2, 'inI', 'i32', 'read')}
${storageDecl(3, 'outV', st, 'read_write')}
${storageDecl(4, 'outI', 'i32', 'read_write')}
${beforeFn(st, descending)}
fn body(gid: u32) {
  let n = ${uword(nn)};
  let w = ${uword(wd)};
  let row = gid / n;
  let p = gid % n;
  let base = row * n;
  let run = p / w;
  let rs = run * w;
  let left = (run & 1u) == 0u;
  var ps: u32;
  if (left) { ps = rs + w; } else { ps = rs - w; }
  let pe = min(ps + w, n);
  let key = inV[base + p];
  var lo = min(ps, n);
  var hi = pe;
  if (left) {
    // lower bound: partner elements strictly before key
    while (lo < hi) {
      let mid = (lo + hi) / 2u;
      if (before(inV[base + mid], key)) { lo = mid + 1u; } else { hi = mid; }
    }
  } else {
    // upper bound: partner elements not after key (the left run wins ties: stable)
    while (lo < hi) {
      let mid = (lo + hi) / 2u;
      if (!before(key, inV[base + mid])) { lo = mid + 1u; } else { hi = mid; }
    }
  }
  let count = lo - min(ps, n);
  let ms = min(rs, ps);
  let o = base + ms + (p - rs) + count;
  outV[o] = key;
  outI[o] = inI[base + p];
}
${linearEntry(WG, uword(total))}`,
    },
    [inV, inI, outV, outI],
    w.w,
    rt.groups(rows * n, WG),
  );
}
