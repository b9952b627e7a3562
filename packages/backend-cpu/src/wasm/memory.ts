/**
 * The scratch part of the CPU backend's one shared WebAssembly memory, for kernels other than
 * matmul. The memory is created by the matmul module (`getWasmMatmul().memory`); the bytes
 * from {@link SCRATCH_BASE} on belong to whichever synchronous kernel call is running (matmul
 * included), so a kernel copies its operands in, runs, and copies its results out before it
 * returns, and never keeps data there between calls.
 */
import { WASM_MAX_PAGES, WASM_RESERVED_BYTES, WASM_RESIDENT_BYTES, getWasmMatmul, wasmApi, type WasmMemoryLike } from '../kernels/matmul-wasm.js';

/** First byte of matmul's region of packed weight panels kept between calls. */
export const RESIDENT_BASE = WASM_RESERVED_BYTES;

/**
 * First byte of the scratch region (below it: matmul's per-thread edge-tile areas and its
 * packed weight panels kept between calls, which no other kernel touches).
 */
export const SCRATCH_BASE = WASM_RESERVED_BYTES + WASM_RESIDENT_BYTES;

/**
 * The backend's shared memory, or null where WebAssembly SIMD or shared memory is unavailable
 * (then kernels use their JavaScript versions).
 */
export function sharedMemory(): WasmMemoryLike | null {
  return getWasmMatmul()?.memory ?? null;
}

/**
 * Instantiates `bytes` (a module importing the shared memory as `env.mem`) and returns its
 * exports, or null where the memory or the module is unavailable or does not validate.
 */
export function instantiateWithSharedMemory(bytes: Uint8Array): Record<string, unknown> | null {
  const memory = sharedMemory();
  if (memory === null || wasmApi === undefined || !wasmApi.validate(bytes)) return null;
  return new wasmApi.Instance(new wasmApi.Module(bytes), { env: { mem: memory } }).exports;
}

/**
 * A getter for a kernel module compiled on first use: the first call instantiates `bytes()`
 * against the shared memory ({@link instantiateWithSharedMemory}), takes the kernels from its
 * exports with `pick` and keeps them only if `selfCheck` passes (the check may run them through
 * this getter, which already returns them while it runs). Later calls return the kept kernels,
 * or null where the module was unavailable, threw, or failed its check.
 */
export function lazyWasmKernels<K>(bytes: () => Uint8Array, pick: (exports: Record<string, unknown>) => K, selfCheck?: () => boolean): () => K | null {
  let kept: K | null | undefined;
  return () => {
    if (kept !== undefined) return kept;
    kept = null;
    try {
      const ex = instantiateWithSharedMemory(bytes());
      if (ex === null) return null;
      kept = pick(ex);
      if (selfCheck !== undefined && !selfCheck()) kept = null;
    } catch {
      kept = null;
    }
    return kept;
  };
}

let view: Float32Array<ArrayBufferLike> = new Float32Array(0);
/** The memory `view` looks at. */
let viewOf: WasmMemoryLike | null = null;

/**
 * A float32 view of the whole of `memory` in which its first `endBytes` bytes exist, growing
 * it when needed (by at least a quarter, up to {@link WASM_MAX_PAGES}); null if it cannot grow
 * that far. The view is valid until the memory grows. Matmul and the other kernels share it.
 */
export function memoryF32(memory: WasmMemoryLike, endBytes: number): Float32Array<ArrayBufferLike> | null {
  // The view of the memory's current buffer stays valid (a shared memory's old buffers keep
  // their length when it grows), so a request within it needs no look at `memory.buffer`,
  // whose getter is not free.
  if (memory === viewOf && endBytes <= view.byteLength) return view;
  const have = memory.buffer.byteLength;
  if (endBytes > have) {
    const maxBytes = WASM_MAX_PAGES * 65536;
    if (endBytes > maxBytes) return null;
    const want = Math.min(maxBytes, Math.max(endBytes, Math.ceil(have * 1.25)));
    try {
      memory.grow(Math.ceil((want - have) / 65536));
    } catch {
      return null;
    }
  }
  // The buffer object changes (only) when the memory grows.
  if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
  viewOf = memory;
  return view;
}

/**
 * A float32 view of the whole shared memory in which the `bytes` bytes from
 * {@link SCRATCH_BASE} exist (see {@link memoryF32}); null if there is no shared memory or it
 * cannot grow that far. Index `SCRATCH_BASE / 4` is the first scratch element. The view is
 * valid until the memory grows (the next call may grow it).
 */
export function scratchF32(bytes: number): Float32Array<ArrayBufferLike> | null {
  const memory = sharedMemory();
  return memory === null ? null : memoryF32(memory, SCRATCH_BASE + bytes);
}

let regionOf: Float32Array<ArrayBufferLike> | null = null;
let regionStart = -1;
let region: Float32Array<ArrayBufferLike> = new Float32Array(0);

/**
 * `mem.subarray(start, start + length)`, the last one kept and handed out again for the same
 * view, start and length (kernels on small tensors copy their result out of the same region
 * call after call; a new subarray object each time is a measurable part of their cost).
 */
export function memoryRegion(mem: Float32Array<ArrayBufferLike>, start: number, length: number): Float32Array<ArrayBufferLike> {
  if (mem !== regionOf || start !== regionStart || length !== region.length) {
    region = mem.subarray(start, start + length);
    regionOf = mem;
    regionStart = start;
  }
  return region;
}
