import {
  arrayType,
  isContiguousLayout,
  registerBackend,
  shapeSize,
  type Backend,
  type BackendMemory,
  type BinaryOp,
  type DType,
  type FusedKernels,
  type ReduceOp,
  type TypedArray,
  type UnaryOp,
  type View,
} from '@fackel/tensor';
import { assignKernel, binaryKernel, copyKernel, unaryKernel, whereKernel } from './elementwise.js';
import { adamStepKernel, lstmCellBackwardKernel, lstmCellKernel, softmaxCrossEntropyBackwardKernel, softmaxCrossEntropyKernel } from './fused.js';
import { gatherKernel, indexSelectKernel, scatterAddKernel } from './indexing.js';
import { lstmSequenceBackwardKernel, lstmSequenceKernel } from './kernels/lstm-sequence.js';
import { clearPackedCache, invalidatePacked, matmulInto } from './kernels/matmul.js';
import { col2imKernel, im2colKernel } from './kernels/im2col.js';
import { cumsumKernel, reduceKernel, sortKernel } from './reduce.js';

/**
 * Fackel's CPU backend: kernels in plain TypeScript over typed arrays (float32, int32,
 * bool as Uint8Array, and float64 for gradient checks). Elementwise kernels are generated
 * per op and operand layout; matmul is register-blocked and uses worker threads for large
 * products. Reads can be synchronous.
 *
 * @example
 * ```ts
 * import { registerBackend, tensor } from '@fackel/tensor';
 * import { CpuBackend } from '@fackel/backend-cpu';
 * registerBackend('cpu', () => new CpuBackend());
 * tensor([1, 2, 3]).mul(2);
 * ```
 */
export class CpuBackend implements Backend<TypedArray> {
  readonly name = 'cpu';
  readonly dtypes: readonly DType[] = ['float32', 'int32', 'bool', 'float64'];
  private buffers = 0;
  private bytes = 0;
  /** Released buffers by dtype, then by length, reused by later allocations (bounded). */
  private readonly pool: Record<DType, Map<number, TypedArray[]>> = { float32: new Map(), int32: new Map(), bool: new Map(), float64: new Map() };
  private pooledBytes = 0;
  /** Upper bound of the reuse pool in bytes. */
  maxPooledBytes = 256 * 1024 * 1024;

  readonly fused: FusedKernels<TypedArray> = {
    lstmCell: (gates, c) => {
      const [n, h] = c.shape as [number, number];
      const hc = this.alloc(gates.dtype, n * 2 * h) as Float32Array;
      const act = this.alloc(gates.dtype, n * 4 * h) as Float32Array;
      lstmCellKernel(this.contiguousData(gates), this.contiguousData(c), n, h, hc, act);
      return [hc, act];
    },
    lstmCellBackward: (dHc, act, c, hc) => {
      const [n, h] = c.shape as [number, number];
      const dGates = this.alloc(c.dtype, n * 4 * h) as Float32Array;
      const dC = this.alloc(c.dtype, n * h) as Float32Array;
      lstmCellBackwardKernel(this.contiguousData(dHc), this.contiguousData(act), this.contiguousData(c), this.contiguousData(hc), n, h, dGates, dC);
      return [dGates, dC];
    },
    lstmSequence: (gx, h0, c0, wHh, bias, reverse, save) => {
      const [T, N, G] = gx.shape as [number, number, number];
      const H = G / 4;
      const dt = gx.dtype;
      const packed = this.out(dt, (T + 1) * N * H) as Float32Array;
      const hcs = save ? (this.out(dt, T * N * 2 * H) as Float32Array) : null;
      const act = save ? (this.out(dt, T * N * G) as Float32Array) : null;
      const data = (v: View<TypedArray> | null): Float32Array | null => (v === null ? null : (this.contiguousData(v) as Float32Array));
      lstmSequenceKernel(data(gx)!, data(h0), data(c0), wHh as View<Float32Array>, data(bias), T, N, H, reverse, packed, hcs, act);
      return [packed, hcs, act];
    },
    lstmSequenceBackward: (grad, act, hcs, c0, wHh, reverse, wantDh0) => {
      const [T, N, G] = act.shape as [number, number, number];
      const H = G / 4;
      const dt = act.dtype;
      const dG = this.out(dt, T * N * G) as Float32Array;
      const dh0 = wantDh0 ? (this.out(dt, N * H) as Float32Array) : null;
      const dc0 = this.out(dt, N * H) as Float32Array;
      const data = (v: View<TypedArray>): Float32Array => this.contiguousData(v) as Float32Array;
      lstmSequenceBackwardKernel(data(grad), data(act), data(hcs), c0 === null ? null : data(c0), wHh as View<Float32Array>, T, N, H, reverse, dG, dh0, dc0);
      return [dG, dh0, dc0];
    },
    softmaxCrossEntropy: (logits, target, ignoreIndex) => {
      const [n, c] = logits.shape as [number, number];
      const loss = this.out(logits.dtype, n) as Float32Array;
      const probs = this.out(logits.dtype, n * c) as Float32Array;
      try {
        softmaxCrossEntropyKernel(this.contiguousData(logits), this.contiguousData(target), n, c, ignoreIndex, loss, probs);
      } catch (e) {
        this.release(loss, logits.dtype);
        this.release(probs, logits.dtype);
        throw e;
      }
      return [loss, probs];
    },
    softmaxCrossEntropyBackward: (gradLoss, probs, target, ignoreIndex) => {
      const [n, c] = probs.shape as [number, number];
      const d = this.out(probs.dtype, n * c) as Float32Array;
      softmaxCrossEntropyBackwardKernel(this.contiguousData(gradLoss), this.contiguousData(probs), this.contiguousData(target), n, c, ignoreIndex, d);
      return d;
    },
    adamStep: (param, grad, expAvg, expAvgSq, maxExpAvgSq, n, opts) => {
      // in place: packed copies of these buffers kept by matmul are stale from now on
      invalidatePacked(param);
      invalidatePacked(expAvg);
      invalidatePacked(expAvgSq);
      if (maxExpAvgSq !== null) invalidatePacked(maxExpAvgSq);
      adamStepKernel(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, opts);
    },
    im2col: (x, p) => {
      const out = this.out(x.dtype, p.n * p.c * p.kh * p.kw * p.oh * p.ow) as Float32Array;
      im2colKernel(x.buffer, x.offset, p, out);
      return out;
    },
    col2im: (cols, p) => {
      const out = this.alloc(cols.dtype, p.n * p.c * p.h * p.w) as Float32Array;
      col2imKernel(cols.buffer, cols.offset, p, out);
      return out;
    },
  };

