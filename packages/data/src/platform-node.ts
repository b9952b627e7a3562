/**
 * The Node.js side of `@fackel/data`'s file access: `node:fs`, and `csv-parse`'s stream parser
 * for CSV files of any size. Selected by the `node` condition of the package's `#platform`
 * import (see package.json `imports`); `platform-browser.ts` has the same functions for pages.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { type CsvParserOptions, type CsvRecordSource, type ParsedRecord, csvParseOptions, csvSyncOptions } from './platform-types.js';

/** Whether file paths work here. @internal */
export const FILE_PATHS = true;

/** The path of a `file:` URL. @internal */
export function filePathOf(url: URL): string {
  return fileURLToPath(url);
}

/** The bytes of the file at `path`. @internal */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  return readFile(path);
}

/** The CSV records of the file at `path`, streamed through `csv-parse`. @internal */
export function csvFileRecords(path: string, options: CsvParserOptions): CsvRecordSource {
  const parser = parse(csvParseOptions(options));
  const input = createReadStream(path);
  let openError: unknown;
  input.on('error', (e) => {
    openError = e;
    parser.destroy(e);
  });
  input.pipe(parser);
  return {
    records: parser as AsyncIterable<ParsedRecord>,
    emptyLines: () => parser.info.empty_lines,
    openError: () => openError,
    close: () => {
      input.destroy();
      parser.destroy();
    },
  };
}

/**
 * Parses CSV text at once (`csv-parse/sync`), handing each record to `onRecord` as soon as it is parsed,
 * so that the records before a syntax error are known when the error is thrown. @internal
 */
export function parseCsvText(text: string, options: CsvParserOptions, onRecord: (r: ParsedRecord) => void): void {
  parseSync(text, csvSyncOptions(options, onRecord));
}
