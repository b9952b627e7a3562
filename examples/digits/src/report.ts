import { confusionMatrixChart, epochCurves, escapeHtml, lineChart, percent, Report } from '@fackel/example-report';
import type { DigitsResult, Misclassified } from './digits.js';

/**
 * What the runs show, in words: the mean test accuracy against the published 97–99 %.
 *
 * @example
 * ```ts no-run
 * import { trainDigits, digitsVerdict } from '@fackel/example-digits';
 * console.log(digitsVerdict([await trainDigits({ epochs: 2 })]));
 * ```
 */
export function digitsVerdict(runs: readonly DigitsResult[]): string {
  const mean = runs.reduce((a, r) => a + r.testAccuracy, 0) / runs.length;
  const wrong = runs.reduce((a, r) => a + r.misclassified.length, 0);
  const images = runs.reduce((a, r) => a + r.testSize, 0);
  const head = `${runs.length > 1 ? `Mean test accuracy over ${runs.length} seeds` : 'Test accuracy'}: ${percent(mean)} (${wrong} of ${images} test images wrong).`;
  if (mean >= 0.97) return `${head}\nThat is in the range of published small CNNs and SVMs on these digits (97–99 %); guessing would give 10 %.`;
  return `${head}\nBelow the 97–99 % of published small CNNs: train longer (--epochs) or widen the convolutions (--channels 16,32).`;
}

/**
 * An SVG grid of digit images (gray levels from the 0–16 pixels), each captioned
 * "label → predicted".
 *
 * @example
 * ```ts
 * import { digitGrid } from '@fackel/example-digits';
 * const svg = digitGrid([{ row: 0, label: 3, predicted: 8, pixels: new Array(64).fill(8) }]);
 * console.log(svg.startsWith('<svg')); // true
 * ```
 */
export function digitGrid(images: readonly Misclassified[], options: { columns?: number; scale?: number; title?: string } = {}): string {
  const scale = options.scale ?? 6;
  const columns = Math.max(1, Math.min(options.columns ?? 12, images.length));
  const cellW = 8 * scale + 16;
  const cellH = 8 * scale + 30;
  const top = options.title ? 28 : 4;
  const rows = Math.ceil(images.length / columns);
  const width = columns * cellW + 8;
  const height = top + rows * cellH + 4;
  const out = [
    `<svg class="chart" data-kind="digits" id="digits-grid" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
  ];
  if (options.title) out.push(`<text class="title" x="4" y="18" font-size="14" font-weight="600">${escapeHtml(options.title)}</text>`);
  images.forEach((m, k) => {
    const x0 = 4 + (k % columns) * cellW + 8;
    const y0 = top + Math.floor(k / columns) * cellH;
    out.push(`<g class="digit" data-label="${m.label}" data-predicted="${m.predicted}">`);
    out.push(`<rect class="cell" x="${x0}" y="${y0}" width="${8 * scale}" height="${8 * scale}" fill="#fff" stroke="#999"/>`);
    m.pixels.forEach((p, i) => {
      if (p === 0) return;
      const g = Math.round(255 - (p / 16) * 255);
      out.push(`<rect x="${x0 + (i % 8) * scale}" y="${y0 + Math.floor(i / 8) * scale}" width="${scale}" height="${scale}" fill="rgb(${g},${g},${g})"/>`);
    });
    out.push(`<text x="${x0 + 4 * scale}" y="${y0 + 8 * scale + 16}" font-size="12" text-anchor="middle">${m.label} → ${m.predicted}</text></g>`);
  });
  out.push('</svg>');
  return out.join('');
}

/**
 * The HTML report of one or more seeds: loss and accuracy curves per epoch (train and test),
 * the confusion matrix of the test images (summed over the seeds), the misclassified digits
 * of the first seed, and a table per seed.
 *
 * @example
 * ```ts no-run
 * import { trainDigits, digitsReport } from '@fackel/example-digits';
 * await digitsReport([await trainDigits({ epochs: 3 })]).write('reports/digits.html');
 * ```
 */
export function digitsReport(runs: readonly DigitsResult[]): Report {
  const first = runs[0];
  const o = first.options;
  const report = new Report(
    'CNN on the 8×8 handwritten digits',
    `DigitsCNN: conv 3×3 (1 → ${o.channels[0]}) → ReLU → max pool 2 → conv 3×3 (→ ${o.channels[1]}) → ReLU → max pool 2 → linear (${o.channels[1] * 4} → 10); cross-entropy, Adam lr ${o.lr}, mini-batches of ${o.batchSize}, ${o.epochs} epochs, stratified ${Math.round((1 - o.testFraction) * 100)}/${Math.round(o.testFraction * 100)} split, on ${first.device}`,
  );
  const mean = runs.reduce((a, r) => a + r.testAccuracy, 0) / runs.length;
  report.metrics({
    [runs.length > 1 ? `mean test accuracy (${runs.length} seeds)` : 'test accuracy']: percent(mean),
    'training accuracy': percent(runs.reduce((a, r) => a + r.trainAccuracy, 0) / runs.length),
    'images (train / test)': `${first.trainSize} / ${first.testSize}`,
    parameters: first.parameters,
    seeds: runs.map((r) => r.options.seed).join(', '),
  });
  report.pre(digitsVerdict(runs));
  const many = runs.length > 1;
  report.heading('Loss');
  report.figure(
    lineChart({ title: 'Cross-entropy per epoch', xLabel: 'epoch', yLabel: 'mean cross-entropy', series: epochCurves(runs, 'trainLoss', 'testLoss') }),
  );
  report.heading('Accuracy');
  report.figure(lineChart({ title: 'Accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy', series: epochCurves(runs, 'testAccuracy', 'trainAccuracy') }));
  report.heading('Confusion matrix (test images)');
  const cm = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  for (const r of runs) for (let a = 0; a < 10; a++) for (let p = 0; p < 10; p++) cm[a][p] += r.confusion[a][p];
  report.figure(
    confusionMatrixChart({
      title: many ? `Test images of all ${runs.length} seeds` : 'Test images',
      labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      matrix: cm,
      cell: 40,
    }),
  );
  report.heading(`Misclassified test digits (seed ${first.options.seed})`);
  if (first.misclassified.length > 0) {
    report.figure(
      digitGrid(first.misclassified, { title: `${first.misclassified.length} wrong of ${first.testSize}` }),
      'Each image: the true label → what the network answered.',
    );
  } else {
    report.text('None: every test image of this seed was classified correctly.');
  }
  report.heading('Runs');
  report.table(
    ['seed', 'test accuracy', 'train accuracy', 'train loss', 'test loss', 'wrong', 'seconds'],
    runs.map((r) => [
      r.options.seed,
      percent(r.testAccuracy),
      percent(r.trainAccuracy),
      r.trainLoss.toFixed(4),
      r.testLoss.toFixed(4),
      r.misclassified.length,
      (r.millis / 1000).toFixed(1),
    ]),
  );
  return report;
}
