/**
 * The scratch part of the CPU backend's one shared WebAssembly memory, for kernels other than
 * matmul. The memory is created by the matmul module (`getWasmMatmul().memory`); the bytes
 * from {@link SCRATCH_BASE} on belong to whichever synchronous kernel call is running (matmul
 * included), so a kernel copies its operands in, runs, and copies its results out before it
 * returns, and never keeps data there between calls.
 */
import { WASM_MAX_PAGES, WASM_RESERVED_BYTES, getWasmMatmul, type WasmMemoryLike, type WasmModuleLike } from '../kernels/matmul-wasm.js';

/** First byte of the scratch region (below it: matmul's per-thread edge-tile areas). */
export const SCRATCH_BASE = WASM_RESERVED_BYTES;

// Minimal typings of the WebAssembly JS API (the project's `lib` has no DOM).
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModuleLike;
  Instance: new (module: WasmModuleLike, imports: object) => { readonly exports: Record<string, unknown> };
}

/** The WebAssembly API, or undefined where the runtime has none. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

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

let view: Float32Array<ArrayBufferLike> = new Float32Array(0);

/**
 * A float32 view of the whole shared memory in which the `bytes` bytes from
 * {@link SCRATCH_BASE} exist, growing the memory when needed (as matmul does); null if there
 * is no shared memory or it cannot grow that far. Index `SCRATCH_BASE / 4` is the first
 * scratch element. The view is valid until the memory grows (the next call may grow it).
 */
export function scratchF32(bytes: number): Float32Array<ArrayBufferLike> | null {
  const memory = sharedMemory();
  if (memory === null) return null;
  const end = SCRATCH_BASE + bytes;
  const have = memory.buffer.byteLength;
  if (end > have) {
    const maxBytes = WASM_MAX_PAGES * 65536;
    if (end > maxBytes) return null;
    const want = Math.min(maxBytes, Math.max(end, Math.ceil(have * 1.25)));
    try {
      memory.grow(Math.ceil((want - have) / 65536));
    } catch {
      return null;
    }
  }
  // The buffer object changes (only) when the memory grows.
  if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
  return view;
}
