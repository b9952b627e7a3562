import type { CsvError as CsvParseError } from 'csv-parse';
import { FILE_PATHS, csvFileRecords, filePathOf, parseCsvText } from '#platform';
import { DataFormatError } from './errors.js';
import type { CsvRecordSource, ParsedRecord } from './platform-types.js';

/**
 * A column chosen by its header name or by its 0-based index; a negative index counts from
 * the end (`-1` is the last column), as in Python.
 *
 * @example
 * ```ts
 * import type { ColumnRef } from '@fackel/data';
 * const label: ColumnRef = -1;        // the last column
 * const glucose: ColumnRef = 'glucose';
 * ```
 */
export type ColumnRef = string | number;

/**
 * Options shared by {@link readCsv}, {@link iterCsv} and {@link CsvDataset}.
 *
 * @example
 * ```ts
 * import type { CsvOptions } from '@fackel/data';
 * const tsv: CsvOptions = { header: false, delimiter: '\t' };
 * ```
 */
export interface CsvOptions {
  /** Whether the first row names the columns. Default `true`. */
  header?: boolean;
  /** Column names for a file without a header (`header: false`), so columns can be picked by name. */
  names?: readonly string[];
  /** Field separator, one character. Default `','`; use `'\t'` for TSV. */
  delimiter?: string;
  /**
   * Skip lines that are empty or hold only spaces. Default `true`. With `false` such a line
   * is a row of its own (and usually fails the field-count check).
   */
  skipEmptyLines?: boolean;
}

/**
 * A row of a CSV file, as {@link iterCsv} yields it.
 *
 * @example
 * ```ts
 * import type { CsvRow } from '@fackel/data';
 * const row: CsvRow = { fields: ['6', '148'], line: 2 };
 * ```
 */
export interface CsvRow {
  /** The row's fields as text (quotes removed, `""` unescaped). */
  fields: string[];
  /** 1-based line on which the row starts. */
  line: number;
}

/**
 * Where CSV comes from: a file path (Node.js; in a browser a string is a URL to fetch), a `URL`
 * (`file:` read from disk in Node.js, anything else fetched), a `Blob` or `File` (e.g. from an
 * `<input type="file">`), a `Response` from `fetch`, or the CSV text itself as `{ text }` (with
 * an optional `name` for messages).
 *
 * @example
 * ```ts
 * import type { CsvSource } from '@fackel/data';
 * const sources: CsvSource[] = ['data.csv', { text: 'x,y\n1,2\n', name: 'inline' }, new URL('https://example.org/d.csv')];
 * ```
 */
export type CsvSource =
  | string
  | URL
  | Blob
  | Response
  | {
      /** The CSV text itself. */
      readonly text: string;
      /** The name messages use for it (default `<text>`). */
      readonly name?: string;
    };

/** A path given as a string or a `file:` URL, and the name used for it in messages. */
export function sourcePath(path: string | URL): { path: string; display: string } {
  if (path instanceof URL) {
    const p = filePathOf(path);
    return { path: p, display: p };
  }
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`expected a file path (a non-empty string or a file: URL), got ${describe(path)}`);
  }
  return { path, display: path };
}

/**
 * @internal What a {@link CsvSource} is: a file path to stream, or a text-yielding source (a
 * URL to fetch, a Blob, a Response or the text) with its name for messages. Checks the type.
 */
export function sourceOf(source: CsvSource): { path: string; display: string } | { text: () => Promise<string>; display: string } {
  if (typeof source === 'string' && source !== '' && !FILE_PATHS) return { text: () => fetchText(source), display: source };
  if (typeof source === 'string') return sourcePath(source);
  if (source instanceof URL) return source.protocol === 'file:' && FILE_PATHS ? sourcePath(source) : { text: () => fetchText(source), display: source.href };
  if (typeof Blob === 'function' && source instanceof Blob) {
    const name = (source as { name?: unknown }).name;
    return { text: () => source.text(), display: typeof name === 'string' && name !== '' ? name : '<blob>' };
  }
  if (typeof Response === 'function' && source instanceof Response) {
    const display = source.url || '<response>';
    return { text: () => responseText(source, display), display };
  }
  if (typeof source === 'object' && source !== null && typeof (source as { text?: unknown }).text === 'string') {
    const { text, name } = source as { text: string; name?: string };
    return { text: async () => text, display: typeof name === 'string' && name !== '' ? name : '<text>' };
  }
  throw new TypeError(`expected a file path, a URL, a Blob or File, a Response, or { text }, got ${describe(source)}`);
}

