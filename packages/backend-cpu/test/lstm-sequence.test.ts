// The CPU's fused LSTM recurrence (`fused.lstmSequence` / `fused.lstmSequenceBackward`,
// src/kernels/lstm-sequence.ts) against the reference the tensor package runs on a backend
// without them (one matmul and one lstmCell per step), in float32 and float64, both
// directions, with and without initial states and bias, and a sequence of length 0.
import { enableAutograd } from '@fackel/autograd';
import { Generator, getDevice, lstmSequence, lstmSequenceBackward, randn, tidy, type DType, type FusedKernels, type Tensor } from '@fackel/tensor';
import { expectArrayClose } from '@fackel/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '../src/index.js';

beforeAll(() => {
  registerCpuBackend();
  enableAutograd();
});

interface Result {
  packed: number[];
  hcs: number[];
  act: number[];
  dG: number[];
  dh0: number[] | null;
  dc0: number[];
}

function fusedKernels(): FusedKernels<unknown> {
  return getDevice('cpu').backend.fused as FusedKernels<unknown>;
}

/** Runs forward and backward, through the CPU's fused kernels or (`reference`) without them. */
function run(reference: boolean, inputs: Tensor[], hasH0: boolean, hasC0: boolean, hasBias: boolean, reverse: boolean, wantDh0: boolean): Result {
  const fused = fusedKernels();
  const saved = { fwd: fused.lstmSequence, bwd: fused.lstmSequenceBackward };
  if (reference) {
    fused.lstmSequence = undefined;
    fused.lstmSequenceBackward = undefined;
  }
  try {
    return tidy(() => {
      const [gx, h0, c0, w, bias, grad] = inputs;
      const r = lstmSequence(gx, hasH0 ? h0 : null, hasC0 ? c0 : null, w, { bias: hasBias ? bias : null, reverse, save: true });
      const b = lstmSequenceBackward(grad, r.act!, r.hcs!, hasC0 ? c0 : null, w, { reverse, wantDh0 });
      const list = (t: Tensor): number[] => Array.from(t.dataSync());
      return { packed: list(r.packed), hcs: list(r.hcs!), act: list(r.act!), dG: list(b.dG), dh0: b.dh0 === null ? null : list(b.dh0), dc0: list(b.dc0) };
    });
  } finally {
    fused.lstmSequence = saved.fwd;
    fused.lstmSequenceBackward = saved.bwd;
  }
}

describe('fused LSTM recurrence on the CPU vs the per-step reference', () => {
  const cases: [T: number, N: number, H: number][] = [
    [5, 3, 4],
    [7, 2, 5],
    [1, 1, 1],
    [0, 2, 3],
    [12, 6, 33],
  ];
  for (const dtype of ['float32', 'float64'] as DType[]) {
    for (const [T, N, H] of cases) {
      for (const reverse of [false, true]) {
        it(`${dtype} T=${T} N=${N} H=${H}${reverse ? ' reversed' : ''}`, () => {
          const g = new Generator(T * 100 + N * 10 + H);
          const opts = { generator: g, dtype };
          const inputs = [
            randn([T, N, 4 * H], opts),
            randn([N, H], opts),
            randn([N, H], opts),
            randn([4 * H, H], opts).mul(0.5),
            randn([4 * H], opts),
            randn([T + 1, N, H], opts),
          ];
          const tol = dtype === 'float64' ? { atol: 1e-12, rtol: 1e-12 } : { atol: 2e-5, rtol: 2e-5 };
          for (const [hasH0, hasC0, hasBias, wantDh0] of [
            [true, true, true, true],
            [false, false, false, false],
            [false, true, true, true],
            [true, false, false, false],
          ]) {
            const got = run(false, inputs, hasH0, hasC0, hasBias, reverse, wantDh0);
            const want = run(true, inputs, hasH0, hasC0, hasBias, reverse, wantDh0);
            const label = `${dtype} T=${T} N=${N} H=${H} h0=${hasH0} c0=${hasC0} bias=${hasBias} dh0=${wantDh0}`;
            for (const k of ['packed', 'hcs', 'act', 'dG', 'dc0'] as const) {
              expect(got[k].length, `${label} ${k}`).toBe(want[k].length);
              expectArrayClose(got[k], want[k], { ...tol, label: `${label} ${k}` });
            }
            expect(got.dh0 === null, label).toBe(!wantDh0);
            if (wantDh0) expectArrayClose(got.dh0!, want.dh0!, { ...tol, label: `${label} dh0` });
          }
          for (const t of inputs) t.dispose();
        });
      }
    }
  }

  it('the outputs are what a hand-run step gives (T = 1, no state: h = o·tanh(i·g))', () => {
    const gx = randn([1, 2, 8], { generator: new Generator(3) });
    const w = randn([8, 2], { generator: new Generator(4) });
    const { packed } = lstmSequence(gx, null, null, w);
    const v = gx.dataSync();
    const sig = (x: number): number => 1 / (1 + Math.exp(-x));
    const want: number[] = [];
    const cs: number[] = [];
    for (let r = 0; r < 2; r++) {
      for (let j = 0; j < 2; j++) {
        const at = (k: number): number => v[r * 8 + k * 2 + j];
        const c = sig(at(0)) * Math.tanh(at(2));
        want.push(sig(at(3)) * Math.tanh(c));
        cs.push(c);
      }
    }
    expectArrayClose(packed.dataSync(), [...want, ...cs], { atol: 1e-5, rtol: 1e-5, label: 'one step' });
    for (const t of [gx, w, packed]) t.dispose();
  });

  it('rejects mismatched shapes and dtypes with the op and the shapes in the message', () => {
    const w = randn([8, 2]);
    expect(() => lstmSequence(randn([3, 2, 6]), null, null, w)).toThrow(
      /lstmSequence: expected input gates \[T, N, 4H\] and wHh \[4H, H\], got \[3,2,6\] and \[8,2\]/,
    );
    expect(() => lstmSequence(randn([3, 2, 8]), randn([3, 2]), null, w)).toThrow(/lstmSequence: expected h0 \[2, 2\]/);
    expect(() => lstmSequence(randn([3, 2, 8]), null, null, w, { bias: randn([4]) })).toThrow(/lstmSequence: expected bias \[8\]/);
    expect(() => lstmSequence(randn([3, 2, 8], { dtype: 'float64' }), null, null, w)).toThrow(/lstmSequence: expected one floating-point dtype/);
  });
});
