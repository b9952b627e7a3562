import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseDevice, useDevice, webgpuSkipReason } from '@fackel/example-report';
import { chartProblems, chromiumSkipReason, inspectReport } from '@fackel/example-report/chromium';
import {
  lastLettersEncoding,
  loadNameData,
  majorityShare,
  naiveEncoding,
  namesReport,
  NameVocab,
  ngramEncoding,
  runCli,
  splitNames,
  trainFeedForward,
  trainRnn,
  type LabelledNames,
  type ModelResult,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fackel-names-'));
const results: ModelResult[] = [];
afterAll(() => {
  for (const r of results) r.dispose();
  rmSync(dir, { recursive: true, force: true });
});

// Each model takes 1–20 s here from the sources; the timeout leaves room for a loaded CI machine.
const LONG = 180_000;

describe('Übung 2B quality targets on names.csv with a seeded 80/20 split', () => {
  let split: { train: LabelledNames; test: LabelledNames };
  let baseline: number;
  beforeAll(async () => {
    const data = await loadNameData();
    expect(data.source).toMatch(/names\.csv$/);
    expect(data.names).toHaveLength(10_287);
    split = splitNames(data, 0.2, 0);
    baseline = majorityShare(split.test.labels);
  });

  it(
    'the 2A network on the naive encoding stays near the majority baseline',
    async () => {
      const r = await trainFeedForward(naiveEncoding(), split, { seed: 0 });
      results.push(r);
      expect(split.test.names).toHaveLength(2057);
      expect(r.testAccuracy).toBeGreaterThanOrEqual(baseline - 0.01);
      expect(r.testAccuracy).toBeLessThan(0.7);
    },
    LONG,
  );

  it(
    'better encodings: the best feed-forward one reaches ≥ 80 %',
    async () => {
      const last3 = await trainFeedForward(lastLettersEncoding(3), split, { seed: 0 });
      const ngrams = await trainFeedForward(ngramEncoding(split.train.names), split, { seed: 0 });
      results.push(last3, ngrams);
      const best = Math.max(last3.testAccuracy, ngrams.testAccuracy);
      console.log(
        `Übung 2B: majority ${(baseline * 100).toFixed(2)} %, naive ${(results[0].testAccuracy * 100).toFixed(2)} %, last3 ${(last3.testAccuracy * 100).toFixed(2)} %, ngrams ${(ngrams.testAccuracy * 100).toFixed(2)} %`,
      );
      expect(last3.testAccuracy).toBeGreaterThan(0.78);
      expect(best).toBeGreaterThanOrEqual(0.8);
    },
    LONG,
  );

  it(
    'the character LSTM reaches ≥ 85 %',
    async () => {
      const lstm = await trainRnn(split, { seed: 0 });
      results.push(lstm);
      console.log(
        `Übung 2B: character LSTM ${(lstm.testAccuracy * 100).toFixed(2)} % after ${lstm.history.length} epochs (${(lstm.millis / 1000).toFixed(1)} s)`,
      );
      expect(lstm.testAccuracy).toBeGreaterThanOrEqual(0.85);
      const [anna, lukas] = await lstm.predict(['Anna', 'Lukas']);
      expect(anna).toBeLessThan(0.5);
      expect(lukas).toBeGreaterThan(0.5);
    },
    LONG,
  );

  it('the report draws the curves, the accuracies and the confusion matrices in headless Chromium', async ({ skip }) => {
    const reason = chromiumSkipReason();
    if (reason) skip(reason);
    expect(results).toHaveLength(4);
    const file = await namesReport({ results, baseline, info: { data: 'names.csv' }, predictions: [{ name: 'Anna', pMale: [0.4, 0.1, 0.05, 0.02] }] }).write(
      join(dir, 'names.html'),
    );
    const page = await inspectReport(file);
    expect(chartProblems(page, { kinds: ['bar', 'line', 'confusion'] })).toEqual([]);
    expect(page.charts.filter((c) => c.kind === 'confusion')).toHaveLength(4);
    expect(page.charts.find((c) => c.title === 'Training loss per epoch')!.paths).toHaveLength(4);
  });
});

describe('encodings and the command line', () => {
  it('encodes names as fixed-size vectors', () => {
    expect(Array.from(naiveEncoding(4).encode(['abz'])).map((v) => +v.toFixed(4))).toEqual([+(1 / 26).toFixed(4), +(2 / 26).toFixed(4), 1, 0]);
    const last = lastLettersEncoding(2).encode(['ab', 'c']);
    expect(last).toHaveLength(2 * 56);
    expect([...last.slice(0, 56).keys()].filter((i) => last[i] === 1)).toEqual([1, 28]); // 'b', then 'a'
    expect([...last.slice(56).keys()].filter((i) => last[56 + i] === 1)).toEqual([2, 28 + 27]); // 'c', then no letter
    const ng = ngramEncoding(['anna', 'hanna'], { maxN: 2, minCount: 2 });
    expect(ng.title).toMatch(/n-grams/);
    expect(ng.encode(['anna']).reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
    expect([...new NameVocab(['ab']).encode('abz')]).toEqual([1, 2, 0]);
  });

  it(
    'prints the accuracy of each model, the baseline and predictions for the names given',
    async () => {
      const lines: string[] = [];
      const code = await runCli(
        ['--models', 'last2,gru', '--epochs', '2', '--rnn-epochs', '1', '--rnn-hidden', '16', '--quiet', '--report', join(dir, 'cli.html'), 'Emma', 'Oskar'],
        (l) => lines.push(l),
      );
      const out = lines.join('\n');
      expect(code).toBe(0);
      expect(out).toMatch(/majority baseline \(always "female"\): 62\.\d\d % of the test names/);
      expect(out).toMatch(/^ {2}last2 +\d+\.\d\d %$/m);
      expect(out).toMatch(/^ {2}gru +\d+\.\d\d %$/m);
      expect(out).toMatch(/^ {2}Emma +\d\.\d\d [mf] +\d\.\d\d [mf]$/m);
      expect(out).toMatch(/^ {2}Oskar /m);
      expect(out).toMatch(/How should names be encoded\?/);
      expect(await runCli(['--models', 'bert'], () => {})).toBe(1);
    },
    LONG,
  );

  it('falls back to the npm name lists', async () => {
    const d = await loadNameData('stdlib');
    expect(d.names).toHaveLength(8003);
    expect(d.source).toBe('stdlib');
  });
});

describe('on WebGPU (fewer epochs)', () => {
  it(
    'the last-letters network and a small LSTM learn there too',
    async ({ skip }) => {
      const reason = await webgpuSkipReason();
      if (reason) skip(reason);
      const split = splitNames(await loadNameData(), 0.2, 0);
      await useDevice('webgpu');
      try {
        const last3 = await trainFeedForward(lastLettersEncoding(3), split, { epochs: 2 });
        const lstm = await trainRnn(split, { epochs: 1, hidden: 32, batchSize: 128 });
        last3.dispose();
        lstm.dispose();
        expect(last3.testAccuracy).toBeGreaterThan(0.8);
        expect(lstm.testAccuracy).toBeGreaterThan(0.8);
      } finally {
        await releaseDevice();
      }
    },
    LONG,
  );
});
