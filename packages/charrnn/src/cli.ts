#!/usr/bin/env node
/**
 * The `fackel-charrnn` executable: `fackel-charrnn train …` / `fackel-charrnn sample CKPT …`.
 * Ctrl-C once stops training after the current step (with a checkpoint); twice quits at once.
 *
 * @example
 * ```ts
 * // shell: npx fackel-charrnn train --max-minutes 3 --save-dir save
 * ```
 * @packageDocumentation
 */
import { main } from './main.js';

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  if (interrupts === 1) {
    process.stderr.write('\nstopping after this step (a final checkpoint is written); press Ctrl-C again to quit at once\n');
    controller.abort();
  } else {
    process.exit(130);
  }
});

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
    // the CPU backend's worker threads and a WebGPU device would keep Node alive
    setImmediate(() => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
