import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { View } from '../../tensor/src/backend.js';
import type { DType, TypedArray } from '../../tensor/src/dtype.js';
import { Generator } from '../../tensor/src/random.js';
import {
  THREAD_MIN_MACS,
  getCpuThreads,
  getMatmulKernel,
  matmulInto,
  matmulPoolStats,
  setCpuThreads,
  setMatmulKernel,
  threadPolicy,
  type MatmulKernel,
} from '../src/kernels/matmul.js';
import { WASM_MR, WASM_NR, getWasmMatmul, instantiateWasmGemm, matmulWasmBytes } from '../src/kernels/matmul-wasm.js';

type Arr = Float32Array | Float64Array | Int32Array;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;
const CTORS: Record<'float32' | 'float64' | 'int32', Ctor> = { float32: Float32Array, float64: Float64Array, int32: Int32Array };

/** Uniform numbers in [0, 1) from the library's seeded generator, so failures reproduce. */
function rng(seed: number): () => number {
  const g = new Generator(seed);
  return () => g.random();
}

interface Operand {
  view: View<TypedArray>;
  /** Element (bi, r, c) of the logical [batch, rows, cols] operand. */
  at(bi: number, r: number, c: number): number;
}

type Layout = 'contiguous' | 'transposed' | 'strided' | 'broadcast' | 'offset' | 'transposed-wide';

/**
 * Builds a logical [batch, rows, cols] operand in the given memory layout:
 * - contiguous: row-major, batch outermost
 * - transposed: each matrix stored column-major (strides [rows*cols, 1, rows])
 * - strided: every other element of a wider buffer, with a gap between batch entries
 * - broadcast: one matrix shared by every batch entry (batch stride 0)
 * - offset: contiguous, starting 7 elements into the buffer
 * - transposed-wide: column-major within a wider matrix (strides [.., 1, rows + 5]), offset 3
 */
function operand(dtype: keyof typeof CTORS, batch: number, rows: number, cols: number, layout: Layout, rand: () => number): Operand {
  const gen = (): number => (dtype === 'int32' ? Math.floor(rand() * 21) - 10 : rand() * 2 - 1);
  let strides: number[];
  let offset = 0;
  let len: number;
  switch (layout) {
    case 'contiguous':
      strides = [rows * cols, cols, 1];
      len = batch * rows * cols;
      break;
    case 'transposed':
      strides = [rows * cols, 1, rows];
      len = batch * rows * cols;
      break;
    case 'strided':
      strides = [2 * rows * cols + 3, 2 * cols, 2];
      len = batch * (2 * rows * cols + 3);
      break;
    case 'broadcast':
      strides = [0, cols, 1];
      len = rows * cols;
      break;
    case 'offset':
      offset = 7;
      strides = [rows * cols, cols, 1];
      len = offset + batch * rows * cols;
      break;
    case 'transposed-wide':
      offset = 3;
      strides = [(rows + 5) * cols + 1, 1, rows + 5];
      len = offset + batch * ((rows + 5) * cols + 1);
      break;
  }
  const buf = new CTORS[dtype](Math.max(len, 1));
  for (let i = 0; i < buf.length; i++) buf[i] = gen();
  const view: View<TypedArray> = { buffer: buf, dtype: dtype as DType, shape: [batch, rows, cols], strides, offset };
  return { view, at: (bi, r, c) => buf[offset + bi * strides[0] + r * strides[1] + c * strides[2]] };
}

/** Reference product in float64 (int32: exact with wrap-around), plus Σ|a||b| per entry. */
function reference(a: Operand, b: Operand, batch: number, m: number, k: number, n: number, int: boolean): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(batch * m * n);
  const scale = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const x = a.at(bi, i, p),
            y = b.at(bi, p, j);
          if (int) s = (s + Math.imul(x, y)) | 0;
          else s += x * y;
          abs += Math.abs(x * y);
        }
        value[(bi * m + i) * n + j] = s;
        scale[(bi * m + i) * n + j] = abs;
      }
    }
  }
  return { value, scale };
}

function check(
  dtype: keyof typeof CTORS,
  batch: number,
  m: number,
  k: number,
  n: number,
  la: Layout = 'contiguous',
  lb: Layout = 'contiguous',
  seed = 1,
): void {
  const rand = rng(seed * 7919 + m * 31 + k * 17 + n);
  const a = operand(dtype, batch, m, k, la, rand);
  const b = operand(dtype, batch, k, n, lb, rand);
  const out: Arr = new CTORS[dtype](batch * m * n);
  out.fill(123); // the kernel must overwrite, not accumulate into, the output
  matmulInto(a.view, b.view, out);
  const { value, scale } = reference(a, b, batch, m, k, n, dtype === 'int32');
  const tol = dtype === 'float32' ? 1e-5 : dtype === 'float64' ? 1e-12 : 0;
  let worst = 0;
  let where = -1;
  for (let i = 0; i < value.length; i++) {
    const err = Math.abs(out[i] - value[i]) / Math.max(scale[i], 1e-30);
    const bad = dtype === 'int32' ? out[i] !== value[i] : !(err <= tol) && Math.abs(out[i] - value[i]) > 1e-30;
    if (bad && (where < 0 || err > worst)) {
      worst = err;
      where = i;
    }
  }
  if (where >= 0) {
    expect.fail(`${dtype} [${batch}] ${m}x${k}x${n} (${la}, ${lb}): out[${where}] = ${out[where]}, expected ${value[where]} (rel err ${worst})`);
  }
}

