/**
 * nanoGPT's CPU "baby GPT" on tinyshakespeare (issue 14): `fackel-charrnn train --model
 * transformer` with nanoGPT's settings (4 layers, 4 heads, 128 wide, context 64, batch 12,
 * AdamW 1e-3 with 100 warm-up steps and a cosine decay to 1e-4 over the run, clip 1, dropout
 * 0), next to PyTorch running the same model on the same batches for the same steps
 * (`scripts/gen_gpt_fixture.py bench`, when `/usr/bin/python3` has torch). The batches are
 * nanoGPT's random windows into the training split (`batching: 'random'`), drawn on both
 * sides by the same SplitMix64 counter from the seed, so both train on the very same
 * windows. Reports the time,
 * characters per second and the validation loss (whole validation split, eval mode); the
 * target is a validation loss ≤ 1.90 after 2 000 steps (nanoGPT's README: about 1.88).
 *
 * Steps: `FACKEL_BENCH_GPT_STEPS` (default 2 000; 20 with --quick). PyTorch threads:
 * `FACKEL_BENCH_TORCH_THREADS` (default 1). Run it with `pnpm bench --suite gpt`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { train } from '@fackel/charrnn';
import { ROOT, TIMED_RUN, TINYSHAKESPEARE as TEXT, torchBench } from '../reference/training.js';
import type { Suite, SuiteContext, SuiteTable } from '../suite.js';

const SCRIPT = join(ROOT, 'scripts/gen_gpt_fixture.py');

/** nanoGPT's baby GPT (README, "I only have a macbook"), in fackel-charrnn's option names. */
const CONFIG = {
  nLayer: 4,
  nHead: 4,
  nEmbd: 128,
  seqLength: 64,
  batchSize: 12,
  learningRate: 1e-3,
  minLr: 1e-4,
  warmupSteps: 100,
  dropout: 0,
  gradClip: 1,
  seed: 1,
  valFrac: 0.1,
  batching: 'random',
} as const;

interface RunResult {
  seconds: number;
  charsPerSec: number;
  valLoss: number | null;
  note: string;
}

async function fackel(steps: number): Promise<RunResult> {
  const t0 = performance.now();
  const r = await train({
    model: 'transformer',
    inputs: [TEXT],
    ...CONFIG,
    maxSteps: steps,
    printEvery: Math.max(1, Math.floor(steps / 10)),
    ...TIMED_RUN,
    valBatches: 0,
  });
  return {
    seconds: (performance.now() - t0) / 1000,
    charsPerSec: r.charsPerSec,
    valLoss: r.lastValLoss ?? null,
    note: `${r.trainSeconds.toFixed(1)} s in steps`,
  };
}

async function pytorch(steps: number): Promise<RunResult | string> {
  return torchBench(SCRIPT, TEXT, steps, {
    'n-layer': CONFIG.nLayer,
    'n-head': CONFIG.nHead,
    'n-embd': CONFIG.nEmbd,
    'batch-size': CONFIG.batchSize,
    'seq-length': CONFIG.seqLength,
    'learning-rate': CONFIG.learningRate,
    'min-lr': CONFIG.minLr,
    'warmup-steps': CONFIG.warmupSteps,
    'grad-clip': CONFIG.gradClip,
    dropout: CONFIG.dropout,
    'val-frac': CONFIG.valFrac,
    seed: CONFIG.seed,
    batching: CONFIG.batching,
  });
}

export const gptSuite: Suite = {
  name: 'gpt',
  description: "nanoGPT's baby GPT on tinyshakespeare: time, chars/s and val loss, Fackel (cpu) vs PyTorch on the same model and batches",
  async run(ctx: SuiteContext): Promise<SuiteTable[]> {
    if (!existsSync(TEXT)) throw new Error(`${TEXT} is missing (the shared data folder beside the repository)`);
    const steps = Number(process.env.FACKEL_BENCH_GPT_STEPS ?? (ctx.quick ? 20 : 2000));
    ctx.log(`Fackel cpu, ${steps} steps`);
    const ours = await fackel(steps);
    ctx.log('PyTorch');
    const torch = await pytorch(steps);
    const rows = [ours, torch].map((r, i) => {
      const impl = i === 0 ? 'Fackel' : 'PyTorch';
      if (typeof r === 'string') return { impl, steps, seconds: null, cps: null, val: null, vsTorch: null, note: r };
      const ref = typeof torch === 'string' ? null : torch;
      return {
        impl,
        steps,
        seconds: r.seconds,
        cps: r.charsPerSec,
        val: r.valLoss,
        vsTorch: ref && i === 0 ? r.charsPerSec / ref.charsPerSec : null,
        note: r.note,
      };
    });
    return [
      {
        title: "baby GPT on tinyshakespeare (nanoGPT's CPU settings; val loss in nats/char, target ≤ 1.90 at 2 000 steps)",
        columns: [
          { key: 'impl', label: 'implementation' },
          { key: 'steps', label: 'steps', digits: 0 },
          { key: 'seconds', label: 'seconds', digits: 1 },
          { key: 'cps', label: 'chars/s', digits: 0 },
          { key: 'val', label: 'val loss', digits: 4 },
          { key: 'vsTorch', label: '/ torch', digits: 2, suffix: 'x' },
          { key: 'note', label: 'note' },
        ],
        rows,
        notes: [
          `4 layers, 4 heads, width 128, context 64, batch 12, AdamW 1e-3 (β2 0.99, weight decay 0.1 on matrices), 100 warm-up steps, cosine to 1e-4 over ${steps} steps, clip 1, dropout 0, seed 1; batches are nanoGPT's random windows (12 × 65 characters at random offsets into the first 90 % of the text, the same windows on both sides: SplitMix64 from the seed); val loss over the whole validation split (the last 10 %) in eval mode.`,
        ],
      },
    ];
  },
};