/** @internal The body of `url` as text; an HTTP error or a failed fetch is one line naming the URL. */
export async function fetchText(url: string | URL): Promise<string> {
  const display = typeof url === 'string' ? url : url.href;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`cannot fetch ${display}: ${(e as Error).message}`, { cause: e });
  }
  return responseText(res, display);
}

async function responseText(res: Response, display: string): Promise<string> {
  if (!res.ok) throw new Error(`cannot fetch ${display}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  if (res.bodyUsed) throw new Error(`cannot read ${display}: the response body has already been read`);
  return res.text();
}

/**
 * Records parsed from text at once, in the shape of a streamed {@link CsvRecordSource}: the
 * records before a syntax error come first, then the error, as from the stream parser.
 */
function textRecords(load: () => Promise<string>, options: { delimiter: string; skip_empty_lines: boolean }): CsvRecordSource {
  let empty = 0;
  async function* gen(): AsyncGenerator<ParsedRecord> {
    const parsed: ParsedRecord[] = [];
    let error: unknown;
    try {
      parseCsvText(await load(), options, (r) => parsed.push(r));
    } catch (e) {
      error = e;
    }
    for (const r of parsed) {
      empty = r.info.empty_lines;
      yield r;
    }
    if (error !== undefined) {
      const lines = (error as { empty_lines?: unknown }).empty_lines;
      if (typeof lines === 'number') empty = lines;
      throw error;
    }
  }
  return { records: gen(), emptyLines: () => empty, openError: () => undefined, close: () => undefined };
}

function describe(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x;
}

const LINE_BREAK = /\r\n|\r|\n/g;
function countLineBreaks(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) {
    if (f.length > 0 && (f.includes('\n') || f.includes('\r'))) n += f.match(LINE_BREAK)?.length ?? 0;
  }
  return n;
}

function checkDelimiter(delimiter: string | undefined): string {
  const d = delimiter ?? ',';
  if (typeof d !== 'string' || d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
    throw new TypeError(`delimiter must be a single character other than a quote or a line break, got ${describe(d)}`);
  }
  return d;
}

/**
 * Rows of a CSV file, one at a time, without holding the file in memory (the file is read
 * as a stream through `csv-parse`). Every row is yielded, the header included; a byte-order
 * mark is dropped and LF, CRLF and CR line endings are all accepted. Rows whose field count
 * differs from the first row's are reported with their line and column, as are quotes that
 * are never closed and other syntax errors ({@link DataFormatError}).
 *
 * @example
 * ```ts no-run
 * import { iterCsv } from '@fackel/data';
 * for await (const { fields, line } of iterCsv('data.csv')) console.log(line, fields);
 * ```
 */
export async function* iterCsv(path: CsvSource, options: Pick<CsvOptions, 'delimiter' | 'skipEmptyLines'> = {}): AsyncGenerator<CsvRow, void, undefined> {
  const src = sourceOf(path);
  const display = src.display;
  const delimiter = checkDelimiter(options.delimiter);
  const skipEmpty = options.skipEmptyLines ?? true;
  const parserOptions = { delimiter, skip_empty_lines: skipEmpty };
  const parser = 'path' in src ? csvFileRecords(src.path, parserOptions) : textRecords(src.text, parserOptions);

  let prevEnd = 0; // the line on which the previous record ended
  let prevEmpty = 0; // csv-parse's count of empty lines at the previous record
  let expected = -1;
  let expectedLine = 0;
  let rows = 0;
  try {
    for await (const chunk of parser.records) {
      const fields = chunk.record;
      const line = prevEnd + 1 + (chunk.info.empty_lines - prevEmpty);
      prevEmpty = chunk.info.empty_lines;
      prevEnd = line + countLineBreaks(fields);
      if (skipEmpty && fields.length === 1 && fields[0].trim() === '') continue;
      if (expected < 0) {
        expected = fields.length;
        expectedLine = line;
      } else if (fields.length !== expected) {
        const got = fields.length;
        throw new DataFormatError(
          'FIELD_COUNT',
          { file: display, line, column: got > expected ? expected + 1 : got },
          `this row has ${got} field${got === 1 ? '' : 's'}, but the first row (line ${expectedLine}) has ${expected}` +
            (got > expected
              ? `; the extra fields start at column ${expected + 1} (a value containing the delimiter '${delimiter}' must be quoted)`
              : `; the row ends after column ${got}`),
        );
      }
      rows++;
      yield { fields, line };
    }
  } catch (e) {
    if (e instanceof DataFormatError) throw e;
    const openError = parser.openError();
    if (openError !== undefined || isFsError(e)) {
      const err = (openError ?? e) as NodeJS.ErrnoException;
      throw new Error(`cannot read CSV file ${display}: ${fsReason(err)}`, { cause: err });
    }
    const ce = e as CsvParseError & { lines?: number; column?: number | string };
    const col = typeof ce.column === 'number' ? ce.column + 1 : undefined;
    switch (ce.code) {
      case 'CSV_QUOTE_NOT_CLOSED': {
        const line = prevEnd + 1 + (parser.emptyLines() - prevEmpty);
        throw new DataFormatError(
          'UNCLOSED_QUOTE',
          { file: display, line, column: col },
          `the quote that opens column ${col ?? '?'} of the row starting on line ${line} is never closed; ` +
            `the file ends inside the quoted field (close it with ", and write a quote inside a quoted field as "")`,
          { cause: e },
        );
      }
      case 'INVALID_OPENING_QUOTE':
        throw new DataFormatError(
          'BAD_QUOTE',
          { file: display, line: ce.lines, column: col },
          `a quote appears inside the unquoted field in column ${col ?? '?'}; quote the whole field and double the quotes inside it ("a ""b"" c")`,
          { cause: e },
        );
      case 'CSV_INVALID_CLOSING_QUOTE':
        throw new DataFormatError(
          'BAD_QUOTE',
          { file: display, line: ce.lines, column: col },
          `the quoted field in column ${col ?? '?'} is followed by other characters instead of the delimiter '${delimiter}' or the end of the line; a quote inside a quoted field must be doubled ("")`,
          { cause: e },
        );
      default:
        if (typeof ce.code === 'string') {
          throw new DataFormatError('CSV_SYNTAX', { file: display, line: ce.lines, column: col }, ce.message, { cause: e });
        }
        throw e;
    }
  } finally {
    parser.close();
  }
  if (rows === 0) {
    throw new DataFormatError('EMPTY_FILE', { file: display }, 'the file is empty (no CSV rows; expected at least one line of comma-separated values)');
  }
}

