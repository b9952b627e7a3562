/** Result tables, printed as aligned Markdown (readable in a terminal, pasteable into docs). */

/** A column of a result table. `digits` formats numbers; `suffix` is appended (e.g. `x`). */
export interface Column {
  key: string;
  label: string;
  digits?: number;
  suffix?: string;
  /** Alignment; default: right for columns holding numbers, left otherwise. */
  align?: 'left' | 'right';
}

export type Cell = string | number | null | undefined;
export type Row = Record<string, Cell>;

function formatCell(value: Cell, col: Column): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    return value.toFixed(col.digits ?? 2) + (col.suffix ?? '');
  }
  return value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Formats rows as an aligned Markdown table: text left-aligned, numbers right-aligned. */
export function formatTable(columns: readonly Column[], rows: readonly Row[]): string {
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c.key], c)));
  const right = columns.map((c) => (c.align !== undefined ? c.align === 'right' : rows.some((r) => typeof r[c.key] === 'number')));
  const widths = columns.map((c, i) => Math.max(3, c.label.length, ...cells.map((row) => row[i].length)));
  const pad = (s: string, i: number): string => (right[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (parts: string[]): string => `| ${parts.join(' | ')} |`;
  return [
    line(columns.map((c, i) => pad(c.label, i))),
    line(widths.map((w, i) => (right[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)))),
    ...cells.map((row) => line(row.map((s, i) => pad(s, i)))),
  ].join('\n');
}
