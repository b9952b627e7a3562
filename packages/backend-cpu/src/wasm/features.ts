/**
 * WebAssembly features of the runtime, detected once at start-up by validating tiny modules
 * (no code runs): 128-bit SIMD, shared memory, and relaxed SIMD (`f32x4.relaxed_madd`, a
 * multiply-add that V8 compiles to an FMA instruction where the CPU has one).
 *
 * Relaxed SIMD is on by default from Node 22 (V8 11.4+); Node 20 has it behind
 * `--experimental-wasm-relaxed-simd` (`node --experimental-wasm-relaxed-simd app.js`;
 * Node does not accept that flag in `NODE_OPTIONS`). The environment variable
 * `FACKEL_CPU_RELAXED_SIMD` changes the default:
 * - `0`: never use relaxed SIMD (the plain-SIMD kernels run);
 * - `1`: on a runtime without it, turn V8's flag on from inside the process
 *   (`v8.setFlagsFromString('--experimental-wasm-relaxed-simd')`) before detecting; V8 reads
 *   the flag when it validates and compiles a module, so the kernels compiled afterwards
 *   (all of the backend's) may use it. Node documents changing V8 flags at run time as
 *   unsupported, hence opt-in.
 */
import { Code, V128, functionBody, section, wasmModule } from './emit.js';

/**
 * The WebAssembly features the CPU backend found in this runtime, see {@link cpuFeatures}.
 *
 * @example
 * ```ts
 * import { cpuFeatures, type CpuFeatures } from '@fackel/backend-cpu';
 * const f: CpuFeatures = cpuFeatures();
 * console.log(f.simd);
 * ```
 */
export interface CpuFeatures {
  /** WebAssembly 128-bit SIMD validates (the SIMD kernels need it). */
  simd: boolean;
  /** `SharedArrayBuffer` and shared WebAssembly memory exist (the SIMD kernels and the matmul threads need them). */
  sharedMemory: boolean;
  /** Relaxed SIMD (`f32x4.relaxed_madd`) validates in this runtime. */
  relaxedSimd: boolean;
  /**
   * Whether the matmul kernel uses `f32x4.relaxed_madd` (relaxed SIMD present and not turned
   * off with `FACKEL_CPU_RELAXED_SIMD=0`); otherwise it multiplies and adds separately.
   * About 1.6x the matmul throughput on a CPU with FMA.
   */
  useRelaxedSimd: boolean;
}

interface ValidateApi {
  validate(bytes: Uint8Array): boolean;
}

/** A module with one function `(v128, v128, v128) -> v128` whose body is `code`. */
function probe(code: Code): Uint8Array {
  const type = section(1, [1, 0x60, 3, V128, V128, V128, 1, V128]);
  const funcs = section(3, [1, 0]);
  return wasmModule(type, funcs, section(10, [1, ...functionBody([], code.end())]));
}

function validates(api: ValidateApi | undefined, bytes: Uint8Array): boolean {
  try {
    return api?.validate(bytes) === true;
  } catch {
    return false;
  }
}

/** `FACKEL_CPU_RELAXED_SIMD` ('0', '1', or '' when unset or elsewhere than Node). */
function envSetting(): string {
  return typeof process !== 'undefined' ? (process.env.FACKEL_CPU_RELAXED_SIMD ?? '') : '';
}

/** Turns on V8's relaxed-SIMD flag from inside the process (Node only; see the file comment). */
function enableRelaxedSimdFlag(): void {
  try {
    const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    const v8 = getBuiltin?.('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
    v8?.setFlagsFromString?.('--experimental-wasm-relaxed-simd');
  } catch {
    // not Node, or the flag is unknown: relaxed SIMD stays as detected
  }
}

function detect(): CpuFeatures {
  const api = (globalThis as { WebAssembly?: ValidateApi }).WebAssembly;
  const simd = validates(api, probe(new Code().get(0).get(1).f32x4Mul().get(2).f32x4Add()));
  const madd = (): boolean => simd && validates(api, probe(new Code().get(0).get(1).get(2).f32x4RelaxedMadd()));
  let relaxedSimd = madd();
  const setting = envSetting();
  if (!relaxedSimd && simd && setting === '1') {
    enableRelaxedSimdFlag();
    relaxedSimd = madd();
  }
  const sharedMemory = typeof SharedArrayBuffer === 'function';
  return { simd, sharedMemory, relaxedSimd, useRelaxedSimd: relaxedSimd && setting !== '0' };
}

let detected: CpuFeatures | undefined;

/**
 * The WebAssembly features the CPU backend detected in this runtime (once, at first use) and
 * which of them its kernels use. The kernels work without any of them (plain JavaScript
 * without SIMD; separate multiply and add without relaxed SIMD); `getMatmulKernel()` says
 * which matmul kernel runs.
 *
 * @example
 * ```ts
 * import { cpuFeatures } from '@fackel/backend-cpu';
 * // Node 22+, or Node 20 started with --experimental-wasm-relaxed-simd: relaxedSimd is true
 * const { simd, relaxedSimd, useRelaxedSimd } = cpuFeatures();
 * console.log(simd, relaxedSimd, useRelaxedSimd);
 * ```
 */
export function cpuFeatures(): CpuFeatures {
  detected ??= detect();
  return { ...detected };
}
