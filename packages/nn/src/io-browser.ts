/**
 * The browser side of `@fackel/nn`'s file I/O: there is no file system, so the functions that
 * take a path explain what to use instead (bytes, a `Blob`/`File`, a `Response` or a URL to
 * fetch; `saveToBlob` to save). Selected by the `#io` import everywhere but Node.js (see
 * package.json `imports`); it imports no `node:` module.
 */

/** Whether file paths work here. @internal */
export const FILE_PATHS = false;

/** A file opened for reading at any position. @internal */
export interface RandomAccessFile {
  size: number;
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

function noPaths(what: string): Error {
  return new Error(`${what}: file paths need Node.js; here pass an ArrayBuffer, Uint8Array, Blob/File, Response or URL instead`);
}

/** Always throws: no file paths in a browser. @internal */
export async function openRead(path: string): Promise<RandomAccessFile> {
  throw noPaths(`reading '${path}'`);
}

/** Always throws: no file paths in a browser (use `saveToBlob`). @internal */
export async function writeAtomic(path: string, _bytes: Uint8Array): Promise<void> {
  throw new Error(`writing '${path}': file paths need Node.js; in a browser use saveToBlob() or serializeSafetensors() and offer the Blob as a download`);
}

/** Always throws: no file paths in a browser. @internal */
export function filePathOf(url: URL): string {
  throw noPaths(`reading ${url.href}`);
}
