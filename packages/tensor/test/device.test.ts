// Devices whose backend starts asynchronously: a failed start is reported to the caller and
// never surfaces later as an unhandled rejection (which would end a Node process).
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceError, destroyDevice, getDevice, initDevice, registerBackend } from '../src/index.js';

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => {
  unhandled.push(e);
};
process.on('unhandledRejection', onUnhandled);
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('an asynchronous backend that fails to start', () => {
  it('throws a DeviceError from getDevice and leaves no unhandled rejection', async () => {
    registerBackend('broken-async', () => Promise.reject(new Error('no adapter: install a Vulkan driver')));
    expect(() => getDevice('broken-async')).toThrow(/needs asynchronous initialisation: call await initDevice\('broken-async'\)/);
    expect(() => getDevice('broken-async')).toThrow(DeviceError); // still initialising
    await turn();
    await turn();
    expect(unhandled).toEqual([]);
    // initDevice tries again and says why it failed
    await expect(initDevice('broken-async')).rejects.toThrow('no adapter: install a Vulkan driver');
    await destroyDevice('broken-async');
    await turn();
    expect(unhandled).toEqual([]);
  });

  it('wraps a factory that throws synchronously in a DeviceError naming the device', () => {
    registerBackend('broken-sync', () => {
      throw new Error('Cannot find package webgpu');
    });
    expect(() => getDevice('broken-sync')).toThrow("device 'broken-sync' could not be created: Cannot find package webgpu");
  });
});