const SIZES = [1, 2, 3, 4, 5, 7, 8, 17, 65];

const KERNELS: MatmulKernel[] = ['wasm', 'js'];
const initialThreads = getCpuThreads();
const initialKernel = getMatmulKernel();
afterAll(() => {
  setCpuThreads(initialThreads);
  setMatmulKernel(initialKernel);
});

describe('the WebAssembly kernel', () => {
  it('assembles a valid module and is available on this Node', () => {
    expect(matmulWasmBytes()[0]).toBe(0); // '\0asm'
    expect(getWasmMatmul()).not.toBeNull();
  });

  it('generates correct kernels for other register blockings (self-check: full, partial rows and columns)', () => {
    for (let mr = 1; mr <= 6; mr++) {
      for (let nv = 1; nv <= 4; nv++) expect(instantiateWasmGemm({ mr, nv }, null), `${mr}x${4 * nv}`).not.toBeNull();
    }
  });
});

describe.each(KERNELS)('matmulInto float32 (%s kernel)', (kernel) => {
  beforeAll(() => {
    setMatmulKernel(kernel);
    expect(getMatmulKernel()).toBe(kernel);
  });

  it('matches the reference for odd and even sizes', () => {
    for (const m of SIZES) for (const k of [1, 3, 4, 17, 65]) for (const n of SIZES) check('float32', 1, m, k, n);
  });

  it('handles 1x1 and larger odd products', () => {
    check('float32', 1, 1, 1, 1);
    check('float32', 1, 129, 65, 33);
    check('float32', 1, 50, 128, 512);
    check('float32', 1, 50, 65, 512);
    check('float32', 1, 33, 300, 7); // depth beyond one KC block (256)
    check('float32', 1, 5, 513, 9);
    check('float32', 1, 130, 40, 33); // rows beyond one MC block (128); A copied directly is off
    check('float32', 1, 257, 260, 17, 'transposed', 'contiguous');
    // matrix-vector (computed as a row: b^T a^T) and vector-matrix
    check('float32', 1, 300, 70, 1);
    check('float32', 3, 40, 33, 1, 'transposed', 'broadcast');
    check('float32', 2, 1, 70, 300, 'strided', 'transposed');
  });

  it('handles transposed, strided, offset and broadcast layouts', () => {
    const layouts: Layout[] = ['contiguous', 'transposed', 'strided', 'broadcast', 'offset', 'transposed-wide'];
    for (const la of layouts) {
      for (const lb of layouts) {
        check('float32', 3, 17, 9, 13, la, lb);
        check('float32', 2, 4, 65, 8, la, lb);
      }
    }
  });

  it('handles edge tiles around the panel sizes and the row and depth blocks', () => {
    // rows: panel remainders and the ~128-row blocks; columns: panel remainders; depth: the 256-deep blocks
    for (const m of [WASM_MR - 1, WASM_MR + 1, 2 * WASM_MR + 1, 127, 129, 131, 257].filter((x) => x > 0)) {
      for (const n of [WASM_NR - 1, WASM_NR + 1, 2 * WASM_NR + 3]) check('float32', 1, m, 33, n);
    }
    for (const k of [255, 256, 257, 512, 513]) {
      check('float32', 1, 7, k, 19);
      check('float32', 1, 130, k, 2 * WASM_NR + 1, 'transposed', 'transposed');
    }
    // a transposed A is read in place (copied column by column), also batched and within a wider matrix
    check('float32', 3, 40, 70, 33, 'transposed', 'contiguous');
    check('float32', 2, 17, 300, 20, 'transposed-wide', 'transposed-wide');
    check('float32', 1, 15, 9, 20, 'transposed-wide', 'contiguous'); // too few rows: packed
    check('float32', 1, 513, 40, 35, 'transposed', 'contiguous');
    // the char-RNN's products, forward (W^T) and backward (W, and h^T with dG)
    check('float32', 1, 50, 128, 512, 'contiguous', 'transposed');
    check('float32', 1, 50, 512, 128, 'contiguous', 'contiguous');
    check('float32', 1, 128, 50, 512, 'transposed', 'contiguous');
    check('float32', 1, 10, 256, 1024, 'contiguous', 'transposed');
    check('float32', 1, 256, 10, 1024, 'transposed', 'contiguous');
  });

  it('handles tiny products (plain loop) in every layout', () => {
    const layouts: Layout[] = ['contiguous', 'transposed', 'strided', 'broadcast', 'offset', 'transposed-wide'];
    for (const la of layouts)
      for (const lb of layouts)
        for (const [m, k, n] of [
          [1, 1, 1],
          [2, 3, 4],
          [6, 6, 7],
          [1, 256, 1],
          [16, 1, 16],
        ])
          check('float32', 3, m!, k!, n!, la, lb);
  });

  it('handles batches', () => {
    check('float32', 5, 3, 4, 5);
    check('float32', 7, 1, 1, 1);
    check('float32', 4, 33, 17, 9, 'broadcast', 'contiguous');
    check('float32', 4, 33, 17, 9, 'contiguous', 'broadcast');
  });

  it('leaves a zero output for k = 0 and writes nothing for empty outputs', () => {
    const a = { buffer: new Float32Array(0), dtype: 'float32' as const, shape: [2, 3, 0], strides: [0, 0, 1], offset: 0 };
    const b = { buffer: new Float32Array(0), dtype: 'float32' as const, shape: [2, 0, 4], strides: [0, 4, 1], offset: 0 };
    const out = new Float32Array(24).fill(5);
    matmulInto(a, b, out);
    expect(Array.from(out)).toEqual(new Array(24).fill(0));

    const empty = new Float32Array(0);
    for (const [bt, m, k, n] of [
      [0, 3, 4, 5],
      [1, 0, 4, 5],
      [1, 3, 4, 0],
    ]) {
      const av = { buffer: new Float32Array(bt * m * k), dtype: 'float32' as const, shape: [bt, m, k], strides: [m * k, k, 1], offset: 0 };
      const bv = { buffer: new Float32Array(bt * k * n), dtype: 'float32' as const, shape: [bt, k, n], strides: [k * n, n, 1], offset: 0 };
      expect(() => matmulInto(av, bv, empty)).not.toThrow();
    }
  });

  it('propagates NaN and infinity', () => {
    const a = { buffer: new Float32Array([NaN, 1, 2, 3]), dtype: 'float32' as const, shape: [1, 2, 2], strides: [4, 2, 1], offset: 0 };
    const b = { buffer: new Float32Array([1, 0, Infinity, 1]), dtype: 'float32' as const, shape: [1, 2, 2], strides: [4, 2, 1], offset: 0 };
    const out = new Float32Array(4);
    matmulInto(a, b, out);
    expect(Number.isNaN(out[0])).toBe(true); // NaN * 1
    expect(Number.isNaN(out[1])).toBe(true); // NaN * 0
    expect(out[2]).toBe(Infinity);
    expect(out[3]).toBe(3);
  });
});

