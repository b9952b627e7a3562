// The shared conformance suite on the CPU backend inside headless Chromium (the `chromium`
// project, vitest.browser.config.ts): every op against PyTorch's values, every gradient rule
// against PyTorch's gradients and by float64 finite differences, and the facade's behaviour —
// the same runners as conformance.test.ts, on the packages' browser entry points.
import { registerCpuBackend } from '@fackel/backend-cpu';
import { runBehaviourConformance, runGradConformance, runOpConformance } from '@fackel/testkit';

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
