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

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmtTick(v: number): string {
  if (Math.abs(v) >= 10000) return `${Math.round(v / 1000)}k`;
  return String(Number(v.toFixed(3)));
}

/**
 * An SVG line chart (inline, no scripts) of training and validation loss against the step.
 *
 * @example
 * ```ts
 * import { lossChartSvg } from '@fackel/charrnn';
 * const svg = lossChartSvg([{ step: 10, epoch: 1, loss: 3 }, { step: 20, epoch: 1, loss: 2.5, valLoss: 2.6 }]);
 * ```
 */
export function lossChartSvg(history: readonly HistoryPoint[], size = { width: 760, height: 360 }): string {
  const { width, height } = size;
  const m = { left: 56, right: 16, top: 16, bottom: 44 };
  const train = history.filter((p) => p.loss !== undefined && Number.isFinite(p.loss)).map((p) => [p.step, p.loss!] as const);
  const val = history.filter((p) => p.valLoss !== undefined && Number.isFinite(p.valLoss)).map((p) => [p.step, p.valLoss!] as const);
  const all = [...train, ...val];
  if (all.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="no losses recorded yet"><text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#666">no losses recorded yet</text></svg>`;
  }
  let x0 = Math.min(0, ...all.map((p) => p[0]));
  let x1 = Math.max(...all.map((p) => p[0]));
  if (x1 === x0) x1 = x0 + 1;
  let y0 = Math.min(...all.map((p) => p[1]));
  let y1 = Math.max(...all.map((p) => p[1]));
  if (y1 - y0 < 1e-6) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const pad = (y1 - y0) * 0.05;
  y0 = Math.max(0, y0 - pad);
  y1 += pad;
  x0 = Math.max(0, x0);
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const pts = (s: readonly (readonly [number, number])[]) => s.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="training and validation loss by step">`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="#fff" stroke="#ccc"/>`);
  for (const t of niceTicks(y0, y1, 6)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y}" dy="0.32em" text-anchor="end" font-size="11" fill="#444">${fmtTick(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 8)) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + ph}" stroke="#f2f2f2"/>`);
    parts.push(`<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle" font-size="11" fill="#444">${fmtTick(t)}</text>`);
  }
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 6}" text-anchor="middle" font-size="12" fill="#222">step</text>`);
  parts.push(`<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#222">loss (nats/char)</text>`);
  if (train.length > 0) {
    parts.push(`<polyline class="curve train" data-series="train" points="${pts(train)}" fill="none" stroke="#1f6feb" stroke-width="1.6"/>`);
  }
  if (val.length > 0) {
    parts.push(`<polyline class="curve val" data-series="val" points="${pts(val)}" fill="none" stroke="#e8590c" stroke-width="2"/>`);
    for (const [x, y] of val) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.6" fill="#e8590c"/>`);
  }
  const lx = m.left + pw - 150;
  parts.push(`<rect x="${lx}" y="${m.top + 8}" width="140" height="44" fill="#fff" stroke="#ddd"/>`);
  parts.push(`<line x1="${lx + 8}" x2="${lx + 32}" y1="${m.top + 22}" y2="${m.top + 22}" stroke="#1f6feb" stroke-width="2"/><text x="${lx + 38}" y="${m.top + 22}" dy="0.32em" font-size="12">training loss</text>`);
  parts.push(`<line x1="${lx + 8}" x2="${lx + 32}" y1="${m.top + 40}" y2="${m.top + 40}" stroke="#e8590c" stroke-width="2"/><text x="${lx + 38}" y="${m.top + 40}" dy="0.32em" font-size="12">validation loss</text>`);
  parts.push('</svg>');
  return parts.join('\n');
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
