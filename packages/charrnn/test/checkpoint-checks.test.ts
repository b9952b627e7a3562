// Issue 12, item 3: a checkpoint's files are checked before they are trusted — the model
// configuration against limits and against the safetensors header (read alone) before any
// allocation, file names confined to the checkpoint's directory, regular files only.
import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { memory } from '@fackel/tensor';
import { CheckpointError, loadCheckpoint, main, setupDevice, train } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { TANNENBAUM, TINY, captureIO } from './helpers.js';

let dir: string;
let meta: Record<string, unknown>;

beforeAll(async () => {
  await setupDevice('cpu');
  dir = scratch('charrnn').dir;
  await train({ inputs: [TANNENBAUM], ...TINY, saveDir: dir, maxSteps: 2, checkpointEvery: 2, sampleLength: 0 });
  meta = JSON.parse(readFileSync(join(dir, 'ckpt-000002.json'), 'utf8')) as Record<string, unknown>;
});

/** Writes a variant of the checkpoint's JSON beside it and loads it. */
async function loadVariant(name: string, change: (m: Record<string, unknown>) => void): Promise<unknown> {
  const m = structuredClone(meta);
  // a JSON as PyTorch code writes it: without recorded sizes and hashes, so the header check is what stands
  delete m.weightsBytes;
  delete m.weightsSha256;
  change(m);
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(m));
  return loadCheckpoint(path).then(
    (ck) => {
      for (const t of [...Object.values(ck.weights), ...Object.values(ck.state)]) t.dispose();
      return ck;
    },
    (e: unknown) => e,
  );
}

const model = (m: Record<string, unknown>) => m.model as Record<string, number>;

describe('checkpoint files are checked before they are trusted', () => {
  test('sizes beyond the limits are refused at once, before anything is allocated', async () => {
    const before = memory().tensors;
    for (const [field, value, message] of [
      ['hiddenSize', 8000, /hiddenSize must be a whole number from 1 to 4,096, got 8000/],
      ['numLayers', 100000, /numLayers must be a whole number from 1 to 16, got 100000/],
      ['vocabSize', 1e9, /vocabSize must be a whole number from 1 to 65,536/],
    ] as const) {
      const t0 = performance.now();
      const e = await loadVariant(`big-${field}`, (m) => (model(m)[field] = value));
      expect(e).toBeInstanceOf(CheckpointError);
      expect((e as Error).message).toMatch(message);
      expect(performance.now() - t0).toBeLessThan(2000);
    }
    // each size within its cap, the whole model beyond the element budget
    const e = await loadVariant('big-total', (m) => Object.assign(model(m), { hiddenSize: 4096, numLayers: 16 }));
    expect((e as Error).message).toMatch(/needs [\d,]+ float32 elements.*more than the limit of 100,000,000/);
    expect(memory().tensors).toBe(before);
  });

  test('a configuration that does not match the weights header is refused from the header alone, naming the tensors', async () => {
    const before = memory().tensors;
    const e = await loadVariant('other-shape', (m) => (model(m).hiddenSize = 64));
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toMatch(
      /the weights file .*ckpt-000002\.safetensors does not fit the model .*other-shape\.json describes \(vocabSize \d+, hiddenSize 64, numLayers 2, embeddingSize 0\): 'lstm\.weight_ih_l0' is F32 \[64, \d+\], expected F32 \[256, \d+\]; .*nothing was loaded/,
    );
    const extra = await loadVariant('fewer-layers', (m) => (model(m).numLayers = 1));
    expect((extra as Error).message).toMatch(/unexpected tensors 'lstm\.weight_ih_l1'/);
    const emb = await loadVariant('embedding', (m) => (model(m).embeddingSize = 8));
    expect((emb as Error).message).toMatch(/'embedding\.weight' \[\d+, 8\] is missing/);
    expect(memory().tensors).toBe(before);
  });

  test('weights names cannot leave the checkpoint directory; only regular files are read (a FIFO never blocks)', async () => {
    for (const name of [
      '../../../../etc/passwd',
      '/etc/passwd',
      'sub/ckpt.safetensors',
      'a\\b.safetensors',
      '..',
      '.ckpt-000002.safetensors.1.0123456789ab.fackel-tmp',
    ]) {
      const e = await loadVariant('escape', (m) => (m.weights = name));
      expect(e).toBeInstanceOf(CheckpointError);
      expect((e as Error).message).toContain(`"weights" is ${JSON.stringify(name)}, but it must be a plain file name in the checkpoint's directory`);
    }
    execFileSync('mkfifo', [join(dir, 'fifo.safetensors')]);
    const t0 = performance.now();
    const fifo = await loadVariant('fifo', (m) => (m.weights = 'fifo.safetensors'));
    expect((fifo as Error).message).toMatch(/the weights file .*fifo\.safetensors is a FIFO \(named pipe\), not a regular file; nothing was read from it/);
    expect(performance.now() - t0).toBeLessThan(2000);
    symlinkSync('/etc/passwd', join(dir, 'link.safetensors'));
    const link = await loadVariant('link', (m) => (m.weights = 'link.safetensors'));
    expect((link as Error).message).toMatch(/link\.safetensors is a symbolic link/);
    // the checkpoint JSON itself: `sample /dev/zero` fails at once instead of reading forever
    const c = captureIO();
    const t1 = performance.now();
    expect(await main(['sample', '/dev/zero'], c.io)).toBe(3);
    expect(performance.now() - t1).toBeLessThan(2000);
    expect(c.err()).toBe(
      'fackel-charrnn: error: checkpoint /dev/zero is a character device, not a regular file; nothing was read from it; nothing was written\n',
    );
  }, 20_000);
});
