import { BufferPool, sizeClass, type RawBuffer } from './buffer.js';
import { PRELUDE, UNIFORM_WORDS, linearEntry, mathLib, mathUsed } from './wgsl.js';

/** Access of a storage binding: `r` read-only, `w` read-write. @internal */
export type Access = 'r' | 'w';

/**
 * A compute kernel: a pipeline-cache key that never contains sizes, the access of each
 * storage binding (bindings 1…n; binding 0 is the uniform block) and a generator for the WGSL
 * body (called once per key). The body declares its own storage bindings and `main`.
 * @internal
 */
export interface Kernel {
  readonly key: string;
  readonly access: string;
  readonly source: () => string;
}

/** Tuning knobs of the command batching and pooling. @internal */
export interface RuntimeOptions {
  dispatchesPerSubmit: number;
  maxPooledBytes: number;
  /** Logs every compiled shader's diagnostics (slow: waits for compilation info). */
  debugShaders: boolean;
  /** Most workgroups a 1-D (grid-stride) kernel is dispatched with. */
  maxLinearGroups: number;
  /** Fewest items each invocation of a 1-D kernel handles before another workgroup is added. */
  minItemsPerInvocation: number;
}

const UNIFORM_BLOCK_BYTES = UNIFORM_WORDS * 4;
const ARENA_BYTES = 64 * 1024;
const MAX_WORKGROUPS = 65535;

/**
 * Owns the device-side machinery: one open command encoder and compute pass shared by
 * consecutive ops, a per-batch uniform arena bound with dynamic offsets, pipeline, layout and
 * bind-group caches, and the buffer pool.
 * @internal
 */
