// The FinalizationRegistry safety net: a tensor collected without dispose() returns its
// storage, is counted in memory().leaked, and in debug mode is reported with where it was made.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { memory, ones, setDebug, setLeakReporter } from '@fackel/tensor';
import { afterAll, expect, it } from 'vitest';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
registerCpuBackend();
afterAll(() => {
  setDebug(false);
  setLeakReporter((m) => console.warn(m));
});

function makeGarbage(): void {
  ones([1000]).mul(2); // two tensors, never disposed, unreachable after return
}

it('reports a leaked tensor with its creation stack in debug mode and returns its storage', async () => {
  const reports: string[] = [];
  setLeakReporter((m) => reports.push(m));
  setDebug(true);
  const before = memory('cpu');
  makeGarbage();
  expect(memory('cpu').storages).toBe(before.storages + 2);
  for (let i = 0; i < 20 && reports.length < 2; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(reports.length).toBeGreaterThanOrEqual(2);
  expect(reports[0]).toMatch(/a tensor \[1000\] float32 on 'cpu' was garbage-collected without dispose\(\); it was created\n/);
  expect(reports.join('\n')).toMatch(/makeGarbage/);
  const after = memory('cpu');
  expect(after.storages).toBe(before.storages);
  expect(after.leaked - before.leaked).toBeGreaterThanOrEqual(2);
});
