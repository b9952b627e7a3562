import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { tensor, type DType, type Tensor } from '@fackel/tensor';

/** A tensor as the fixture script writes it. */
export interface JsonTensor {
  shape: number[];
  dtype?: 'int32' | 'bool';
  data: (number | boolean | string)[];
}

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A fixture file, parsed. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  const p = join(FIXTURES, name);
  if (!existsSync(p)) throw new Error(`fixture ${p} is missing: run /usr/bin/python3 scripts/gen_nn_fixtures.py`);
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

function num(v: number | boolean | string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new Error(`bad fixture value ${v}`);
}

/** A fixture tensor as a Fackel tensor (float32 unless the fixture says int32/bool, or `dtype` overrides). */
export function T(j: JsonTensor, options: { dtype?: DType; requiresGrad?: boolean } = {}): Tensor {
  const dtype: DType = options.dtype ?? j.dtype ?? 'float32';
  const flat = tensor(Float64Array.from(j.data.map(num)), { dtype });
  const out = flat.reshape(j.shape);
  if (out !== flat) flat.dispose();
  if (options.requiresGrad) out.requiresGrad_(true);
  return out;
}

/** Tolerances of the PyTorch comparisons (float32): forward outputs and gradients. */
export const FWD = { atol: 1e-5, rtol: 1e-5 };
export const GRAD = { atol: 1e-4, rtol: 1e-4 };

/** Asserts that `actual` matches the fixture tensor elementwise within atol + rtol·|expected| (NaN matches NaN). */
export function expectClose(actual: Tensor | null, expected: JsonTensor | null, tol: { atol: number; rtol: number }, label: string): void {
  if (expected === null) {
    expect(actual, `${label}: expected no gradient`).toBeNull();
    return;
  }
  expect(actual, `${label}: missing tensor`).not.toBeNull();
  const a = actual!;
  expect([...a.shape], `${label}: shape`).toEqual(expected.shape);
  const got = a.dataSync();
  const want = expected.data.map(num);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (w === g) continue;
    const err = Math.abs(g - w);
    const limit = tol.atol + tol.rtol * Math.abs(w);
    if (!(err <= limit) && (worst < 0 || err / limit > worstErr)) {
      worst = i;
      worstErr = err / limit;
    }
  }
  if (worst >= 0) {
    expect.fail(`${label}: element ${worst} is ${got[worst]}, expected ${want[worst]} (|diff| ${Math.abs(got[worst]! - want[worst]!).toExponential(2)}, ${worstErr.toFixed(1)}× the tolerance)`);
  }
}

/** A scratch directory removed by `cleanup`. */
export function scratch(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'fackel-nn-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The deterministic input of the state dict checks (same as charrnn_input in the fixture script). */
export function charInput(vocab: number, batch: number, seq: number): Tensor {
  const host = new Array<number>(batch * seq * vocab).fill(0);
  for (let b = 0; b < batch; b++) for (let t = 0; t < seq; t++) host[(b * seq + t) * vocab + ((7 * b + 3 * t + 1) % vocab)] = 1;
  return T({ shape: [batch, seq, vocab], data: host });
}
