import type { DType, TypedArray, View } from '@fackel/tensor';
import { Generator, arrayType, contiguousStrides } from '@fackel/tensor';
import { expectArrayClose } from '@fackel/testkit';
import { describe } from 'vitest';
import { createWebGPUBackend, type GPUTensorBuffer, type WebGPUBackend, type WebGPUBackendOptions } from '../src/index.js';

/** Creates a backend, or null when there is no adapter (unless REQUIRE_WEBGPU=1, then it throws). */
export async function tryBackend(opts: WebGPUBackendOptions = {}): Promise<WebGPUBackend | null> {
  try {
    return await createWebGPUBackend(opts);
  } catch (e) {
    if (process.env.REQUIRE_WEBGPU === '1') throw e;
    return null;
  }
}

/** `describe` that skips with a reason when there is no GPU adapter (and REQUIRE_WEBGPU is not set). */
export function describeGpu(be: WebGPUBackend | null): typeof describe {
  return describe.skipIf(be === null && process.env.REQUIRE_WEBGPU !== '1') as typeof describe;
}

export type GV = View<GPUTensorBuffer>;

/** Row-major strides of a shape (the library's own `contiguousStrides`). */
export const contiguous = contiguousStrides;

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A host array plus a view description: the reference model of a strided tensor. */
export interface HostView {
  data: TypedArray;
  dtype: DType;
  shape: number[];
  strides: number[];
  offset: number;
}

export function host(data: ArrayLike<number>, dtype: DType, shape: number[]): HostView {
  const A = arrayType(dtype);
  return { data: A.from(data as ArrayLike<number>), dtype, shape, strides: contiguous(shape), offset: 0 };
}

/** Element k (row-major over the view's shape) of a host view. */
export function elements(h: HostView): number[] {
  const n = size(h.shape);
  const out: number[] = [];
  const idx = new Array<number>(h.shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let off = h.offset;
    for (let d = 0; d < idx.length; d++) off += idx[d] * h.strides[d];
    out.push(h.data[off]);
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < h.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Uploads the host array and returns the same view over the GPU buffer. */
export function upload(be: WebGPUBackend, h: HostView): GV {
  const buf = be.alloc(h.dtype, h.data.length);
  be.write(buf, h.dtype, h.data, 0);
  return { buffer: buf, dtype: h.dtype, shape: h.shape, strides: h.strides, offset: h.offset };
}

/** Views helpers (metadata only), applied to host views. */
export function permute(h: HostView, dims: number[]): HostView {
  return { ...h, shape: dims.map((d) => h.shape[d]), strides: dims.map((d) => h.strides[d]) };
}
export function expand(h: HostView, shape: number[]): HostView {
  const lead = shape.length - h.shape.length;
  return {
    ...h,
    shape,
    strides: shape.map((n, i) => (i < lead ? 0 : h.shape[i - lead] === 1 && n !== 1 ? 0 : h.strides[i - lead])),
  };
}
export function narrow(h: HostView, dim: number, start: number, len: number, step = 1): HostView {
  const shape = h.shape.slice();
  const strides = h.strides.slice();
  shape[dim] = len;
  strides[dim] = h.strides[dim] * step;
  return { ...h, shape, strides, offset: h.offset + start * h.strides[dim] };
}

/** Deterministic pseudo-random numbers in [0, 1) (the library's seeded generator). */
export function rng(seed: number): () => number {
  const g = new Generator(seed);
  return () => g.random();
}

export function randn(r: () => number, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}

export function randint(r: () => number, n: number, lo: number, hi: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor(r() * (hi - lo));
  return a;
}

/**
 * Compares a float32 result with a reference (rounded to float32 first): NaN matches NaN,
 * ±Infinity exactly, others within atol + rtol·|expected| (testkit's comparison, with this
 * package's defaults).
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6, what = ''): void {
  expectArrayClose(actual, expected, { rtol, atol, label: what, float32: true });
}

/** Exact comparison (NaN matches NaN, 0 matches -0). */
export function expectExact(actual: ArrayLike<number>, expected: ArrayLike<number>, what = ''): void {
  expectArrayClose(actual, expected, { rtol: 0, atol: 0, label: what });
}

/** Reads a freshly returned contiguous buffer of `shape`. */
export async function readOut(be: WebGPUBackend, buf: GPUTensorBuffer, dtype: DType, shape: readonly number[]): Promise<TypedArray> {
  const r = await be.read({ buffer: buf, dtype, shape, strides: contiguous(shape), offset: 0 });
  be.release(buf, dtype, size(shape));
  return r;
}
