/**
 * Every benchmark suite. `pnpm bench` runs {@link DEFAULT_SUITES} (the comparison of issue 16);
 * `--suite <name>` runs others: `webgpu` (WebGPU vs CPU), and the older Fackel-vs-tfjs-cpu suites
 * `matmul`, `elementwise` and `charrnn` (whole training runs with validation loss vs PyTorch),
 * and `gpt` (nanoGPT's baby GPT, 2 000 steps, vs PyTorch).
 * Add new suites here.
 */
import type { Suite } from '../suite.js';
import { charrnnSuite } from './charrnn.js';
import { gptSuite } from './gpt.js';
import { elementwiseSuite } from './elementwise.js';
import { matmulSuite } from './matmul.js';
import { compareSuite } from './compare.js';
import { webgpuSuite } from './webgpu.js';

/** The suite `pnpm bench` runs when no `--suite` is given. */
export const DEFAULT_SUITES: readonly string[] = ['compare'];

export const suites: readonly Suite[] = [compareSuite, webgpuSuite, matmulSuite, elementwiseSuite, charrnnSuite, gptSuite];