describe('matmulInto float64 and int32', () => {
  it('float64 matches for assorted shapes and layouts', () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [3, 5, 7],
      [17, 4, 9],
      [8, 65, 3],
    ])
      check('float64', 1, m, k, n);
    check('float64', 3, 5, 6, 7, 'transposed', 'strided');
    check('float64', 3, 5, 6, 7, 'broadcast', 'offset');
  });

  it('int32 is exact, including wrap-around', () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [3, 5, 7],
      [17, 4, 9],
      [8, 65, 3],
    ])
      check('int32', 1, m, k, n);
    check('int32', 2, 5, 6, 7, 'transposed', 'broadcast');
    const a = { buffer: new Int32Array([0x40000000, 0x40000000]), dtype: 'int32' as const, shape: [1, 1, 2], strides: [2, 2, 1], offset: 0 };
    const b = { buffer: new Int32Array([4, 4]), dtype: 'int32' as const, shape: [1, 2, 1], strides: [2, 1, 1], offset: 0 };
    const out = new Int32Array(1);
    matmulInto(a, b, out);
    expect(out[0]).toBe(0); // 2 * 2^32 wraps to 0
  });

  it('k = 0 gives zeros', () => {
    const a = { buffer: new Float64Array(0), dtype: 'float64' as const, shape: [1, 2, 0], strides: [0, 0, 1], offset: 0 };
    const b = { buffer: new Float64Array(0), dtype: 'float64' as const, shape: [1, 0, 2], strides: [0, 2, 1], offset: 0 };
    const out = new Float64Array(4).fill(1);
    matmulInto(a, b, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
  });
});

/** Runs `fn` until a worker has computed at least one chunk (workers start asynchronously). */
async function untilWorkersHelp(fn: () => void): Promise<void> {
  const before = matmulPoolStats().workerChunks;
  const deadline = Date.now() + 10_000;
  do {
    threadPolicy(1, true); // forget verdicts of a busy machine: this test wants threads
    fn();
    if (matmulPoolStats().workerChunks > before) return;
    await new Promise((r) => setTimeout(r, 10));
  } while (Date.now() < deadline);
  expect.fail('no worker thread took part in a threaded matmul within 10 s');
}

