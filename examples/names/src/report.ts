import { barChart, confusionMatrixChart, lineChart, percent, Report } from '@fackel/example-report';
import { CLASSES, type ModelResult } from './names.js';

/**
 * What the run answers to the slide's two questions, in words.
 *
 * @example
 * ```ts
 * import { namesVerdict } from '@fackel/example-names';
 * declare const results: import('@fackel/example-names').ModelResult[];
 * console.log(namesVerdict(results, 0.62));
 * ```
 */
export function namesVerdict(results: readonly ModelResult[], baseline: number): string {
  const lines: string[] = [];
  const naive = results.find((r) => r.key === 'naive');
  if (naive) {
    const gain = naive.testAccuracy - baseline;
    lines.push(
      `Can the 2A network be adapted? Yes: only its input size changes. On the naive encoding it reaches ${percent(naive.testAccuracy)}, ` +
        (gain < 0.03
          ? `no better than always answering "${CLASSES[0]}" (${percent(baseline)}): letters as sizes (a = 1/26 … z = 1) mean nothing, ` +
            `and the last letter, which says most, sits at a different input for every name length.`
          : `${(gain * 100).toFixed(1)} points above always answering "${CLASSES[0]}" (${percent(baseline)}), but far below what the name tells.`),
    );
  }
  const others = results.filter((r) => r.key !== 'naive');
  if (others.length > 0) {
    lines.push(
      `How should names be encoded? By what decides it: ${others.map((r) => `${r.title.split(':')[0]} ${percent(r.testAccuracy)}`).join(', ')}. ` +
        `Endings carry most of it (-a, -ie, -ine are mostly female; -o, -n, -s mostly male); n-grams add beginnings and inner pieces, ` +
        `and a recurrent network reads the whole name letter by letter and learns such features itself.`,
    );
  }
  return lines.join('\n');
}

/**
 * The HTML report: test accuracy per model next to the majority baseline, loss and accuracy
 * curves per epoch, a confusion matrix per model and the predictions for the given names.
 *
 * @example
 * ```ts
 * import { namesReport } from '@fackel/example-names';
 * declare const results: import('@fackel/example-names').ModelResult[];
 * await namesReport({ results, baseline: 0.62, info: {}, predictions: [] }).write('reports/names.html');
 * ```
 */
export function namesReport(run: {
  results: readonly ModelResult[];
  baseline: number;
  info: Readonly<Record<string, string | number>>;
  predictions: readonly { name: string; pMale: readonly number[] }[];
}): Report {
  const { results, baseline } = run;
  const report = new Report('Übung 2B: first name → gender', 'the 2A network on several encodings of a name, and a character-level RNN');
  report.metrics({
    ...run.info,
    'majority baseline (test)': percent(baseline),
    ...Object.fromEntries(results.map((r) => [`${r.key} (test)`, percent(r.testAccuracy)])),
  });
  report.pre(namesVerdict(results, baseline));
  report.heading('Test accuracy');
  report.figure(
    barChart({
      title: 'Test accuracy per model',
      max: 1,
      bars: results.map((r) => ({ label: r.key, value: r.testAccuracy })),
      reference: { label: 'majority', value: baseline },
    }),
  );
  report.table(
    ['model', 'encoding / architecture', 'test accuracy', 'parameters', 'seconds'],
    results.map((r) => [r.key, r.title, percent(r.testAccuracy), r.parameters, (r.millis / 1000).toFixed(1)]),
  );
  report.heading('Training curves');
  report.figure(
    lineChart({
      title: 'Training loss per epoch',
      xLabel: 'epoch',
      yLabel: 'binary cross-entropy',
      series: results.map((r) => ({ name: r.key, points: r.history.map((e) => [e.epoch, e.loss] as const) })),
    }),
  );
  const lastEpoch = Math.max(1, ...results.map((r) => r.history.length));
  report.figure(
    lineChart({
      title: 'Test accuracy per epoch',
      xLabel: 'epoch',
      yLabel: 'accuracy',
      series: [
        ...results.map((r) => ({ name: r.key, points: r.history.map((e) => [e.epoch, e.testAccuracy] as const) })),
        {
          name: 'majority',
          points: [
            [1, baseline],
            [lastEpoch, baseline],
          ],
          color: '#555',
          dashed: true,
          width: 1,
        },
      ],
    }),
  );
  report.heading('Confusion matrices (test names)');
  for (const r of results) report.figure(confusionMatrixChart({ title: r.key, labels: [...CLASSES], matrix: r.confusion, cell: 64 }), r.title);
  if (run.predictions.length > 0) {
    report.heading('Predictions');
    report.table(
      ['name', ...results.map((r) => `${r.key}: P(male)`)],
      run.predictions.map((p) => [p.name, ...p.pMale.map((v) => `${v.toFixed(2)} ${v >= 0.5 ? 'm' : 'f'}`)]),
    );
  }
  return report;
}
