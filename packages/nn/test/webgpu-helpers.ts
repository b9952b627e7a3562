import { createWebGPUBackend } from '@fackel/backend-webgpu';
import { initDevice, registerBackend } from '@fackel/tensor';

/**
 * Registers the WebGPU backend and initialises its device. Returns whether the WebGPU tests
 * of `what` are skipped: when no adapter exists (warning with the reason), unless
 * REQUIRE_WEBGPU=1 (CI), where they run and fail.
 */
export async function setupWebGPU(what: string): Promise<boolean> {
  registerBackend('webgpu', () => createWebGPUBackend());
  let unavailable: string | null = null;
  try {
    await initDevice('webgpu');
  } catch (e) {
    unavailable = (e as Error).message.split('\n')[0];
  }
  const skip = unavailable !== null && process.env.REQUIRE_WEBGPU !== '1';
  if (skip) console.warn(`skipping ${what} on WebGPU: ${unavailable}`);
  return skip;
}
