/**
 * Worker process hosting TensorFlow.js for the comparison: `--backend cpu` (the pure-JS
 * backend bundled with `@tensorflow/tfjs`) or `--backend wasm` (`@tensorflow/tfjs-backend-wasm`,
 * XNNPACK, SIMD; its .wasm files are loaded from the package directory with `setWasmPaths`).
 * Both run on one thread: tfjs-cpu is plain JavaScript, and tfjs-wasm's threaded build needs
 * cross-origin-isolated browser workers, which Node does not provide.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { intStream, parsePimaCsv, type CaseSpec, type CharRnnSpec, type PimaSpec } from './protocol.js';
import { serve, type Runner } from './worker-server.js';

type Tf = typeof import('@tensorflow/tfjs');
type T = import('@tensorflow/tfjs').Tensor;
type Var = import('@tensorflow/tfjs').Variable;

const { backend } = parseArgs({ options: { backend: { type: 'string', default: 'cpu' } } }).values;
if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`--backend must be cpu or wasm, got ${backend}`);

const tf: Tf = await import('@tensorflow/tfjs');
let wasmVersion: string | null = null;
let wasmSimd: boolean | null = null;
let wasmThreads: boolean | null = null;
if (backend === 'wasm') {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  wasm.setWasmPaths(`${dir}/`);
  wasmVersion = wasm.version_wasm;
}
tf.env().set('PROD', true);
if (!(await tf.setBackend(backend))) throw new Error(`tfjs: could not activate the ${backend} backend`);
await tf.ready();
if (backend === 'wasm') {
  wasmSimd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  wasmThreads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
}

/** The same model as Fackel's and PyTorch's, written with tfjs ops: per layer, one matmul for the input projection of all steps, then the recurrence. */
function charRnn(s: CharRnnSpec): Runner {
  const { hidden: H, batch: B, seq: S, vocab: V } = s;
  const k = 1 / Math.sqrt(H);
  const layers = Array.from({ length: s.layers }, (_, l) => ({
    wIh: tf.variable(tf.randomUniform([l === 0 ? V : H, 4 * H], -k, k)),
    wHh: tf.variable(tf.randomUniform([H, 4 * H], -k, k)),
    b: tf.variable(tf.randomUniform([4 * H], -k, k)),
  }));
  const wFc = tf.variable(tf.randomUniform([H, V], -k, k));
  const bFc = tf.variable(tf.randomUniform([V], -k, k));
  const vars: Var[] = [...layers.flatMap((p) => [p.wIh, p.wHh, p.b]), wFc, bFc];
  const optimizer = tf.train.adam(s.lr);
  const next = intStream(42);
  const batches = Array.from({ length: 4 }, () => ({
    x: tf.tensor2d(
      new Int32Array(B * S).map(() => next(V)),
      [B, S],
      'int32',
    ),
    y: tf.tensor1d(
      new Int32Array(B * S).map(() => next(V)),
      'int32',
    ),
  }));
  let state: { h: T; c: T }[] = layers.map(() => ({ h: tf.zeros([B, H]), c: tf.zeros([B, H]) }));
  let i = 0;
  return {
    run(): void {
      const batch = batches[i++ % batches.length];
      const nextState: { h: T; c: T }[] = [];
      tf.tidy(() => {
        const x = tf.cast(tf.oneHot(batch.x, V), 'float32'); // [B, S, V]
        const y = tf.oneHot(batch.y, V);
        const { value, grads } = tf.variableGrads(() => {
          let input: T = x;
          for (let l = 0; l < layers.length; l++) {
            const p = layers[l];
            const inSize = input.shape[2]!;
            const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(input, [B * S, inSize]), p.wIh), p.b), [B, S, 4 * H]);
            const steps = tf.unstack(xw, 1);
            let h = state[l].h;
            let c = state[l].c;
            const outs: T[] = [];
            for (const xt of steps) {
              const gates = tf.add(xt, tf.matMul(h, p.wHh));
              const [gi, gf, gg, go] = tf.split(gates, 4, 1) as [T, T, T, T];
              c = tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg)));
              h = tf.mul(tf.sigmoid(go), tf.tanh(c));
              outs.push(h);
            }
            nextState[l] = { h: tf.keep(h), c: tf.keep(c) };
            input = tf.dropout(tf.stack(outs, 1), s.dropout); // between layers and after the last
          }
          const logits = tf.add(tf.matMul(tf.reshape(input, [B * S, H]), wFc), bFc);
          return tf.losses.softmaxCrossEntropy(y, logits) as import('@tensorflow/tfjs').Scalar;
        }, vars);
        const names = Object.keys(grads);
        const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))).dataSync()[0];
        const scale = norm > s.clip ? s.clip / (norm + 1e-6) : 1;
        optimizer.applyGradients(names.map((n) => ({ name: n, tensor: scale === 1 ? grads[n] : tf.mul(grads[n], scale) })));
        value.dataSync(); // what a training loop reads back
      });
      // the state is carried (detached) into the next step, as in truncated BPTT
      for (const st of state) {
        st.h.dispose();
        st.c.dispose();
      }
      state = nextState;
    },
    dispose(): void {
      for (const st of state) {
        st.h.dispose();
        st.c.dispose();
      }
      for (const b of batches) {
        b.x.dispose();
        b.y.dispose();
      }
      optimizer.dispose();
      for (const v of vars) v.dispose();
    },
  };
}

