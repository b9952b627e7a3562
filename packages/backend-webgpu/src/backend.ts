import type { AdamStepOptions, Backend, BackendMemory, BinaryOp, DType, FusedKernels, ReduceOp, TypedArray, UnaryOp, View } from '@fackel/tensor';
import { FackelError, contiguousStrides, isContiguousLayout, shapeSize } from '@fackel/tensor';
import { GPUTensorBuffer, sizeClass, type RawBuffer } from './buffer.js';
import { acquireDevice } from './device.js';
import { binaryExpr, runMap, unaryExpr, type MapInput } from './kernels/elementwise.js';
import { runReduce } from './kernels/reduce.js';
import { runCumsum } from './kernels/scan.js';
import { runSort } from './kernels/sort.js';
import { runMatmul, type MatmulVariant } from './kernels/matmul.js';
import { runGather, runScatterAdd } from './kernels/indexing.js';
import { runCol2im, runIm2col } from './kernels/im2col.js';
import { runAdamStep, runLstmCell, runLstmCellBackward, runSoftmaxCrossEntropy, runSoftmaxCrossEntropyBackward } from './kernels/fused.js';
import { Runtime } from './runtime.js';
import { computeType, storageType, type ComputeType } from './wgsl.js';

/**
 * Options of {@link createWebGPUBackend}.
 *
 * @example
 * ```ts
 * import { createWebGPUBackend, type WebGPUBackendOptions } from '@fackel/backend-webgpu';
 * const opts: WebGPUBackendOptions = { dispatchesPerSubmit: 64, matmul: 'register' };
 * const be = await createWebGPUBackend(opts);
 * await be.destroy();
 * ```
 */
export interface WebGPUBackendOptions {
  /** Dispatches recorded into one command buffer before it is submitted (default 32). */
  dispatchesPerSubmit?: number;
  /** Bytes of released buffers kept for reuse; beyond this they are destroyed (default 512 MiB). */
  maxPooledBytes?: number;
  /**
   * Matmul kernel family. `register` (no workgroup memory or barriers) is faster on CPU
   * drivers such as lavapipe; `tiled` (workgroup-memory tiles) on discrete GPUs. Default: chosen
   * from the adapter (`register` on a CPU adapter, else `tiled`).
   */
  matmul?: MatmulVariant;
  /**
   * Most workgroups a one-dimensional kernel is dispatched with (each loops over its share).
   * Default 32 on a CPU adapter, where every workgroup costs microseconds, else 16384.
   */
  maxLinearGroups?: number;
  /**
   * Fewest items each invocation of a 1-D kernel handles before another workgroup is
   * added. Default 16 on a CPU adapter (a small op then runs as one workgroup instead of
   * paying for many), else 1.
   */
  minItemsPerInvocation?: number;
  /** Adapter power preference passed to `requestAdapter`. */
  powerPreference?: GPUPowerPreference;
  /** Extra Dawn flags passed to `create()` (e.g. `'backend=vulkan'`, `'adapter=NVIDIA …'`). */
  dawnFlags?: readonly string[];
  /** Prints shader compilation messages (development aid). */
  debugShaders?: boolean;
}

/**
 * Fackel's WebGPU backend: every kernel of the `Backend` contract of `@fackel/tensor` as a WGSL compute
 * shader, run by Dawn (the npm `webgpu` package) in Node.
 *
 * Work is recorded into one open command encoder and submitted every
 * `dispatchesPerSubmit` dispatches, before every readback, and at the end of the current
 * JavaScript task; `read` is asynchronous. Create it with {@link createWebGPUBackend}.
 * Buffers store `bool` as `u32` (0/1); `float64` is not supported.
 *
 * @example
 * ```ts
 * import { createWebGPUBackend } from '@fackel/backend-webgpu';
 * const be = await createWebGPUBackend();
 * const a = be.alloc('float32', 3);
 * be.write(a, 'float32', new Float32Array([1, 2, 3]), 0);
 * const v = { buffer: a, dtype: 'float32', shape: [3], strides: [1], offset: 0 } as const;
 * const b = be.binary('mul', v, 2, [3], 'float32');
 * console.log(await be.read({ ...v, buffer: b })); // Float32Array [2, 4, 6]
 * await be.destroy();
 * ```
 */
