// nn on the WebGPU backend: a 1 000-step training loop keeps GPU buffers flat, and an LSTM
// language-model step gives the CPU's outputs and gradients. Skipped with a reason when no
// WebGPU adapter exists, unless REQUIRE_WEBGPU=1 (CI), where that fails.
import { enableAutograd } from '@fackel/autograd';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { Adam } from '@fackel/optim';
import { Generator, memory, randint, randn, tidy, type Tensor } from '@fackel/tensor';
import { describe, expect, it } from 'vitest';
import { CrossEntropyLoss, LSTM, Linear, MSELoss, Sequential, Tanh } from '../src/index.js';
import { setupWebGPU } from './webgpu-helpers.js';

registerCpuBackend();
enableAutograd();
const skip = await setupWebGPU('nn');

async function maxAbsDiff(a: Tensor, b: Tensor): Promise<number> {
  const x = await a.data();
  const y = await b.data();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

describe.skipIf(skip)('nn on webgpu', () => {
  it('keeps live GPU buffers flat over a 1 000-step MLP training loop', async () => {
    const g = new Generator(0);
    const model = new Sequential(new Linear(8, 16, { generator: g }), new Tanh(), new Linear(16, 1, { generator: g }));
    await model.to('webgpu');
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    const lossFn = new MSELoss();
    const x = randn([64, 8], { device: 'webgpu', generator: g });
    const y = randn([64, 1], { device: 'webgpu', generator: g });
    const step = (): Tensor => {
      const loss = tidy(() => lossFn.forward(model.forward(x), y));
      loss.backward();
      opt.step();
      opt.zeroGrad();
      return loss;
    };
    let first = 0;
    let last = 0;
    let firstBuffers = 0;
    let firstTensors = 0;
    for (let i = 1; i <= 1000; i++) {
      const loss = step();
      if (i === 10) {
        first = await loss.item();
        firstBuffers = memory('webgpu').backend.buffers;
        firstTensors = memory('webgpu').tensors;
      }
      if (i === 1000) last = await loss.item();
      loss.dispose();
      if (i % 100 === 0) await new Promise((r) => setImmediate(r)); // let queued work submit
    }
    const m = memory('webgpu');
    expect(m.tensors).toBe(firstTensors - 1); // the loss of step 10 was still alive then
    expect(m.backend.buffers).toBeLessThanOrEqual(firstBuffers);
    expect(m.backend.pooledBytes).toBeLessThan(16 * 1024 * 1024);
    expect(last).toBeLessThan(first);
    opt.dispose();
  }, 240_000);

  it('computes an LSTM language-model step like the CPU (outputs and gradients)', async () => {
    const build = (): { lstm: LSTM; fc: Linear } => {
      const g = new Generator(3);
      return { lstm: new LSTM(12, 16, { numLayers: 2, batchFirst: true, generator: g }), fc: new Linear(16, 12, { generator: g }) };
    };
    const cpu = build();
    const gpu = build();
    await gpu.lstm.to('webgpu');
    await gpu.fc.to('webgpu');
    const xc = randn([4, 7, 12], { generator: new Generator(5) });
    const yc = randint(0, 12, [28], { generator: new Generator(6) });
    const xg = await xc.to('webgpu');
    const yg = await yc.to('webgpu');
    const ce = new CrossEntropyLoss();
    const run = (m: { lstm: LSTM; fc: Linear }, x: Tensor, y: Tensor): Tensor =>
      tidy(() => {
        const [out] = m.lstm.forward(x);
        return ce.forward(m.fc.forward(out.reshape([-1, 16])), y);
      });
    const lc = run(cpu, xc, yc);
    const lg = run(gpu, xg, yg);
    expect(Math.abs((await lc.item()) - (await lg.item()))).toBeLessThan(1e-4);
    lc.backward();
    lg.backward();
    const pc = [...cpu.lstm.namedParameters(), ...cpu.fc.namedParameters()];
    const pg = [...gpu.lstm.namedParameters(), ...gpu.fc.namedParameters()];
    for (let i = 0; i < pc.length; i++) {
      const [name, p] = pc[i];
      expect(pg[i][1].grad!.device.name).toBe('webgpu');
      expect(await maxAbsDiff(p.grad!, await pg[i][1].grad!.to('cpu')), name).toBeLessThan(1e-4);
    }
  }, 120_000);
});
