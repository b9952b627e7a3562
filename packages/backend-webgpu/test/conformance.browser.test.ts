// The WebGPU backend inside headless Chromium (the `chromium` project): `navigator.gpu`, the same
// WGSL kernels as on Dawn, no Dawn loaded. Where Chromium offers an adapter (started with
// --enable-unsafe-webgpu and a Vulkan driver, see vitest.browser.config.ts) the conformance suite
// runs; otherwise it is skipped, and the log says which happened and why.
import { registerCpuBackend } from '@fackel/backend-cpu';
import { registerBackend } from '@fackel/tensor';
import { runBehaviourConformance, runGradConformance, runOpConformance } from '@fackel/testkit';
import { describe, expect, it } from 'vitest';
import { createWebGPUBackend } from '../src/index.js';
import { webgpuGradcheckSkip } from './conformance-skips.js';

let adapter: string | null = null;
let reason = '';
try {
  const probe = await createWebGPUBackend();
  adapter = probe.adapter;
  await probe.destroy();
} catch (e) {
  reason = (e as Error).message.split('\n')[0];
}
console.log(adapter !== null ? `[webgpu in Chromium] adapter: ${adapter}; running the conformance suite` : `[webgpu in Chromium] SKIPPED: ${reason}`);

/** The page's navigator (the type check runs without the DOM library). */
const navigator = (globalThis as unknown as { navigator: object }).navigator;

/** Runs `fn` with `navigator.gpu` replaced by `gpu` (undefined: no WebGPU at all). */
async function withGpu<T>(gpu: unknown, fn: () => Promise<T>): Promise<T> {
  const original = Object.getOwnPropertyDescriptor(navigator, 'gpu');
  Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
  try {
    return await fn();
  } finally {
    if (original !== undefined) Object.defineProperty(navigator, 'gpu', original);
    else delete (navigator as { gpu?: unknown }).gpu;
  }
}

describe('WebGPU backend in Chromium: clear errors', () => {
  it('says that the browser has no WebGPU when navigator.gpu is missing', async () => {
    await withGpu(undefined, async () => {
      await expect(createWebGPUBackend()).rejects.toThrow(/this browser has no WebGPU \(navigator\.gpu is undefined\)/);
    });
  });

  it('says that there is no adapter, and what to do, when requestAdapter() returns null', async () => {
    await withGpu({ requestAdapter: async () => null }, async () => {
      const err = await createWebGPUBackend().then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/no GPU adapter found/);
      expect(err?.message).toMatch(/--enable-unsafe-webgpu/);
      expect(err?.message).not.toMatch(/setup-vulkan|apt-get/); // the Dawn (Node.js) advice is not for browsers
    });
  });
});

// WGSL promises sin and cos to an absolute error of 2^-11 on [-π, π] (not to float32's
// precision); Chromium's SwiftShader adapter is that coarse (about 2e-4), lavapipe is not.
const TRIG = { atol: 2 ** -11 };
const TRIG_GRAD = { atol: 2 * 2 ** -11 }; // cos(x)·g and -sin(x)·g with |g| up to 2

if (adapter === null) {
  describe.skip(`conformance on webgpu in Chromium: no adapter (${reason})`, () => {
    it('needs an adapter', () => undefined);
  });
} else {
  registerCpuBackend();
  registerBackend('webgpu', () => createWebGPUBackend());
  runOpConformance({ device: 'webgpu', tolerances: { sin: TRIG, cos: TRIG } });
  runGradConformance({
    device: 'webgpu',
    tolerances: { sin: TRIG_GRAD, cos: TRIG_GRAD },
    gradcheckDtype: 'float32',
    gradcheckSkip: webgpuGradcheckSkip,
  });
  runBehaviourConformance({ device: 'webgpu' });
}
