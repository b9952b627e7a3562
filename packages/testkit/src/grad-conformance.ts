import { enableAutograd, gradcheck } from '@fackel/autograd';
import * as fackel from '@fackel/tensor';
import type { Tensor } from '@fackel/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCaseInputs, callOp, disposeAll, outputsOf, type CaseValue } from './build.js';
import { assertClose } from './compare.js';
import { unknownNames } from './conformance.js';
import { loadFixtures } from './fixtures.js';
import type { FixtureCase, FixtureTensor, Tolerance } from './types.js';

/** Options of {@link runGradConformance}.
 * @example
 * ```ts
 * import type { GradConformanceOptions } from '@fackel/testkit';
 * const o: GradConformanceOptions = { device: 'cpu', gradcheckDtype: 'float64' };
 * ```
 */
export interface GradConformanceOptions {
  /** Device name as registered with `registerBackend`; initialised in `beforeAll`. */
  readonly device: string;
  /** Case ids or op names not to run. A name that matches no case fails the suite. */
  readonly skip?: readonly string[];
  /** Tolerance when comparing gradients with PyTorch's (default rtol 1e-4, atol 1e-5). */
  readonly tolerance?: Partial<Tolerance>;
  /** Per op or case id overrides (unknown names fail like `skip`). */
  readonly tolerances?: Readonly<Record<string, Partial<Tolerance>>>;
  /**
   * Dtype of the finite-difference check: `float64` (tight, CPU), `float32` (loose, for
   * devices without float64), or `false` to compare with PyTorch only.
   */
  readonly gradcheckDtype?: 'float64' | 'float32' | false;
  /** Cases whose float inputs have more elements than this skip the finite-difference check (default 256). */
  readonly gradcheckMaxElements?: number;
  /**
   * Case ids whose finite-difference check is not meaningful, each with the reason (for
   * example huge fill values that swamp the difference quotient). Unknown ids fail.
   */
  readonly gradcheckSkip?: Readonly<Record<string, string>>;
}

const FLOAT = new Set(['float32', 'float64']);

function tensorsOf(values: readonly CaseValue[]): { tensor: Tensor; input: number; item: number }[] {
  const out: { tensor: Tensor; input: number; item: number }[] = [];
  values.forEach((v, i) => {
    if (Array.isArray(v)) v.forEach((t, j) => out.push({ tensor: t, input: i, item: j }));
    else if (typeof v === 'object' && v !== null) out.push({ tensor: v as Tensor, input: i, item: -1 });
  });
  return out;
}

function expectedGrad(c: FixtureCase, input: number, item: number): FixtureTensor | null {
  const g = c.grads?.[input] ?? null;
  if (g === null) return null;
  if (item < 0) return g as FixtureTensor;
  return ((g as readonly (FixtureTensor | null)[])[item] ?? null) as FixtureTensor | null;
}

function hasNonFinite(c: FixtureCase): boolean {
  return JSON.stringify(c.inputs).match(/"(nan|inf|-inf)"/) !== null;
}

/** Gradient cases: differentiable, out-of-place, with PyTorch gradients.
 * @example
 * ```ts
 * import { gradCases, loadFixtures } from '@fackel/testkit';
 * const cases = gradCases(loadFixtures().cases);
 * console.log(cases.length > 300, cases.every((c) => c.grads !== undefined)); // true true
 * ```
 */
export function gradCases(cases: readonly FixtureCase[]): FixtureCase[] {
  return cases.filter((c) => c.grads !== undefined && c.gradOutput !== undefined && !c.op.endsWith('_'));
}

/**
 * Registers, for every fixture case with gradients, a test that runs `backward` on the
 * device and compares each input's `.grad` with PyTorch's, and (unless disabled) a
 * finite-difference `gradcheck` of the same op on the same device. Call at the top level
 * of a test file, after registering the backend.
 *
 * @example
 * ```ts
 * import { registerCpuBackend } from '@fackel/backend-cpu';
 * import { runGradConformance } from '@fackel/testkit';
 * registerCpuBackend();
 * runGradConformance({ device: 'cpu', gradcheckDtype: 'float64' });
 * ```
 */
