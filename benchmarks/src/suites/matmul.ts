/**
 * Matrix multiplication throughput (GFLOP/s): Fackel CPU on one thread and on all threads,
 * against TensorFlow.js's pure-JS cpu backend. Where `@fackel/backend-cpu` exports
 * `setMatmulKernel`, also Fackel's plain-JavaScript fallback kernel (one thread).
 */
import * as backendCpu from '@fackel/backend-cpu';
import { getCpuThreads, setCpuThreads } from '@fackel/backend-cpu';
import { matmul, randn, type Tensor } from '@fackel/tensor';
import { measure, type MeasureOptions } from '../harness.js';
import { loadTfjsCpu, type Tf } from '../reference/tfjs.js';
import { setupFackelCpu } from '../reference/fackel.js';
import { speedup, type Suite, type SuiteContext, type SuiteTable } from '../suite.js';
import type { Row } from '../table.js';

interface Case {
  label: string;
  m: number;
  k: number;
  n: number;
  /** Multiply by the transpose of a stored [n, k] matrix (exercises strided operands). */
  transB?: boolean;
}

function cases(quick: boolean): Case[] {
  const square = (quick ? [64, 256, 512] : [64, 256, 512, 1024]).map((s) => ({ label: `${s}`, m: s, k: s, n: s }));
  const extra: Case[] = [
    { label: '512 · Bᵀ', m: 512, k: 512, n: 512, transB: true },
    { label: '50x128 · 128x512', m: 50, k: 128, n: 512 },
    { label: '50x65 · 65x512', m: 50, k: 65, n: 512 },
  ];
  return [...square, ...(quick ? extra.slice(1) : extra)];
}

/** Measurement options scaled so that slow reference runs (tfjs at 1024: seconds) stay bounded. */
function optionsFor(flop: number, base: MeasureOptions, quick: boolean): MeasureOptions {
  const big = flop >= 1e9;
  return { ...base, warmup: big ? 1 : 2, minSamples: big ? (quick ? 2 : 3) : 5 };
}

function fackelGflops(c: Case, opts: MeasureOptions): number {
  const a = randn([c.m, c.k]);
  const b = c.transB ? randn([c.n, c.k]) : randn([c.k, c.n]);
  const bOperand: Tensor = c.transB ? b.t() : b;
  const r = measure(() => {
    matmul(a, bOperand).dispose();
  }, opts);
  if (bOperand !== b) bOperand.dispose();
  a.dispose();
  b.dispose();
  return (2 * c.m * c.n * c.k) / (r.medianMs * 1e6);
}

function tfjsGflops(tf: Tf, c: Case, opts: MeasureOptions): number {
  const a = tf.randomNormal([c.m, c.k]);
  const b = c.transB ? tf.randomNormal([c.n, c.k]) : tf.randomNormal([c.k, c.n]);
  const r = measure(() => {
    tf.matMul(a, b, false, c.transB === true).dispose();
  }, opts);
  a.dispose();
  b.dispose();
  return (2 * c.m * c.n * c.k) / (r.medianMs * 1e6);
}

type KernelSwitch = { set(kind: 'wasm' | 'js'): void; get(): string };

/** `setMatmulKernel`/`getMatmulKernel` if this version of the backend exports them. */
function kernelSwitch(): KernelSwitch | null {
  const mod = backendCpu as Record<string, unknown>;
  const set = mod.setMatmulKernel,
    get = mod.getMatmulKernel;
  if (typeof set !== 'function' || typeof get !== 'function') return null;
  return { set: set as KernelSwitch['set'], get: get as KernelSwitch['get'] };
}

export const matmulSuite: Suite = {
  name: 'matmul',
  description: 'float32 matmul GFLOP/s: Fackel CPU (1 thread, all threads) vs tfjs-cpu',
  async run(ctx: SuiteContext): Promise<SuiteTable[]> {
    await setupFackelCpu();
    const tf = await loadTfjsCpu();
    const threads = getCpuThreads();
    const kernels = kernelSwitch();
    const kernel = kernels?.get() ?? 'default';
    const rows: Row[] = [];
    try {
      for (const c of cases(ctx.quick)) {
        ctx.log(`matmul ${c.label}`);
        const opts = optionsFor(2 * c.m * c.n * c.k, ctx.measureOptions, ctx.quick);
        setCpuThreads(1);
        const one = fackelGflops(c, opts);
        let js: number | null = null;
        if (kernels !== null && kernel !== 'js') {
          kernels.set('js');
          js = fackelGflops(c, optionsFor(2 * c.m * c.n * c.k * 10, ctx.measureOptions, ctx.quick));
          kernels.set('wasm');
        }
        setCpuThreads(threads);
        const all = threads > 1 ? fackelGflops(c, opts) : one;
        const ref = tfjsGflops(tf, c, opts);
        rows.push({
          case: c.label,
          fackel1: one,
          fackelN: all,
          fackelJs: js,
          tfjs: ref,
          speedup: speedup(Math.max(one, all), ref, 'rate'),
        });
      }
    } finally {
      setCpuThreads(threads);
    }
    return [
      {
        title: 'matmul (float32, GFLOP/s, higher is better)',
        columns: [
          { key: 'case', label: 'size (m=k=n or shapes)' },
          { key: 'fackel1', label: 'Fackel 1T' },
          { key: 'fackelN', label: `Fackel ${threads}T` },
          { key: 'fackelJs', label: 'Fackel JS-kernel 1T' },
          { key: 'tfjs', label: 'tfjs-cpu' },
          { key: 'speedup', label: 'Fackel / tfjs', suffix: 'x', digits: 1 },
        ],
        rows,
        notes: [
          'GFLOP/s = 2·m·n·k / median time; each result is disposed inside the timed call.',
          `Fackel kernel: ${kernel}; "JS-kernel" is the plain-JavaScript fallback (FACKEL_CPU_MATMUL=js).`,
        ],
      },
    ];
  },
};