export class WebGPUBackend implements Backend<GPUTensorBuffer> {
  /** Device name: `'webgpu'`. */
  readonly name = 'webgpu';
  /** Dtypes stored on the GPU (no `float64`). */
  readonly dtypes: readonly DType[] = ['float32', 'int32', 'bool'];
  /** Adapter description, e.g. `mesa / … / llvmpipe …`. */
  readonly adapter: string;
  /** Optional fused kernels: LSTM cell pointwise part (forward and backward), softmax with cross-entropy (forward and backward) and the Adam/AdamW step. */
  readonly fused: FusedKernels<GPUTensorBuffer>;
  /** @internal */
  readonly rt: Runtime;
  private readonly matmulVariant: MatmulVariant;
  /** The largest buffer kernels can bind (the adapter's `maxStorageBufferBindingSize`, at most `maxBufferSize`). */
  private readonly maxBufferBytes: number;

  /** Dawn's instance: referenced while the device lives, dropped by `destroy`. */
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: held only to keep Dawn's instance alive as long as the device
  private gpu: GPU | null;

  /** @internal Use {@link createWebGPUBackend}. */
  constructor(gpu: GPU, device: GPUDevice, adapter: string, opts: WebGPUBackendOptions) {
    this.gpu = gpu;
    this.adapter = adapter;
    this.maxBufferBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const cpuAdapter = /llvmpipe|lavapipe|swiftshader|software|cpu/i.test(adapter);
    this.rt = new Runtime(device, {
      dispatchesPerSubmit: opts.dispatchesPerSubmit ?? 32,
      maxPooledBytes: opts.maxPooledBytes ?? 512 * 1024 * 1024,
      debugShaders: opts.debugShaders ?? false,
      // A CPU driver runs each workgroup as a task costing microseconds: few, long workgroups.
      maxLinearGroups: opts.maxLinearGroups ?? (cpuAdapter ? 32 : 16384),
      minItemsPerInvocation: opts.minItemsPerInvocation ?? (cpuAdapter ? 16 : 1),
    });
    this.matmulVariant = opts.matmul ?? (cpuAdapter ? 'register' : 'tiled');
    this.fused = {
      lstmCell: (gates, c) => this.lstmCell(gates, c),
      lstmCellBackward: (gradHc, act, c, hc) => this.lstmCellBackward(gradHc, act, c, hc),
      softmaxCrossEntropy: (logits, target, ignoreIndex) => this.softmaxCrossEntropy(logits, target, ignoreIndex),
      softmaxCrossEntropyBackward: (gradLoss, probs, target, ignoreIndex) => this.softmaxCrossEntropyBackward(gradLoss, probs, target, ignoreIndex),
      adamStep: (param, grad, expAvg, expAvgSq, maxExpAvgSq, size, o) => this.adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, size, o),
      im2col: (x, p) => {
        const out = this.newBuffer('float32', p.n * p.c * p.kh * p.kw * p.oh * p.ow, false);
        runIm2col(this.rt, x, p, out.raw);
        return out;
      },
      col2im: (cols, p) => {
        const out = this.newBuffer('float32', p.n * p.c * p.h * p.w, false);
        runCol2im(this.rt, cols, p, out.raw);
        return out;
      },
    };
  }

  // ------------------------------------------------------------------ storage

  private newBuffer(dtype: DType, size: number, zeroed: boolean): GPUTensorBuffer {
    storageType(dtype); // rejects float64 with a clear message
    if (this.rt.isDestroyed) throw new Error('webgpu: the backend was destroyed');
    const bytes = Math.max(size, 1) * 4;
    // Kernels bind whole buffers: one larger than the adapter allows would only fail later, as an
    // asynchronous device error. Refuse it here, before anything is recorded.
    const max = this.maxBufferBytes;
    if (sizeClass(bytes) > max) {
      const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
      throw new FackelError(
        `webgpu: a tensor of ${size} ${dtype} elements needs ${mb(bytes)}, more than the ${mb(max)} this adapter can bind as one storage buffer (maxStorageBufferBindingSize); use smaller tensors on this device, or the CPU`,
      );
    }
    return new GPUTensorBuffer(this.rt.pool.acquire(bytes, zeroed), dtype, size);
  }

  /** A zero-filled buffer for `size` elements (zeroed lazily, in stream order, when it comes from the pool). */
  alloc(dtype: DType, size: number): GPUTensorBuffer {
    return this.newBuffer(dtype, size, true);
  }

  /** Returns a buffer to the pool; it is reused once the commands that use it have been submitted. */
  release(buffer: GPUTensorBuffer, _dtype?: DType, _size?: number): void {
    if (buffer.released) throw new Error('webgpu: buffer released twice');
    buffer.released = true;
    if (this.rt.isDestroyed) return;
    this.rt.pool.release(buffer.raw, buffer.raw.batch === this.rt.batch);
  }

  /** Copies host data into a buffer from element `offset` (bool data as 0/1 bytes); ordered after queued kernels that use the buffer. */
  write(buffer: GPUTensorBuffer, dtype: DType, data: TypedArray, offset: number): void {
    let payload: ArrayBufferView;
    switch (storageType(dtype)) {
      case 'f32':
        payload = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
        break;
      case 'i32':
        payload = data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>);
        break;
      default: {
        const u = new Uint32Array(data.length);
        for (let i = 0; i < data.length; i++) u[i] = data[i] ? 1 : 0;
        payload = u;
      }
    }
    this.rt.write(buffer.raw, offset * 4, payload, offset === 0 && data.length >= buffer.size);
  }

  /** Reads a view back as a new contiguous typed array (`Uint8Array` for bool). Submits queued work first. */
  async read(x: View<GPUTensorBuffer>): Promise<TypedArray> {
    const n = shapeSize(x.shape);
    if (n === 0) return emptyArray(x.dtype);
    let src: RawBuffer = x.buffer.raw;
    let offset = x.offset;
    let temp: RawBuffer | null = null;
    if (!isContiguousLayout(x.shape, x.strides)) {
      temp = this.rt.pool.acquire(n * 4, false);
      this.copyInto(x, temp);
      src = temp;
      offset = 0;
    }
    const bytes = await this.rt.read(src, offset * 4, n * 4);
    if (temp) this.rt.pool.release(temp, temp.batch === this.rt.batch);
    switch (x.dtype) {
      case 'float32':
        return new Float32Array(bytes);
      case 'int32':
        return new Int32Array(bytes);
      default: {
        const u = new Uint32Array(bytes);
        const out = new Uint8Array(n);
        for (let i = 0; i < n; i++) out[i] = u[i] !== 0 ? 1 : 0;
        return out;
      }
    }
  }

  // ------------------------------------------------------------------ elementwise

  private input(x: View<GPUTensorBuffer> | number, ctype: ComputeType): MapInput {
    return typeof x === 'number' ? { scalar: x, ctype } : { view: x, ctype };
  }

  /** `out[i] = op(x[i])` as a new contiguous buffer of `outDtype`. */
  unary(op: UnaryOp, x: View<GPUTensorBuffer>, outDtype: DType, shape: readonly number[]): GPUTensorBuffer {
    const out = this.newBuffer(outDtype, shapeSize(shape), false);
    const e = unaryExpr(op, x.dtype, outDtype);
    runMap(this.rt, { name: `u:${op}`, inputs: [{ view: x, ctype: e.ctype }], expr: (a) => e.expr(a[0]), rtype: e.rtype, outDtype, shape }, out.raw);
    return out;
  }

  /** `out[i] = op(a[i], b[i])` over equal-shaped (already broadcast) views or numbers. */
  binary(op: BinaryOp, a: View<GPUTensorBuffer> | number, b: View<GPUTensorBuffer> | number, shape: readonly number[], outDtype: DType): GPUTensorBuffer {
    const out = this.newBuffer(outDtype, shapeSize(shape), false);
    const e = binaryExpr(op, a, b, outDtype);
    runMap(
      this.rt,
      { name: `b:${op}`, inputs: [this.input(a, e.ctype), this.input(b, e.ctype)], expr: (x) => e.expr(x[0], x[1]), rtype: e.rtype, outDtype, shape },
      out.raw,
    );
    return out;
  }

  /** `out[i] = cond[i] ? a[i] : b[i]` over equal-shaped views or numbers. */
  where(
    cond: View<GPUTensorBuffer>,
    a: View<GPUTensorBuffer> | number,
    b: View<GPUTensorBuffer> | number,
    shape: readonly number[],
    outDtype: DType,
  ): GPUTensorBuffer {
    const out = this.newBuffer(outDtype, shapeSize(shape), false);
    const t = computeType(outDtype);
    runMap(
      this.rt,
      {
        name: 'where',
        inputs: [{ view: cond, ctype: 'bool' }, this.input(a, t), this.input(b, t)],
        expr: (x) => `select(${x[2]}, ${x[1]}, ${x[0]})`,
        rtype: t,
        outDtype,
        shape,
      },
      out.raw,
    );
    return out;
  }

  /** Converts to another dtype (float to int truncates toward zero, NaN gives 0; to bool is `!= 0`). */
  cast(x: View<GPUTensorBuffer>, dtype: DType): GPUTensorBuffer {
    const out = this.newBuffer(dtype, shapeSize(x.shape), false);
    const t = computeType(dtype);
    runMap(this.rt, { name: 'cast', inputs: [{ view: x, ctype: t }], expr: (a) => a[0], rtype: t, outDtype: dtype, shape: x.shape }, out.raw);
    return out;
  }

  private copyInto(x: View<GPUTensorBuffer>, out: RawBuffer): void {
    const t = computeType(x.dtype);
    runMap(this.rt, { name: 'copy', inputs: [{ view: x, ctype: t }], expr: (a) => a[0], rtype: t, outDtype: x.dtype, shape: x.shape }, out);
  }

  /** A contiguous copy of a view. */
  copy(x: View<GPUTensorBuffer>): GPUTensorBuffer {
    const out = this.newBuffer(x.dtype, shapeSize(x.shape), false);
    this.copyInto(x, out.raw);
    return out;
  }

  /** Writes `src` (a view of `dst`'s shape, or a number) into the elements of `dst`, in place; an overlapping source is copied first. */
  assign(dst: View<GPUTensorBuffer>, src: View<GPUTensorBuffer> | number): void {
    if (shapeSize(dst.shape) === 0) return;
    let s: View<GPUTensorBuffer> | number = src;
    let temp: GPUTensorBuffer | null = null;
    if (typeof src !== 'number' && src.buffer.raw === dst.buffer.raw) {
      // A storage binding that is written may not alias another binding: copy the source first.
      temp = this.copy(src);
      s = { buffer: temp, dtype: src.dtype, shape: src.shape, strides: contiguousStrides(src.shape), offset: 0 };
    }
    const t = computeType(dst.dtype);
    runMap(
      this.rt,
      { name: 'assign', inputs: [this.input(s, t)], expr: (a) => a[0], rtype: t, outDtype: dst.dtype, shape: dst.shape, outView: dst },
      dst.buffer.raw,
    );
    if (temp) this.release(temp);
  }

  /** A buffer of `size` elements all equal to `value`. */
  fill(dtype: DType, size: number, value: number): GPUTensorBuffer {
    const out = this.newBuffer(dtype, size, false);
    const t = computeType(dtype);
    runMap(this.rt, { name: 'fill', inputs: [{ scalar: value, ctype: t }], expr: (a) => a[0], rtype: t, outDtype: dtype, shape: [size] }, out.raw);
    return out;
  }

  // ------------------------------------------------------------------ reductions and scans

  /** Reduces `axes`; max/min propagate NaN, argmax/argmin take the first index on ties (and the first NaN). */
  reduce(op: ReduceOp, x: View<GPUTensorBuffer>, axes: readonly number[], outDtype: DType): GPUTensorBuffer {
    const axisSet = new Set(axes);
    const outShape = x.shape.filter((_, d) => !axisSet.has(d));
    const outs = shapeSize(outShape);
    if (outs > 0 && shapeSize(axes.map((d) => x.shape[d])) === 0) {
      // Empty reduction: the identity (sum 0, prod 1, mean NaN); max/min/arg* are rejected by the facade.
      const v = op === 'prod' ? 1 : op === 'mean' || op === 'max' || op === 'min' ? NaN : 0;
      return this.fill(outDtype, outs, v);
    }
    const out = this.newBuffer(outDtype, outs, false);
    runReduce(this.rt, op, x, axes, outDtype, out.raw);
    return out;
  }

  /** Inclusive cumulative sum along `axis`, contiguous output. */
  cumsum(x: View<GPUTensorBuffer>, axis: number, outDtype: DType): GPUTensorBuffer {
    const out = this.newBuffer(outDtype, shapeSize(x.shape), false);
    runCumsum(this.rt, x, axis, outDtype, out.raw);
    return out;
  }

  /** Stable sort of the last axis: `[values, indices]` (indices int32); NaN sorts as the largest value. */
  sort(x: View<GPUTensorBuffer>, descending: boolean): [GPUTensorBuffer, GPUTensorBuffer] {
    const n = shapeSize(x.shape);
    const values = this.newBuffer(x.dtype, n, false);
    const indices = this.newBuffer('int32', n, false);
    runSort(this.rt, x, descending, values.raw, indices.raw);
    return [values, indices];
  }

  // ------------------------------------------------------------------ linear algebra and indexing

  /** Batched matrix product `[batch, m, k] @ [batch, k, n]` for any strides (stride 0 broadcasts a batch). */
  matmul(a: View<GPUTensorBuffer>, b: View<GPUTensorBuffer>): GPUTensorBuffer {
    const ra = a.shape.length;
    const batch = ra === 3 ? Math.max(a.shape[0], b.shape[0]) : 1;
    const m = a.shape[ra - 2];
    const n = b.shape[b.shape.length - 1];
    const out = this.newBuffer(a.dtype, batch * m * n, false);
    runMatmul(this.rt, a, b, out.raw, this.matmulVariant);
    return out;
  }

  /** `out[p] = x[p with p[axis] := index[p]]`; out has `index`'s shape (an out-of-range index reads 0). */
  gather(x: View<GPUTensorBuffer>, axis: number, index: View<GPUTensorBuffer>): GPUTensorBuffer {
    const out = this.newBuffer(x.dtype, shapeSize(index.shape), false);
    runGather(this.rt, x, axis, index, index.shape, index.strides, out.raw);
    return out;
  }

  /** Selects entries of `axis` by a 1-D int32 index. */
  indexSelect(x: View<GPUTensorBuffer>, axis: number, index: View<GPUTensorBuffer>): GPUTensorBuffer {
    const outShape = x.shape.slice();
    const len = index.shape.length === 0 ? 1 : index.shape[0];
    outShape[axis] = len;
    const iStrides = outShape.map((_, d) => (d === axis ? (index.shape.length === 0 ? 0 : index.strides[0]) : 0));
    const out = this.newBuffer(x.dtype, shapeSize(outShape), false);
    runGather(this.rt, x, axis, index, outShape, iStrides, out.raw);
    return out;
  }

  /** `base` copied, then `out[..., index[j], ...] += src[j]` along `axis` (out-of-range indices are skipped). */
  scatterAdd(base: View<GPUTensorBuffer>, axis: number, index: View<GPUTensorBuffer>, src: View<GPUTensorBuffer>): GPUTensorBuffer {
    const out = this.newBuffer(base.dtype, shapeSize(base.shape), false);
    runScatterAdd(this.rt, base, axis, index, src, out.raw);
    return out;
  }

  // ------------------------------------------------------------------ fused kernels

  private lstmCell(gates: View<GPUTensorBuffer>, c: View<GPUTensorBuffer>): [GPUTensorBuffer, GPUTensorBuffer] {
    const n = gates.shape[0];
    const hid = c.shape[1];
    const hc = this.newBuffer('float32', n * 2 * hid, false);
    const act = this.newBuffer('float32', n * 4 * hid, false);
    runLstmCell(this.rt, gates, c, hc.raw, act.raw);
    return [hc, act];
  }

  private lstmCellBackward(
    gradHc: View<GPUTensorBuffer>,
    act: View<GPUTensorBuffer>,
    c: View<GPUTensorBuffer>,
    hc: View<GPUTensorBuffer>,
  ): [GPUTensorBuffer, GPUTensorBuffer] {
    const n = c.shape[0];
    const hid = c.shape[1];
    const dGates = this.newBuffer('float32', n * 4 * hid, false);
    const dC = this.newBuffer('float32', n * hid, false);
    runLstmCellBackward(this.rt, gradHc, act, c, hc, dGates.raw, dC.raw);
    return [dGates, dC];
  }

  private softmaxCrossEntropy(logits: View<GPUTensorBuffer>, target: View<GPUTensorBuffer>, ignoreIndex: number): [GPUTensorBuffer, GPUTensorBuffer] {
    const n = logits.shape[0];
    const c = logits.shape[1];
    const loss = this.newBuffer('float32', n, false);
    const probs = this.newBuffer('float32', n * c, false);
    runSoftmaxCrossEntropy(this.rt, logits, target, ignoreIndex, loss.raw, probs.raw);
    return [loss, probs];
  }

  private softmaxCrossEntropyBackward(
    gradLoss: View<GPUTensorBuffer>,
    probs: View<GPUTensorBuffer>,
    target: View<GPUTensorBuffer>,
    ignoreIndex: number,
  ): GPUTensorBuffer {
    const n = probs.shape[0];
    const c = probs.shape[1];
    const d = this.newBuffer('float32', n * c, false);
    runSoftmaxCrossEntropyBackward(this.rt, gradLoss, probs, target, ignoreIndex, d.raw);
    return d;
  }

  private adamStep(
    param: GPUTensorBuffer,
    grad: GPUTensorBuffer,
    expAvg: GPUTensorBuffer,
    expAvgSq: GPUTensorBuffer,
    maxExpAvgSq: GPUTensorBuffer | null,
    size: number,
    o: AdamStepOptions,
  ): void {
    runAdamStep(this.rt, param.raw, grad.raw, expAvg.raw, expAvgSq.raw, maxExpAvgSq?.raw ?? null, size, o);
  }

  // ------------------------------------------------------------------ queue and lifetime

  /** Submits the recorded commands now. */
  flush(): void {
    if (!this.rt.isDestroyed) this.rt.submit();
  }

  /** Resolves when all submitted work has completed; rethrows the first device error seen. */
  async sync(): Promise<void> {
    if (!this.rt.isDestroyed) await this.rt.sync();
  }

  /** Live buffers and bytes, pooled bytes, and counters (pipelines, bind groups, submits, dispatches). */
  memory(): BackendMemory {
    const p = this.rt.pool;
    return {
      buffers: p.liveBuffers,
      bytes: p.liveBytes,
      pooledBytes: p.pooledBytes + p.pendingBytes,
      device: this.adapter,
      createdBuffers: p.created,
      pipelines: this.rt.pipelineCount,
      bindGroups: this.rt.bindGroupCount,
      submits: this.rt.submits,
      dispatches: this.rt.dispatches,
    };
  }

  /** Destroys the GPU device (so Node can exit); the backend must not be used afterwards. */
  async destroy(): Promise<void> {
    if (this.rt.isDestroyed) return;
    try {
      await this.rt.sync();
    } catch {
      // destroying anyway
    }
    this.rt.destroy();
    this.gpu = null;
  }
}

function emptyArray(dtype: DType): TypedArray {
  return dtype === 'float32' ? new Float32Array(0) : dtype === 'int32' ? new Int32Array(0) : new Uint8Array(0);
}

/**
 * Creates the WebGPU backend: requests an adapter and a device from Dawn.
 *
 * Throws an error naming the missing Vulkan driver (and how to install it) when no adapter
 * is found.
 *
 * @example
 * ```ts
 * import { createWebGPUBackend } from '@fackel/backend-webgpu';
 * const be = await createWebGPUBackend({ dispatchesPerSubmit: 32 });
 * console.log(be.adapter); // e.g. "mesa / … llvmpipe …"
 * await be.destroy();
 * ```
 */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const { gpu, device, description } = await acquireDevice({
    ...(options.powerPreference ? { powerPreference: options.powerPreference } : {}),
    ...(options.dawnFlags ? { dawnFlags: options.dawnFlags } : {}),
  });
  return new WebGPUBackend(gpu, device, description, options);
}