function isFsError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** A short, user-facing reason for a file-system error. */
export function fsReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return `no such file (check the path; relative paths are resolved from the current directory ${process.cwd()})`;
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return err.message;
  }
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses one CSV field as a finite number, or explains why it is not one.
 * Surrounding spaces are allowed; `NaN`, `Infinity`, hex and empty fields are not.
 */
export function parseNumberField(text: string): number | string {
  const s = text.trim();
  if (s === '') return text === '' ? 'the field is empty' : 'the field holds only spaces';
  if (NUMBER.test(s)) {
    const v = Number(s);
    if (Number.isFinite(v)) return v;
    return `found "${s}", which is too large for a number`;
  }
  if (/^[+-]?(nan|inf|infinity)$/i.test(s)) return `found "${s}", which is not a finite number`;
  return `found ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`;
}

/** The header (or given names) of a CSV file, for resolving column references. */
export class ColumnIndex {
  constructor(
    readonly file: string,
    readonly names: readonly string[] | null,
    readonly count: number,
    readonly headerLine: number | undefined,
  ) {}

  /** Label of a column for messages: `3 ("glucose")` or `3`. */
  label(i: number): string {
    const n = this.names?.[i];
    return n !== undefined && n !== '' ? `${i + 1} (${JSON.stringify(n)})` : `${i + 1}`;
  }

