import { fileURLToPath } from 'node:url';
import { decodeNumber, readJsonFixture, type FixtureNumber, type JsonTensor } from '@fackel/testkit';
import { tensor, type DType, type Tensor } from '@fackel/tensor';

/** This package's PyTorch fixtures (test/fixtures, written by scripts/gen_nn_fixtures.py). */
export const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

/** A fixture file, parsed. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return readJsonFixture<T>(FIXTURES, name, '/usr/bin/python3 scripts/gen_nn_fixtures.py');
}

/** A fixture tensor as a Fackel tensor (float32 unless the fixture says int32/bool, or `dtype` overrides). */
export function T(j: JsonTensor, options: { dtype?: DType; requiresGrad?: boolean } = {}): Tensor {
  const dtype: DType = options.dtype ?? j.dtype ?? 'float32';
  const flat = tensor(Float64Array.from(j.data.map((v) => decodeNumber(v as FixtureNumber | boolean))), { dtype });
  const out = flat.reshape(j.shape);
  if (out !== flat) flat.dispose();
  if (options.requiresGrad) out.requiresGrad_(true);
  return out;
}

/** Tolerances of the PyTorch comparisons (float32): forward outputs and gradients. */
export const FWD = { atol: 1e-5, rtol: 1e-5 };
export const GRAD = { atol: 1e-4, rtol: 1e-4 };

/** The deterministic input of the state dict checks (same as charrnn_input in the fixture script). */
export function charInput(vocab: number, batch: number, seq: number): Tensor {
  const host = new Array<number>(batch * seq * vocab).fill(0);
  for (let b = 0; b < batch; b++) for (let t = 0; t < seq; t++) host[(b * seq + t) * vocab + ((7 * b + 3 * t + 1) % vocab)] = 1;
  return T({ shape: [batch, seq, vocab], data: host });
}
