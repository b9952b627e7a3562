// The shared conformance suite on WebGPU (Dawn on lavapipe in CI): every op against
// PyTorch's values, every gradient against PyTorch's, float32 finite differences, and the
// facade's behaviour. Without an adapter the file is skipped with a reason, unless
// REQUIRE_WEBGPU=1 (CI), where a missing adapter fails.
import { registerCpuBackend } from '@fackel/backend-cpu';
import { registerBackend } from '@fackel/tensor';
import { runBehaviourConformance, runGradConformance, runOpConformance } from '@fackel/testkit';
import { describe, it } from 'vitest';
import { createWebGPUBackend } from '../src/index.js';
import { webgpuGradcheckSkip } from './conformance-skips.js';
import { tryBackend } from './helpers.js';

const probe = await tryBackend();
await probe?.destroy();

if (probe === null) {
  describe.skip('conformance on webgpu: no WebGPU adapter (install a Vulkan driver: sudo bash scripts/setup-vulkan.sh)', () => {
    it('needs an adapter', () => undefined);
  });
} else {
  registerCpuBackend(); // the behaviour suite moves tensors to and from the CPU
  registerBackend('webgpu', () => createWebGPUBackend());
  runOpConformance({ device: 'webgpu' });
  runGradConformance({
    device: 'webgpu',
    gradcheckDtype: 'float32',
    gradcheckSkip: webgpuGradcheckSkip,
  });
  runBehaviourConformance({ device: 'webgpu' });
}
