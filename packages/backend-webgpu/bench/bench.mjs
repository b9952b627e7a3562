// Micro-benchmarks of the WebGPU backend (run: node packages/backend-webgpu/bench/bench.mjs [chain|matmul|all] [variant]).
// Transpiles src/ first (scripts/transpile.mjs), so no build of other packages is needed.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = execFileSync(process.execPath, [join(here, '..', 'scripts', 'transpile.mjs')], { encoding: 'utf8' }).trim();
const { createWebGPUBackend } = await import(pathToFileURL(join(out, 'backend.js')).href);

const what = process.argv[2] ?? 'all';
const variants = process.argv[3] ? [process.argv[3]] : ['register', 'tiled'];
const view = (buffer, shape) => {
  const strides = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  return { buffer, dtype: 'float32', shape, strides, offset: 0 };
};

if (what === 'chain' || what === 'all') {
  const dps = process.env.DPS ? Number(process.env.DPS) : undefined;
  const groups = process.env.GROUPS ? Number(process.env.GROUPS) : undefined;
  const be = await createWebGPUBackend({ ...(dps ? { dispatchesPerSubmit: dps } : {}), ...(groups ? { maxLinearGroups: groups } : {}) });
  for (const n of [1000, 100000]) {
    for (const trial of [0, 1, 2]) {
      const a = be.fill('float32', n, 0);
      let x = view(a, [n]);
      const ops = 2000;
      await be.sync();
      const t0 = performance.now();
      for (let i = 0; i < ops; i++) {
        const y = be.binary('add', x, 1, [n], 'float32');
        be.release(x.buffer);
        x = view(y, [n]);
      }
      const t1 = performance.now();
      await be.sync();
      const t2 = performance.now();
      const r = await be.read(x);
      if (r[0] !== ops) throw new Error(`chain: got ${r[0]}`);
      be.release(x.buffer);
      if (trial > 0)
        console.log(
          `chain of ${ops} dependent adds of ${n} floats${dps ? ` (submit every ${dps})` : ''}: ${(((t2 - t0) * 1000) / ops).toFixed(1)} µs/op (record ${(((t1 - t0) * 1000) / ops).toFixed(1)} µs/op on the JS side)`,
        );
    }
  }
  console.log('memory', be.memory());
  await be.destroy();
}

if (what === 'matmul' || what === 'all') {
  for (const variant of variants) {
    const be = await createWebGPUBackend({ matmul: variant });
    for (const n of [256, 512, 1024]) {
      const a = be.alloc('float32', n * n);
      const b = be.alloc('float32', n * n);
      const d = new Float32Array(n * n);
      for (let i = 0; i < d.length; i++) d[i] = Math.random() - 0.5;
      be.write(a, 'float32', d, 0);
      be.write(b, 'float32', d, 0);
      const av = view(a, [1, n, n]);
      const bv = view(b, [1, n, n]);
      be.release(be.matmul(av, bv)); // compile + warm
      await be.sync();
      const reps = n <= 256 ? 20 : n <= 512 ? 5 : 2;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) be.release(be.matmul(av, bv));
      await be.sync();
      const dt = (performance.now() - t0) / reps;
      console.log(`matmul ${variant} ${n}x${n}x${n}: ${dt.toFixed(2)} ms, ${((2 * n ** 3) / dt / 1e6).toFixed(1)} GFLOP/s (compute only)`);
      be.release(a);
      be.release(b);
    }
    await be.destroy();
  }
}
