// Bundles Fackel for the browser with Vite, as a web app would, and checks the budget of
// issue 17: tensor + autograd + backend-cpu + nn + optim at most 100 KB minified and gzipped.
// Every browser entry point must bundle without any Node.js module or Dawn (the build fails
// otherwise). The sizes are printed, with @tensorflow/tfjs measured the same way.
import { describe, expect, it } from 'vitest';
import { BUDGET_BYTES, BUDGET_ENTRY, kb, measureBundle, ROOT } from '../../../scripts/bundle-size.js';

const log = (line: string): void => {
  process.stdout.write(`[bundle] ${line}\n`);
};

describe('browser bundles (Vite, minified, gzip -9)', () => {
  it(`tensor + autograd + backend-cpu + nn + optim fit the budget of ${kb(BUDGET_BYTES)} min+gzip`, async () => {
    const s = await measureBundle(BUDGET_ENTRY);
    log(`tensor + autograd + backend-cpu + nn + optim: ${kb(s.minified)} minified, ${kb(s.gzipped)} min+gzip (budget ${kb(BUDGET_BYTES)})`);
    for (const pkg of ['tensor', 'autograd', 'backend-cpu', 'nn', 'optim']) {
      expect(s.modules.some((m) => m.includes(`/packages/${pkg}/src/`))).toBe(true);
    }
    expect(s.modules.some((m) => /threads-browser\.ts$/.test(m))).toBe(true); // the Web Worker pool
    expect(s.modules.some((m) => /io-browser\.ts$/.test(m))).toBe(true);
    expect(s.modules.some((m) => /-node\.ts$/.test(m))).toBe(false);
    expect(s.gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(s.gzipped).toBeGreaterThan(20 * 1024); // it really holds the packages
  });

  it('backend-webgpu bundles with navigator.gpu and without Dawn', async () => {
    const s = await measureBundle("export * from '@fackel/backend-webgpu';");
    log(`backend-webgpu: ${kb(s.minified)} minified, ${kb(s.gzipped)} min+gzip`);
    expect(s.modules.some((m) => /gpu-browser\.ts$/.test(m))).toBe(true);
    expect(s.modules.some((m) => /gpu-node\.ts$|[/\\]webgpu[/\\]/.test(m.replace(/packages[/\\]backend-webgpu/, '')))).toBe(false);
  });

  it("data's browser entry and charrnn's model entry bundle without Node.js modules", async () => {
    const data = await measureBundle("export * from '@fackel/data';");
    log(`@fackel/data (browser entry, with csv-parse's browser build): ${kb(data.minified)} minified, ${kb(data.gzipped)} min+gzip`);
    expect(data.modules.some((m) => /platform-browser\.ts$/.test(m))).toBe(true);
    expect(data.modules.some((m) => /download\.ts$|diabetes\.ts$/.test(m))).toBe(false);
    const model = await measureBundle("export * from '@fackel/charrnn/model';");
    log(`@fackel/charrnn/model: ${kb(model.minified)} minified, ${kb(model.gzipped)} min+gzip (with everything it imports)`);
    expect(model.modules.some((m) => /packages[/\\]charrnn[/\\]src[/\\]weights\.ts$/.test(m))).toBe(true);
  });

  it('the fackel umbrella bundles for a browser too (its data namespace is the browser entry)', async () => {
    const s = await measureBundle("export * from 'fackel';");
    log(`fackel (umbrella): ${kb(s.minified)} minified, ${kb(s.gzipped)} min+gzip`);
    expect(s.modules.some((m) => /packages[/\\]nn[/\\]src[/\\]io-browser\.ts$/.test(m))).toBe(true);
  });

  it('fails the build when a browser entry reaches a Node.js module', async () => {
    await expect(measureBundle("import { readFileSync } from 'node:fs'; export const f = readFileSync;")).rejects.toThrow(
      /imports 'node:fs', which a browser does not have/,
    );
    await expect(measureBundle("export * from '@fackel/tensor/node';")).rejects.toThrow(/which a browser does not have/);
  });

  it('measures @tensorflow/tfjs the same way, for the comparison in docs/guides/browser.md', async () => {
    const s = await measureBundle("export * from '@tensorflow/tfjs';", { cwd: `${ROOT}/benchmarks`, allowNodeImports: true });
    log(`@tensorflow/tfjs 4.22.0: ${kb(s.minified)} minified, ${kb(s.gzipped)} min+gzip (its README states 269 KB)`);
    expect(s.gzipped).toBeGreaterThan(BUDGET_BYTES);
  });
});
