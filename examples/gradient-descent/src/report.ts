import { lineChart, Report, type Series } from '@fackel/example-report';
import type { GradientDescentResult } from './gradient-descent.js';

function round(v: number, digits = 4): number | string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e6 ? v.toExponential(3) : Number(v.toFixed(digits));
}

function fixed2(v: number): string {
  return Number.isFinite(v) && Math.abs(v) < 1e6 ? v.toFixed(2) : String(round(v));
}

/**
 * The HTML report of a run: the fitted line after every epoch over the target function and
 * the data (the workshop's live matplotlib plot, as one picture), the loss and the weight per
 * epoch, the verdict and a table of every epoch.
 *
 * @example
 * ```ts
 * import { gradientDescent, parseTarget, gradientDescentReport } from '@fackel/example-gradient-descent';
 * const run = await gradientDescent({ xs: [1, 2, 3, 4], target: parseTarget('2x'), lr: 0.01, epochs: 20, w0: 1 });
 * await gradientDescentReport(run).write('reports/gradient-descent.html');
 * ```
 */
export function gradientDescentReport(run: GradientDescentResult): Report {
  const { xs, target, lr, epochs, w0, probe } = run.options;
  const report = new Report(
    'Übung 1: Gradient Descent',
    `f(x) = w·x fitted to ${target.label} on x = [${xs.join(', ')}], η = ${lr}, ${epochs} epochs, w₀ = ${w0}`,
  );
  report.metrics({
    [`f(${probe}) before training`]: fixed2(run.fBefore),
    [`f(${probe}) after training`]: fixed2(run.fAfter),
    'final w': String(round(run.w)),
    'best possible w (Σxy / Σx²)': String(round(run.wBest)),
    ...(run.epochFactor !== undefined ? { 'error factor per epoch Π(1 − 2ηx²)': String(round(run.epochFactor, 6)) } : {}),
  });
  report.pre(run.verdict);

  // the fitted line per epoch over the target
  const xMax = Math.max(...xs.map(Math.abs), probe) + 0.5;
  const xMin = Math.min(0, ...xs);
  const targetCurve: [number, number][] = Array.from({ length: 61 }, (_, i) => {
    const x = xMin + ((xMax - xMin) * i) / 60;
    return [x, target.f(x)];
  });
  const ysTarget = targetCurve.map(([, y]) => y);
  const yLo = Math.min(0, ...ysTarget);
  const yHi = Math.max(...ysTarget, 1);
  const pad = (yHi - yLo) * 0.15;
  const n = run.epochs.length;
  const series: Series[] = [
    {
      name: 'w₀ (before training)',
      points: [
        [xMin, w0 * xMin],
        [xMax, w0 * xMax],
      ],
      color: '#999',
      width: 1.5,
      dashed: true,
    },
    ...run.epochs.map(
      (e, i): Series => ({
        name: i === n - 1 ? `after epoch ${e.epoch}` : `epoch ${e.epoch}`,
        points: [
          [xMin, e.w * xMin],
          [xMax, e.w * xMax],
        ],
        color: '#1f77b4',
        width: i === n - 1 ? 2.5 : 1.2,
        opacity: i === n - 1 ? 1 : 0.15 + (0.6 * (i + 1)) / Math.max(n, 1),
        legend: i === n - 1,
      }),
    ),
    { name: `target ${target.label}`, points: targetCurve, color: '#d62728', dashed: true, width: 2 },
    { name: 'data', points: xs.map((x) => [x, target.f(x)] as const), color: '#d62728', style: 'points' },
  ];
  report.heading('The fitted line after every epoch');
  report.figure(
    lineChart({
      title: 'f(x) = w·x per epoch (light = early, dark = late)',
      xLabel: 'x',
      yLabel: 'y',
      series,
      xDomain: [xMin, xMax],
      yDomain: [yLo - pad, yHi + pad],
    }),
    'Every blue line is the model after one epoch; it turns from the grey start towards the red target.',
  );

  report.heading('Loss and weight per epoch');
  report.figure(
    lineChart({
      title: 'Loss per epoch',
      xLabel: 'epoch',
      yLabel: 'loss',
      logY: true,
      series: [
        { name: 'mean over the epoch', points: run.epochs.map((e) => [e.epoch, e.meanLoss] as const) },
        { name: 'last sample (as printed by the original)', points: run.epochs.map((e) => [e.epoch, e.loss] as const), dashed: true },
      ],
    }),
  );
  report.figure(
    lineChart({
      title: 'Weight w per epoch',
      xLabel: 'epoch',
      yLabel: 'w',
      series: [
        { name: 'w', points: [[0, w0], ...run.epochs.map((e) => [e.epoch, e.w] as const)] },
        {
          name: target.fittable ? `target k = ${target.k}` : `best w = ${round(run.wBest)}`,
          points: [
            [0, run.wBest],
            [Math.max(n, 1), run.wBest],
          ],
          dashed: true,
          color: '#d62728',
        },
      ],
      ...(run.diverged ? { yDomain: [Math.min(w0, run.wBest) - 5, Math.max(w0, run.wBest) + 5] as const } : {}),
    }),
  );
  report.heading('Every epoch');
  report.table(
    ['epoch', 'w', `f(${probe})`, 'mean loss', 'loss (last sample)', 'gradients ∂l/∂w per sample'],
    run.epochs.map((e) => [
      e.epoch,
      round(e.w),
      round(e.w * probe, 2),
      round(e.meanLoss, 6),
      round(e.loss, 6),
      e.steps.map((s) => String(round(s.grad, 3))).join(', '),
    ]),
  );
  return report;
}
