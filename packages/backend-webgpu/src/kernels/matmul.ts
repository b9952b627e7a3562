import type { RawBuffer } from '../buffer.js';
import type { Runtime } from '../runtime.js';
import { storageDecl, storageType, uint, uword } from '../wgsl.js';
import { Words, type GView } from './common.js';

/**
 * Matmul kernel families:
 * - `register`: no workgroup memory. A workgroup of 8 invocations (one SIMD vector of a CPU
 *   driver) owns `tm` rows and `8·tn` columns; invocation `l` computes columns `l, l+8, …`,
 *   so neighbouring invocations read neighbouring elements of `b` and all of them read the same
 *   elements of `a` (uniform loads). No barriers: the fast choice on CPU drivers (lavapipe),
 *   where a workgroup barrier is a coroutine switch (measured on lavapipe at 512³: 8×8 tiles
 *   with 8 invocations ≈ 9 GFLOP/s, 4×4 with 64 ≈ 6, the 16×16 shared-memory version ≈ 1).
 * - `tiled`: 16×16 invocations, each 4×4 outputs of a 64×64 block, with 64×16 / 16×64 tiles
 *   of `a` and `b` staged in workgroup memory (the usual choice on discrete GPUs).
 *
 * @example
 * ```ts
 * import { createWebGPUBackend, type MatmulVariant } from '@fackel/backend-webgpu';
 * const matmul: MatmulVariant = 'tiled';
 * const be = await createWebGPUBackend({ matmul });
 * await be.destroy();
 * ```
 */
export type MatmulVariant = 'register' | 'tiled';

/** 3-D view (batch, rows, cols) of a 2-D or 3-D matmul operand. */
function as3d(v: GView): { shape: [number, number, number]; strides: [number, number, number] } {
  if (v.shape.length === 3) return { shape: v.shape as [number, number, number], strides: v.strides as [number, number, number] };
  if (v.shape.length === 2) return { shape: [1, v.shape[0], v.shape[1]], strides: [0, v.strides[0], v.strides[1]] };
  throw new Error(`webgpu: matmul expects 2-D or 3-D views, got shape [${v.shape.join(', ')}]`);
}

/**
 * Records `out[b] = a[b] @ b[b]` (out contiguous `[batch, m, n]`), for any strides.
 * @internal
 */
export function runMatmul(rt: Runtime, a: GView, b: GView, out: RawBuffer, variant: MatmulVariant): void {
  const A = as3d(a);
  const B = as3d(b);
  const batch = Math.max(A.shape[0], B.shape[0]);
  const m = A.shape[1];
  const k = A.shape[2];
  const n = B.shape[2];
  if (batch === 0 || m === 0 || n === 0) return;
  // Rows of a / columns of b that are contiguous let the kernel use unit steps.
  const T = storageType(a.dtype) === 'f32' ? 'f32' : 'i32';
  const aK1 = A.strides[2] === 1 ? 'k1' : 'ks';
  const bN1 = B.strides[2] === 1 ? 'n1' : 'ns';
  const aS0 = A.shape[0] === 1 ? 0 : A.strides[0];
  const bS0 = B.shape[0] === 1 ? 0 : B.strides[0];
  const tiled = variant === 'tiled';
  const tn = tiled ? 0 : n <= 8 ? 1 : n <= 16 ? 2 : n <= 32 ? 4 : 8;
  const tm = tiled ? 64 : m >= 8 ? 8 : m >= 4 ? 4 : m >= 2 ? 2 : 1;
  const colsPerGroup = tiled ? 64 : LANES * tn;
  if (Math.ceil(n / colsPerGroup) > 65535) throw new Error(`webgpu: matmul with ${n} columns is too wide for one dispatch`);
  // Batches and rows beyond 65 535 workgroups are split into several dispatches.
  const rowsPerDispatch = 65535 * tm;
  for (let b0 = 0; b0 < batch; b0 += 65535) {
    const nb = Math.min(65535, batch - b0);
    for (let r0 = 0; r0 < m; r0 += rowsPerDispatch) {
      const mr = Math.min(rowsPerDispatch, m - r0);
      const w = new Words();
      const W = {
        m: w.u32(mr),
        n: w.u32(n),
        k: w.u32(k),
        aOff: w.u32(a.offset + b0 * aS0 + r0 * A.strides[1]),
        aS0: w.i32(aS0),
        aS1: w.i32(A.strides[1]),
        aS2: w.i32(A.strides[2]),
        bOff: w.u32(b.offset + b0 * bS0),
        bS0: w.i32(bS0),
        bS1: w.i32(B.strides[1]),
        bS2: w.i32(B.strides[2]),
        oOff: w.u32(b0 * m * n + r0 * n),
        oS0: w.u32(m * n),
      };
      const grid: [number, number, number] = [Math.ceil(n / colsPerGroup), Math.ceil(mr / tm), nb];
      if (tiled) {
        rt.dispatch({ key: `matmul|tiled|${T}|${aK1}|${bN1}`, access: 'rrw', source: () => tiledSource(W, T) }, [a.buffer.raw, b.buffer.raw, out], w.w, grid);
      } else {
        rt.dispatch(
          { key: `matmul|register|${T}|${tm}x${tn}|${aK1}|${bN1}`, access: 'rrw', source: () => registerSource(W, T, tm, tn, aK1 === 'k1', bN1 === 'n1') },
          [a.buffer.raw, b.buffer.raw, out],
          w.w,
          grid,
        );
      }
    }
  }
}

/** Invocations per workgroup of the register kernel. */
const LANES = 8;

type W = Record<'m' | 'n' | 'k' | 'aOff' | 'aS0' | 'aS1' | 'aS2' | 'bOff' | 'bS0' | 'bS1' | 'bS2' | 'oOff' | 'oS0', number>;

