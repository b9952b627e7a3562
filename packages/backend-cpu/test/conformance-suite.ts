// The shared conformance suite on the CPU backend, run by conformance.test.ts (Node.js) and
// conformance.browser.test.ts (headless Chromium): every op against PyTorch's values, every
// gradient rule against PyTorch's gradients and by float64 finite differences, and the
// facade's behaviour.
import { registerCpuBackend } from '@fackel/backend-cpu';
import { runBehaviourConformance, runGradConformance, runOpConformance } from '@fackel/testkit';

/** Registers the CPU backend and declares the op, gradient and behaviour conformance tests. */
export function runCpuConformance(): void {
  registerCpuBackend();
  runOpConformance({ device: 'cpu' });
  runGradConformance({
    device: 'cpu',
    gradcheckDtype: 'float64',
    gradcheckSkip: {
      'round/half-to-even': 'its inputs sit exactly on the rounding jumps (x.5), where a finite difference sees the step',
      'maskedFill/broadcast-mask': 'fills with -1e9, which swamps a central difference of step 1e-6 (the PyTorch gradient comparison still runs)',
    },
  });
  runBehaviourConformance({ device: 'cpu' });
}
