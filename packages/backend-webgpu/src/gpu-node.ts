/**
 * The Node.js side of the WebGPU backend: Dawn through the `webgpu` npm package. Selected by
 * the `node` condition of the package's `#gpu` import (see package.json `imports`);
 * `gpu-browser.ts` uses the browser's `navigator.gpu` instead and never loads Dawn.
 */
import { create, globals } from 'webgpu';

/**
 * The message thrown when Dawn finds no adapter: on Linux this nearly always means that no
 * usable Vulkan driver is installed.
 * @internal
 */
export const NO_ADAPTER_MESSAGE = [
  'webgpu: no GPU adapter found (navigator.gpu.requestAdapter() returned null).',
  'Dawn needs a Vulkan driver on Linux (Metal on macOS, D3D12 on Windows).',
  'On Debian/Ubuntu without a GPU, install the software Vulkan driver (Mesa lavapipe, version 25 or newer;',
  "bookworm's own 22.x is rejected by Dawn):",
  '  sudo bash scripts/setup-vulkan.sh            (from the Fackel repository), or',
  '  sudo apt-get install -t bookworm-backports mesa-vulkan-drivers',
  'Check with: dpkg -l mesa-vulkan-drivers   (needs 25.x)',
].join('\n');

/** Where the GPU comes from here. @internal */
export const GPU_SOURCE = 'dawn' as const;

let installed = false;

/** Installs WebGPU's globals (`GPUBufferUsage`, `GPUMapMode`, …) once. @internal */
export function installGlobals(): void {
  if (installed) return;
  // Only define what is missing, so a host that already has WebGPU (Deno, a browser) keeps its own.
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals as Record<string, unknown>)) if (!(k in g)) g[k] = v;
  installed = true;
}

/**
 * A new Dawn instance with `flags` (Dawn toggles such as `enable-dawn-features=…`). The caller
 * must keep it referenced while a device from it lives.
 * @internal
 */
export function createGpu(flags: readonly string[]): GPU {
  installGlobals();
  return create([...flags]);
}
