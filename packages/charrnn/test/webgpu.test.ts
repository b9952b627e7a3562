import { describe, expect, test } from 'vitest';
import { destroyDevice } from '@fackel/tensor';
import { loadModel, sample, setupDevice, train, type TrainOptions, type TransformerTrainOptions } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { TANNENBAUM, TINY } from './helpers.js';

/** Whether a WebGPU device starts here (Dawn on Vulkan; lavapipe without a GPU). */
async function webgpuAvailable(): Promise<string | null> {
  try {
    await setupDevice('webgpu');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

const unavailable = await webgpuAvailable();
// like the other GPU tests: skip with a reason, unless REQUIRE_WEBGPU=1 (then fail)
const skip = unavailable !== null && process.env.REQUIRE_WEBGPU !== '1';
if (skip) console.warn(`skipping the WebGPU char-RNN tests: ${unavailable!.split('\n')[0]}`);

describe.skipIf(skip)('--device webgpu', () => {
  test('trains to the same losses as the CPU (1e-3), checkpoints, resumes and samples', async () => {
    const o: TrainOptions = { inputs: [TANNENBAUM], ...TINY, printEvery: 1, valEvery: 3, maxSteps: 6, sampleLength: 20 };
    const dir = scratch('charrnn').dir;
    const gpu = await train({ ...o, device: 'webgpu', saveDir: dir, checkpointEvery: 3 });
    const cpu = await train({ ...o, device: 'cpu', saveDir: null });
    const losses = (h: typeof gpu.history) => h.filter((p) => p.loss !== undefined).map((p) => p.loss!);
    expect(losses(gpu.history)).toHaveLength(6);
    losses(gpu.history).forEach((l, i) => expect(Math.abs(l - losses(cpu.history)[i])).toBeLessThan(1e-3));
    expect(Math.abs(gpu.lastValLoss! - cpu.lastValLoss!)).toBeLessThan(1e-3);
    const resumed = await train({ resume: dir, maxSteps: 8, device: 'webgpu', printEvery: 1 });
    expect(resumed.step).toBe(8);
    const { model, vocab } = await loadModel(dir, { device: 'webgpu' });
    const a = await sample(model, vocab, { prime: 'O ', length: 30, seed: 2 });
    const b = await sample(model, vocab, { prime: 'O ', length: 30, seed: 2 });
    expect(a).toBe(b);
    await destroyDevice('webgpu');
  }, 300_000);

  test('a transformer (--model transformer) trains to the same losses as on the CPU (1e-4) and samples', async () => {
    const o: TransformerTrainOptions = {
      model: 'transformer',
      inputs: [TANNENBAUM],
      nLayer: 2,
      nHead: 2,
      nEmbd: 16,
      batchSize: 4,
      seqLength: 16,
      valFrac: 0.2,
      printEvery: 1,
      valEvery: 0,
      maxSteps: 5,
      sampleLength: 20,
      saveDir: null,
    };
    const gpu = await train({ ...o, device: 'webgpu' });
    const cpu = await train({ ...o, device: 'cpu' });
    const losses = (h: typeof gpu.history) => h.filter((p) => p.loss !== undefined).map((p) => p.loss ?? Number.NaN);
    expect(losses(gpu.history)).toHaveLength(5);
    losses(gpu.history).forEach((l, i) => expect(Math.abs(l - (losses(cpu.history)[i] ?? Number.NaN))).toBeLessThan(1e-4));
    expect([...gpu.sample]).toHaveLength(20);
    await destroyDevice('webgpu');
  }, 300_000);
});
