// @fackel/nn's browser entry in headless Chromium (the `chromium` project): safetensors and
// checkpoints from a Blob, a Response, an object URL or a relative URL string (a string is a
// URL in a browser), saved to a Blob; file paths are refused with a message saying what works.
import { registerCpuBackend } from '@fackel/backend-cpu';
import { tensor, type Tensor } from '@fackel/tensor';
import { describe, expect, it } from 'vitest';
import { Linear, load, loadSafetensors, save, saveSafetensors, saveToBlob, serializeSafetensors } from '../src/index.js';

registerCpuBackend();
const web = globalThis as unknown as { URL: typeof URL & { createObjectURL(b: Blob): string; revokeObjectURL(u: string): void }; location: { href: string } };

describe('@fackel/nn in Chromium', () => {
  it('round-trips a checkpoint through saveToBlob and load(blob)', async () => {
    const model = new Linear(4, 3);
    const blob = await saveToBlob({ model: model.stateDict(), step: 12 });
    const back = await load<{ model: Record<string, Tensor>; step: number }>(blob);
    expect(back.step).toBe(12);
    expect(await back.model.weight!.tolist()).toEqual(await model.weight.tolist());
  });

  it('fetches from an object URL, given as a URL or as a string, and reads a Response', async () => {
    const bytes = await serializeSafetensors({ w: tensor([1, 2, 3]) }, { epoch: '2' });
    const url = web.URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    try {
      expect(await (await loadSafetensors(new URL(url))).tensors.w!.tolist()).toEqual([1, 2, 3]);
      expect((await loadSafetensors(url)).metadata).toEqual({ epoch: '2' });
      expect(await (await loadSafetensors(await fetch(url))).tensors.w!.tolist()).toEqual([1, 2, 3]);
    } finally {
      web.URL.revokeObjectURL(url);
    }
  });

  it('names the URL and the HTTP status of a failed fetch', async () => {
    const missing = new URL('/no-such-file.safetensors', web.location.href).href;
    await expect(loadSafetensors('/no-such-file.safetensors')).rejects.toThrow(/loadSafetensors \/no-such-file\.safetensors: HTTP 404/);
    await expect(load(new URL(missing))).rejects.toThrow(/HTTP 404/);
  });

  it('refuses to write file paths, pointing to saveToBlob', async () => {
    await expect(save({ a: 1 }, 'ckpt.safetensors')).rejects.toThrow(/file paths need Node\.js; in a browser use saveToBlob\(\)/);
    await expect(saveSafetensors('w.safetensors', { w: tensor([1]) })).rejects.toThrow(/file paths need Node\.js/);
  });
});
