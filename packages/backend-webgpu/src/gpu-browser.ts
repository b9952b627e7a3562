/**
 * The browser side of the WebGPU backend: the page's `navigator.gpu` (or a worker's), with the
 * same WGSL kernels as in Node.js. Selected by the `#gpu` import everywhere but Node.js (see
 * package.json `imports`); it imports neither Dawn nor any `node:` module.
 */
// Types only (erased from the JavaScript): WebGPU's global types (`GPU`, `GPUBufferUsage`, …),
// which the `webgpu` package brings as `@webgpu/types`.
import type {} from 'webgpu';

/**
 * The message thrown when the browser offers WebGPU but no adapter.
 * @internal
 */
export const NO_ADAPTER_MESSAGE = [
  'webgpu: no GPU adapter found (navigator.gpu.requestAdapter() returned null).',
  'The browser supports WebGPU but offers no adapter here: the GPU may be blocklisted or hardware acceleration off',
  '(see chrome://gpu). Headless Chromium needs --enable-unsafe-webgpu and a Vulkan driver (e.g. --enable-features=Vulkan',
  '--use-vulkan=swiftshader, or Mesa lavapipe). Use the CPU backend (@fackel/backend-cpu) otherwise.',
].join('\n');

/** The message thrown where `navigator.gpu` does not exist. @internal */
export const NO_WEBGPU_MESSAGE = [
  'webgpu: this browser has no WebGPU (navigator.gpu is undefined).',
  'WebGPU needs a secure context (https:// or http://localhost) and a browser that supports it',
  '(Chrome/Edge 113+, Safari 26+, Firefox 141+ on Windows). Use the CPU backend (@fackel/backend-cpu) otherwise.',
].join('\n');

/** Where the GPU comes from here. @internal */
export const GPU_SOURCE = 'navigator.gpu' as const;

/** Nothing to install: the browser defines `GPUBufferUsage`, `GPUMapMode`, … itself. @internal */
export function installGlobals(): void {}

/**
 * The browser's `navigator.gpu`; Dawn flags do not apply in a browser and are ignored.
 * Throws {@link NO_WEBGPU_MESSAGE} where WebGPU is missing.
 * @internal
 */
export function createGpu(_flags: readonly string[]): GPU {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (gpu === undefined || gpu === null) throw new Error(NO_WEBGPU_MESSAGE);
  return gpu;
}
