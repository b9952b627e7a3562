// Both matmul paths: plain SIMD (separate f32x4 multiply and add) and relaxed SIMD
// (f32x4.relaxed_madd, an FMA where the CPU has one). Node 20 has relaxed SIMD only behind
// --experimental-wasm-relaxed-simd (Node 22+ by default), so the relaxed path is checked in
// child processes started with and without that flag, running the kernel sources transpiled
// to plain JavaScript (the kernel files import nothing but each other).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpuFeatures, getMatmulFma, getMatmulKernel } from '../src/index.js';
import { getWasmMatmul, instantiateWasmGemm } from '../src/kernels/matmul-wasm.js';

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(PKG, 'node_modules', '.cache', 'fackel-cpu-relaxed-simd');
const FILES = ['kernels/matmul-wasm.ts', 'kernels/matmul-kernel.ts', 'wasm/emit.ts', 'wasm/features.ts'];

// The child: the runtime's features, then random products (full and edge tiles, depths past
// one 256-deep block) with the plain kernel and, where relaxed SIMD is in use, the FMA kernel,
// each against a float64 reference.
const CHILD = `
import { getWasmMatmul, instantiateWasmGemm, WASM_RESERVED_BYTES } from './kernels/matmul-wasm.js';
import { makeWasmGemm } from './kernels/matmul-kernel.js';
import { cpuFeatures } from './wasm/features.js';
const features = cpuFeatures();
const main = getWasmMatmul();
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
const shapes = [[1, 5, 16], [3, 17, 19], [37, 300, 45], [64, 512, 128], [10, 256, 1024]];
const data = shapes.map(([m, k, n]) => ({ m, k, n, a: Float32Array.from({ length: m * k }, rnd), b: Float32Array.from({ length: k * n }, rnd) }));
function run(fma) {
  const w = instantiateWasmGemm({ mr: 2, nv: 4, fma }, null);
  if (w === null) return null;
  return data.map(({ m, k, n, a, b }) => {
    const mr = 2, nr = 16, base = WASM_RESERVED_BYTES / 4;
    const aP = Math.ceil(m / mr) * mr * k, bP = Math.ceil(n / nr) * nr * k;
    const aSrc = base, bSrc = aSrc + m * k, aOff = bSrc + k * n, bOff = aOff + aP, cOff = bOff + bP;
    const need = 4 * (cOff + m * n);
    if (need > w.memory.buffer.byteLength) w.memory.grow(Math.ceil((need - w.memory.buffer.byteLength) / 65536));
    const f = new Float32Array(w.memory.buffer);
    f.set(a, aSrc);
    f.set(b, bSrc);
    w.packA(4 * aSrc, 4 * k, 4, m, k, 4 * aOff);
    w.packB(4 * bSrc, 4, 4 * n, n, k, 4 * bOff);
    makeWasmGemm(w.kernel, 0, mr, nr)(f, aOff, f, bOff, k, f, cOff, n, 0, m, 0, n, nr * k, nr, mr * k, mr);
    return Array.from(f.subarray(cOff, cOff + m * n));
  });
}
const ref = data.map(({ m, k, n, a, b }) => {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
});
const maxErr = (c) => c === null ? null : Math.max(...c.map((x, s) => Math.max(...x.map((v, i) => Math.abs(v - ref[s][i]) / Math.sqrt(data[s].k)))));
const plain = run(false);
const fma = features.relaxedSimd ? run(true) : null;
let plainVsFmaErr = null;
if (plain !== null && fma !== null) plainVsFmaErr = Math.max(...plain.map((x, s) => Math.max(...x.map((v, i) => Math.abs(v - fma[s][i]) / Math.sqrt(data[s].k)))));
console.log(JSON.stringify({ features, mainFma: main === null ? null : main.fma, plainErr: maxErr(plain), fmaErr: maxErr(fma), plainVsFma: plainVsFmaErr }));
`;

