/** Types shared by `platform-node.ts` and `platform-browser.ts`. @internal */

/** The `csv-parse` options `iterCsv` chooses. @internal */
export interface CsvParserOptions {
  delimiter: string;
  skip_empty_lines: boolean;
}

/** One record as `csv-parse` gives it with `info: true`. @internal */
export interface ParsedRecord {
  record: string[];
  info: { empty_lines: number };
}

/** Records being parsed from a file. @internal */
export interface CsvRecordSource {
  records: AsyncIterable<ParsedRecord>;
  /** The parser's count of empty lines so far. */
  emptyLines(): number;
  /** The error opening or reading the file, if any. */
  openError(): unknown;
  close(): void;
}
