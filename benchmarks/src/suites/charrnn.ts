/**
 * Char-RNN training (the workshop's Übung 3): characters per second and the validation loss
 * reached after a fixed number of seeded steps on tinyshakespeare, for Fackel on the CPU (and
 * WebGPU where a device exists), side by side with PyTorch (when `/usr/bin/python3` has
 * torch) on the same configuration and step count, and with TensorFlow.js's cpu backend
 * running the same model for a few steps.
 *
 * Steps: `FACKEL_BENCH_CHARRNN_STEPS` (default 200; 20 with --quick). PyTorch threads:
 * `FACKEL_BENCH_TORCH_THREADS` (default 1).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { train, type TrainResult } from '@fackel/charrnn';
import { CharVocab, charBatches } from '@fackel/data';
import { loadTfjsCpu, type Tf } from '../reference/tfjs.js';
import { ROOT, TIMED_RUN, TINYSHAKESPEARE as TEXT, torchBench } from '../reference/training.js';
import type { Suite, SuiteContext, SuiteTable } from '../suite.js';
import type { Row } from '../table.js';

const SCRIPT = join(ROOT, 'scripts/gen_charrnn_fixture.py');

/** The benchmark configuration (pytorch-charRNN's defaults). */
const CONFIG = { rnnSize: 128, numLayers: 2, batchSize: 50, seqLength: 50, learningRate: 2e-3, gradClip: 5, dropout: 0.5, seed: 1, valFrac: 0.1 } as const;

interface RunResult {
  charsPerSec: number;
  valLoss: number | null;
  seconds: number;
  note?: string;
}

async function fackel(device: 'cpu' | 'webgpu', steps: number, config: { rnnSize: number; batchSize: number } = CONFIG): Promise<RunResult> {
  const t0 = performance.now();
  const r: TrainResult = await train({
    inputs: [TEXT],
    ...CONFIG,
    ...config,
    device,
    maxSteps: steps,
    printEvery: steps,
    ...TIMED_RUN,
  });
  return { charsPerSec: r.charsPerSec, valLoss: r.lastValLoss ?? null, seconds: (performance.now() - t0) / 1000 };
}

async function pytorch(steps: number): Promise<RunResult | string> {
  return torchBench(SCRIPT, TEXT, steps, {
    'rnn-size': CONFIG.rnnSize,
    'num-layers': CONFIG.numLayers,
    'batch-size': CONFIG.batchSize,
    'seq-length': CONFIG.seqLength,
    'learning-rate': CONFIG.learningRate,
    'grad-clip': CONFIG.gradClip,
    dropout: CONFIG.dropout,
    'val-frac': CONFIG.valFrac,
    seed: CONFIG.seed,
  });
}

/** The same model in TensorFlow.js (pure-JS cpu backend): one-hot → 2-layer LSTM → dropout → dense, Adam, clipping. */
async function tfjs(tf: Tf, hidden: number, batch: number, steps: number): Promise<RunResult> {
  const text = readFileSync(TEXT, 'utf8');
  const vocab = CharVocab.fromText(text);
  const V = vocab.size;
  const S = CONFIG.seqLength;
  const { train: stream } = charBatches(vocab.encode(text), { batchSize: batch, seqLength: S, valFrac: CONFIG.valFrac });
  const layers = Array.from({ length: CONFIG.numLayers }, (_, l) => ({
    wIh: tf.variable(tf.randomUniform([l === 0 ? V : hidden, 4 * hidden], -0.1, 0.1)),
    wHh: tf.variable(tf.randomUniform([hidden, 4 * hidden], -0.1, 0.1)),
    b: tf.variable(tf.zeros([4 * hidden])),
  }));
  const wFc = tf.variable(tf.randomUniform([hidden, V], -1, 1));
  const bFc = tf.variable(tf.zeros([V]));
  const optimizer = tf.train.adam(CONFIG.learningRate);
  const step = (i: number): void => {
    const b = stream.batchAt(i);
    tf.tidy(() => {
      const x = tf.cast(tf.reshape(tf.oneHot(tf.tensor1d(b.x, 'int32'), V), [batch, S, V]), 'float32');
      const y = tf.cast(tf.oneHot(tf.tensor1d(b.y, 'int32'), V), 'float32');
      const { grads } = tf.variableGrads(() => {
        let input = tf.unstack(x, 1) as ReturnType<Tf['zeros']>[];
        for (const p of layers) {
          let h = tf.zeros([batch, hidden]);
          let c = tf.zeros([batch, hidden]);
          const outs = [];
          for (const xt of input) {
            const gates = tf.add(tf.add(tf.matMul(xt, p.wIh), tf.matMul(h, p.wHh)), p.b);
            const [gi, gf, gg, go] = tf.split(gates, 4, 1) as [typeof gates, typeof gates, typeof gates, typeof gates];
            c = tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg)));
            h = tf.mul(tf.sigmoid(go), tf.tanh(c));
            outs.push(tf.dropout(h, CONFIG.dropout));
          }
          input = outs;
        }
        const logits = tf.add(tf.matMul(tf.reshape(tf.stack(input, 1), [batch * S, hidden]), wFc), bFc);
        return tf.losses.softmaxCrossEntropy(y, logits) as ReturnType<Tf['scalar']>;
      });
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))).dataSync()[0];
      const scale = norm > CONFIG.gradClip ? CONFIG.gradClip / norm : 1;
      optimizer.applyGradients(Object.fromEntries(names.map((n) => [n, tf.mul(grads[n], scale)])));
    });
  };
  step(0); // warm-up
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) step(i);
  const seconds = (performance.now() - t0) / 1000;
  for (const v of [...layers.flatMap((p) => [p.wIh, p.wHh, p.b]), wFc, bFc]) v.dispose();
  optimizer.dispose();
  return { charsPerSec: (steps * batch * S) / seconds, valLoss: null, seconds };
}

