import * as fackel from '@fackel/tensor';
import { beforeAll, describe, it } from 'vitest';
import { buildCaseInputs, callOp, disposeAll, outputsOf } from './build.js';
import { assertClose, DEFAULT_TOLERANCE } from './compare.js';
import { loadFixtures } from './fixtures.js';
import type { FixtureCase, FixtureTensor, Tolerance } from './types.js';

/** Options of {@link runOpConformance}.
 * @example
 * ```ts
 * import type { ConformanceOptions } from '@fackel/testkit';
 * const o: ConformanceOptions = { device: 'webgpu', skip: ['erf/wide'], tolerances: { erf: { rtol: 1e-3 } } };
 * ```
 */
export interface ConformanceOptions {
  /** Device name as registered with `registerBackend` (e.g. `'cpu'`); initialised in `beforeAll`. */
  readonly device: string;
  /** Case ids or op names not to run. A name that matches no case fails the suite. */
  readonly skip?: readonly string[];
  /** Float32 tolerance for every case (default {@link DEFAULT_TOLERANCE}). */
  readonly tolerance?: Partial<Tolerance>;
  /** Per case id or op name (id wins): tolerance overrides. Unknown names fail like `skip`. */
  readonly tolerances?: Readonly<Record<string, Partial<Tolerance>>>;
  /** Fixture file name under `fixtures/` (default `'ops'`). */
  readonly fixtures?: string;
}

/** Names in `names` that are neither a case id nor an op of `cases`.
 * @example
 * ```ts
 * import { loadFixtures, unknownNames } from '@fackel/testkit';
 * unknownNames(['matmul', 'no-such-op'], loadFixtures().cases); // ['no-such-op']
 * ```
 */
export function unknownNames(names: readonly string[], cases: readonly FixtureCase[]): string[] {
  const known = new Set<string>();
  for (const c of cases) {
    known.add(c.id);
    known.add(c.op);
  }
  return names.filter((n) => !known.has(n));
}

/** The tolerance for one case: base, then the op's override, then the id's.
 * @example
 * ```ts
 * import { toleranceFor } from '@fackel/testkit';
 * const c = { id: 'erf/wide', op: 'erf', call: 'method' as const, inputs: [], output: [] };
 * toleranceFor(c, { rtol: 1e-4, atol: 1e-5 }, { erf: { rtol: 1e-3 } }); // { rtol: 1e-3, atol: 1e-5 }
 * ```
 */
export function toleranceFor(c: FixtureCase, base: Tolerance, overrides: Readonly<Record<string, Partial<Tolerance>>> = {}): Tolerance {
  return { ...base, ...overrides[c.op], ...overrides[c.id] };
}

/**
 * Runs one case on a device and compares every output with the fixture. Throws on the
 * first mismatch (message: case id, output number, worst element). Disposes what it built.
 * @example
 * ```ts
 * import { checkCaseOutputs, loadFixtures } from '@fackel/testkit';
 * const c = loadFixtures().cases.find((x) => x.id === 'add/broadcast-row')!;
 * await checkCaseOutputs(c, 'cpu', { rtol: 1e-4, atol: 1e-5 });
 * ```
 */
export async function checkCaseOutputs(c: FixtureCase, device: string, tol: Tolerance): Promise<void> {
  const inputs = buildCaseInputs(c, device);
  let outputs: unknown[] = [];
  try {
    const result = callOp(c, inputs, device);
    outputs = outputsOf(c, result, inputs);
    const expected: readonly FixtureTensor[] = Array.isArray(c.output) ? c.output : [c.output as FixtureTensor];
    for (let i = 0; i < expected.length; i++) {
      const label = expected.length > 1 ? `${c.id} (output ${i})` : c.id;
      await assertClose(outputs[i] as fackel.Tensor, expected[i], { ...tol, label });
    }
  } finally {
    disposeAll(outputs);
    disposeAll(inputs);
  }
}

/**
 * Registers one vitest `it` per fixture case (grouped in a `describe` per op) that runs
 * the op on `device` and compares its outputs with PyTorch's, plus one `it` that fails
 * when a `skip` or `tolerances` name matches no case. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * // packages/backend-cpu/test/conformance.test.ts
 * import '@fackel/backend-cpu'; // or registerBackend('cpu', …)
 * import { runOpConformance } from '@fackel/testkit';
 * runOpConformance({ device: 'cpu' });
 * ```
 */
export function runOpConformance(options: ConformanceOptions): void {
  const { device, skip = [], tolerances = {} } = options;
  const base: Tolerance = { ...DEFAULT_TOLERANCE, ...options.tolerance };
  const { cases } = loadFixtures(options.fixtures ?? 'ops');
  const skipped = new Set(skip);
  const byOp = new Map<string, FixtureCase[]>();
  for (const c of cases) {
    const list = byOp.get(c.op) ?? [];
    list.push(c);
    byOp.set(c.op, list);
  }

  describe(`op conformance on ${device}`, () => {
    beforeAll(async () => {
      await fackel.initDevice(device);
    });

    it('names in skip and tolerances all match fixture cases', () => {
      const unknown = unknownNames([...skip, ...Object.keys(tolerances)], cases);
      if (unknown.length > 0) {
        throw new Error(`unknown case ids or op names: ${unknown.join(', ')} (fix or remove them)`);
      }
    });

    for (const [op, list] of byOp) {
      describe(op, () => {
        for (const c of list) {
          const run = skipped.has(c.id) || skipped.has(op) ? it.skip : it;
          run(c.id, async () => {
            await checkCaseOutputs(c, device, toleranceFor(c, base, tolerances));
          });
        }
      });
    }
  });
}
