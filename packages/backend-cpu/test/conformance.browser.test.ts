// The shared conformance suite on the CPU backend inside headless Chromium (the `chromium`
// project, vitest.browser.config.ts): every op against PyTorch's values, every gradient rule
// against PyTorch's gradients and by float64 finite differences, and the facade's behaviour —
// the same runners as conformance.test.ts (conformance-suite.ts), on the packages' browser
// entry points.
import { runCpuConformance } from './conformance-suite.js';

runCpuConformance();