  /** A zero-filled buffer (the contract's `alloc`). */
  alloc(dtype: DType, n: number): TypedArray {
    const reused = this.take(dtype, n);
    if (reused !== null) return reused.fill(0);
    return this.fresh(dtype, n);
  }

  /** A buffer whose contents are about to be overwritten entirely by a kernel. */
  private out(dtype: DType, n: number): TypedArray {
    return this.take(dtype, n) ?? this.fresh(dtype, n);
  }

  private fresh(dtype: DType, n: number): TypedArray {
    const Ctor = arrayType(dtype);
    this.buffers++;
    this.bytes += n * Ctor.BYTES_PER_ELEMENT;
    return new Ctor(n);
  }

  private take(dtype: DType, n: number): TypedArray | null {
    if (n === 0) return null;
    const list = this.pool[dtype].get(n);
    if (list === undefined || list.length === 0) return null;
    const buf = list.pop()!;
    this.pooledBytes -= buf.byteLength;
    this.buffers++;
    this.bytes += buf.byteLength;
    return buf;
  }

  release(buffer: TypedArray, dtype: DType): void {
    invalidatePacked(buffer); // a pooled buffer is recycled (overwritten) by later allocations
    this.buffers--;
    this.bytes -= buffer.byteLength;
    const n = buffer.length;
    if (n === 0 || buffer.byteLength !== buffer.buffer.byteLength || this.pooledBytes + buffer.byteLength > this.maxPooledBytes) return;
    const byLength = this.pool[dtype];
    let list = byLength.get(n);
    if (list === undefined) byLength.set(n, (list = []));
    if (list.length >= 32) return;
    list.push(buffer);
    this.pooledBytes += buffer.byteLength;
  }

  /** A buffer was garbage-collected without `release` (its tensors were never disposed): corrects the counts. */
  forget(dtype: DType, size: number): void {
    this.buffers--;
    this.bytes -= size * arrayType(dtype).BYTES_PER_ELEMENT;
  }

  /** Drops every pooled buffer (the garbage collector frees them). */
  emptyCache(): void {
    clearPackedCache();
    for (const byLength of Object.values(this.pool)) byLength.clear();
    this.pooledBytes = 0;
  }

  write(buffer: TypedArray, _dtype: DType, data: TypedArray, offset: number): void {
    invalidatePacked(buffer);
    buffer.set(data, offset);
  }

  readSync(x: View<TypedArray>): TypedArray {
    const out = new (arrayType(x.dtype))(shapeSize(x.shape));
    copyKernel(x, out);
    return out;
  }

  async read(x: View<TypedArray>): Promise<TypedArray> {
    return this.readSync(x);
  }

