/** Types and `csv-parse` settings shared by `platform-node.ts` and `platform-browser.ts`. @internal */

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

/** The full `csv-parse` options of `iterCsv`: BOM stripped, records with their info, ragged rows kept (checked later). @internal */
export function csvParseOptions(options: CsvParserOptions): CsvParserOptions & { bom: true; info: true; relax_column_count: true } {
  return { ...options, bom: true, info: true, relax_column_count: true };
}

/**
 * The options of `csv-parse`'s synchronous parser that hand each record to `onRecord` as soon as it
 * is parsed (so that the records before a syntax error are known when the error is thrown). @internal
 */
export function csvSyncOptions(options: CsvParserOptions, onRecord: (r: ParsedRecord) => void) {
  return {
    ...csvParseOptions(options),
    on_record: (r: unknown) => {
      onRecord(r as ParsedRecord);
      return null; // nothing to collect: the records went to onRecord
    },
  };
}
