/**
 * The Node.js side of `@fackel/nn`'s file I/O: paths on the file system (`node:fs`). Selected by
 * the `node` condition of the package's `#io` import (see package.json `imports`);
 * `io-browser.ts` has the same functions, which explain that paths need Node.js.
 */
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '@fackel/tensor/node';

/** Whether file paths work here. @internal */
export const FILE_PATHS = true;

/** A file opened for reading at any position. @internal */
export interface RandomAccessFile {
  size: number;
  /** Reads up to `length` bytes at `position` into `into` from `offset`; 0 at the end. */
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** Opens `path` for reading. @internal */
export async function openRead(path: string): Promise<RandomAccessFile> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    return {
      size,
      read: async (into, offset, length, position) => (await fh.read(into, offset, length, position)).bytesRead,
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Writes `bytes` to `path` atomically (temporary file, fsync, rename). @internal */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(path, bytes, { fsync: true });
}

/** The path of a `file:` URL. @internal */
export function filePathOf(url: URL): string {
  return fileURLToPath(url);
}