export function runGradConformance(options: GradConformanceOptions): void {
  const { device, skip = [], tolerances = {} } = options;
  const base: Tolerance = { rtol: 1e-4, atol: 1e-5, ...options.tolerance };
  const dtype = options.gradcheckDtype ?? 'float64';
  const maxElements = options.gradcheckMaxElements ?? 256;
  const cases = gradCases(loadFixtures('ops').cases);
  const skipped = new Set(skip);

  describe(`gradient conformance on ${device}`, () => {
    beforeAll(async () => {
      enableAutograd();
      await fackel.initDevice(device);
    });

    it('names in skip and tolerances all match gradient cases', () => {
      const unknown = unknownNames([...skip, ...Object.keys(tolerances), ...Object.keys(options.gradcheckSkip ?? {})], cases);
      expect(unknown, `unknown case ids or op names: ${unknown.join(', ')}`).toEqual([]);
    });

    for (const c of cases) {
      const run = skipped.has(c.id) || skipped.has(c.op) ? it.skip : it;
      const tol = { ...base, ...tolerances[c.op], ...tolerances[c.id] };
      run(`${c.id} matches PyTorch's gradients`, async () => {
        const inputs = buildCaseInputs(c, device);
        const built = tensorsOf(inputs);
        const outputs: unknown[] = [];
        try {
          for (const b of built) if (FLOAT.has(b.tensor.dtype) && expectedGrad(c, b.input, b.item) !== null) b.tensor.requiresGrad_();
          const result = callOp(c, inputs, device);
          outputs.push(...outputsOf(c, result, inputs));
          const first = outputs[0] as Tensor;
          const gOut = buildGrad(c.gradOutput!, device);
          first.backward(gOut);
          gOut.dispose();
          for (const b of built) {
            const want = expectedGrad(c, b.input, b.item);
            if (want === null) continue;
            const label = `${c.id} grad of input ${b.input}${b.item >= 0 ? `[${b.item}]` : ''}`;
            if (b.tensor.grad === null) throw new Error(`${label}: no gradient reached the input`);
            await assertClose(b.tensor.grad, want, { ...tol, label });
          }
        } finally {
          disposeAll(outputs);
          disposeAll(inputs);
        }
      });

      if (dtype === false || hasNonFinite(c) || options.gradcheckSkip?.[c.id] !== undefined) continue;
      run(`${c.id} passes gradcheck (${dtype})`, async () => {
        const inputs = buildCaseInputs(c, device);
        const built = tensorsOf(inputs);
        const floatCount = built.filter((b) => FLOAT.has(b.tensor.dtype)).reduce((a, b) => a + b.tensor.numel(), 0);
        if (floatCount > maxElements || floatCount === 0) {
          disposeAll(inputs);
          return;
        }
        // Float inputs become contiguous leaves in the gradcheck dtype (gradcheck perturbs copies).
        const leaves: Tensor[] = [];
        const converted: CaseValue[] = inputs.map((v) => {
          if (Array.isArray(v)) return v.map((t) => toLeaf(t, dtype, leaves));
          if (typeof v === 'object' && v !== null) return toLeaf(v as Tensor, dtype, leaves);
          return v;
        });
        const positions: { input: number; item: number }[] = [];
        converted.forEach((v, i) => {
          if (Array.isArray(v)) v.forEach((t, j) => t.requiresGrad && positions.push({ input: i, item: j }));
          else if (typeof v === 'object' && v !== null && (v as Tensor).requiresGrad) positions.push({ input: i, item: -1 });
        });
        const fn = (...xs: Tensor[]): Tensor => {
          const args = converted.map((v) => (Array.isArray(v) ? [...v] : v));
          positions.forEach((p, k) => {
            if (p.item >= 0) (args[p.input] as Tensor[])[p.item] = xs[k];
            else args[p.input] = xs[k];
          });
          return outputsOf(c, callOp(c, args, device), args)[0];
        };
        const xs = positions.map((p) => (p.item >= 0 ? (converted[p.input] as Tensor[])[p.item] : (converted[p.input] as Tensor)));
        try {
          // An op that computes in float32 (a cast) can only be checked with float32 tolerances.
          const probe = fackel.noGrad(() => fn(...xs));
          const loose = dtype === 'float32' || probe.dtype === 'float32';
          probe.dispose();
          await gradcheck(fn, xs, loose ? { eps: 1e-2, atol: 2e-2, rtol: 2e-2 } : { eps: 1e-6, atol: 1e-6, rtol: 1e-4 });
        } finally {
          disposeAll(leaves);
          disposeAll(inputs);
        }
      });
    }
  });
}

function buildGrad(t: FixtureTensor, device: string): Tensor {
  const flat = fackel.tensor(Float32Array.from(t.data.map((v) => (typeof v === 'number' ? v : Number(v)))), { device });
  const g = flat.reshape(t.shape);
  if (g !== flat) flat.dispose();
  return g;
}

function toLeaf(t: Tensor, dtype: 'float64' | 'float32', leaves: Tensor[]): Tensor {
  if (!FLOAT.has(t.dtype)) return t;
  const leaf = t.detach().to(dtype).contiguous();
  leaf.requiresGrad_();
  leaves.push(leaf);
  return leaf;
}
