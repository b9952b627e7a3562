/**
 * Per-op overhead of small elementwise ops (dispatch, allocation, disposal) and the
 * throughput of a large one: Fackel CPU vs tfjs-cpu.
 */
import { add, randn } from '@fackel/tensor';
import { measure } from '../harness.js';
import { loadTfjsCpu } from '../reference/tfjs.js';
import { setupFackelCpu } from '../reference/fackel.js';
import { speedup, type Suite, type SuiteContext, type SuiteTable } from '../suite.js';
import type { Row } from '../table.js';

interface Case {
  size: number;
  /** Ops per timed sample (so that one sample is long enough to time reliably). */
  reps: number;
}

export const elementwiseSuite: Suite = {
  name: 'elementwise',
  description: 'add of two float32 vectors, time per op: Fackel CPU vs tfjs-cpu',
  async run(ctx: SuiteContext): Promise<SuiteTable[]> {
    await setupFackelCpu();
    const tf = await loadTfjsCpu();
    const cases: Case[] = [
      { size: 1000, reps: ctx.quick ? 2000 : 10_000 },
      { size: 1_000_000, reps: ctx.quick ? 5 : 20 },
    ];
    const rows: Row[] = [];
    for (const c of cases) {
      ctx.log(`add ${c.size} x${c.reps}`);
      const opts = { ...ctx.measureOptions, warmup: 2, minSamples: 5 };

      const a = randn([c.size]);
      const b = randn([c.size]);
      const f = measure(() => {
        for (let i = 0; i < c.reps; i++) add(a, b).dispose();
      }, opts);
      a.dispose();
      b.dispose();

      const ta = tf.randomNormal([c.size]);
      const tb = tf.randomNormal([c.size]);
      const t = measure(() => {
        for (let i = 0; i < c.reps; i++) tf.add(ta, tb).dispose();
      }, opts);
      ta.dispose();
      tb.dispose();

      const fUs = (f.medianMs * 1000) / c.reps;
      const tUs = (t.medianMs * 1000) / c.reps;
      rows.push({
        case: `add ${c.size.toLocaleString('en-US')} (x${c.reps.toLocaleString('en-US')})`,
        fackel: fUs,
        tfjs: tUs,
        speedup: speedup(fUs, tUs, 'time'),
      });
    }
    return [
      {
        title: 'elementwise add (float32, microseconds per op, lower is better)',
        columns: [
          { key: 'case', label: 'case' },
          { key: 'fackel', label: 'Fackel µs/op', digits: 2 },
          { key: 'tfjs', label: 'tfjs-cpu µs/op', digits: 2 },
          { key: 'speedup', label: 'tfjs / Fackel', suffix: 'x', digits: 2 },
        ],
        rows,
        notes: ['Each result is disposed right after the op in both libraries.'],
      },
    ];
  },
};
