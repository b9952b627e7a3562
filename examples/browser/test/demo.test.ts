// The demo in headless Chromium: builds examples/browser with Vite, serves dist/ cross-origin
// isolated, trains both models for a few steps on the CPU (WebAssembly, Web Workers) and asserts
// that the losses fall and a sample appears; samples from a checkpoint that the CLI wrote; and
// trains on WebGPU where Chromium offers an adapter (SwiftShader), printing which happened.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(here, '../..');
const CHROMIUM = process.env.FACKEL_CHROMIUM ?? '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is missing (bash scripts/setup-chromium.sh)` : undefined;
const STEPS = 60;

interface DemoState {
  device: string;
  webgpu: string;
  threading: string;
  names: { losses: number[]; steps: number; done: boolean; accuracy: number; error?: string };
  text: { losses: number[]; steps: number; done: boolean; sample: string; error?: string };
  ckpt: { sample: string; error: string };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

let server: Server;
let url = '';
let browser: Browser;

beforeAll(async () => {
  if (skip) return;
  await build({ configFile: join(here, 'vite.config.ts'), logLevel: 'warn' });
  const dist = join(here, 'dist');
  server = createServer((req, res) => {
    const path = join(dist, decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/$/, '/index.html'));
    if (!path.startsWith(dist) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    res.end(readFileSync(path));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-angle=swiftshader'],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

async function run(query: string): Promise<{ page: Page; state: DemoState; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}?${query}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 240_000 });
  const state = await page.evaluate(() => (globalThis as unknown as { fackelDemo: DemoState }).fackelDemo);
  return { page, state, errors };
}

describe.skipIf(skip !== undefined)('examples/browser in Chromium', () => {
  it(`trains the name classifier and the char-RNN for ${STEPS} steps on the CPU: the losses fall, a sample appears`, async () => {
    const { page, state, errors } = await run(`run=names,text&steps=${STEPS}`);
    expect(errors).toEqual([]);
    expect(state.names.error).toBeUndefined();
    expect(state.text.error).toBeUndefined();
    expect(state.device).toBe('cpu');
    expect(state.threading).toMatch(/Threads \(Web Workers\)/); // served cross-origin isolated
    expect(state.names.steps).toBe(STEPS);
    expect(state.text.steps).toBe(STEPS);
    expect(mean(state.names.losses.slice(-10))).toBeLessThan(mean(state.names.losses.slice(0, 10)));
    expect(mean(state.text.losses.slice(-10))).toBeLessThan(mean(state.text.losses.slice(0, 10)) - 0.3);
    expect(state.text.sample.length).toBeGreaterThan(20);
    expect(await page.locator('#text-sample').textContent()).toBe(state.text.sample);
    expect(await page.locator('#names-loss polyline').count()).toBe(2);
    expect(await page.locator('#names-prediction').textContent()).toMatch(/(männlich|weiblich) \(P\(männlich\) = \d\.\d\d\)/);
    console.log(
      `[demo] cpu: names loss ${state.names.losses[0].toFixed(3)} → ${state.names.losses.at(-1)!.toFixed(3)} (test accuracy ${(100 * state.names.accuracy).toFixed(1)} %), char-RNN loss ${state.text.losses[0].toFixed(3)} → ${state.text.losses.at(-1)!.toFixed(3)}; ${state.threading}`,
    );
    await page.close();
  });

  it('samples from a checkpoint that fackel-charrnn train wrote', async () => {
    const cli = join(root, 'packages/charrnn/dist/cli.js');
    expect(existsSync(cli), `${cli} is missing: build first (pnpm build)`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'fackel-demo-ckpt-'));
    try {
      writeFileSync(join(dir, 'text.txt'), 'Wer reitet so spät durch Nacht und Wind?\nEs ist der Vater mit seinem Kind.\n'.repeat(8));
      execFileSync(
        process.execPath,
        [
          cli,
          'train',
          '--input',
          join(dir, 'text.txt'),
          '--save-dir',
          join(dir, 'run'),
          '--num-epochs',
          '1',
          '--rnn-size',
          '16',
          '--num-layers',
          '1',
          '--batch-size',
          '4',
          '--seq-length',
          '16',
          '--dropout',
          '0',
        ],
        { stdio: 'pipe', timeout: 120_000 },
      );
      const weights = readdirSync(join(dir, 'run')).filter((f) => /^ckpt-.*\.safetensors$/.test(f) && !f.includes('.state.'));
      expect(weights.length).toBeGreaterThan(0);
      const { page, errors } = await run('');
      await page.setInputFiles('#ckpt-file', join(dir, 'run', weights[0]));
      await page.waitForFunction(() => {
        const s = (globalThis as unknown as { fackelDemo: DemoState }).fackelDemo.ckpt;
        return s.sample !== '' || s.error !== '';
      });
      const ckpt = await page.evaluate(() => (globalThis as unknown as { fackelDemo: DemoState }).fackelDemo.ckpt);
      expect(ckpt.error).toBe('');
      expect(ckpt.sample.startsWith('Wer reitet ')).toBe(true);
      expect(ckpt.sample.length).toBeGreaterThan(100);
      expect(await page.locator('#ckpt-status').textContent()).toMatch(/LSTM 1×16/);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trains on WebGPU where Chromium has an adapter, and otherwise says why and stays on the CPU', async () => {
    const { page, state, errors } = await run('run=names,text&steps=20&device=webgpu');
    expect(errors).toEqual([]);
    if (state.device !== 'webgpu') {
      console.log(`[demo] WebGPU in Chromium SKIPPED: ${state.webgpu}`);
      expect(state.webgpu).toMatch(/^unavailable: /);
    } else {
      console.log(`[demo] WebGPU in Chromium: adapter found, trained ${state.names.steps} + ${state.text.steps} steps on webgpu`);
      expect(state.names.error).toBeUndefined();
      expect(state.text.error).toBeUndefined();
      expect(mean(state.text.losses.slice(-5))).toBeLessThan(mean(state.text.losses.slice(0, 5)));
      expect(state.text.sample.length).toBeGreaterThan(20);
    }
    await page.close();
  });
});
