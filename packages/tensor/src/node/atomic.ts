/**
 * `@fackel/tensor/node`: Node-only helpers shared by the packages that write files
 * (`@fackel/nn`'s safetensors, `@fackel/data`'s downloads, `@fackel/charrnn`'s checkpoints).
 * The main `@fackel/tensor` entry never imports this module, so it stays usable in browsers.
 *
 * One atomic writer with one temporary-file name, `.<basename>.<pid>.<random>.fackel-tmp`
 * in the target's directory, so that a temporary file left by a killed process is recognised
 * (and its writer's pid checked) by {@link removeOrphanTempFiles}.
 *
 * @example
 * ```ts no-run
 * import { writeFileAtomic, removeOrphanTempFiles } from '@fackel/tensor/node';
 * await removeOrphanTempFiles('save');
 * await writeFileAtomic('save/latest.json', '{"step": 200}\n');
 * ```
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The suffix of every temporary file {@link writeFileAtomic} creates.
 *
 * @example
 * ```ts
 * import { TEMP_FILE_SUFFIX } from '@fackel/tensor/node';
 * console.log(TEMP_FILE_SUFFIX); // '.fackel-tmp'
 * ```
 */
export const TEMP_FILE_SUFFIX = '.fackel-tmp';

/**
 * Matches the name of a temporary file of {@link writeFileAtomic}:
 * `.<basename>.<pid>.<12 hex digits>.fackel-tmp`; group 1 is the target's base name,
 * group 2 the writer's pid.
 *
 * @example
 * ```ts
 * import { TEMP_FILE_PATTERN } from '@fackel/tensor/node';
 * const m = TEMP_FILE_PATTERN.exec('.ckpt-000200.safetensors.4242.0123456789ab.fackel-tmp');
 * console.log(m?.[1], m?.[2]); // 'ckpt-000200.safetensors' '4242'
 * ```
 */
export const TEMP_FILE_PATTERN = /^\.(.+)\.(\d+)\.([0-9a-f]{12})\.fackel-tmp$/;

/**
 * The temporary file name {@link writeFileAtomic} uses for `path` (a fresh random part each
 * call), in the same directory.
 *
 * @example
 * ```ts
 * import { tempFileFor } from '@fackel/tensor/node';
 * console.log(tempFileFor('/runs/a/latest.json')); // e.g. /runs/a/.latest.json.4242.0123456789ab.fackel-tmp
 * ```
 */
export function tempFileFor(path: string): string {
  const target = resolve(path);
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_FILE_SUFFIX}`);
}

/**
 * Whether a process with this pid exists (on this machine). A process owned by another
 * user counts as alive.
 *
 * @example
 * ```ts
 * import { isProcessAlive } from '@fackel/tensor/node';
 * console.log(isProcessAlive(process.pid)); // true
 * ```
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What {@link writeFileAtomic} writes: a string (UTF-8), bytes, or a sequence of them
 * (synchronous or asynchronous), written one after the other.
 *
 * @example
 * ```ts
 * import type { AtomicData } from '@fackel/tensor/node';
 * const d: AtomicData = ['{"a": ', new TextEncoder().encode('1}')];
 * ```
 */
export type AtomicData = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/**
 * Options of {@link writeFileAtomic}.
 *
 * @example
 * ```ts
 * import type { WriteFileAtomicOptions } from '@fackel/tensor/node';
 * const o: WriteFileAtomicOptions = { fsync: true, mkdir: true, mode: 0o644 };
 * ```
 */
export interface WriteFileAtomicOptions {
  /** Flush the file (before the rename) and its directory (after) to disk. Default `true`. */
  fsync?: boolean;
  /** Create missing parent directories first. Default `false`. */
  mkdir?: boolean;
  /** Permissions of a new file (default `0o644`, less the umask). */
  mode?: number;
  /**
   * Called after the temporary file is complete (and synced), before the rename: a test hook
   * that simulates a crash at that moment by throwing.
   */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

async function syncDir(dir: string): Promise<void> {
  try {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // some file systems (and Windows) cannot open or sync a directory; the rename is still atomic
  }
}

function isChunkSource(data: AtomicData): data is Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array> {
  return typeof data !== 'string' && !(data instanceof Uint8Array);
}

/**
 * Writes a file atomically: the data goes to a temporary file in the same directory
 * (`.<basename>.<pid>.<random>.fackel-tmp`, created exclusively), which is flushed to disk,
 * renamed over `path`, and then the directory is flushed. A reader — or a process killed at
 * any moment — sees the old file or the complete new one, never a partial file. On any
 * failure (a full disk, a read-only file system, a throwing `beforeRename`) the temporary
 * file is removed, the previous file at `path` is untouched, and the error is rethrown with
 * its `path` set to the target (never the temporary name).
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from '@fackel/tensor/node';
 * import { mkdtempSync, readFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const file = join(mkdtempSync(join(tmpdir(), 'fackel-')), 'latest.json');
 * await writeFileAtomic(file, ['{"step": ', '200}\n'], { fsync: true });
 * console.log(readFileSync(file, 'utf8')); // {"step": 200}
 * ```
 */
export async function writeFileAtomic(path: string, data: AtomicData, options: WriteFileAtomicOptions = {}): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  const fsync = options.fsync ?? true;
  const temp = tempFileFor(target);
  try {
    if (options.mkdir) await mkdir(dir, { recursive: true });
    const fh = await open(temp, 'wx', options.mode ?? 0o644);
    try {
      try {
        const chunks = isChunkSource(data) ? data : [data];
        for await (const chunk of chunks as AsyncIterable<string | Uint8Array>) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
          let done = 0;
          while (done < bytes.length) {
            const { bytesWritten } = await fh.write(bytes, done, bytes.length - done);
            done += bytesWritten;
          }
        }
        if (fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      await options.beforeRename?.(temp);
      await rename(temp, target);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      throw e;
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err !== null && typeof err === 'object' && typeof err.code === 'string' && (err.path === undefined || err.path === temp)) err.path = target;
    throw e;
  }
  if (fsync) await syncDir(dir);
}

/**
 * Removes the temporary files of {@link writeFileAtomic} in a directory whose writer is no
 * longer running (a process killed mid-write, a machine that lost power). Files of live
 * processes — this one included — are left alone, as are all other files. Returns the names
 * removed. A missing directory is not an error.
 *
 * @example
 * ```ts
 * import { removeOrphanTempFiles } from '@fackel/tensor/node';
 * const removed = await removeOrphanTempFiles('save');
 * console.log(removed); // e.g. ['.ckpt-000200.safetensors.4242.0123456789ab.fackel-tmp']
 * ```
 */
export async function removeOrphanTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_FILE_PATTERN.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    try {
      await unlink(join(dir, name));
      removed.push(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return removed;
}
