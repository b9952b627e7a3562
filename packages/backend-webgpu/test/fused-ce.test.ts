// The fused softmax-with-cross-entropy kernels on WebGPU against the CPU (the oracle), through
// the tensor facade and autograd: losses and logit gradients, ignored rows, large logits,
// strided operands; an out-of-range target must not crash; the GPU reference composition
// (a WebGPU device without the fused kernels) agrees too.
import { registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd } from '@fackel/autograd';
import {
  destroyDevice,
  Generator,
  initDevice,
  randn,
  registerBackend,
  softmaxCrossEntropy,
  softmaxCrossEntropyBackward,
  tensor,
  tidy,
  type Tensor,
} from '@fackel/tensor';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWebGPUBackend, registerWebGPUBackend } from '../src/index.js';
import { describeGpu, expectClose, tryBackend } from './helpers.js';

const probe = await tryBackend();
await probe?.destroy();

describeGpu(probe)('fused softmax cross-entropy on WebGPU vs CPU (no adapter: skipped; set REQUIRE_WEBGPU=1 to fail instead)', () => {
  beforeAll(async () => {
    registerCpuBackend();
    registerWebGPUBackend();
    // The same GPU backend without fused kernels: the reference composition runs on the GPU.
    registerBackend('webgpu-ref', async () => {
      const be = await createWebGPUBackend();
      (be as { fused: unknown }).fused = {};
      return be;
    });
    enableAutograd();
    await initDevice('webgpu');
    await initDevice('webgpu-ref');
  });
  afterAll(async () => {
    await destroyDevice('webgpu');
    await destroyDevice('webgpu-ref');
  });

  /** Loss and gradient of Σ w·loss for logits built on the CPU by `make`, run on `device`. */
  async function run(
    device: string,
    logitsCpu: Tensor,
    target: Int32Array,
    w: Tensor,
    ignoreIndex: number,
    transpose = false,
  ): Promise<{ loss: Float32Array; grad: Float32Array }> {
    const stored = transpose ? await logitsCpu.t().contiguous().to(device) : await logitsCpu.to(device);
    stored.requiresGrad = true;
    const x = transpose ? stored.t() : stored;
    const loss = softmaxCrossEntropy(x, tensor(target, { device }), { ignoreIndex });
    loss
      .mul(await w.to(device))
      .sum()
      .backward();
    let grad = Float32Array.from(await stored.grad!.data());
    if (transpose) grad = Float32Array.from(await stored.grad!.t().contiguous().data());
    return { loss: Float32Array.from(await loss.data()), grad };
  }

  function targets(n: number, c: number, ignoreIndex: number, seed: number): Int32Array {
    const g = new Generator(seed);
    const u = randn([n], { generator: g }).dataSync();
    return Int32Array.from(u, (x, i) => (i % 7 === 3 ? ignoreIndex : Math.abs(Math.floor(x * 1000)) % c));
  }

  for (const [label, scale, ignoreIndex, transpose] of [
    ['ordinary logits, ignoreIndex -100', 3, -100, false],
    ['large logits (±1e4)', 1e4, -100, false],
    ['an in-range ignoreIndex, transposed logits', 3, 2, true],
  ] as const) {
    it(label, async () => {
      const n = 300,
        c = 65;
      const g = new Generator(1);
      const logits = randn([n, c], { generator: g }).mul(scale);
      const w = randn([n], { generator: g });
      const t = targets(n, c, ignoreIndex, 2);
      const cpu = await run('cpu', logits, t, w, ignoreIndex, transpose);
      const gpu = await run('webgpu', logits, t, w, ignoreIndex, transpose);
      const ref = await run('webgpu-ref', logits, t, w, ignoreIndex, transpose);
      expectClose(gpu.loss, cpu.loss, 1e-4, 1e-5 * scale, 'loss (gpu fused vs cpu)');
      expectClose(gpu.grad, cpu.grad, 1e-4, 1e-6, 'grad (gpu fused vs cpu)');
      expectClose(ref.loss, cpu.loss, 1e-4, 1e-5 * scale, 'loss (gpu reference vs cpu)');
      expectClose(ref.grad, cpu.grad, 1e-4, 1e-5, 'grad (gpu reference vs cpu)');
      for (let r = 0; r < n; r++) {
        if (t[r] !== ignoreIndex) continue;
        expect(gpu.loss[r]).toBe(0);
        for (let j = 0; j < c; j++) expect(gpu.grad[r * c + j]).toBe(0);
      }
    });
  }

  it('an out-of-range target gives NaN for its row and does not crash (forward and backward)', async () => {
    const logits = await tensor([
      [1, 2, 3],
      [0, 0, 0],
      [3, 2, 1],
      [1, 1, 1],
    ]).to('webgpu');
    const target = tensor([2, 7, -5, -100], { dtype: 'int32', device: 'webgpu' });
    const loss = Array.from(await softmaxCrossEntropy(logits, target).data());
    const want = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
    expect(loss[0]).toBeCloseTo(want, 5);
    expect(Number.isNaN(loss[1]) && Number.isNaN(loss[2])).toBe(true);
    expect(loss[3]).toBe(0);
    const probs = logits.softmax(1);
    const d = await softmaxCrossEntropyBackward(tensor([1, 1, 1, 1], { device: 'webgpu' }), probs, target).data();
    const p = await probs.data();
    expectClose(d.slice(3, 6), p.slice(3, 6), 1e-6, 1e-7, 'out-of-range row: no one-hot term');
    expect(Array.from(d.slice(9, 12))).toEqual([0, 0, 0]);
  });

  it('returns every GPU buffer after forward and backward', async () => {
    const dev = await initDevice('webgpu');
    const before = dev.backend.memory().buffers;
    const x = randn([40, 9], { device: 'webgpu', requiresGrad: true });
    tidy(() =>
      softmaxCrossEntropy(x, tensor(new Int32Array(40).fill(3), { device: 'webgpu' }))
        .sum()
        .backward(),
    );
    x.grad!.dispose();
    x.dispose();
    expect(dev.backend.memory().buffers).toBe(before);
  });
});
