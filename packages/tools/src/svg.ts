/**
 * Inline SVG charts for self-contained HTML reports (the `fackel-charrnn` training report and
 * the workshop examples'): no scripts, no external resources. Every chart is an
 * `<svg class="chart" data-kind="…">` so a test can find and measure it: line series are
 * `<path class="series">`, scatter points `<circle class="point">`, bars `<rect class="bar">`
 * and confusion-matrix cells `<rect class="cell">`.
 * @module
 */

/** A palette that stays readable on white and for the common colour-vision deficiencies. */
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf', '#7f7f7f'];

/**
 * Escapes text for HTML and SVG content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from '@fackel/tools';
 * escapeHtml('a < b & "c"'); // 'a &lt; b &amp; &quot;c&quot;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * One line (or set of points) of a {@link lineChart}.
 *
 * @example
 * ```ts
 * import type { Series } from '@fackel/tools';
 * const loss: Series = { name: 'train loss', points: [[1, 0.9], [2, 0.7], [3, 0.6]] };
 * ```
 */
export interface Series {
  /** Shown in the legend (omit with `legend: false`). */
  name: string;
  /** `[x, y]` pairs in drawing order; a non-finite y breaks the line. */
  points: ReadonlyArray<readonly [number, number]>;
  /** CSS colour; default from the palette by position. */
  color?: string;
  /** Draw a dashed line (e.g. a target or a baseline). */
  dashed?: boolean;
  /** Stroke width in pixels (default 2). */
  width?: number;
  /** Opacity of the stroke, 0–1 (default 1). */
  opacity?: number;
  /** `'line'` (default) joins the points; `'points'` draws a dot per point. */
  style?: 'line' | 'points';
  /** With `style: 'line'`, also a dot at every point (e.g. sparse validation losses). */
  markers?: boolean;
  /** Leave the series out of the legend (default true = shown). */
  legend?: boolean;
  /** More CSS classes for the series' element (`class="series train"`), for styling and tests. */
  className?: string;
}

/**
 * Options of {@link lineChart}.
 *
 * @example
 * ```ts
 * import type { LineChartOptions } from '@fackel/tools';
 * const o: LineChartOptions = { title: 'Loss', xLabel: 'epoch', yLabel: 'BCE', series: [], logY: true };
 * ```
 */
export interface LineChartOptions {
  /** The lines (or point sets), drawn in order. */
  series: readonly Series[];
  /** The chart's title, above the legend. */
  title?: string;
  /** The x axis' label. */
  xLabel?: string;
  /** The y axis' label. */
  yLabel?: string;
  /** Width of the drawing in pixels (default 640). */
  width?: number;
  /** Height of the drawing in pixels (default: a 240-pixel plot plus title, legend and axis). */
  height?: number;
  /** The `id` of the `<svg>` (default: `chart-N`, unique in the process). */
  id?: string;
  /** A fixed x range; by default it covers every finite point. Points outside are clipped. */
  xDomain?: readonly [number, number];
  /** A fixed y range (in data units, also on a log axis); by default it covers every finite point. Points outside are clipped. */
  yDomain?: readonly [number, number];
  /** Logarithmic y axis (values ≤ 0 are left out). */
  logY?: boolean;
}

const MARGIN = { left: 64, right: 16, bottom: 46 };

let chartCounter = 0;
function chartId(prefix: string): string {
  chartCounter += 1;
  return `${prefix}-${chartCounter}`;
}

