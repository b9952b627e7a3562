/**
 * Where a problem in a data file was found. `line` and `column` are 1-based; in a CSV file
 * `column` counts fields (the third field of a row is column 3), not characters.
 *
 * @example
 * ```ts
 * import type { SourceLocation } from '@fackel/data';
 * const at: SourceLocation = { file: 'data/diabetes.csv', line: 12, column: 3 };
 * ```
 */
export interface SourceLocation {
  /** The file as the caller named it (or a label such as `<string>` for in-memory text). */
  file: string;
  /** 1-based line number, where one applies. */
  line?: number;
  /** 1-based column (CSV: field number), where one applies. */
  column?: number;
}

/** Formats a location as `file:line:column` (the parts that are known). */
export function formatLocation(at: SourceLocation): string {
  let s = at.file;
  if (at.line !== undefined) {
    s += `:${at.line}`;
    if (at.column !== undefined) s += `:${at.column}`;
  }
  return s;
}

/**
 * What kind of problem a {@link DataFormatError} reports.
 *
 * @example
 * ```ts
 * import type { DataErrorCode } from '@fackel/data';
 * const code: DataErrorCode = 'NOT_A_NUMBER';
 * ```
 */
export type DataErrorCode =
  | 'EMPTY_FILE'
  | 'NO_ROWS'
  | 'NOT_A_NUMBER'
  | 'FIELD_COUNT'
  | 'UNCLOSED_QUOTE'
  | 'BAD_QUOTE'
  | 'MISSING_COLUMN'
  | 'AMBIGUOUS_COLUMN'
  | 'BAD_COLUMN_INDEX'
  | 'UNKNOWN_LABEL'
  | 'BAD_VALUE'
  | 'INVALID_UTF8'
  | 'CSV_SYNTAX';

/**
 * A data file that cannot be read as asked: bad CSV syntax, a value of the wrong kind,
 * a missing column. The message starts with `file:line:column` (as far as they apply) and
 * says what was expected and what was found; the same facts are on the error's fields.
 *
 * @example
 * ```ts
 * import { readCsv, DataFormatError } from '@fackel/data';
 * try {
 *   await readCsv('broken.csv', { numeric: true });
 * } catch (e) {
 *   if (e instanceof DataFormatError) console.error(e.code, e.file, e.line, e.column);
 * }
 * ```
 */
export class DataFormatError extends Error {
  /** `'DataFormatError'`. */
  override name = 'DataFormatError';
  /** The kind of problem. */
  readonly code: DataErrorCode;
  /** The file as the caller named it. */
  readonly file: string;
  /** 1-based line, where one applies. */
  readonly line: number | undefined;
  /** 1-based column (CSV: field number), where one applies. */
  readonly column: number | undefined;

  constructor(code: DataErrorCode, at: SourceLocation, message: string, options?: { cause?: unknown }) {
    super(`${formatLocation(at)}: ${message}`, options);
    this.code = code;
    this.file = at.file;
    this.line = at.line;
    this.column = at.column;
  }
}
