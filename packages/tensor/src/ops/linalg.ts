import type { View } from '../backend.js';
import type { Device } from '../device.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, broadcastStrides, contiguousStrides, viewStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { deviceOf, record, wrap } from './core.js';

/** Views `t` expanded to `[...batch, r, c]` as a 3-D `[prod(batch), r, c]` kernel view, copying only if the batch dims can't merge. */
function as3d(device: Device, t: Tensor, batch: readonly number[], r: number, c: number, temps: { buf: unknown; size: number }[]): View {
  const v = t._view('matmul');
  const full = [...batch, r, c];
  const fullStrides = broadcastStrides(v.shape, v.strides, full);
  const nb = batch.reduce((a, b) => a * b, 1);
  const target = [nb, r, c];
  const st = viewStrides(full, fullStrides, target);
  if (st !== null) return { ...v, shape: target, strides: st };
  const buf = device.backend.copy({ ...v, shape: full, strides: fullStrides });
  temps.push({ buf, size: nb * r * c });
  return { buffer: buf, dtype: v.dtype, shape: target, strides: contiguousStrides(target), offset: 0 };
}

/**
 * Matrix product with `torch.matmul` semantics: 1-D·1-D is a dot product, a 1-D operand
 * gets a dimension added and removed again, and leading (batch) dimensions broadcast.
 *
 * @example
 * ```ts
 * import { matmul, randn } from '@fackel/tensor';
 * matmul(randn([10, 3, 4]), randn([4, 5])).shape; // [10, 3, 5]
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const device = deviceOf('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both arguments need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  }
  if (a.dtype !== b.dtype) throw new DTypeError(`matmul: expected both operands to have the same dtype, but got ${a.dtype} and ${b.dtype}`);
  if (a.dtype === 'bool') throw new DTypeError('matmul: bool tensors are not supported; cast them with .float() or .int()');
  const aShape = a.ndim === 1 ? [1, a.shape[0]] : a.shape;
  const bShape = b.ndim === 1 ? [b.shape[0], 1] : b.shape;
  const m = aShape[aShape.length - 2];
  const k = aShape[aShape.length - 1];
  const k2 = bShape[bShape.length - 2];
  const n = bShape[bShape.length - 1];
  if (k !== k2) {
    const sa = a.ndim <= 2 ? fmtShape(a.shape) : `[${a.shape.slice(0, -2).join(',')},${m},${k}]`;
    throw new ShapeError(`matmul: shapes ${sa} and ${fmtShape(b.shape)} cannot be multiplied (${k} != ${k2})`);
  }
  const batch = broadcastShapes(aShape.slice(0, -2), bShape.slice(0, -2), 'matmul (batch dimensions)');
  const av0 = a.ndim === 1 ? a._alias([1, k], [0, a.strides[0]], a.offset) : a;
  const bv0 = b.ndim === 1 ? b._alias([k, 1], [b.strides[0], 0], b.offset) : b;
  const temps: { buf: unknown; size: number }[] = [];
  const av = as3d(device, av0, batch, m, k, temps);
  const bv = as3d(device, bv0, batch, k, n, temps);
  const buf = device.backend.matmul(av, bv);
  for (const t of temps) device.backend.release(t.buf, a.dtype, t.size);
  if (av0 !== a) av0.dispose();
  if (bv0 !== b) bv0.dispose();
  const outShape = [...batch];
  if (a.ndim > 1) outShape.push(m);
  if (b.ndim > 1) outShape.push(n);
  return record('matmul', [a, b], wrap(device, buf, a.dtype, outShape));
}

/**
 * Batched matrix product of two 3-D tensors `[b, n, m] @ [b, m, p] → [b, n, p]` (no broadcasting).
 *
 * @example
 * ```ts
 * import { bmm, randn } from '@fackel/tensor';
 * bmm(randn([8, 2, 3]), randn([8, 3, 4])).shape; // [8, 2, 4]
 * ```
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) throw new ShapeError(`bmm: expected two 3-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`bmm: batch sizes must match, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return matmul(a, b);
}
