// Memory behaviour of the pool, and process lifetime: destroy() lets Node exit by itself, and a
// machine without a Vulkan driver gets an error that says how to install one.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { describeGpu, tryBackend, type GV } from './helpers.js';

const be = (await tryBackend())!;
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Transpiles src/ to plain JS (scripts/transpile.mjs) and returns the output folder. */
function transpiled(): string {
  return execFileSync(process.execPath, [join(pkg, 'scripts', 'transpile.mjs')], { encoding: 'utf8' }).trim();
}

describeGpu(be)('WebGPU backend lifecycle (no adapter: skipped; set REQUIRE_WEBGPU=1 to fail instead)', () => {
  afterAll(async () => be.destroy());

  it('allocating and releasing in a loop keeps buffers flat and pooled bytes bounded', async () => {
    const start = be.memory();
    const sizes = [1, 100, 1000, 4096, 100000];
    let peakPooled = 0;
    let createdAfterWarmup = 0;
    for (let round = 0; round < 50; round++) {
      for (const n of sizes) {
        const a = be.alloc('float32', n);
        const v: GV = { buffer: a, dtype: 'float32', shape: [n], strides: [1], offset: 0 };
        const b = be.unary('exp', v, 'float32', [n]);
        const c = be.binary('add', { ...v, buffer: b }, 1, [n], 'float32');
        const s = be.reduce('sum', { ...v, buffer: c }, [0], 'float32');
        be.release(a, 'float32', n);
        be.release(b, 'float32', n);
        be.release(c, 'float32', n);
        be.release(s, 'float32', 1);
      }
      if (round % 10 === 9) await be.sync();
      const m = be.memory();
      expect(m.buffers).toBe(start.buffers);
      expect(m.bytes).toBe(start.bytes);
      peakPooled = Math.max(peakPooled, m.pooledBytes);
      if (round === 10) createdAfterWarmup = m.createdBuffers as number;
    }
    await be.sync();
    // After warm-up every buffer comes from the pool.
    expect(be.memory().createdBuffers).toBe(createdAfterWarmup);
    expect(peakPooled).toBeLessThan(8 * 1024 * 1024);
  });

  it('keeps at most maxPooledBytes in the pool', async () => {
    const small = (await tryBackend({ maxPooledBytes: 1 << 20 }))!;
    const bufs = Array.from({ length: 20 }, () => small.alloc('float32', 100000));
    for (const b of bufs) small.release(b, 'float32', 100000);
    await small.sync();
    expect(small.memory().pooledBytes).toBeLessThanOrEqual(1 << 20);
    expect(small.memory().buffers).toBe(0);
    await small.destroy();
  });

  it('a script that creates the backend and calls destroy() exits by itself', () => {
    const out = transpiled();
    const script = join(out, 'exit-check.mjs');
    writeFileSync(
      script,
      `import { createWebGPUBackend } from './backend.js';
const be = await createWebGPUBackend();
const a = be.fill('float32', 4, 2);
const v = { buffer: a, dtype: 'float32', shape: [4], strides: [1], offset: 0 };
const r = await be.read({ ...v, buffer: be.binary('mul', v, 3, [4], 'float32') });
console.log('result', Array.from(r).join(','));
await be.destroy();
`,
    );
    const t0 = Date.now();
    const res = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(res.error, 'the process did not exit within 30 s').toBeUndefined();
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('result 6,6,6,6');
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('without a Vulkan driver, creation fails with a message naming the driver and how to install it', () => {
    const out = transpiled();
    const script = join(out, 'no-driver-check.mjs');
    writeFileSync(
      script,
      `import { createWebGPUBackend } from './backend.js';
try { await createWebGPUBackend(); console.log('created'); } catch (e) { console.log(String(e.message)); }
`,
    );
    const res = spawnSync(process.execPath, [script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, VK_DRIVER_FILES: '/nonexistent.json', VK_ICD_FILENAMES: '/nonexistent.json' },
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('no GPU adapter found');
    expect(res.stdout).toContain('mesa-vulkan-drivers');
    expect(res.stdout).toContain('scripts/setup-vulkan.sh');
  });
});