  unary(op: UnaryOp, x: View<TypedArray>, outDtype: DType, shape: readonly number[]): TypedArray {
    const out = this.out(outDtype, shapeSize(shape));
    unaryKernel(op, x, out, outDtype);
    return out;
  }

  binary(op: BinaryOp, a: View<TypedArray> | number, b: View<TypedArray> | number, shape: readonly number[], outDtype: DType): TypedArray {
    const out = this.out(outDtype, shapeSize(shape));
    try {
      binaryKernel(op, a, b, out, outDtype);
    } catch (e) {
      this.release(out, outDtype); // integer fmod by zero
      throw e;
    }
    return out;
  }

  where(cond: View<TypedArray>, a: View<TypedArray> | number, b: View<TypedArray> | number, shape: readonly number[], outDtype: DType): TypedArray {
    const out = this.out(outDtype, shapeSize(shape));
    whereKernel(cond, a, b, out, outDtype);
    return out;
  }

  reduce(op: ReduceOp, x: View<TypedArray>, axes: readonly number[], outDtype: DType): TypedArray {
    let n = 1;
    for (let i = 0; i < x.shape.length; i++) if (!axes.includes(i)) n *= x.shape[i];
    const out = this.out(outDtype, n);
    reduceKernel(op, x, axes, out);
    return out;
  }

  cumsum(x: View<TypedArray>, axis: number, outDtype: DType): TypedArray {
    const out = this.alloc(outDtype, shapeSize(x.shape));
    if (out.length > 0) cumsumKernel(x, axis, out);
    return out;
  }

  sort(x: View<TypedArray>, descending: boolean): [TypedArray, TypedArray] {
    const n = shapeSize(x.shape);
    const values = this.alloc(x.dtype, n);
    const indices = this.alloc('int32', n) as Int32Array;
    if (n > 0) sortKernel(x, descending, values, indices);
    return [values, indices];
  }

  matmul(a: View<TypedArray>, b: View<TypedArray>): TypedArray {
    const out = this.out(a.dtype, a.shape[0] * a.shape[1] * b.shape[2]); // overwritten entirely
    // Every write into an existing buffer goes through this class, which tells matmul
    // (`invalidatePacked`), so matmul may reuse packed weight panels across calls.
    matmulInto(a, b, out as Float32Array | Float64Array | Int32Array, true);
    return out;
  }

  gather(x: View<TypedArray>, axis: number, index: View<TypedArray>): TypedArray {
    const out = this.out(x.dtype, shapeSize(index.shape));
    if (out.length > 0) gatherKernel(x, axis, index, out);
    return out;
  }

  indexSelect(x: View<TypedArray>, axis: number, index: View<TypedArray>): TypedArray {
    const out = this.alloc(x.dtype, shapeSize(x.shape.map((d, i) => (i === axis ? index.shape[0] : d))));
    if (out.length > 0) indexSelectKernel(x, axis, index, out);
    return out;
  }

  scatterAdd(base: View<TypedArray>, axis: number, index: View<TypedArray>, src: View<TypedArray>): TypedArray {
    const out = this.copy(base);
    if (shapeSize(index.shape) > 0) scatterAddKernel(out, base.shape, axis, index, src);
    return out;
  }

  cast(x: View<TypedArray>, dtype: DType): TypedArray {
    const out = this.out(dtype, shapeSize(x.shape));
    copyKernel(x, out);
    return out;
  }

  copy(x: View<TypedArray>): TypedArray {
    const out = this.out(x.dtype, shapeSize(x.shape));
    copyKernel(x, out);
    return out;
  }

  assign(dst: View<TypedArray>, src: View<TypedArray> | number): void {
    invalidatePacked(dst.buffer);
    assignKernel(dst, src);
  }

  fill(dtype: DType, n: number, value: number): TypedArray {
    const out = this.out(dtype, n);
    out.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
    return out;
  }

  memory(): BackendMemory {
    return { buffers: this.buffers, bytes: this.bytes, pooledBytes: this.pooledBytes };
  }

  /** The elements of a contiguous view without copying (a subarray), else a contiguous copy. */
  private contiguousData(v: View<TypedArray>): TypedArray {
    const n = shapeSize(v.shape);
    const buf = v.buffer as TypedArray;
    return isContiguousLayout(v.shape, v.strides) ? buf.subarray(v.offset, v.offset + n) : this.readSync(v);
  }
}

/**
 * Registers the CPU backend under the device name `'cpu'` (the default device).
 *
 * @example
 * ```ts
 * import { registerCpuBackend } from '@fackel/backend-cpu';
 * import { tensor } from '@fackel/tensor';
 * registerCpuBackend();
 * tensor([1, 2]).add(1);
 * ```
 */
export function registerCpuBackend(): void {
  registerBackend('cpu', () => new CpuBackend());
}
