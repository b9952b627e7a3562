import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { webgpuSkipReason } from '@fackel/example-report';
import { chartProblems, chromiumSkipReason, inspectReport } from '@fackel/example-report/chromium';
import { buildCorpus, runCli, textgenReport, textSetPaths, trainTextgen, unigramEntropy, type TextgenResult } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fackel-textgen-'));
let run: TextgenResult | undefined;
afterAll(() => {
  run?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

// The default run is 120 steps of a 2 × 128 LSTM: about 20 s here from the sources; the
// timeout leaves room for a loaded CI machine.
const LONG = 240_000;

describe('Übung 3', () => {
  it("builds the corpus from the workshop's German texts", async () => {
    const de = await buildCorpus('de');
    expect(de.text).toHaveLength(18_612);
    expect(new Set(de.text).size).toBe(70);
    expect(de.sources).toEqual(['tx_DE_1_Schneewitchen.txt', 'tx_DE_3_Der_Erlkoenig.txt', 'tx_DE_4_Oh_Tannenbaum.txt']);
    expect(unigramEntropy('abab')).toBeCloseTo(Math.log(2), 12);
  });

  it(
    'the default run: the validation loss falls below the unigram entropy of the text',
    async () => {
      const corpus = await buildCorpus('de');
      run = await trainTextgen(corpus);
      const h = run.entropy;
      console.log(
        `Übung 3: unigram entropy ${h.toFixed(4)}, validation loss ${run.valLoss?.toFixed(4)} (best ${run.bestValLoss?.toFixed(4)}) after ${run.train.step} steps, ${run.train.trainSeconds.toFixed(1)} s`,
      );
      expect(run.train.stopReason).toBe('done');
      expect(run.history.every((p) => (p.loss === undefined || Number.isFinite(p.loss)) && (p.valLoss === undefined || Number.isFinite(p.valLoss)))).toBe(true);
      expect(run.valLoss).toBeLessThan(h);
      expect(run.samples.map((s) => s.temperature)).toEqual([0.5, 0.8, 1]);
      for (const s of run.samples) {
        expect(s.text.startsWith('Der ')).toBe(true);
        expect(s.text.length).toBe(304);
      }
    },
    LONG,
  );

  it('the report draws the loss curves and holds the samples, in headless Chromium', async ({ skip }) => {
    const reason = chromiumSkipReason();
    if (reason) skip(reason);
    expect(run).toBeDefined();
    const file = await textgenReport(run!).write(join(dir, 'textgen.html'));
    const page = await inspectReport(file);
    expect(chartProblems(page, { kinds: ['line'] })).toEqual([]);
    const chart = page.charts[0];
    expect(chart.paths.map((p) => p.series)).toEqual(['training', 'validation', 'unigram entropy']);
    expect(chart.paths[0].length).toBeGreaterThan(300);
    expect(page.textLength).toBeGreaterThan(900); // the samples are on the page
  });

  for (const file of ['tx_DE_3_Der_Erlkoenig.txt', 'tx_DE_4_Oh_Tannenbaum.txt']) {
    it(
      `trains on the short German text ${file} alone without NaN or crash`,
      async () => {
        const path = textSetPaths('de')!.find((p) => p.endsWith(file))!;
        const short = await trainTextgen(await buildCorpus(path), { numEpochs: 2, length: 40, temperatures: [1] });
        try {
          expect(short.warnings.join(' ')).toMatch(/too short/);
          expect(short.valLoss).toBeDefined();
          expect(Number.isFinite(short.valLoss)).toBe(true);
          expect(short.history.filter((p) => p.loss !== undefined).every((p) => Number.isFinite(p.loss))).toBe(true);
          expect(short.samples[0].text.length).toBe(44);
        } finally {
          short.dispose();
        }
      },
      LONG,
    );
  }

  it(
    'the command line prints the progress lines of the original, the verdict, samples and the report path',
    async () => {
      const lines: string[] = [];
      const path = textSetPaths('de')!.find((p) => p.endsWith('Tannenbaum.txt'))!;
      const code = await runCli(
        [
          '--texts',
          path,
          '--epochs',
          '1',
          '--rnn-size',
          '32',
          '--length',
          '30',
          '--temperature',
          '0.8',
          '--prime',
          'O Tanne',
          '--report',
          join(dir, 'cli.html'),
        ],
        (l) => lines.push(l),
      );
      const out = lines.join('\n');
      expect(code).toBe(0);
      expect(out).toMatch(/^Epoch: 1\/1\.\.\. Step: \d+\.\.\. Loss: \d\.\d{4}\.\.\. Val Loss: (\d\.\d{4}|-)$/m);
      expect(out).toMatch(/unigram entropy \d\.\d{4} nats per character/);
      expect(out).toMatch(/--- sample, temperature 0\.8 ---\nO Tanne/);
      expect(out).toMatch(/report: .*cli\.html/);
      expect(await runCli(['--texts', '/nonexistent/file.txt'], () => {})).toBe(1);
    },
    LONG,
  );
});

describe('on WebGPU (fewer epochs)', () => {
  it(
    '--device webgpu trains a small LSTM on a short German text without NaN',
    async ({ skip }) => {
      const reason = await webgpuSkipReason();
      if (reason) skip(reason);
      const lines: string[] = [];
      const path = textSetPaths('de')!.find((p) => p.endsWith('Erlkoenig.txt'))!;
      const code = await runCli(
        ['--device', 'webgpu', '--texts', path, '--epochs', '2', '--rnn-size', '32', '--length', '30', '--temperature', '1', '--report', join(dir, 'gpu.html')],
        (l) => lines.push(l),
      );
      const out = lines.join('\n');
      expect(code).toBe(0);
      expect(out).toContain('Übung 3: Textgenerierung on webgpu');
      expect(out).not.toMatch(/loss:? nan/i);
      expect(out).toMatch(/Training finished at step \d+ \(all 2 epochs done\): val loss \d\.\d{4}/);
    },
    LONG,
  );
});