/** Shortest readable label for a tick or a value. */
function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** Round tick values covering [lo, hi], about `count` of them (the "nice numbers" rule). */
function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function domainOf(values: number[], pad: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

interface LegendEntry {
  name: string;
  color: string;
  dashed?: boolean;
  style?: 'line' | 'points';
}

/** Entries flowed left to right from (left, top), wrapping at `right`; returns the markup and the rows used. */
function legendSvg(entries: LegendEntry[], left: number, right: number, top: number): { svg: string; rows: number } {
  if (entries.length === 0) return { svg: '', rows: 0 };
  const parts: string[] = [];
  let x = left;
  let y = top;
  let rows = 1;
  for (const e of entries) {
    const w = 6.6 * e.name.length + 34;
    if (x > left && x + w > right) {
      x = left;
      y += 16;
      rows += 1;
    }
    const mark =
      e.style === 'points'
        ? `<circle cx="${num(x + 9)}" cy="${y}" r="3.5" fill="${e.color}"/>`
        : `<line x1="${num(x)}" y1="${y}" x2="${num(x + 18)}" y2="${y}" stroke="${e.color}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
    parts.push(`<g class="legend-entry">${mark}<text x="${num(x + 23)}" y="${y + 4}" font-size="12">${escapeHtml(e.name)}</text></g>`);
    x += w;
  }
  return { svg: `<g class="legend">${parts.join('')}</g>`, rows };
}

/** How many legend rows `entries` need between `left` and `right` (the same flow as legendSvg). */
function legendRows(entries: LegendEntry[], left: number, right: number): number {
  return legendSvg(entries, left, right, 0).rows;
}

/**
 * An SVG line chart: axes with round ticks, optional log scale, a legend, clipped series.
 * Points whose y is not finite (a diverged loss) break the line instead of spoiling the scale.
 *
 * @example
 * ```ts
 * import { lineChart } from '@fackel/tools';
 * const svg = lineChart({
 *   title: 'Training loss', xLabel: 'epoch', yLabel: 'loss',
 *   series: [{ name: 'train', points: [[1, 0.69], [2, 0.6], [3, 0.55]] }],
 * });
 * ```
 */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 640;
  const logY = options.logY ?? false;
  const legend: LegendEntry[] = [];
  options.series.forEach((s, i) => {
    if (s.legend !== false) legend.push({ name: s.name, color: s.color ?? PALETTE[i % PALETTE.length], dashed: s.dashed, style: s.style });
  });
  // title, then the legend rows, then the plot
  const legendTop = options.title ? 36 : 12;
  const nRows = legendRows(legend, MARGIN.left, width - MARGIN.right);
  const top = nRows > 0 ? legendTop + (nRows - 1) * 16 + 16 : options.title ? 30 : 10;
  const plotH = Math.max(60, (options.height ?? top + 240 + MARGIN.bottom) - top - MARGIN.bottom);
  const height = top + plotH + MARGIN.bottom;
  const plotW = width - MARGIN.left - MARGIN.right;
  const ty = (v: number): number => (logY ? (v > 0 ? Math.log10(v) : NaN) : v);

  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of options.series) {
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(ty(y))) {
        xs.push(x);
        ys.push(ty(y));
      }
    }
  }
  const [x0, x1] = options.xDomain ?? domainOf(xs, 0);
  let [y0, y1] = options.yDomain ? [ty(options.yDomain[0]), ty(options.yDomain[1])] : domainOf(ys, 0.05);
  if (!(y1 > y0)) [y0, y1] = [y0 - 1, y0 + 1];
  const sx = (x: number): number => MARGIN.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const sy = (y: number): number => top + plotH - ((y - y0) / (y1 - y0)) * plotH;

  const id = options.id ?? chartId('chart');
  const out: string[] = [];
  out.push(
    `<svg class="chart" data-kind="line" id="${id}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"${options.title ? ` aria-label="${escapeHtml(options.title)}"` : ''}>`,
  );
  out.push(`<defs><clipPath id="${id}-clip"><rect x="${MARGIN.left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath></defs>`);
  if (options.title) out.push(`<text class="title" x="${MARGIN.left}" y="18" font-size="14" font-weight="600">${escapeHtml(options.title)}</text>`);

  // grid and ticks
  const grid: string[] = [];
  const yTicks = logY ? logTicks(y0, y1) : niceTicks(y0, y1).map((v) => [v, v] as const);
  for (const [pos, label] of yTicks) {
    const y = sy(pos);
    grid.push(`<line x1="${MARGIN.left}" y1="${num(y)}" x2="${MARGIN.left + plotW}" y2="${num(y)}" stroke="#e5e5e5"/>`);
    grid.push(`<text x="${MARGIN.left - 6}" y="${num(y + 4)}" font-size="11" text-anchor="end" fill="#444">${fmtTick(label)}</text>`);
  }
  for (const v of niceTicks(x0, x1, 6)) {
    const x = sx(v);
    grid.push(`<line x1="${num(x)}" y1="${top + plotH}" x2="${num(x)}" y2="${top + plotH + 4}" stroke="#444"/>`);
    grid.push(`<text x="${num(x)}" y="${top + plotH + 17}" font-size="11" text-anchor="middle" fill="#444">${fmtTick(v)}</text>`);
  }
  out.push(`<g class="grid">${grid.join('')}</g>`);
  out.push(`<rect class="frame" x="${MARGIN.left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  if (options.xLabel) {
    out.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 8}" font-size="12" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`);
  }
  if (options.yLabel) {
    out.push(
      `<text x="14" y="${top + plotH / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${top + plotH / 2})">${escapeHtml(options.yLabel + (logY ? ' (log scale)' : ''))}</text>`,
    );
  }

  // series
  const body: string[] = [];
  options.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const opacity = s.opacity ?? 1;
    const name = escapeHtml(s.name);
    const extra = s.className ? ` ${escapeHtml(s.className)}` : '';
    const dots = (r: number): string[] =>
      s.points
        .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(ty(y)))
        .map(([x, y]) => `<circle class="point" cx="${num(sx(x))}" cy="${num(sy(ty(y)))}" r="${r}" fill="${color}" fill-opacity="${opacity}"/>`);
    if (s.style === 'points') {
      body.push(`<g class="points${extra}" data-series="${name}">${dots(4).join('')}</g>`);
    } else {
      let d = '';
      let pen = false;
      for (const [x, y] of s.points) {
        const v = ty(y);
        if (!Number.isFinite(x) || !Number.isFinite(v)) {
          pen = false;
          continue;
        }
        // keep far-off values drawable: clamp to a band around the plot (the clip hides the rest)
        const py = Math.max(top - plotH, Math.min(top + 2 * plotH, sy(v)));
        d += `${pen ? 'L' : 'M'}${num(sx(x))} ${num(py)}`;
        pen = true;
      }
      if (d !== '') {
        body.push(
          `<path class="series${extra}" data-series="${name}" d="${d}" fill="none" stroke="${color}" stroke-width="${s.width ?? 2}" stroke-opacity="${opacity}" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
        );
      }
      if (s.markers) body.push(`<g class="markers${extra}" data-series="${name}">${dots(2.6).join('')}</g>`);
    }
  });
  out.push(`<g clip-path="url(#${id}-clip)">${body.join('')}</g>`);
  out.push(legendSvg(legend, MARGIN.left, width - MARGIN.right, legendTop).svg);
  out.push('</svg>');
  return out.join('');
}

/** Ticks of a log10 axis whose ends are y0, y1 (in log10 units): [position, value] pairs. */
function logTicks(y0: number, y1: number): (readonly [number, number])[] {
  const out: (readonly [number, number])[] = [];
  const lo = Math.ceil(y0);
  const hi = Math.floor(y1);
  if (hi - lo >= 1) {
    const step = Math.max(1, Math.ceil((hi - lo) / 6));
    for (let e = lo; e <= hi; e += step) out.push([e, 10 ** e]);
    return out;
  }
  // less than a decade: linear ticks placed on the log axis
  for (const v of niceTicks(10 ** y0, 10 ** y1)) if (v > 0) out.push([Math.log10(v), v]);
  return out;
}

/**
 * Options of {@link confusionMatrixChart}.
 *
 * @example
 * ```ts
 * import type { ConfusionMatrixOptions } from '@fackel/tools';
 * const o: ConfusionMatrixOptions = { labels: ['f', 'm'], matrix: [[50, 5], [8, 37]], title: 'Test set' };
 * ```
 */
export interface ConfusionMatrixOptions {
  /** Class names, in the order of the matrix rows and columns. */
  labels: readonly string[];
  /** `matrix[actual][predicted]` = count. */
  matrix: readonly (readonly number[])[];
  /** The chart's title. */
  title?: string;
  /** Size of one cell in pixels (default 72). */
  cell?: number;
}

/**
 * An SVG confusion matrix: rows are the actual classes, columns the predicted ones; each cell
 * shows its count and its share of the row, shaded by that share.
 *
 * @example
 * ```ts
 * import { confusionMatrixChart } from '@fackel/tools';
 * const svg = confusionMatrixChart({ labels: ['diabetic', 'not diabetic'], matrix: [[30, 22], [14, 86]] });
 * ```
 */
export function confusionMatrixChart(options: ConfusionMatrixOptions): string {
  const n = options.labels.length;
  if (options.matrix.length !== n || options.matrix.some((r) => r.length !== n)) {
    throw new RangeError(`confusionMatrixChart: the matrix must be ${n} × ${n} to match the labels`);
  }
  const cell = options.cell ?? 72;
  const labelW = Math.max(60, 7.5 * Math.max(...options.labels.map((l) => l.length)) + 34);
  const left = labelW;
  const top = 58;
  const width = left + n * cell + 16;
  const height = top + n * cell + 34;
  const out: string[] = [];
  out.push(
    `<svg class="chart" data-kind="confusion" id="${chartId('confusion')}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
  );
  if (options.title) out.push(`<text class="title" x="4" y="18" font-size="14" font-weight="600">${escapeHtml(options.title)}</text>`);
  out.push(`<text x="${left + (n * cell) / 2}" y="38" font-size="12" text-anchor="middle">predicted</text>`);
  out.push(`<text x="12" y="${top + (n * cell) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 12 ${top + (n * cell) / 2})">actual</text>`);
  for (let j = 0; j < n; j++) {
    out.push(`<text x="${left + j * cell + cell / 2}" y="${top - 6}" font-size="12" text-anchor="middle">${escapeHtml(options.labels[j])}</text>`);
  }
  for (let i = 0; i < n; i++) {
    const row = options.matrix[i];
    const total = row.reduce((a, b) => a + b, 0);
    out.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" font-size="12" text-anchor="end">${escapeHtml(options.labels[i])}</text>`);
    for (let j = 0; j < n; j++) {
      const share = total > 0 ? row[j] / total : 0;
      const shade = Math.round(245 - share * 190);
      const fill = i === j ? `rgb(${shade - 20},${shade + 5 > 255 ? 255 : shade + 5},${shade - 20})` : `rgb(255,${shade},${shade})`;
      const x = left + j * cell;
      const y = top + i * cell;
      const ink = share > 0.6 ? '#fff' : '#000';
      out.push(
        `<g><rect class="cell" data-actual="${escapeHtml(options.labels[i])}" data-predicted="${escapeHtml(options.labels[j])}" data-count="${row[j]}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff" stroke-width="2"/>` +
          `<text x="${x + cell / 2}" y="${y + cell / 2}" font-size="15" font-weight="600" text-anchor="middle" fill="${ink}">${row[j]}</text>` +
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 16}" font-size="11" text-anchor="middle" fill="${ink}">${(share * 100).toFixed(1)} %</text></g>`,
      );
    }
  }
  out.push('</svg>');
  return out.join('');
}

/**
 * One bar of a {@link barChart}.
 *
 * @example
 * ```ts
 * import type { Bar } from '@fackel/tools';
 * const b: Bar = { label: 'last letter', value: 0.76 };
 * ```
 */
export interface Bar {
  /** The text left of the bar. */
  label: string;
  /** The bar's value (its length, against the chart's `max`). */
  value: number;
  /** CSS colour; default from the palette by position. */
  color?: string;
}

/**
 * Options of {@link barChart}.
 *
 * @example
 * ```ts
 * import type { BarChartOptions } from '@fackel/tools';
 * const o: BarChartOptions = { bars: [{ label: 'GRU', value: 0.88 }], max: 1, reference: { label: 'majority', value: 0.61 } };
 * ```
 */
export interface BarChartOptions {
  /** The bars, top to bottom. */
  bars: readonly Bar[];
  /** The chart's title. */
  title?: string;
  /** The value of a full-length bar (default: the largest value). */
  max?: number;
  /** A dashed vertical line, e.g. the majority baseline. */
  reference?: {
    /** The text under the line. */
    label: string;
    /** Where the line is drawn. */
    value: number;
  };
  /** Formats the number printed after each bar (default: as a percentage of 1). */
  format?: (v: number) => string;
  /** Width of the drawing in pixels (default 640). */
  width?: number;
}

/**
 * A horizontal SVG bar chart, e.g. the test accuracy of several models next to a baseline.
 *
 * @example
 * ```ts
 * import { barChart } from '@fackel/tools';
 * const svg = barChart({
 *   title: 'Test accuracy', max: 1,
 *   bars: [{ label: 'naive', value: 0.64 }, { label: 'GRU', value: 0.88 }],
 *   reference: { label: 'majority', value: 0.61 },
 * });
 * ```
 */
export function barChart(options: BarChartOptions): string {
  const width = options.width ?? 640;
  const fmt = options.format ?? ((v: number) => `${(v * 100).toFixed(1)} %`);
  const labelW = Math.min(260, Math.max(80, 7 * Math.max(...options.bars.map((b) => b.label.length), 4) + 16));
  const barH = 24;
  const gap = 8;
  const top = options.title ? 30 : 8;
  const valueW = 64;
  const plotW = width - labelW - valueW - 8;
  const height = top + options.bars.length * (barH + gap) + (options.reference ? 26 : 8);
  const max = options.max ?? Math.max(...options.bars.map((b) => b.value), options.reference?.value ?? 0, 1e-12);
  const sx = (v: number): number => labelW + (Math.max(0, Math.min(v, max)) / max) * plotW;
  const out: string[] = [];
  out.push(
    `<svg class="chart" data-kind="bar" id="${chartId('bars')}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
  );
  if (options.title) out.push(`<text class="title" x="4" y="18" font-size="14" font-weight="600">${escapeHtml(options.title)}</text>`);
  options.bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const color = b.color ?? PALETTE[i % PALETTE.length];
    out.push(`<text x="${labelW - 8}" y="${y + barH / 2 + 4}" font-size="12" text-anchor="end">${escapeHtml(b.label)}</text>`);
    out.push(
      `<rect class="bar" data-value="${b.value}" x="${labelW}" y="${y}" width="${num(Math.max(1, sx(b.value) - labelW))}" height="${barH}" fill="${color}"/>`,
    );
    out.push(`<text x="${num(sx(b.value) + 6)}" y="${y + barH / 2 + 4}" font-size="12">${escapeHtml(fmt(b.value))}</text>`);
  });
  if (options.reference) {
    const x = sx(options.reference.value);
    const bottom = top + options.bars.length * (barH + gap);
    out.push(`<line class="reference" x1="${num(x)}" y1="${top - 4}" x2="${num(x)}" y2="${bottom}" stroke="#333" stroke-dasharray="4 3"/>`);
    out.push(
      `<text x="${num(x)}" y="${bottom + 16}" font-size="11" text-anchor="middle">${escapeHtml(`${options.reference.label} ${fmt(options.reference.value)}`)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('');
}
