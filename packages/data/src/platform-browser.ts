/**
 * The browser side of `@fackel/data`'s file access: no file system, so paths are refused with a
 * message naming what works instead (a `Blob`/`File`, a `Response`, a URL to fetch, or the text).
 * CSV text is parsed with `csv-parse`'s browser build. Selected by the `#platform` import
 * everywhere but Node.js (see package.json `imports`); it imports no `node:` module.
 */
import { parse as parseSync } from 'csv-parse/browser/esm/sync';
import { type CsvParserOptions, type CsvRecordSource, type ParsedRecord, csvSyncOptions } from './platform-types.js';

/** Whether file paths work here. @internal */
export const FILE_PATHS = false;

const NO_PATHS = 'file paths need Node.js; in a browser pass a URL to fetch, a Blob or File, a Response, or { text }';

/** Always throws: no file paths in a browser. @internal */
export function filePathOf(url: URL): string {
  throw new Error(`cannot read ${url.href}: ${NO_PATHS}`);
}

/** Always throws: no file paths in a browser. @internal */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  throw new Error(`cannot read ${path}: ${NO_PATHS}`);
}

/** Always throws: no file paths in a browser. @internal */
export function csvFileRecords(path: string, _options: CsvParserOptions): CsvRecordSource {
  throw new Error(`cannot read CSV file ${path}: ${NO_PATHS}`);
}

/**
 * Parses CSV text at once (`csv-parse's browser build`), handing each record to `onRecord` as soon as it is parsed,
 * so that the records before a syntax error are known when the error is thrown. @internal
 */
export function parseCsvText(text: string, options: CsvParserOptions, onRecord: (r: ParsedRecord) => void): void {
  parseSync(text, csvSyncOptions(options, onRecord));
}
