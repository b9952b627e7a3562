import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseDevice, useDevice, webgpuSkipReason } from '@fackel/example-report';
import { chartProblems, chromiumSkipReason, inspectReport } from '@fackel/example-report/chromium';
import { DATA_SETS, gradientDescent, gradientDescentReport, parseTarget, runCli } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fackel-gd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runCli([...args, '--report', join(dir, `${args.join('_').replace(/[^\w.-]/g, '')}.html`)], (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

describe('Übung 1 quality targets', () => {
  it("the workshop's data, 20 epochs: w = 2.0000 ± 1e-4 and f(4) prints 8.00", async () => {
    const run = await gradientDescent({ xs: DATA_SETS.workshop.xs, target: parseTarget('2x'), lr: 0.01, epochs: 20, w0: 1 });
    expect(Math.abs(run.w - 2)).toBeLessThanOrEqual(1e-4);
    expect(run.fBefore).toBe(4);
    expect(run.fAfter.toFixed(2)).toBe('8.00');
    expect(run.epochs).toHaveLength(20);
    expect(run.diverged).toBe(false);
    const { code, out } = await cli('--quiet');
    expect(code).toBe(0);
    expect(out).toContain('f(4) before training: 4.00');
    expect(out).toContain('f(4) after training: 8.00');
    expect(out).toMatch(/Converged: w = 2\.0000/);
  });

  it("the slide's data, 10 epochs: f(4) ≈ 7.80 as in the original", async () => {
    const run = await gradientDescent({ xs: DATA_SETS.slide.xs, target: parseTarget('2x'), lr: 0.01, epochs: 10, w0: 1 });
    expect(run.fAfter.toFixed(2)).toBe('7.80');
    // closed form: every sample multiplies (w − 2) by (1 − 2·0.01·x²)
    expect(run.w).toBeCloseTo(2 - 0.98 ** 10 * 0.92 ** 10 * 0.82 ** 10, 5);
    const { out } = await cli('--data', 'slide');
    expect(out).toContain('f(4) after training: 7.80');
    expect(out.match(/\tgrad: /g)).toHaveLength(30); // the gradient of every sample
    expect(out.match(/^epoch \d+\/10: /gm)).toHaveLength(10); // the loss of every epoch
  });

  it('prints the gradient the four steps read, 2·x·(w·x − y)', async () => {
    const run = await gradientDescent({ xs: [1, 2], target: parseTarget('2x'), lr: 0.01, epochs: 1, w0: 1 });
    const [s1, s2] = run.epochs[0].steps;
    expect(s1.grad).toBeCloseTo(2 * 1 * (1 - 2), 6); // -2
    expect(s1.w).toBeCloseTo(1.02, 6);
    expect(s2.grad).toBeCloseTo(2 * 2 * (1.02 * 2 - 4), 5);
  });
});

describe("the slide's questions", () => {
  it('a too-large learning rate visibly diverges and the program says why', async () => {
    const run = await gradientDescent({ xs: DATA_SETS.workshop.xs, target: parseTarget('2x'), lr: 0.2, epochs: 20, w0: 1 });
    expect(run.diverged).toBe(true);
    expect(Math.abs(run.epochFactor!)).toBeGreaterThan(1);
    expect(run.epochs[19].meanLoss).toBeGreaterThan(run.epochs[0].meanLoss * 1e6);
    const { out } = await cli('--lr', '0.2', '--quiet');
    expect(out).toMatch(/Diverged: .*learning rate 0\.2 is too large/);
  });

  it('--target 4x converges to 4', async () => {
    const run = await gradientDescent({ xs: DATA_SETS.workshop.xs, target: parseTarget('4x'), lr: 0.01, epochs: 20, w0: 1 });
    expect(run.w).toBeCloseTo(4, 4);
    const { out } = await cli('--target', '4x', '--quiet');
    expect(out).toContain('f(4) after training: 16.00');
  });

  it('--target x^2 cannot be fitted, and the program says why', async () => {
    const run = await gradientDescent({ xs: DATA_SETS.workshop.xs, target: parseTarget('x^2'), lr: 0.01, epochs: 50, w0: 1 });
    expect(run.wBest).toBeCloseTo(100 / 30, 6);
    expect(run.bestLoss).toBeGreaterThan(0.5);
    expect(Math.abs(run.w - run.wBest)).toBeLessThan(0.5);
    expect(run.epochs[49].meanLoss).toBeGreaterThan(0.5);
    expect(run.verdict).toMatch(/Cannot be fitted: f\(x\) = w·x can only draw straight lines through the origin/);
    expect((await cli('--target', 'x^2', '--quiet')).out).toMatch(/Cannot be fitted/);
    expect(parseTarget('2x+1').fittable).toBe(false);
    expect(parseTarget('2x+1').label).toBe('y = 2x + 1');
    expect((await gradientDescent({ xs: [1], target: parseTarget('2x+1'), lr: 0.01, epochs: 1, w0: 1 })).verdict).toMatch(/no bias/);
  });

  it('more data and more epochs come from flags', async () => {
    const { out } = await cli('--x', '1,2,3,4,5', '--epochs', '5', '--quiet');
    expect(out).toContain('data x = [1, 2, 3, 4, 5]');
    expect(out.match(/^epoch \d+\/5: /gm)).toHaveLength(5);
  });

  it('rejects bad flags with a clear message', async () => {
    expect((await cli('--target', 'sin(x)')).out).toMatch(/cannot read the target "sin\(x\)"/);
    expect((await cli('--lr', 'fast')).out).toMatch(/--lr must be a (decimal )?number/); // the shared parser: "a decimal number (like 0.002 or 2e-3)"
    expect((await cli('--device', 'tpu')).code).toBe(1);
    expect(await runCli(['--bogus'], () => {})).toBe(2);
  });
});

describe('the report', () => {
  it('draws the fitted line per epoch over the target line in headless Chromium', async ({ skip }) => {
    const reason = chromiumSkipReason();
    if (reason) skip(reason);
    for (const lr of [0.01, 0.2]) {
      const run = await gradientDescent({ xs: DATA_SETS.workshop.xs, target: parseTarget('2x'), lr, epochs: 20, w0: 1 });
      const file = await gradientDescentReport(run).write(join(dir, `report-${lr}.html`));
      const page = await inspectReport(file);
      expect(page.title).toBe('Übung 1: Gradient Descent');
      expect(chartProblems(page, { kinds: ['line'] })).toEqual([]);
      const fit = page.charts[0];
      // w₀, one line per epoch and the target curve
      expect(fit.paths).toHaveLength(1 + 20 + 1);
      const targetLine = fit.paths.find((p) => p.series.startsWith('target'))!;
      expect(targetLine.length).toBeGreaterThan(200);
      expect(fit.shapes.filter((s) => s.kind === 'point')).toHaveLength(4);
      expect(page.charts.map((c) => c.title)).toEqual(['f(x) = w·x per epoch (light = early, dark = late)', 'Loss per epoch', 'Weight w per epoch']);
    }
  });
});

describe('on WebGPU', () => {
  it("--device webgpu: the workshop's run reaches w = 2.0000 there too", async ({ skip }) => {
    const reason = await webgpuSkipReason();
    if (reason) skip(reason);
    const { code, out } = await cli('--device', 'webgpu', '--quiet');
    expect(code).toBe(0);
    expect(out).toContain('Übung 1: Gradient Descent on webgpu');
    expect(out).toContain('f(4) after training: 8.00');
    await useDevice('webgpu');
    try {
      const run = await gradientDescent({ xs: DATA_SETS.workshop.xs, target: parseTarget('2x'), lr: 0.01, epochs: 20, w0: 1 });
      expect(Math.abs(run.w - 2)).toBeLessThanOrEqual(1e-4);
    } finally {
      await releaseDevice();
    }
  });
});
