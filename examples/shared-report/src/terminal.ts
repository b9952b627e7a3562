/**
 * One curve of a {@link terminalChart}: its values at x = 1, 2, 3, … (e.g. one per epoch).
 *
 * @example
 * ```ts
 * import type { TerminalSeries } from '@fackel/example-report';
 * const s: TerminalSeries = { name: 'val', values: [2.1, 1.9, 1.8] };
 * ```
 */
export interface TerminalSeries {
  name: string;
  values: readonly number[];
}

/**
 * Options of {@link terminalChart}.
 *
 * @example
 * ```ts
 * import type { TerminalChartOptions } from '@fackel/example-report';
 * const o: TerminalChartOptions = { title: 'loss', width: 60, height: 10, logY: true };
 * ```
 */
export interface TerminalChartOptions {
  title?: string;
  /** Columns of the plot area (default 60). */
  width?: number;
  /** Rows of the plot area (default 10). */
  height?: number;
  /** Logarithmic y axis (values ≤ 0 are left out). */
  logY?: boolean;
  /** Label under the x axis (default 'epoch'). */
  xLabel?: string;
  /** The x values of the first and the last point (default 1 and the number of points). */
  xRange?: readonly [number, number];
}

const GLYPHS = ['●', '○', '×', '+'];

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return v.toPrecision(4);
}

/**
 * A compact line chart made of text, for printing the loss curve at the end of a run.
 * The series share the x axis (value i of each at x = i + 1), resampled to the chart's width;
 * non-finite values are left out (and when none is finite the chart says the run diverged).
 *
 * @example
 * ```ts
 * import { terminalChart } from '@fackel/example-report';
 * console.log(terminalChart([{ name: 'loss', values: [0.9, 0.7, 0.6, 0.55, 0.52] }], { title: 'training loss' }));
 * ```
 */
export function terminalChart(series: readonly TerminalSeries[], options: TerminalChartOptions = {}): string {
  const width = Math.max(8, options.width ?? 60);
  const height = Math.max(3, options.height ?? 10);
  const logY = options.logY ?? false;
  const tv = (v: number): number => (logY ? (v > 0 ? Math.log10(v) : NaN) : v);
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (const s of series) {
    n = Math.max(n, s.values.length);
    for (const v of s.values) {
      const t = tv(v);
      if (Number.isFinite(t)) {
        lo = Math.min(lo, t);
        hi = Math.max(hi, t);
      }
    }
  }
  const lines: string[] = [];
  if (options.title) lines.push(options.title);
  if (lo === Infinity) {
    lines.push('  (no finite values to plot: the run diverged)');
    return lines.join('\n');
  }
  if (hi === lo) {
    hi += 0.5;
    lo -= 0.5;
  }
  const grid: string[][] = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  // all series share the x axis: point i of every series sits in the same column
  const cols = Math.min(width, Math.max(n, 1));
  series.forEach((s, si) => {
    const glyph = GLYPHS[si % GLYPHS.length];
    const m = s.values.length;
    let prev: number | undefined;
    for (let c = 0; c < cols; c++) {
      const i = cols === 1 ? n - 1 : Math.round((c * (n - 1)) / (cols - 1));
      if (i >= m) break;
      const t = tv(s.values[i]);
      if (!Number.isFinite(t)) {
        prev = undefined;
        continue;
      }
      const row = height - 1 - Math.round(((t - lo) / (hi - lo)) * (height - 1));
      // join steep drops with a thin vertical stroke so the curve reads as one line
      if (prev !== undefined && Math.abs(row - prev) > 1) {
        const [a, b] = row < prev ? [row + 1, prev] : [prev + 1, row];
        for (let r = a; r < b; r++) if (grid[r][c] === ' ') grid[r][c] = '│';
      }
      grid[row][c] = glyph;
      prev = row;
    }
  });
  const labels = grid.map((_, r) => {
    if (r === 0) return fmt(logY ? 10 ** hi : hi);
    if (r === height - 1) return fmt(logY ? 10 ** lo : lo);
    if (r === Math.floor((height - 1) / 2)) {
      const t = hi - ((hi - lo) * r) / (height - 1);
      return fmt(logY ? 10 ** t : t);
    }
    return '';
  });
  const lw = Math.max(...labels.map((l) => l.length));
  grid.forEach((row, r) => lines.push(`${labels[r].padStart(lw)} ┤${row.join('').trimEnd()}`));
  lines.push(`${' '.repeat(lw)} └${'─'.repeat(cols)}`);
  const first = String(options.xRange?.[0] ?? 1);
  const last = String(options.xRange?.[1] ?? n);
  const xl = options.xLabel ?? 'epoch';
  const inner = Math.max(1, cols - first.length - last.length);
  const mid = xl.length + 2 <= inner ? xl.padStart(Math.floor((inner + xl.length) / 2)).padEnd(inner) : ' '.repeat(inner);
  lines.push(`${' '.repeat(lw + 2)}${first}${mid}${last}`);
  if (series.length > 1 || logY) {
    const legend = series.map((s, i) => `${GLYPHS[i % GLYPHS.length]} ${s.name}`).join('   ');
    lines.push(`${' '.repeat(lw + 2)}${legend}${logY ? '   (log scale)' : ''}`);
  }
  return lines.join('\n');
}

/**
 * The terminal chart of a run's training and test loss per epoch (8 rows, epochs 1 to `epochs`
 * along the bottom), as the diabetes and digits examples print it after training.
 *
 * @example
 * ```ts
 * import { trainTestLossChart } from '@fackel/example-report';
 * const log = [{ trainLoss: 0.9, testLoss: 1 }, { trainLoss: 0.6, testLoss: 0.8 }, { trainLoss: 0.5, testLoss: 0.7 }];
 * console.log(trainTestLossChart(log, 'cross-entropy of seed 0', 3));
 * ```
 */
export function trainTestLossChart(log: readonly { readonly trainLoss: number; readonly testLoss: number }[], title: string, epochs: number): string {
  return terminalChart(
    [
      { name: 'train loss', values: log.map((e) => e.trainLoss) },
      { name: 'test loss', values: log.map((e) => e.testLoss) },
    ],
    { title, xRange: [1, epochs], height: 8 },
  );
}
