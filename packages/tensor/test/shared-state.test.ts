// Two copies of @fackel/tensor in one process (npm nests a second version under a package that
// needs it) share one registry, grad mode, tidy stack, debug mode and default generator, and
// accept each other's tensors and devices; a copy with another state format refuses to load.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Backend } from '../src/index.js';
import * as A from '../src/index.js';

type TensorModule = typeof A;
const KEY = Symbol.for('fackel.tensor.state');

/** A second, independent instance of the package's modules (what a nested copy is). */
async function secondCopy(): Promise<TensorModule> {
  vi.resetModules();
  const B = (await import('../src/index.js')) as TensorModule;
  expect(B.Tensor).not.toBe(A.Tensor); // really another copy of the classes
  return B;
}

afterEach(() => {
  A.setGradEnabled(true);
});

describe('a second copy of @fackel/tensor', () => {
  it('sees the backends, devices and default device registered through the first', async () => {
    const fake = { name: 'fake-shared', dtypes: ['float32'] } as unknown as Backend;
    A.registerBackend('fake-shared', () => fake);
    const B = await secondCopy();
    expect(B.registeredBackends()).toContain('fake-shared');
    const d = A.getDevice('fake-shared');
    expect(B.getDevice('fake-shared')).toBe(d);
    expect(B.getDevice(d)).toBe(d); // a Device of the other copy is accepted as a device
    expect(d instanceof B.Device).toBe(true);
    expect(B.getDevice('fake-shared') instanceof A.Device).toBe(true);
    expect({ name: 'fake-shared' } instanceof A.Device).toBe(false);
    expect(B.getDefaultDevice === A.getDefaultDevice).toBe(false);
    await A.destroyDevice('fake-shared');
  });

  it('shares grad mode, the autograd engine, debug mode and the default generator', async () => {
    const B = await secondCopy();
    A.noGrad(() => expect(B.isGradEnabled()).toBe(false));
    expect(B.isGradEnabled()).toBe(true);
    expect(B.getAutograd()).toBe(A.getAutograd());
    const prev = B.setDebug(true);
    expect(A.isDebug()).toBe(true);
    B.setDebug(prev);
    expect(B.defaultGenerator).toBe(A.defaultGenerator);
    A.manualSeed(123);
    expect(B.defaultGenerator.initialSeed()).toBe(123);
  });

  it('recognises tensors of either copy with instanceof (a brand check)', async () => {
    const B = await secondCopy();
    const fakeTensor = { isTensor: true };
    expect(fakeTensor instanceof A.Tensor && fakeTensor instanceof B.Tensor).toBe(true);
    expect({ isTensor: 'yes' } instanceof A.Tensor).toBe(false);
    const notObjects: unknown[] = [null, undefined, 1, 'tensor'];
    expect(notObjects.some((v) => v instanceof A.Tensor || v instanceof B.Tensor)).toBe(false);
  });
});

describe('a copy with another state format', () => {
  it('refuses to load, naming both copies', async () => {
    const g = globalThis as unknown as Record<symbol, unknown>;
    const real = Object.getOwnPropertyDescriptor(g, KEY)!;
    expect(real).toBeDefined();
    try {
      Object.defineProperty(g, KEY, { value: { format: 999, createdBy: 'file:///app/node_modules/@fackel/tensor/dist/state.js' }, configurable: true });
      vi.resetModules();
      await expect(import('../src/index.js')).rejects.toThrow(
        /two incompatible copies of @fackel\/tensor are loaded: .*state\.ts \(state format 1\) and file:\/\/\/app\/node_modules\/@fackel\/tensor\/dist\/state\.js \(state format 999\)/,
      );
    } finally {
      Object.defineProperty(g, KEY, real);
    }
  });
});
