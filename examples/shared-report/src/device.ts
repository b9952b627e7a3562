import { destroyDevice, FackelError, getDefaultDevice, registerBackend, setDefaultDevice, type Backend, type Device } from 'fackel';

/**
 * The devices the examples accept on `--device`.
 *
 * @example
 * ```ts
 * import { DEVICES } from '@fackel/example-report';
 * console.log(DEVICES.join('|')); // cpu|webgpu
 * ```
 */
export const DEVICES = Object.freeze(['cpu', 'webgpu'] as const);

/**
 * A device name the examples accept.
 *
 * @example
 * ```ts
 * import type { DeviceName } from '@fackel/example-report';
 * const d: DeviceName = 'webgpu';
 * ```
 */
export type DeviceName = (typeof DEVICES)[number];

/**
 * Checks a `--device` value and returns it typed; anything else is an error listing the choices.
 *
 * @example
 * ```ts
 * import { parseDevice } from '@fackel/example-report';
 * parseDevice('webgpu'); // 'webgpu'
 * ```
 */
export function parseDevice(value: string | undefined): DeviceName {
  const v = value ?? 'cpu';
  if (!(DEVICES as readonly string[]).includes(v)) throw new Error(`--device must be one of ${DEVICES.join(', ')}, got ${JSON.stringify(v)}`);
  return v as DeviceName;
}

/**
 * Makes `name` the default device for new tensors. For `'webgpu'` it first asks the umbrella's
 * lazy registration (`setDefaultDevice('webgpu')`); when the umbrella cannot load
 * `@fackel/backend-webgpu` from where it is installed, it registers the backend from this
 * package's own dependency and tries again. Call {@link releaseDevice} at the end so Node can exit.
 *
 * @example
 * ```ts
 * import { useDevice, releaseDevice } from '@fackel/example-report';
 * const device = await useDevice('webgpu');
 * console.log(device.name); // 'webgpu'
 * // … train …
 * await releaseDevice();
 * ```
 */
export async function useDevice(name: DeviceName): Promise<Device> {
  if (name === 'cpu') return setDefaultDevice('cpu');
  try {
    return await setDefaultDevice('webgpu');
  } catch (e) {
    if (!(e instanceof FackelError) || !String(e.message).includes('@fackel/backend-webgpu')) throw e;
  }
  const mod = (await import('@fackel/backend-webgpu')) as { createWebGPUBackend: () => Promise<Backend> };
  registerBackend('webgpu', () => mod.createWebGPUBackend());
  return setDefaultDevice('webgpu');
}

/**
 * Destroys the default device when it is not the CPU (a WebGPU device keeps Node alive).
 *
 * @example
 * ```ts
 * import { releaseDevice } from '@fackel/example-report';
 * await releaseDevice();
 * ```
 */
export async function releaseDevice(): Promise<void> {
  const d = getDefaultDevice();
  if (d.name !== 'cpu') await destroyDevice(d.name);
}

/**
 * For tests: why a WebGPU test should be skipped, or `undefined` when it should run. It runs
 * when a WebGPU device can be started (the default device is left as it was), and also when
 * `REQUIRE_WEBGPU=1` is set (as in CI), so that a missing adapter fails the test instead.
 *
 * @example
 * ```ts
 * import { it } from 'vitest';
 * import { webgpuSkipReason, useDevice, releaseDevice } from '@fackel/example-report';
 * it('trains on the GPU', async ({ skip }) => {
 *   const reason = await webgpuSkipReason();
 *   if (reason) skip(reason);
 *   await useDevice('webgpu');
 *   try { … } finally { await releaseDevice(); }
 * });
 * ```
 */
export async function webgpuSkipReason(): Promise<string | undefined> {
  if (process.env.REQUIRE_WEBGPU === '1' || getDefaultDevice().name === 'webgpu') return undefined;
  try {
    await useDevice('webgpu');
    await releaseDevice(); // back to the CPU
    return undefined;
  } catch (e) {
    return `no WebGPU device (${(e as Error).message.split('\n')[0]}); set REQUIRE_WEBGPU=1 to fail instead`;
  }
}
