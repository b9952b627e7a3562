import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { main, renderReport, setupDevice } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { TANNENBAUM, captureIO } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !process.env.CI) console.warn(`skipping the headless-Chromium report check: ${CHROMIUM} is missing (apt-get install chromium)`);

let reportFile = '';

beforeAll(async () => {
  await setupDevice('cpu');
  const dir = scratch('charrnn').dir;
  reportFile = join(dir, 'my-report.html');
  const c = captureIO();
  const code = await main(
    [
      'train',
      '--input',
      TANNENBAUM,
      '--save-dir',
      dir,
      '--report',
      reportFile,
      '--num-epochs',
      '3',
      '--print-every',
      '2',
      '--val-every',
      '4',
      '--checkpoint-every',
      '12',
      '--rnn-size',
      '16',
      '--batch-size',
      '4',
      '--seq-length',
      '10',
      '--sample-length',
      '60',
      '--quiet',
    ],
    c.io,
  );
  expect(code).toBe(0);
});

describe('HTML report', () => {
  test('is one self-contained page with both curves, the hyperparameters and a sample per checkpoint', () => {
    const html = readFileSync(reportFile, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/); // self-contained
    // the chart of @fackel/tools (the one the workshop examples draw with)
    expect(html).toMatch(/<svg class="chart" data-kind="line"/);
    expect(html).toMatch(/<path class="series train"[^>]* d="M[\d.]+ [\d.]+(L[\d.]+ [\d.]+){10,}"/);
    expect(html).toMatch(/<path class="series val"/);
    expect(html).toMatch(/<g class="markers val"[^>]*>(<circle class="point"[^>]*\/>){3}/);
    expect(html).toMatch(/<th>rnnSize<\/th><td>16<\/td>/);
    expect(html).toMatch(/<th>learningRate<\/th><td>0.002<\/td>/);
    expect((html.match(/<section class="sample">/g) ?? []).length).toBe(3); // steps 12, 24, 36
  });

  test('escapes text', () => {
    const html = renderReport({ title: '<x>', hyperparameters: { a: '<b>' }, history: [], samples: [{ step: 1, text: '</pre><script>' }] });
    expect(html).not.toMatch(/<script>|<x>|<b>/);
  });

  test.skipIf(!haveChromium && !process.env.CI)('renders in headless Chromium with the curves drawn', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      await page.goto(pathToFileURL(reportFile).href);
      expect(await page.title()).toMatch(/char-RNN training report/);
      for (const series of ['train', 'val']) {
        const box = await page.locator(`path.series.${series}`).boundingBox();
        expect(box, series).not.toBeNull();
        expect(box!.width).toBeGreaterThan(300);
        expect(box!.height).toBeGreaterThan(5);
        const length = await page.locator(`path.series.${series}`).evaluate((el) => (el as unknown as { getTotalLength(): number }).getTotalLength());
        expect(length).toBeGreaterThan(300);
      }
      const chart = await page.locator('#loss-chart svg').boundingBox();
      expect(chart!.width).toBeGreaterThan(600);
      expect(await page.locator('#samples pre').count()).toBe(3);
      const png = await page.screenshot({ fullPage: true });
      expect(png.length).toBeGreaterThan(10_000);
      expect(failed).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
