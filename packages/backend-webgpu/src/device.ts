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

let installed = false;

/** Installs WebGPU's globals (`GPUBufferUsage`, `GPUMapMode`, …) once. @internal */
export function installGlobals(): void {
  if (installed) return;
  // Only define what is missing, so a host that already has WebGPU (Deno, a browser) keeps its own.
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals as Record<string, unknown>)) if (!(k in g)) g[k] = v;
  installed = true;
}

/** Options for acquiring the adapter. @internal */
export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  dawnFlags?: readonly string[];
}

/** Requests an adapter and a device with the adapter's compute limits. @internal */
export async function acquireDevice(opts: AcquireOptions): Promise<{ gpu: GPU; device: GPUDevice; description: string }> {
  installGlobals();
  // The caller must keep `gpu` referenced while the device lives (if Dawn's instance is
  // garbage-collected under a live device, the process crashes), and drop it after destroy.
  const gpu = create([...(opts.dawnFlags ?? [])]);
  const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  if (!adapter) throw new Error(NO_ADAPTER_MESSAGE);
  const want: (keyof GPUSupportedLimits)[] = [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxStorageBuffersPerShaderStage',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const k of want) {
    const v = adapter.limits[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const device = await adapter.requestDevice({ requiredLimits });
  const info = adapter.info;
  const description = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s).join(' / ') || 'unknown adapter';
  return { gpu, device, description };
}