interface ChildResult {
  features: { simd: boolean; sharedMemory: boolean; relaxedSimd: boolean; useRelaxedSimd: boolean };
  mainFma: boolean | null;
  plainErr: number | null;
  fmaErr: number | null;
  plainVsFma: number | null;
}

function child(flags: string[], env: Record<string, string> = {}): ChildResult {
  const res = spawnSync(process.execPath, [...flags, join(OUT, 'child.mjs')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, FACKEL_CPU_RELAXED_SIMD: '', NODE_OPTIONS: '', ...env },
  });
  if (res.status !== 0) throw new Error(`child failed (${String(res.status)}): ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as ChildResult;
}

// float32 rounding over k terms of magnitude <= 1/4, scaled by 1/sqrt(k) in the child (measured: about 1.6e-7)
const TOL = 2e-6;

beforeAll(() => {
  for (const f of FILES) {
    const js = ts.transpileModule(readFileSync(join(PKG, 'src', f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: f,
    }).outputText;
    const dest = join(OUT, f.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  writeFileSync(join(OUT, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(OUT, 'child.mjs'), CHILD);
});

describe('relaxed SIMD in the matmul kernel', () => {
  it('this process: the kernel in use matches the detected features', () => {
    const f = cpuFeatures();
    expect(f.simd).toBe(true);
    expect(f.useRelaxedSimd).toBe(f.relaxedSimd && process.env.FACKEL_CPU_RELAXED_SIMD !== '0');
    expect(getWasmMatmul()?.fma).toBe(f.useRelaxedSimd);
    if (getMatmulKernel() === 'wasm') expect(getMatmulFma()).toBe(f.useRelaxedSimd);
    // without relaxed SIMD an FMA kernel does not validate, and is not instantiated
    if (!f.relaxedSimd) expect(instantiateWasmGemm({ mr: 2, nv: 4, fma: true }, null)).toBeNull();
  });

  const major = Number(process.versions.node.split('.')[0]);
  const flag = major < 22 ? ['--experimental-wasm-relaxed-simd'] : [];

  it('with relaxed SIMD: the FMA kernel is chosen and agrees with the plain kernel and a float64 reference', () => {
    const r = child(flag);
    expect(r.features.relaxedSimd).toBe(true);
    expect(r.features.useRelaxedSimd).toBe(true);
    expect(r.mainFma).toBe(true);
    expect(r.plainErr).not.toBeNull();
    expect(r.fmaErr).not.toBeNull();
    expect(r.plainErr!).toBeLessThan(TOL);
    expect(r.fmaErr!).toBeLessThan(TOL);
    expect(r.plainVsFma!).toBeLessThan(TOL);
  }, 60_000);

  it('FACKEL_CPU_RELAXED_SIMD=0 keeps the plain kernel where relaxed SIMD exists', () => {
    const r = child(flag, { FACKEL_CPU_RELAXED_SIMD: '0' });
    expect(r.features.relaxedSimd).toBe(true);
    expect(r.features.useRelaxedSimd).toBe(false);
    expect(r.mainFma).toBe(false);
    expect(r.plainErr!).toBeLessThan(TOL);
  }, 60_000);

  it.runIf(major < 22)(
    'Node 20, FACKEL_CPU_RELAXED_SIMD=1 without the flag: turned on from inside the process',
    () => {
      const r = child([], { FACKEL_CPU_RELAXED_SIMD: '1' });
      expect(r.features.relaxedSimd).toBe(true);
      expect(r.mainFma).toBe(true);
      expect(r.fmaErr!).toBeLessThan(TOL);
      expect(r.plainVsFma!).toBeLessThan(TOL);
    },
    60_000,
  );

  it.runIf(major < 22)(
    'Node 20 without the flag: no relaxed SIMD, the plain kernel runs',
    () => {
      const r = child([]);
      expect(r.features.relaxedSimd).toBe(false);
      expect(r.mainFma).toBe(false);
      expect(r.fmaErr).toBeNull();
      expect(r.plainErr!).toBeLessThan(TOL);
    },
    60_000,
  );
});
