import type { DType } from '@fackel/tensor';

/**
 * A pooled GPU allocation. The same `RawBuffer` is handed out again after release, so caches
 * (bind groups) key on its `id`, never on the tensor-level wrapper.
 * @internal
 */
export interface RawBuffer {
  readonly id: number;
  readonly gpu: GPUBuffer;
  /** Bytes the GPU buffer holds (its size class). */
  readonly capacity: number;
  /** Number of the command batch that last referenced it (see `Runtime.batch`). */
  batch: number;
  /** True while the contents must read as zeros but have not been cleared yet. */
  needsZero: boolean;
  /** Keys of cached bind groups that reference this buffer. */
  bindGroupKeys: Set<string> | null;
}

/**
 * A tensor storage on the WebGPU device: what `Backend<GPUTensorBuffer>` hands the facade.
 *
 * Opaque to callers; it exposes the `GPUBuffer` for interop (e.g. custom kernels). Elements are
 * stored as `f32`, `i32`, or `u32` (0/1) for `bool`, packed from byte 0.
 *
 * @example
 * ```ts
 * import { createWebGPUBackend } from '@fackel/backend-webgpu';
 * const be = await createWebGPUBackend();
 * const buf = be.fill('float32', 4, 1.5); // a GPUTensorBuffer
 * console.log(buf.size, buf.dtype, buf.gpuBuffer.size); // 4 'float32' 256
 * be.release(buf, 'float32', 4);
 * await be.destroy();
 * ```
 */
export class GPUTensorBuffer {
  /** @internal */
  readonly raw: RawBuffer;
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** @internal */
  released = false;

  /** @internal */
  constructor(raw: RawBuffer, dtype: DType, size: number) {
    this.raw = raw;
    this.dtype = dtype;
    this.size = size;
  }

  /** The underlying `GPUBuffer` (usage STORAGE | COPY_SRC | COPY_DST); may be larger than needed. */
  get gpuBuffer(): GPUBuffer {
    return this.raw.gpu;
  }

  /** Bytes used by the elements (4 per element for every dtype). */
  get byteLength(): number {
    return this.size * 4;
  }
}

/**
 * The capacity a request of `bytes` is rounded up to: at least 256 bytes, then four size
 * classes per power of two (at most 25% waste), so released buffers are found again.
 * @internal
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const k = Math.floor(Math.log2(bytes));
  const step = 2 ** (k - 2);
  return Math.ceil(bytes / step) * step;
}

/**
 * Size-class pool of storage buffers. A buffer released while the open command batch still
 * references it only becomes reusable once that batch is submitted (`commit`), because
 * `queue.writeBuffer` on a reused buffer would otherwise overtake the unsubmitted commands.
 * @internal
 */
export class BufferPool {
  private readonly free = new Map<number, RawBuffer[]>();
  private pending: RawBuffer[] = [];
  private nextId = 1;
  pooledBytes = 0;
  pendingBytes = 0;
  liveBuffers = 0;
  liveBytes = 0;
  created = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxPooledBytes: number,
    private readonly onDestroy: (raw: RawBuffer) => void,
  ) {}

  /**
   * A buffer of at least `bytes`. With `zeroed`, a pooled buffer is flagged `needsZero` (fresh
   * buffers are zero already); without it the caller overwrites the contents.
   */
  acquire(bytes: number, zeroed: boolean): RawBuffer {
    const cap = sizeClass(bytes);
    const list = this.free.get(cap);
    let raw = list?.pop();
    if (raw) {
      this.pooledBytes -= cap;
      raw.needsZero = zeroed;
    } else {
      const gpu = this.device.createBuffer({
        size: cap,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      raw = { id: this.nextId++, gpu, capacity: cap, batch: -1, needsZero: false, bindGroupKeys: null };
      this.created++;
    }
    this.liveBuffers++;
    this.liveBytes += cap;
    return raw;
  }

  /** Gives a buffer back; `inOpenBatch` delays its reuse until the next `commit`. */
  release(raw: RawBuffer, inOpenBatch: boolean): void {
    this.liveBuffers--;
    this.liveBytes -= raw.capacity;
    if (inOpenBatch) {
      this.pending.push(raw);
      this.pendingBytes += raw.capacity;
    } else {
      this.toFree(raw);
    }
  }

  /** Called after a submit: buffers released during that batch become reusable. */
  commit(): void {
    if (this.pending.length === 0) return;
    const p = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const raw of p) this.toFree(raw);
  }

  private toFree(raw: RawBuffer): void {
    if (this.pooledBytes + raw.capacity > this.maxPooledBytes) {
      this.destroyRaw(raw);
      return;
    }
    let list = this.free.get(raw.capacity);
    if (!list) {
      list = [];
      this.free.set(raw.capacity, list);
    }
    list.push(raw);
    this.pooledBytes += raw.capacity;
  }

  private destroyRaw(raw: RawBuffer): void {
    this.onDestroy(raw);
    raw.gpu.destroy();
  }

  /** Destroys every pooled buffer (live ones stay). */
  trim(): void {
    this.commit();
    for (const list of this.free.values()) for (const raw of list) this.destroyRaw(raw);
    this.free.clear();
    this.pooledBytes = 0;
  }
}
