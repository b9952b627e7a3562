/** Every benchmark suite, in the order they run. Add new suites here. */
import type { Suite } from '../suite.js';
import { charrnnSuite } from './charrnn.js';
import { elementwiseSuite } from './elementwise.js';
import { matmulSuite } from './matmul.js';
import { webgpuSuite } from './webgpu.js';

export const suites: readonly Suite[] = [matmulSuite, elementwiseSuite, webgpuSuite, charrnnSuite];
