// The shared conformance suite on WebGPU (Dawn on lavapipe in CI): every op against
// PyTorch's values, every gradient against PyTorch's, float32 finite differences, and the
// facade's behaviour. Without an adapter the file is skipped with a reason, unless
// REQUIRE_WEBGPU=1 (CI), where a missing adapter fails.
import { registerCpuBackend } from '@fackel/backend-cpu';
import { registerBackend } from '@fackel/tensor';
import { runBehaviourConformance, runGradConformance, runOpConformance } from '@fackel/testkit';
import { describe, it } from 'vitest';
import { createWebGPUBackend } from '../src/index.js';
import { tryBackend } from './helpers.js';

const probe = await tryBackend();
await probe?.destroy();

const discontinuous = "a finite difference across the op's discontinuity (PyTorch's gradients are still compared)";
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
    gradcheckSkip: {
      'floor/sliced-step2': discontinuous,
      'round/half-to-even': discontinuous,
      'maskedFill/broadcast-mask': 'fills with -1e9, which swamps a float32 central difference',
      // fmod jumps where a / b crosses an integer; float32 needs a step (1e-2) large enough to cross it.
      ...Object.fromEntries(['broadcast-both', 'broadcast-3d', '0d-with-2d', 'transposed', 'expanded', 'sliced'].map((v) => [`fmod/${v}`, discontinuous])),
    },
  });
  runBehaviourConformance({ device: 'webgpu' });
}
