import { FackelError, tensor, type Tensor } from '@fackel/tensor';
import { readJsonFixture, thrown } from '@fackel/testkit';
import { expect } from 'vitest';

/** A tensor in the fixture file: shape and row-major float32 values. */
export interface FT {
  shape: number[];
  data: number[];
}

export interface OptimizerFixture {
  id: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
  options: Record<string, unknown>;
  groups: { params: number[]; options: Record<string, unknown> }[] | null;
  params: FT[];
  a: FT[];
  b: FT[];
  skipGrad: [number, number][];
  scheduler: { name: string; options: Record<string, unknown> } | null;
  steps: number;
  trajectory: FT[][];
  lrs: number[][];
  stateDict: { state: Record<string, Record<string, number | FT>>; paramGroups: Record<string, unknown>[] };
}

export interface SchedulerFixture {
  id: string;
  lrs: number[];
  schedulers: { name: string; options: Record<string, unknown> }[];
  metrics: number[] | null;
  steps: number;
  lastLr: number[][];
}

export interface ClipFixture {
  id: string;
  fn: 'clipGradNorm_' | 'clipGradValue_';
  grads: (FT | null)[];
  maxNorm?: number;
  normType?: number | 'inf';
  clipValue?: number;
  totalNorm?: number;
  clipped: (FT | null)[];
}

export interface Fixtures {
  generator: string;
  torch: string;
  optimizers: OptimizerFixture[];
  schedulers: SchedulerFixture[];
  clip: ClipFixture[];
}

let cached: Fixtures | null = null;

/** The PyTorch fixtures written by scripts/gen_optim_fixtures.py. */
export function fixtures(): Fixtures {
  cached ??= readJsonFixture<Fixtures>(new URL('./fixtures/', import.meta.url), 'optim.json', '/usr/bin/python3 scripts/gen_optim_fixtures.py');
  return cached;
}

/** A float32 tensor from a fixture tensor. */
export function fromFixture(t: FT): Tensor {
  return tensor(Float32Array.from(t.data)).reshape(t.shape);
}

/** The same tensors' values as plain arrays (for exact comparisons). */
export function values(ts: readonly Tensor[]): number[][] {
  return ts.map((t) => Array.from(t.dataSync()));
}

/** Deep equality of JSON-like values, with numbers equal to a relative 1e-12. */
export function expectJsonClose(actual: unknown, expected: unknown, what: string): void {
  if (typeof expected === 'number') {
    expect(typeof actual, `${what}: type`).toBe('number');
    const a = actual as number;
    if (!(Math.abs(a - expected) <= 1e-12 * Math.max(Math.abs(expected), 1e-300))) expect.fail(`${what}: ${a} but PyTorch gives ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${what}: an array`).toBe(true);
    expect((actual as unknown[]).length, `${what}: length`).toBe(expected.length);
    expected.forEach((e, i) => expectJsonClose((actual as unknown[])[i], e, `${what}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), `${what}: keys`).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectJsonClose((actual as Record<string, unknown>)[k], v, `${what}.${k}`);
    return;
  }
  expect(actual, what).toBe(expected);
}

/** The message of the {@link FackelError} that `f` throws; fails the test if it throws none or another kind. */
export function errorMessage(f: () => unknown): string {
  const e = thrown(f);
  expect(e).toBeInstanceOf(FackelError);
  return e.message;
}
