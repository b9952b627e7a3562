// The shared conformance suite on the CPU backend in Node.js: every op against PyTorch's
// values, and every gradient rule against PyTorch's gradients and by float64 finite
// differences (see conformance-suite.ts).
import { runCpuConformance } from './conformance-suite.js';

runCpuConformance();
