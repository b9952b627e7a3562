/** Plain-text tables for the terminal. */

/** A column of a result table. `digits` formats numbers; `suffix` is appended (e.g. `x`). */
export interface Column {
  key: string;
  label: string;
  digits?: number;
  suffix?: string;
}

export type Cell = string | number | null | undefined;
export type Row = Record<string, Cell>;

function formatCell(value: Cell, col: Column): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    return value.toFixed(col.digits ?? 2) + (col.suffix ?? '');
  }
  return value;
}

/** Formats rows as an aligned table: text left-aligned, numbers right-aligned. */
export function formatTable(columns: readonly Column[], rows: readonly Row[]): string {
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c.key], c)));
  const numeric = columns.map((c) => rows.some((r) => typeof r[c.key] === 'number'));
  const widths = columns.map((c, i) => Math.max(c.label.length, ...cells.map((row) => row[i]!.length)));
  const pad = (s: string, i: number): string => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const lines = [
    columns.map((c, i) => pad(c.label, i)).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((row) => row.map((s, i) => pad(s, i)).join('  ')),
  ];
  return lines.map((l) => l.trimEnd()).join('\n');
}
