/**
 * WebGPU vs CPU, in the same run: per-op time of a chain of dependent small adds (dispatch
 * overhead), matmul GFLOP/s with compute timed apart from upload and readback, and one
 * LSTM training step (batch 50, seq 50, hidden 128, vocab 65, two layers, Adam).
 */
import { enableAutograd } from '@fackel/autograd';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { LSTM, Linear, CrossEntropyLoss } from '@fackel/nn';
import { Adam } from '@fackel/optim';
import { Generator, getDevice, initDevice, randint, randn, registerBackend, registeredBackends, tidy, type Tensor } from '@fackel/tensor';
import { speedup, type Suite, type SuiteContext, type SuiteTable } from '../suite.js';
import type { Row } from '../table.js';

async function sync(device: string): Promise<void> {
  await getDevice(device).backend.sync?.();
}

async function tryWebGPU(): Promise<string | null> {
  try {
    if (!registeredBackends().includes('webgpu')) {
      const mod = await import('@fackel/backend-webgpu');
      registerBackend('webgpu', () => mod.createWebGPUBackend());
    }
    await initDevice('webgpu');
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

async function chain(device: string, n: number): Promise<number> {
  const b = randn([1000], { device });
  let x = randn([1000], { device });
  for (let i = 0; i < 200; i++) {
    const y = x.add(b);
    x.dispose();
    x = y;
  }
  await x.data();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const y = x.add(b);
    x.dispose();
    x = y;
  }
  await x.data();
  const us = ((performance.now() - t0) * 1000) / n;
  x.dispose();
  b.dispose();
  return us;
}

async function matmulRate(device: string, size: number, reps: number): Promise<number> {
  const a = randn([size, size], { device });
  const b = randn([size, size], { device });
  a.matmul(b).dispose();
  await sync(device);
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) a.matmul(b).dispose();
  await sync(device);
  const s = (performance.now() - t0) / 1000 / reps;
  a.dispose();
  b.dispose();
  return (2 * size ** 3) / s / 1e9;
}

async function lstmStep(device: string, steps: number): Promise<number> {
  const g = new Generator(0);
  const lstm = new LSTM(65, 128, { numLayers: 2, batchFirst: true, generator: g });
  const fc = new Linear(128, 65, { generator: g });
  await lstm.to(device);
  await fc.to(device);
  const params = [...lstm.parameters(), ...fc.parameters()];
  const opt = new Adam(params, { lr: 2e-3 });
  const ce = new CrossEntropyLoss();
  const x = randn([50, 50, 65], { device, generator: g });
  const y = randint(0, 65, [2500], { device, generator: g });
  const step = (): void => {
    const loss: Tensor = tidy(() => {
      const [out] = lstm.forward(x);
      return ce.forward(fc.forward(out.reshape([-1, 128])), y);
    });
    loss.backward();
    loss.dispose();
    opt.step();
    opt.zeroGrad();
  };
  step();
  await sync(device);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  await sync(device);
  const ms = (performance.now() - t0) / steps;
  x.dispose();
  y.dispose();
  opt.dispose?.();
  return ms;
}

export const webgpuSuite: Suite = {
  name: 'webgpu',
  description: 'WebGPU vs CPU: dependent-add chain, matmul GFLOP/s, one LSTM training step',
  async run(ctx: SuiteContext): Promise<SuiteTable[]> {
    if (!registeredBackends().includes('cpu')) registerCpuBackend();
    enableAutograd();
    const missing = await tryWebGPU();
    const devices = missing === null ? ['cpu', 'webgpu'] : ['cpu'];
    const val = (m: Map<string, number>, d: string): number | null => m.get(d) ?? null;
    const rows: Row[] = [];

    const chainN = ctx.quick ? 1000 : 10_000;
    const chainUs = new Map<string, number>();
    for (const d of devices) {
      ctx.log(`chain of ${chainN} adds on ${d}`);
      chainUs.set(d, await chain(d, chainN));
    }
    rows.push({
      case: `chain of ${chainN.toLocaleString('en-US')} dependent adds, 1000 elements (µs/op)`,
      cpu: val(chainUs, 'cpu'),
      webgpu: val(chainUs, 'webgpu'),
      ratio: speedup(val(chainUs, 'webgpu'), val(chainUs, 'cpu'), 'time'),
    });

    for (const size of ctx.quick ? [256] : [256, 512, 1024]) {
      const rate = new Map<string, number>();
      for (const d of devices) {
        ctx.log(`matmul ${size} on ${d}`);
        rate.set(d, await matmulRate(d, size, size >= 1024 ? 3 : 10));
      }
      rows.push({
        case: `matmul ${size}x${size} (GFLOP/s)`,
        cpu: val(rate, 'cpu'),
        webgpu: val(rate, 'webgpu'),
        ratio: speedup(val(rate, 'webgpu'), val(rate, 'cpu'), 'rate'),
      });
    }

    const lstmMs = new Map<string, number>();
    for (const d of devices) {
      ctx.log(`LSTM training step on ${d}`);
      lstmMs.set(d, await lstmStep(d, ctx.quick ? 2 : 5));
    }
    rows.push({
      case: 'LSTM training step, batch 50 × seq 50, hidden 128, vocab 65 (ms/step)',
      cpu: val(lstmMs, 'cpu'),
      webgpu: val(lstmMs, 'webgpu'),
      ratio: speedup(val(lstmMs, 'webgpu'), val(lstmMs, 'cpu'), 'time'),
    });

    const gpuName = missing === null ? String((getDevice('webgpu').backend as { adapter?: string }).adapter ?? 'webgpu') : 'none';
    return [
      {
        title: 'WebGPU vs CPU (same run)',
        columns: [
          { key: 'case', label: 'case' },
          { key: 'cpu', label: 'cpu', digits: 2 },
          { key: 'webgpu', label: 'webgpu', digits: 2 },
          { key: 'ratio', label: 'webgpu advantage', suffix: 'x', digits: 2 },
        ],
        rows,
        notes: [
          missing === null ? `WebGPU adapter: ${gpuName}` : `WebGPU not measured: ${missing}`,
          'Matmul is timed after inputs are uploaded and synced, up to a final sync (no readback); the chain reads back once at the end.',
        ],
      },
    ];
  },
};