  /** Resolves a name or (possibly negative) 0-based index to a 0-based index. */
  resolve(ref: ColumnRef, role = 'column'): number {
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref)) throw new TypeError(`${role} index must be an integer, got ${ref}`);
      const i = ref < 0 ? this.count + ref : ref;
      if (i < 0 || i >= this.count) {
        throw new DataFormatError(
          'BAD_COLUMN_INDEX',
          { file: this.file, line: this.headerLine },
          `${role} index ${ref} is out of range: the file has ${this.count} column${this.count === 1 ? '' : 's'} ` +
            `(indices 0 to ${this.count - 1}, or -1 to -${this.count} counting from the end)`,
        );
      }
      return i;
    }
    if (typeof ref !== 'string') throw new TypeError(`a ${role} must be a column name or a 0-based index, got ${describe(ref)}`);
    if (this.names === null) {
      throw new DataFormatError(
        'MISSING_COLUMN',
        { file: this.file },
        `cannot find ${role} ${JSON.stringify(ref)} by name: the file is read without a header (header: false) and no names were given; ` +
          `pick columns by 0-based index, or pass header: true or names: [...]`,
      );
    }
    const hits: number[] = [];
    this.names.forEach((n, i) => {
      if (n === ref) hits.push(i);
    });
    if (hits.length === 0) {
      const trimmed = this.names.findIndex((n) => n.trim() === ref.trim() || n.toLowerCase() === ref.toLowerCase());
      const hint = trimmed >= 0 ? ` (did you mean ${JSON.stringify(this.names[trimmed])}? names must match exactly)` : '';
      throw new DataFormatError(
        'MISSING_COLUMN',
        { file: this.file, line: this.headerLine },
        `there is no ${role} named ${JSON.stringify(ref)}${hint}; the columns are: ${this.names.map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
    if (hits.length > 1) {
      throw new DataFormatError(
        'AMBIGUOUS_COLUMN',
        { file: this.file, line: this.headerLine, column: hits[1] + 1 },
        `the column name ${JSON.stringify(ref)} appears ${hits.length} times (columns ${hits.map((h) => h + 1).join(', ')}); pick the column by 0-based index instead`,
      );
    }
    return hits[0];
  }
}

/**
 * Opens a CSV file for row-by-row reading: reads the header (or the first row, to learn the
 * column count) and returns the column index plus an iterator over the data rows.
 */
export async function openCsv(
  path: CsvSource,
  options: CsvOptions,
): Promise<{ columns: ColumnIndex; rows: AsyncGenerator<CsvRow, void, undefined>; display: string; close: () => Promise<void> }> {
  const { display } = sourceOf(path);
  const header = options.header ?? true;
  if (options.names !== undefined && header) {
    throw new TypeError(`names: [...] is for files without a header; pass header: false as well (${display})`);
  }
  const it = iterCsv(path, options);
  const first = await it.next();
  if (first.done) throw new Error('unreachable: iterCsv yields a row or throws');
  const count = first.value.fields.length;
  if (options.names !== undefined && options.names.length !== count) {
    await it.return();
    throw new DataFormatError(
      'FIELD_COUNT',
      { file: display, line: first.value.line },
      `${options.names.length} column names were given (names: [...]), but the rows have ${count} fields`,
    );
  }
  const names = header ? first.value.fields.map((s) => s.trim()) : options.names ? [...options.names] : null;
  const columns = new ColumnIndex(display, names, count, header ? first.value.line : undefined);
  async function* rest(): AsyncGenerator<CsvRow, void, undefined> {
    if (!header) yield first.value as CsvRow;
    yield* it;
  }
  // `close` releases the file when the rows are not going to be read (a generator that never
  // started ignores return(), so the inner reader is closed directly).
  const close = async (): Promise<void> => {
    await it.return();
  };
  return { columns, rows: rest(), display, close };
}

/**
 * The result of {@link readCsv}.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { readCsv, type CsvTable } from '@fackel/data';
 * const file = join(mkdtempSync(join(tmpdir(), 'csv-')), 'names.csv');
 * writeFileSync(file, 'name,gender\nAnna,f\nPeter,m\n');
 * const t: CsvTable<string> = await readCsv(file);
 * console.log(t.columns, t.rows.length); // ['name', 'gender'] 2
 * ```
 */
export interface CsvTable<V> {
  /** Column names (of the selected columns), or `null` for a file read without header or names. */
  columns: string[] | null;
  /** The data rows (the header excluded), each with one value per selected column. */
  rows: V[][];
  /** The 1-based line on which each row starts, for messages about a row. */
  lines: number[];
}

/**
 * Options of {@link readCsv}.
 *
 * @example
 * ```ts
 * import type { ReadCsvOptions } from '@fackel/data';
 * const o: ReadCsvOptions = { header: false, columns: [0, 1, -1], numeric: true };
 * ```
 */
export interface ReadCsvOptions extends CsvOptions {
  /** Keep only these columns, in this order (names or 0-based indices). Default: all. */
  columns?: readonly ColumnRef[];
  /** Parse every selected field as a finite number; anything else is an error with its line and column. */
  numeric?: boolean;
}

/**
 * Reads a whole CSV file into memory (for large files use {@link iterCsv} or
 * {@link CsvDataset}, which keep only what they need). Handles a byte-order mark, CRLF line
 * endings and quoted fields; a malformed file gives a {@link DataFormatError} whose message
 * starts with `file:line:column`. Besides a path, the source may be a URL (fetched), a `Blob`
 * or `File`, a `Response`, or the text as `{ text }` (see {@link CsvSource}): that is how a
 * browser page reads CSV.
 *
 * @example
 * ```ts
 * import { readCsv } from '@fackel/data';
 * const inline = await readCsv({ text: 'x,y\n1,2\n' }, { numeric: true }); // columns x, y; rows [[1, 2]]
 * const names = await readCsv('names.csv', { columns: ['name', 'gender'] });
 * const xy = await readCsv('diabetes.csv', { header: false, numeric: true }); // number[][]
 * ```
 */
export async function readCsv(path: CsvSource, options: ReadCsvOptions & { numeric: true }): Promise<CsvTable<number>>;
export async function readCsv(path: CsvSource, options?: ReadCsvOptions & { numeric?: false }): Promise<CsvTable<string>>;
export async function readCsv(path: CsvSource, options?: ReadCsvOptions): Promise<CsvTable<string> | CsvTable<number>>;
export async function readCsv(path: CsvSource, options: ReadCsvOptions = {}): Promise<CsvTable<string> | CsvTable<number>> {
  const { columns, rows, close } = await openCsv(path, options);
  let picked: number[] | null = null;
  try {
    if (options.columns !== undefined) picked = options.columns.map((c) => columns.resolve(c));
  } catch (e) {
    await close();
    throw e;
  }
  const names = columns.names === null ? null : picked ? picked.map((i) => columns.names![i]) : [...columns.names];
  const out: (string | number)[][] = [];
  const lines: number[] = [];
  for await (const { fields, line } of rows) {
    const src = picked ? picked.map((i) => fields[i]) : fields;
    if (options.numeric) {
      const nums: number[] = new Array(src.length);
      for (let j = 0; j < src.length; j++) {
        const col = picked ? picked[j] : j;
        const v = parseNumberField(src[j]);
        if (typeof v === 'string') throw notANumber(columns, line, col, v);
        nums[j] = v;
      }
      out.push(nums);
    } else {
      out.push(src);
    }
    lines.push(line);
  }
  return { columns: names, rows: out, lines } as CsvTable<string> | CsvTable<number>;
}

/** The error for a field that should be a number. */
export function notANumber(columns: ColumnIndex, line: number, col: number, why: string): DataFormatError {
  return new DataFormatError('NOT_A_NUMBER', { file: columns.file, line, column: col + 1 }, `expected a number in column ${columns.label(col)}, but ${why}`);
}
