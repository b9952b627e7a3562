// The JS heap stays flat in a training loop that never yields to the event loop, with and
// without tidy (issue: a WeakRef per recorded op and a FinalizationRegistry record per tensor
// kept every step's objects alive until the loop yielded). Measured in a child process started
// with --expose-gc, from the built packages.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../../..');
const LIMIT = 2 * 1024 * 1024; // bytes of heap growth allowed over the whole loop

beforeAll(() => {
  // build what the child imports (incremental: quick when up to date)
  for (const p of ['packages/fackel', 'packages/nn', 'packages/optim']) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', p], { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
  }
}, 300_000);

function growth(mode: 'mlp' | 'lstm', scoping: 'tidy' | 'plain', steps: number): { growthBytes: number; tensors: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=64', join(HERE, 'heap-loop.mjs'), mode, scoping, String(steps)], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { growthBytes: number; tensors: number };
}

describe('heap in a loop that never yields', () => {
  it.each([
    ['mlp', 'tidy', 2000],
    ['mlp', 'plain', 2000],
    ['lstm', 'tidy', 500],
    ['lstm', 'plain', 500],
  ] as const)(
    '%s with %s steps: grows less than 2 MB over %i steps',
    (mode, scoping, steps) => {
      const r = growth(mode, scoping, steps);
      expect(r.growthBytes).toBeLessThan(LIMIT);
      // tidy disposes every step's tensors; without it they stay counted (never disposed) while
      // the garbage collector has already freed their memory
      if (scoping === 'tidy') expect(r.tensors).toBeLessThan(100);
    },
    240_000,
  );
});
