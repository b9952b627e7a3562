import { NO_ADAPTER_MESSAGE, createGpu } from '#gpu';

/** Options for acquiring the adapter. @internal */
export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  dawnFlags?: readonly string[];
}

/** Requests an adapter and a device with the adapter's compute limits. @internal */
export async function acquireDevice(opts: AcquireOptions): Promise<{ gpu: GPU; device: GPUDevice; description: string }> {
  // In Node.js a new Dawn instance, in a browser `navigator.gpu` (see `#gpu`). The caller must
  // keep `gpu` referenced while the device lives (if Dawn's instance is garbage-collected under
  // a live device, the process crashes), and drop it after destroy.
  const gpu = createGpu(opts.dawnFlags ?? []);
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