export class Runtime {
  readonly device: GPUDevice;
  readonly queue: GPUQueue;
  readonly pool: BufferPool;
  /** Number of the open batch; increments on every submit. */
  batch = 0;
  submits = 0;
  dispatches = 0;
  private readonly opts: RuntimeOptions;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pendingDispatches = 0;
  private readonly arena: Uint32Array;
  private arenaUsed = 0; // bytes
  private readonly uniformAlign: number;
  private readonly uniformBuffer: GPUBuffer;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout }>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly stagingFree = new Map<number, GPUBuffer[]>();
  private flushScheduled = false;
  private readonly dynamicOffset = [0];
  private destroyed = false;
  /** First uncaptured device error since the last `takeError()`. */
  private error: Error | null = null;

  constructor(device: GPUDevice, opts: RuntimeOptions) {
    this.device = device;
    this.queue = device.queue;
    this.opts = opts;
    this.uniformAlign = Math.max(16, device.limits.minUniformBufferOffsetAlignment);
    this.arena = new Uint32Array(ARENA_BYTES / 4);
    this.uniformBuffer = device.createBuffer({
      size: ARENA_BYTES + UNIFORM_BLOCK_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.pool = new BufferPool(device, opts.maxPooledBytes, (raw) => this.forgetBindGroups(raw));
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      if (!this.error) this.error = new Error(`webgpu: device error: ${e.message}`);
    });
  }

  /** Throws (once) the first device error seen since the last call. */
  takeError(): void {
    const e = this.error;
    if (e) {
      this.error = null;
      throw e;
    }
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  get bindGroupCount(): number {
    return this.bindGroups.size;
  }

  // ---------------------------------------------------------------- pipelines and bind groups

  private layout(access: string): { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout } {
    let l = this.layouts.get(access);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [
        {
          binding: 0,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: UNIFORM_BLOCK_BYTES },
        },
      ];
      for (let i = 0; i < access.length; i++) {
        entries.push({
          binding: i + 1,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: access[i] === 'w' ? 'storage' : 'read-only-storage' },
        });
      }
      const bgl = this.device.createBindGroupLayout({ entries });
      const pl = this.device.createPipelineLayout({ bindGroupLayouts: [bgl] });
      l = { bgl, pl };
      this.layouts.set(access, l);
    }
    return l;
  }

  /** The compiled pipeline of a kernel (compiled on first use, then cached by key). */
  pipeline(k: Kernel): GPUComputePipeline {
    let p = this.pipelines.get(k.key);
    if (!p) {
      const body = k.source();
      const code = `${PRELUDE}\n${mathLib(mathUsed(body))}\n${body}`;
      const module = this.device.createShaderModule({ code, label: k.key });
      if (this.opts.debugShaders) {
        void module.getCompilationInfo().then((info) => {
          for (const m of info.messages) console.error(`[${k.key}] ${m.type} ${m.lineNum}:${m.linePos} ${m.message}`);
          if (info.messages.some((m) => m.type === 'error')) console.error(code);
        });
      }
      p = this.device.createComputePipeline({ layout: this.layout(k.access).pl, compute: { module, entryPoint: 'main' }, label: k.key });
      this.pipelines.set(k.key, p);
    }
    return p;
  }

  private bindGroup(access: string, bufs: readonly RawBuffer[]): GPUBindGroup {
    let key = access;
    for (const b of bufs) key += `:${b.id}`;
    let bg = this.bindGroups.get(key);
    if (!bg) {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.uniformBuffer, offset: 0, size: UNIFORM_BLOCK_BYTES } }];
      for (let i = 0; i < bufs.length; i++) entries.push({ binding: i + 1, resource: { buffer: bufs[i].gpu } });
      bg = this.device.createBindGroup({ layout: this.layout(access).bgl, entries });
      if (this.bindGroups.size >= 8192) this.clearBindGroups();
      this.bindGroups.set(key, bg);
      for (const b of bufs) {
        const keys = (b.bindGroupKeys ??= new Set());
        if (keys.size >= 256) for (const k of keys) if (!this.bindGroups.has(k)) keys.delete(k);
        keys.add(key);
      }
    }
    return bg;
  }

  private clearBindGroups(): void {
    // Rare (a workload cycling through more than 8192 buffer combinations): start over.
    this.bindGroups.clear();
  }

  private forgetBindGroups(raw: RawBuffer): void {
    if (!raw.bindGroupKeys) return;
    for (const k of raw.bindGroupKeys) this.bindGroups.delete(k);
    raw.bindGroupKeys = null;
  }

  /** Workgroups for a grid-stride kernel over `n` items with `wg` invocations per group. */
  groups(n: number, wg: number): number {
    return Math.max(1, Math.min(Math.ceil(n / (wg * this.opts.minItemsPerInvocation)), this.opts.maxLinearGroups));
  }

  // ---------------------------------------------------------------- command recording

  private ensurePass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.encoder ??= this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    return this.pass;
  }

  /** The open encoder with no compute pass open (for copies). */
  encoderForCopy(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  /** Marks buffers as used by the open batch (their reuse and host writes must wait). */
  touch(bufs: readonly RawBuffer[]): void {
    for (const b of bufs) b.batch = this.batch;
  }

  /**
   * Records one dispatch. `words` fill the kernel's uniform block; `grid` is the number of
   * workgroups along x (folded into 2-D past 65 535) or an explicit `[x, y, z]`.
   */
  dispatch(k: Kernel, bufs: readonly RawBuffer[], words: ArrayLike<number>, grid: number | readonly [number, number, number]): void {
    if (this.destroyed) throw new Error('webgpu: the backend was destroyed');
    for (const b of bufs) if (b.needsZero) this.zero(b);
    const pipeline = this.pipeline(k);
    if (this.arenaUsed + UNIFORM_BLOCK_BYTES > ARENA_BYTES || this.pendingDispatches >= this.opts.dispatchesPerSubmit) this.submit();
    const off = this.arenaUsed;
    if (words.length > UNIFORM_WORDS) throw new Error(`webgpu: kernel ${k.key} needs ${words.length} uniform words (max ${UNIFORM_WORDS})`);
    this.arena.set(words, off >> 2);
    this.arenaUsed = off + Math.ceil(Math.max(words.length * 4, 4) / this.uniformAlign) * this.uniformAlign;
    const bg = this.bindGroup(k.access, bufs);
    for (const b of bufs) b.batch = this.batch;
    let x: number, y: number, z: number;
    if (typeof grid === 'number') {
      if (grid <= MAX_WORKGROUPS) {
        x = grid;
        y = 1;
      } else {
        y = Math.ceil(grid / MAX_WORKGROUPS);
        x = Math.ceil(grid / y);
      }
      z = 1;
    } else {
      [x, y, z] = grid;
    }
    if (x === 0 || y === 0 || z === 0) return;
    const pass = this.ensurePass();
    pass.setPipeline(pipeline);
    this.dynamicOffset[0] = off;
    pass.setBindGroup(0, bg, this.dynamicOffset);
    pass.dispatchWorkgroups(x, y, z);
    this.pendingDispatches++;
    this.dispatches++;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      if (!this.destroyed) this.submit();
    });
  }

  /** Submits the open batch (uniforms first), then lets buffers released during it be reused. */
  submit(): void {
    if (!this.encoder) return;
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    const cb = this.encoder.finish();
    this.encoder = null;
    if (this.arenaUsed > 0) this.queue.writeBuffer(this.uniformBuffer, 0, this.arena.buffer, 0, this.arenaUsed);
    this.queue.submit([cb]);
    this.submits++;
    this.arenaUsed = 0;
    this.pendingDispatches = 0;
    this.batch++;
    this.pool.commit();
  }

  // ---------------------------------------------------------------- buffers

  /** Zero-fills a pooled buffer in stream order (a kernel, so no submit is needed). */
  zero(raw: RawBuffer): void {
    raw.needsZero = false;
    const words = raw.capacity / 4;
    this.dispatch(ZERO_KERNEL, [raw], [words], this.groups(words, 64));
  }

  /** Host → device copy at a byte offset; submits first if the open batch uses the buffer. */
  write(raw: RawBuffer, byteOffset: number, data: ArrayBufferView, fullOverwrite: boolean): void {
    if (raw.batch === this.batch && this.encoder) this.submit();
    if (raw.needsZero) {
      raw.needsZero = false;
      if (!fullOverwrite) this.queue.writeBuffer(raw.gpu, 0, new Uint8Array(raw.capacity));
    }
    if (data.byteLength > 0) this.queue.writeBuffer(raw.gpu, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Reads `bytes` at `byteOffset` of a buffer back to the host (submits the open batch). */
  async read(raw: RawBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
    if (raw.needsZero) {
      raw.needsZero = false;
      this.zero(raw);
    }
    const cap = sizeClass(bytes);
    const staging = this.stagingFree.get(cap)?.pop() ?? this.device.createBuffer({ size: cap, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.encoderForCopy().copyBufferToBuffer(raw.gpu, byteOffset, staging, 0, bytes);
    raw.batch = this.batch;
    this.submit();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, cap);
    } catch (e) {
      this.takeError();
      throw e;
    }
    const out = staging.getMappedRange(0, cap).slice(0, bytes);
    staging.unmap();
    if (this.destroyed) staging.destroy();
    else {
      let list = this.stagingFree.get(cap);
      if (!list) this.stagingFree.set(cap, (list = []));
      if (list.length < 4) list.push(staging);
      else staging.destroy();
    }
    this.takeError();
    return out;
  }

  /** Resolves when all submitted work is done. */
  async sync(): Promise<void> {
    this.submit();
    await this.queue.onSubmittedWorkDone();
    this.takeError();
  }

  /** Destroys every GPU object and the device. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.encoder = null;
    this.pass = null;
    this.pool.trim();
    for (const list of this.stagingFree.values()) for (const b of list) b.destroy();
    this.stagingFree.clear();
    this.bindGroups.clear();
    this.pipelines.clear();
    this.layouts.clear();
    this.uniformBuffer.destroy();
    this.device.destroy();
  }
}

/** Fills `u.v[0].x` words of binding 1 with zeros. */
const ZERO_KERNEL: Kernel = {
  key: 'zero',
  access: 'w',
  source: () => `
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
fn body(gid: u32) { out[gid] = 0u; }
${linearEntry(64, 'u.v[0].x')}`,
};