export const charrnnSuite: Suite = {
  name: 'charrnn',
  description: 'char-RNN training on tinyshakespeare: chars/s and val loss, Fackel (cpu, webgpu) vs PyTorch and tfjs-cpu',
  async run(ctx: SuiteContext): Promise<SuiteTable[]> {
    if (!existsSync(TEXT)) throw new Error(`${TEXT} is missing (the shared data folder beside the repository)`);
    const steps = Number(process.env.FACKEL_BENCH_CHARRNN_STEPS ?? (ctx.quick ? 20 : 200));
    const notes: string[] = [
      `tinyshakespeare, ${CONFIG.numLayers} layers, hidden ${CONFIG.rnnSize}, batch ${CONFIG.batchSize} × seq ${CONFIG.seqLength}, Adam ${CONFIG.learningRate}, clip ${CONFIG.gradClip}, dropout ${CONFIG.dropout}, seed ${CONFIG.seed}, ${steps} steps; validation loss over the whole validation split (last 10 %), eval mode.`,
      'chars/s counts training characters (batch × seq per step) over the time spent in optimizer steps.',
    ];
    const rows: Row[] = [];
    const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      const r = await f();
      ctx.log(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return r;
    };
    ctx.log(`Fackel cpu, ${steps} steps`);
    const cpu = await timed('Fackel cpu', () => fackel('cpu', steps));
    ctx.log('PyTorch');
    const torch = await timed('PyTorch', () => pytorch(steps));
    let gpu: RunResult | string;
    try {
      ctx.log(`Fackel webgpu, ${steps} steps`);
      gpu = await timed('Fackel webgpu', () => fackel('webgpu', steps));
    } catch (e) {
      gpu = (e as Error).message.split('\n')[0];
    }
    const tfSteps = ctx.quick ? 1 : 2;
    ctx.log(`tfjs-cpu, ${tfSteps} steps`);
    const tf = await loadTfjsCpu();
    const tfSame = await timed('tfjs h128 b50', () => tfjs(tf, CONFIG.rnnSize, CONFIG.batchSize, tfSteps));
    ctx.log('Fackel cpu and tfjs-cpu at hidden 256, batch 10');
    const cpu256 = await fackel('cpu', ctx.quick ? 5 : 20, { rnnSize: 256, batchSize: 10 });
    const tf256 = await timed('tfjs h256 b10', () => tfjs(tf, 256, 10, tfSteps));

    const torchRes = typeof torch === 'string' ? null : torch;
    const row = (name: string, device: string, config: string, n: number, r: RunResult | string, tfRef: RunResult | null): Row => {
      if (typeof r === 'string') return { impl: name, device, config, steps: n, cps: null, val: null, dval: null, vsTf: null, vsTorch: null, note: r };
      return {
        impl: name,
        device,
        config,
        steps: n,
        cps: r.charsPerSec,
        val: r.valLoss,
        dval: r.valLoss !== null && torchRes?.valLoss != null && name !== 'PyTorch' && config === 'h128 b50' ? r.valLoss - torchRes.valLoss : null,
        vsTf: tfRef ? r.charsPerSec / tfRef.charsPerSec : null,
        vsTorch: torchRes && name !== 'PyTorch' && config === 'h128 b50' ? r.charsPerSec / torchRes.charsPerSec : null,
        note: r.note ?? '',
      };
    };
    rows.push(row('Fackel', 'cpu', 'h128 b50', steps, cpu, tfSame));
    rows.push(row('Fackel', 'webgpu', 'h128 b50', steps, gpu, tfSame));
    rows.push(row('PyTorch', 'cpu', 'h128 b50', steps, torch, tfSame));
    rows.push(row('tfjs', 'cpu', 'h128 b50', tfSteps, tfSame, tfSame));
    rows.push(row('Fackel', 'cpu', 'h256 b10', ctx.quick ? 5 : 20, cpu256, tf256));
    rows.push(row('tfjs', 'cpu', 'h256 b10', tfSteps, tf256, tf256));
    if (torchRes && cpu.valLoss !== null && torchRes.valLoss !== null) {
      const d = Math.abs(cpu.valLoss - torchRes.valLoss);
      notes.push(
        `validation loss after ${steps} steps: Fackel ${cpu.valLoss.toFixed(4)}, PyTorch ${torchRes.valLoss.toFixed(4)} (|Δ| ${d.toFixed(4)}; target ≤ 0.05 nats).`,
      );
    }
    notes.push(
      `Fackel cpu / tfjs-cpu at hidden 256, batch 10: ${(cpu256.charsPerSec / tf256.charsPerSec).toFixed(1)}x (target ≥ 10x; tfjs was measured at 67 chars/s on the reference machine).`,
    );
    return [
      {
        title: 'char-RNN training (higher chars/s is better; val loss in nats/char)',
        columns: [
          { key: 'impl', label: 'implementation' },
          { key: 'device', label: 'device' },
          { key: 'config', label: 'config' },
          { key: 'steps', label: 'steps', digits: 0 },
          { key: 'cps', label: 'chars/s', digits: 0 },
          { key: 'val', label: 'val loss', digits: 4 },
          { key: 'dval', label: 'Δ vs torch', digits: 4 },
          { key: 'vsTf', label: '/ tfjs', digits: 1, suffix: 'x' },
          { key: 'vsTorch', label: '/ torch', digits: 2, suffix: 'x' },
          { key: 'note', label: 'note' },
        ],
        rows,
        notes,
      },
    ];
  },
};