describe.each(KERNELS)('matmulInto threaded (%s kernel)', (kernel) => {
  beforeAll(() => setMatmulKernel(kernel));
  afterAll(() => setCpuThreads(initialThreads));
  const big = kernel === 'wasm' ? THREAD_MIN_MACS.wasm : THREAD_MIN_MACS.js;

  it('uses the worker threads and matches the reference (2 and 3 threads)', async () => {
    for (const t of [2, 3]) {
      setCpuThreads(t);
      expect(getCpuThreads()).toBe(t);
      expect(200 * 300 * 180).toBeGreaterThanOrEqual(big);
      await untilWorkersHelp(() => check('float32', 1, 200, 300, 180, 'contiguous', 'contiguous', t));
      expect(matmulPoolStats().workers).toBe(t - 1);
      check('float32', 1, 129, 257, 131, 'transposed', 'strided', t);
      check('float32', 3, 50, 128, 520, 'broadcast', 'transposed', t);
      check('float32', 6, 40, 330, 40, 'offset', 'broadcast', t);
      check('float32', 2, 300, 70, 90, 'contiguous', 'contiguous', t);
      // many batch entries per chunk
      check('float32', 3000, 9, 16, 11, 'contiguous', 'contiguous', t);
      // a transposed A read in place, batched, and a weight-gradient shape (h^T dG over time)
      check('float32', 2, 130, 150, 120, 'transposed-wide', 'contiguous', t);
      check('float32', 1, 160, 500, 48, 'transposed', 'contiguous', t);
    }
  });

  it('stays correct over many consecutive threaded calls, with the scratch growing', () => {
    setCpuThreads(2);
    for (let i = 0; i < 20; i++) check('float32', 1, 128 + (i % 5), 128 + ((i * 7) % 13), 128 + 4 * i, 'contiguous', 'contiguous', i);
    // a bigger product grows the scratch; results must still be correct afterwards
    check('float32', 1, 300, 400, 350);
    check('float32', 1, 129, 129, 129);
  });

  it('gives bit-identical results with and without threads', () => {
    const rand = rng(5);
    const a = operand('float32', 1, 196, 160, 'contiguous', rand);
    const b = operand('float32', 1, 160, 196, 'transposed', rand);
    expect(196 * 196 * 160).toBeGreaterThanOrEqual(big);
    setCpuThreads(1);
    const one = new Float32Array(196 * 196);
    matmulInto(a.view, b.view, one);
    setCpuThreads(2);
    const two = new Float32Array(196 * 196);
    threadPolicy(196 * 196 * 160, true);
    matmulInto(a.view, b.view, two);
    expect(Array.from(two)).toEqual(Array.from(one));
  });
});

describe('the thread policy', () => {
  afterAll(() => setCpuThreads(initialThreads));

  it('backs off after unhelpful threaded products and forgets on a new thread count', async () => {
    setMatmulKernel('wasm');
    setCpuThreads(2);
    const macs = 128 * 130 * 128;
    expect(macs).toBeGreaterThanOrEqual(THREAD_MIN_MACS.wasm);
    expect(threadPolicy(macs, true)).toEqual({ backoff: 0, penalty: 1 });
    await untilWorkersHelp(() => check('float32', 1, 128, 130, 128));
    // Whatever the verdicts on this machine, the back-off stays within its bound, counts down
    // one product at a time, and a product of another size class has its own state.
    for (let i = 0; i < 8; i++) check('float32', 1, 128, 130, 128);
    const s = threadPolicy(macs);
    expect(s.backoff).toBeGreaterThanOrEqual(0);
    expect(s.backoff).toBeLessThanOrEqual(4096);
    expect(s.penalty).toBeGreaterThanOrEqual(1);
    expect(s.penalty).toBeLessThanOrEqual(4096);
    expect(threadPolicy(4 * macs)).toEqual({ backoff: 0, penalty: 1 });
    if (s.backoff > 0) {
      check('float32', 1, 128, 130, 128);
      expect(threadPolicy(macs).backoff).toBe(s.backoff - 1);
    }
    setCpuThreads(3);
    expect(threadPolicy(macs)).toEqual({ backoff: 0, penalty: 1 });
  });
});

describe('configuration', () => {
  it('rejects invalid thread counts and kernel names', () => {
    expect(() => setCpuThreads(0)).toThrow(RangeError);
    expect(() => setCpuThreads(1.5)).toThrow(RangeError);
    expect(() => setMatmulKernel('gpu' as MatmulKernel)).toThrow(RangeError);
  });
});