function mac(T: 'f32' | 'i32', a: string, b: string, c: string): string {
  return T === 'f32' ? `${c} = fma(${a}, ${b}, ${c});` : `${c} = ${c} + ${a} * ${b};`;
}

function registerSource(W: W, T: 'f32' | 'i32', tm: number, tn: number, aUnit: boolean, bUnit: boolean): string {
  const rows = [...Array(tm).keys()];
  const cols = [...Array(tn).keys()];
  const aStep = aUnit ? '1i' : uint(W.aS2);
  const bColStep = bUnit ? '' : ` * ${uint(W.bS2)}`;
  return `${storageDecl(1, 'A', T, 'read')}
${storageDecl(2, 'B', T, 'read')}
${storageDecl(3, 'C', T, 'read_write')}
@compute @workgroup_size(${LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let M = ${uword(W.m)};
  let N = ${uword(W.n)};
  let K = ${uword(W.k)};
  let bz = i32(wid.z);
  let i0 = wid.y * ${tm}u;
  let j0 = wid.x * ${LANES * tn}u + lid;
  let aBase = i32(${uword(W.aOff)}) + bz * ${uint(W.aS0)};
  let bBase = i32(${uword(W.bOff)}) + bz * ${uint(W.bS0)};
  let aS1 = ${uint(W.aS1)};
  let bS1 = ${uint(W.bS1)};
${rows.map((r) => `  var pa${r} = aBase + i32(min(i0 + ${r}u, M - 1u)) * aS1;`).join('\n')}
${cols.map((c) => `  var pb${c} = bBase + i32(min(j0 + ${c * LANES}u, N - 1u))${bColStep};`).join('\n')}
${rows.map((r) => cols.map((c) => `  var c${r}_${c} = ${T === 'f32' ? '0.0' : '0i'};`).join('\n')).join('\n')}
  let aStep = ${aStep};
  for (var p = 0u; p < K; p++) {
${rows.map((r) => `    let a${r} = A[u32(pa${r})]; pa${r} += aStep;`).join('\n')}
${cols.map((c) => `    let b${c} = B[u32(pb${c})]; pb${c} += bS1;`).join('\n')}
${rows.map((r) => cols.map((c) => `    ${mac(T, `a${r}`, `b${c}`, `c${r}_${c}`)}`).join('\n')).join('\n')}
  }
  let oBase = ${uword(W.oOff)} + wid.z * ${uword(W.oS0)};
${rows
  .map((r) => cols.map((c) => `  if (i0 + ${r}u < M && j0 + ${c * LANES}u < N) { C[oBase + (i0 + ${r}u) * N + j0 + ${c * LANES}u] = c${r}_${c}; }`).join('\n'))
  .join('\n')}
}`;
}

function tiledSource(W: W, T: 'f32' | 'i32'): string {
  const zero = T === 'f32' ? '0.0' : '0i';
  const r4 = [0, 1, 2, 3];
  return `${storageDecl(1, 'A', T, 'read')}
${storageDecl(2, 'B', T, 'read')}
${storageDecl(3, 'C', T, 'read_write')}
var<workgroup> As: array<${T}, 1024>; // [kk * 64 + ii]
var<workgroup> Bs: array<${T}, 1024>; // [kk * 64 + jj]
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let M = ${uword(W.m)};
  let N = ${uword(W.n)};
  let K = ${uword(W.k)};
  let bz = i32(wid.z);
  let i0 = wid.y * 64u;
  let j0 = wid.x * 64u;
  let tx = lid3.x;
  let ty = lid3.y;
  let aBase = i32(${uword(W.aOff)}) + bz * ${uint(W.aS0)};
  let bBase = i32(${uword(W.bOff)}) + bz * ${uint(W.bS0)};
  let aS1 = ${uint(W.aS1)};
  let aS2 = ${uint(W.aS2)};
  let bS1 = ${uint(W.bS1)};
  let bS2 = ${uint(W.bS2)};
${r4.map((r) => r4.map((c) => `  var c${r}_${c} = ${zero};`).join('\n')).join('\n')}
  for (var k0 = 0u; k0 < K; k0 += 16u) {
    for (var l = 0u; l < 4u; l++) {
      let e = tid + 256u * l;
      let ii = e / 16u;
      let kk = e % 16u;
      var av = ${zero};
      if (i0 + ii < M && k0 + kk < K) { av = A[u32(aBase + i32(i0 + ii) * aS1 + i32(k0 + kk) * aS2)]; }
      As[kk * 64u + ii] = av;
      let kb = e / 64u;
      let jj = e % 64u;
      var bv = ${zero};
      if (k0 + kb < K && j0 + jj < N) { bv = B[u32(bBase + i32(k0 + kb) * bS1 + i32(j0 + jj) * bS2)]; }
      Bs[kb * 64u + jj] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
${r4.map((r) => `      let a${r} = As[kk * 64u + ty + ${r * 16}u];`).join('\n')}
${r4.map((c) => `      let b${c} = Bs[kk * 64u + tx + ${c * 16}u];`).join('\n')}
${r4.map((r) => r4.map((c) => `      ${mac(T, `a${r}`, `b${c}`, `c${r}_${c}`)}`).join('\n')).join('\n')}
    }
    workgroupBarrier();
  }
  let oBase = ${uword(W.oOff)} + wid.z * ${uword(W.oS0)};
${r4
  .map((r) =>
    r4
      .map((c) => `  if (i0 + ty + ${r * 16}u < M && j0 + tx + ${c * 16}u < N) { C[oBase + (i0 + ty + ${r * 16}u) * N + j0 + tx + ${c * 16}u] = c${r}_${c}; }`)
      .join('\n'),
  )
  .join('\n')}
}`;
}