function pima(s: PimaSpec): Runner {
  const d = parsePimaCsv(readFileSync(s.csv, 'utf8'));
  const x = tf.tensor2d(d.x, [d.rows, d.features]);
  const y = tf.tensor2d(d.y, [d.rows, 1]);
  const sizes = [d.features, ...s.hidden, 1];
  const layers = sizes.slice(1).map((out, k) => {
    const bound = 1 / Math.sqrt(sizes[k]);
    return { w: tf.variable(tf.randomUniform([sizes[k], out], -bound, bound)), b: tf.variable(tf.randomUniform([out], -bound, bound)) };
  });
  const optimizer = tf.train.sgd(s.lr);
  return {
    run(): void {
      tf.tidy(() => {
        optimizer.minimize(() => {
          let h: T = x;
          for (const l of layers) h = tf.sigmoid(tf.add(tf.matMul(h, l.w), l.b));
          return tf.losses.logLoss(y, h) as import('@tensorflow/tfjs').Scalar; // mean binary cross-entropy
        });
      });
    },
    dispose(): void {
      x.dispose();
      y.dispose();
      optimizer.dispose();
      for (const l of layers) {
        l.w.dispose();
        l.b.dispose();
      }
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
      const a = tf.randomNormal([spec.size]);
      const b = tf.randomNormal([spec.size]);
      return {
        run(): void {
          for (let r = 0; r < spec.reps; r++) {
            tf.tidy(() => {
              tf.add(a, b);
            });
          }
          // the wasm backend computes synchronously; the cpu backend too (no pending work)
        },
        dispose(): void {
          a.dispose();
          b.dispose();
        },
      };
    }
    case 'copy':
      throw new Error('copy is measured in the Fackel worker (plain Float32Array.set)');
    case 'matmul': {
      const a = tf.randomNormal([spec.size, spec.size]);
      const b = tf.randomNormal([spec.size, spec.size]);
      return {
        run(): void {
          for (let r = 0; r < spec.reps; r++) tf.matMul(a, b).dispose();
        },
        dispose(): void {
          a.dispose();
          b.dispose();
        },
      };
    }
  }
}

serve({
  info: () => ({
    library: `tfjs-${backend}`,
    version: tf.version.tfjs,
    threads: 1,
    ...(backend === 'wasm' ? { wasmVersion, simd: wasmSimd, multithread: wasmThreads } : {}),
    node: process.version,
  }),
  setup,
});
