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
    process.exit(130); // the 'exit' handlers release the save directory's lock
  }
});

// SIGTERM and SIGHUP end the process at once; `process.exit` runs the 'exit' handlers, which
// release the save directory's lock (a checkpoint being written is left as a temporary file,
// removed by the next run).
for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nfackel-charrnn: stopped by ${signal}; the last checkpoint written is intact\n`);
    process.exit(code);
  });
}

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
    // the CPU backend's worker threads and a WebGPU device would keep Node alive
    setImmediate(() => process.exit(code));
  },
  (e: unknown) => {
    // main() reports its errors itself; this is a last resort, still one line
    const debug = process.env.FACKEL_DEBUG === '1' && e instanceof Error && e.stack ? `\n${e.stack}` : '';
    process.stderr.write(
      `fackel-charrnn: internal error: ${e instanceof Error ? e.message : String(e)} (run with FACKEL_DEBUG=1 to see the stack trace)${debug}\n`,
    );
    process.exit(1);
  },
);
