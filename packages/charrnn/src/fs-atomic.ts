import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

function tempName(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Best effort: make a rename durable by syncing its directory (not supported everywhere). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // some file systems (and Windows) cannot open or sync a directory; the rename is still atomic
  }
}

/**
 * Writes a file atomically: the data goes to a temporary file in the same directory, is
 * flushed to disk, and is then renamed over `path`. A reader (or a process killed at any
 * moment) sees either the old file or the complete new one, never a partial file. Missing
 * parent directories are created.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from '@fackel/charrnn';
 * await writeFileAtomic('save/latest.json', JSON.stringify({ step: 200 }));
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = tempName(path);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dir);
}

/**
 * Synchronous twin of {@link writeFileAtomic}, for exit handlers.
 *
 * @example
 * ```ts
 * import { writeFileAtomicSync } from '@fackel/charrnn';
 * writeFileAtomicSync('save/stop.json', '{"reason":"interrupted"}');
 * ```
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = tempName(path);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/**
 * Serialises a value as pretty JSON (with a final newline) and writes it with
 * {@link writeFileAtomic}.
 *
 * @example
 * ```ts
 * import { writeJsonAtomic } from '@fackel/charrnn';
 * await writeJsonAtomic('save/config.json', { rnnSize: 128 });
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 1)}\n`);
}
