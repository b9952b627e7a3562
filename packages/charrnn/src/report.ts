import { escapeHtml, lineChart } from '@fackel/tools';

/**
 * One point of a training run's history: the mean training loss over the steps since the
 * previous point and, where it was measured at that step, the validation loss.
 *
 * @example
 * ```ts
 * import type { HistoryPoint } from '@fackel/charrnn';
 * const p: HistoryPoint = { step: 20, epoch: 1, loss: 3.12, valLoss: 3.09, seconds: 4.2 };
 * ```
 */
export interface HistoryPoint {
  /** Optimizer steps done so far. */
  step: number;
  /** The epoch (1-based) the step belongs to. */
  epoch: number;
  /** Mean training loss (nats per character) since the previous point. */
  loss?: number;
  /** Validation loss (eval mode, whole validation split), when measured at this step. */
  valLoss?: number;
  /** Training seconds so far. */
  seconds?: number;
}

/**
 * A text sampled from the model at a checkpoint.
 *
 * @example
 * ```ts
 * import type { CheckpointSample } from '@fackel/charrnn';
 * const s: CheckpointSample = { step: 200, valLoss: 2.1, text: 'The whale ' };
 * ```
 */
export interface CheckpointSample {
  /** Steps done when it was sampled. */
  step: number;
  /** The validation loss at that step, when measured. */
  valLoss?: number;
  /** The sampled text (with its prime). */
  text: string;
}

/**
 * What {@link renderReport} draws.
 *
 * @example
 * ```ts
 * import type { ReportData } from '@fackel/charrnn';
 * const d: ReportData = { title: 'run', hyperparameters: { rnnSize: 128 }, history: [], samples: [] };
 * ```
 */
export interface ReportData {
  /** The page's title and heading. */
  title: string;
  /** Settings shown as a table. */
  hyperparameters: Record<string, unknown>;
  /** The loss history drawn as curves. */
  history: readonly HistoryPoint[];
  /** The samples, shown newest first. */
  samples: readonly CheckpointSample[];
  /** Free-form facts shown under the title (stop reason, speed, best loss, …). */
  facts?: Record<string, string | number>;
}

const esc = escapeHtml;

/**
 * An SVG line chart (inline, no scripts) of training and validation loss against the step,
 * drawn by `lineChart` of `@fackel/tools` (the charts of the workshop examples): the training
 * loss as `path.series.train`, the validation loss as `path.series.val` with a dot per
 * measurement. A diverged (non-finite) loss breaks the line instead of spoiling the scale.
 *
 * @example
 * ```ts
 * import { lossChartSvg } from '@fackel/charrnn';
 * const svg = lossChartSvg([{ step: 10, epoch: 1, loss: 3 }, { step: 20, epoch: 1, loss: 2.5, valLoss: 2.6 }]);
 * ```
 */
export function lossChartSvg(history: readonly HistoryPoint[], size = { width: 760, height: 360 }): string {
  const train = history.filter((p) => p.loss !== undefined).map((p) => [p.step, p.loss!] as const);
  const val = history.filter((p) => p.valLoss !== undefined).map((p) => [p.step, p.valLoss!] as const);
  if (![...train, ...val].some(([, y]) => Number.isFinite(y))) {
    const { width, height } = size;
    return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" role="img" aria-label="no losses recorded yet"><text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#666">no losses recorded yet</text></svg>`;
  }
  return lineChart({
    id: 'loss',
    width: size.width,
    height: size.height,
    xLabel: 'step',
    yLabel: 'loss (nats/char)',
    series: [
      ...(train.length > 0 ? [{ name: 'training loss', points: train, color: '#1f6feb', width: 1.6, className: 'train' }] : []),
      ...(val.length > 0 ? [{ name: 'validation loss', points: val, color: '#e8590c', markers: true, className: 'val' }] : []),
    ],
  });
}

/**
 * One self-contained HTML page (no external resources, no scripts): the loss curves, the
 * hyperparameters, and a sample at each checkpoint.
 *
 * @example
 * ```ts
 * import { renderReport } from '@fackel/charrnn';
 * const html = renderReport({ title: 'char-RNN', hyperparameters: { rnnSize: 128 }, history: [], samples: [] });
 * ```
 */
export function renderReport(data: ReportData): string {
  const hp = Object.entries(data.hyperparameters)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`)
    .join('\n');
  const facts = Object.entries(data.facts ?? {})
    .map(([k, v]) => `<li><b>${esc(k)}:</b> ${esc(String(v))}</li>`)
    .join('\n');
  const samples = [...data.samples]
    .reverse()
    .map(
      (s) =>
        `<section class="sample"><h3>step ${s.step}${s.valLoss !== undefined ? ` — validation loss ${s.valLoss.toFixed(4)}` : ''}</h3><pre>${esc(s.text)}</pre></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@fackel/charrnn">
<title>${esc(data.title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 900px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; } h3 { font-size: 14px; margin: 12px 0 4px; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 2px 12px 2px 0; border-bottom: 1px solid #eee; font-weight: normal; }
th { color: #555; } pre { background: #f6f8fa; padding: 8px 10px; white-space: pre-wrap; border-radius: 4px; margin: 0; }
.chart { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>${esc(data.title)}</h1>
<ul class="facts">${facts}</ul>
<h2>Loss</h2>
<figure id="loss-chart">${lossChartSvg(data.history)}</figure>
<h2>Hyperparameters</h2>
<table id="hyperparameters">${hp}</table>
<h2>Samples at the checkpoints (newest first)</h2>
<div id="samples">${samples || '<p>No checkpoint yet.</p>'}</div>
</body>
</html>
`;
}
