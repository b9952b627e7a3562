/**
 * Worker process hosting Fackel's CPU backend for the comparison, through the public API as a
 * user writes it: `@fackel/nn` modules and losses, `@fackel/optim` optimizers and clipping,
 * `tidy` around each step. `node worker-fackel.js --threads N` (also sets
 * `FACKEL_CPU_THREADS`, see the runner) calls `setCpuThreads(N)`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { enableAutograd } from '@fackel/autograd';
import { getCpuThreads, getMatmulFma, getMatmulKernel, registerCpuBackend, setCpuThreads } from '@fackel/backend-cpu';
import { BCELoss, CrossEntropyLoss, Dropout, LSTM, Linear, Sequential, Sigmoid } from '@fackel/nn';
import { Adam, SGD, clipGradNorm_ } from '@fackel/optim';
import { Generator, add, matmul, oneHot, randn, registeredBackends, setDefaultDevice, tensor, tidy, zeros, type Tensor } from '@fackel/tensor';
import { intStream, parsePimaCsv, type CaseSpec, type CharRnnSpec, type PimaSpec } from './protocol.js';
import { serve, type Runner } from './worker-server.js';

const { threads } = parseArgs({ options: { threads: { type: 'string', default: '1' } } }).values;
const nThreads = Number(threads);

if (!registeredBackends().includes('cpu')) registerCpuBackend();
await setDefaultDevice('cpu');
enableAutograd();
setCpuThreads(nThreads);

function charRnn(s: CharRnnSpec): Runner {
  const g = new Generator(1);
  const lstm = new LSTM(s.vocab, s.hidden, { numLayers: s.layers, dropout: s.dropout, batchFirst: true, generator: g });
  const drop = new Dropout(s.dropout);
  const fc = new Linear(s.hidden, s.vocab, { generator: g });
  const params = [...lstm.parameters(), ...fc.parameters()];
  const opt = new Adam(params, { lr: s.lr });
  const criterion = new CrossEntropyLoss();
  // a few fixed batches of random characters, cycled (the text does not change the timing)
  const next = intStream(42);
  const batches = Array.from({ length: 4 }, () => {
    const x = new Int32Array(s.batch * s.seq).map(() => next(s.vocab));
    const y = new Int32Array(s.batch * s.seq).map(() => next(s.vocab));
    return [tensor(x, { dtype: 'int32' }).reshape([s.batch, s.seq]), tensor(y, { dtype: 'int32' })] as const;
  });
  let state: [Tensor, Tensor] = [zeros([s.layers, s.batch, s.hidden]), zeros([s.layers, s.batch, s.hidden])];
  let i = 0;
  return {
    run(): void {
      const [x, y] = batches[i++ % batches.length];
      const next = tidy(() => {
        const [out, [h, c]] = lstm.forward(oneHot(x, s.vocab).float(), state);
        const logits = fc.forward(drop.forward(out).reshape([-1, s.hidden]));
        const loss = criterion.forward(logits, y);
        opt.zeroGrad();
        loss.backward();
        clipGradNorm_(params, s.clip);
        opt.step();
        loss.itemSync(); // what a training loop reads back
        return [h.detach(), c.detach()] as [Tensor, Tensor];
      });
      state.forEach((t) => t.dispose());
      state = next;
    },
    dispose(): void {
      state.forEach((t) => t.dispose());
      for (const [x, y] of batches) {
        x.dispose();
        y.dispose();
      }
      opt.dispose();
      for (const p of params) p.dispose();
    },
  };
}

function pima(s: PimaSpec): Runner {
  const d = parsePimaCsv(readFileSync(s.csv, 'utf8'));
  const x = tensor(d.x).reshape([d.rows, d.features]);
  const y = tensor(d.y).reshape([d.rows, 1]);
  const g = new Generator(0);
  const sizes = [d.features, ...s.hidden, 1];
  const layers = sizes.slice(1).flatMap((out, k) => [new Linear(sizes[k], out, { generator: g }), new Sigmoid()]);
  const model = new Sequential(...layers);
  const criterion = new BCELoss();
  const opt = new SGD(model.parameters(), { lr: s.lr });
  return {
    run(): void {
      tidy(() => {
        const loss = criterion.forward(model.forward(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
      });
    },
    dispose(): void {
      x.dispose();
      y.dispose();
      opt.dispose();
      for (const p of model.parameters()) p.dispose();
    },
  };
}

function setup(spec: CaseSpec): Runner {
  switch (spec.kind) {
    case 'charrnn':
      return charRnn(spec);
    case 'pima':
      return pima(spec);
    case 'add': {
      const a = randn([spec.size]);
      const b = randn([spec.size]);
      return {
        run(): void {
          for (let r = 0; r < spec.reps; r++) {
            tidy(() => {
              add(a, b);
            });
          }
        },
        dispose(): void {
          a.dispose();
          b.dispose();
        },
      };
    }
    case 'copy': {
      const src = new Float32Array(spec.size).map(() => Math.random());
      const dst = new Float32Array(spec.size);
      return {
        run(): void {
          for (let r = 0; r < spec.reps; r++) dst.set(src);
        },
        dispose(): void {},
      };
    }
    case 'matmul': {
      const a = randn([spec.size, spec.size]);
      const b = randn([spec.size, spec.size]);
      return {
        run(): void {
          for (let r = 0; r < spec.reps; r++) matmul(a, b).dispose();
        },
        dispose(): void {
          a.dispose();
          b.dispose();
        },
      };
    }
  }
}

function version(): string {
  try {
    const url = new URL('../../../packages/tensor/package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

serve({
  info: () => ({
    library: 'Fackel',
    version: version(),
    threads: getCpuThreads(),
    matmulKernel: getMatmulKernel() + (getMatmulFma() ? ' (relaxed SIMD FMA)' : ''),
    node: process.version,
  }),
  setup,
});
