import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, removeOrphanTempFiles } from '@fackel/tensor/node';
import { FileSystemError, SaveDirError, isFsError } from './errors.js';

/**
 * The name of the lock file a training run holds in its save directory. It contains JSON:
 * the pid, host name, a random token, when the run started and what holds it.
 *
 * @example
 * ```ts
 * import { LOCK_FILE } from '@fackel/charrnn';
 * console.log(LOCK_FILE); // 'train.lock'
 * ```
 */
export const LOCK_FILE = 'train.lock';

/**
 * What a lock file says.
 *
 * @example
 * ```ts
 * import type { LockInfo } from '@fackel/charrnn';
 * const info: LockInfo = { pid: 4242, hostname: 'lab-7', token: '0123456789abcdef', startedAt: '2025-01-01T12:00:00.000Z' };
 * ```
 */
export interface LockInfo {
  /** The pid of the process holding the lock. */
  pid: number;
  /** The machine it runs on (a pid is only checked on the same machine). */
  hostname: string;
  /** A random token: a lock is released only by the holder that wrote it. */
  token: string;
  /** When it was taken (ISO 8601). */
  startedAt: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function parseLock(text: string): LockInfo | null {
  try {
    const j = JSON.parse(text) as Partial<LockInfo>;
    if (typeof j.pid === 'number' && typeof j.token === 'string')
      return { pid: j.pid, hostname: String(j.hostname ?? ''), token: j.token, startedAt: String(j.startedAt ?? '?') };
  } catch {
    // a lock being written, or garbage
  }
  return null;
}

/**
 * An exclusive lock on a save directory: one training run at a time writes into it. Taken
 * with {@link SaveDirLock.acquire} (the lock file is created with `O_EXCL`, so two processes
 * can never both create it); a lock whose process is dead (killed, crashed) is taken over. It
 * is released by {@link SaveDirLock.release}, and — should the process exit first (a second
 * Ctrl-C, `SIGTERM` through the CLI) — by an `exit` handler.
 *
 * @example
 * ```ts no-run
 * import { SaveDirLock } from '@fackel/charrnn';
 * const lock = await SaveDirLock.acquire('save');
 * try {
 *   // … write checkpoints into save/ …
 * } finally {
 *   await lock.release();
 * }
 * ```
 */
export class SaveDirLock {
  private released = false;
  private readonly onExit = (): void => this.releaseSync();

  private constructor(
    /** The save directory. */
    readonly dir: string,
    /** The lock file. */
    readonly path: string,
    /** This holder's token. */
    readonly token: string,
    /** Whether acquiring created the directory. */
    readonly createdDir: boolean,
  ) {
    process.on('exit', this.onExit);
  }

  /**
   * Creates the directory if needed and takes its lock. Throws a {@link SaveDirError}: with
   * reason `'locked'` when a live process holds it (or one on another machine), with
   * `'not-a-directory'` when the path or a parent is a file; a file-system failure (a
   * read-only disk, no permission) is a {@link FileSystemError}. Nothing is changed then.
   *
   * @example
   * ```ts no-run
   * import { SaveDirLock } from '@fackel/charrnn';
   * const lock = await SaveDirLock.acquire('save');
   * await lock.release();
   * ```
   */
  static async acquire(dir: string): Promise<SaveDirLock> {
    let createdDir = false;
    try {
      const st = await stat(dir);
      if (!st.isDirectory())
        throw new SaveDirError('not-a-directory', dir, `--save-dir ${dir} is a file, not a directory; nothing was changed (choose another --save-dir)`);
    } catch (e) {
      if (e instanceof SaveDirError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR')
        throw new SaveDirError('not-a-directory', dir, `--save-dir ${dir}: a part of that path is a file, not a directory; nothing was changed`);
      if (code !== 'ENOENT') throw isFsError(e) ? new FileSystemError(e, 'reading the save directory', dir, 'nothing was changed') : e;
      try {
        await mkdir(dir, { recursive: true });
        createdDir = true;
      } catch (e2) {
        const c2 = (e2 as NodeJS.ErrnoException).code;
        if (c2 === 'ENOTDIR' || c2 === 'EEXIST')
          throw new SaveDirError('not-a-directory', dir, `--save-dir ${dir}: a part of that path is a file, not a directory; nothing was changed`);
        throw isFsError(e2) ? new FileSystemError(e2, 'creating the save directory', dir, 'nothing was written') : e2;
      }
    }
    const path = join(dir, LOCK_FILE);
    const token = randomBytes(8).toString('hex');
    const mine: LockInfo = { pid: process.pid, hostname: hostname(), token, startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const fh = await open(path, 'wx', 0o644);
        try {
          await fh.writeFile(`${JSON.stringify(mine)}\n`);
          await fh.sync();
        } finally {
          await fh.close();
        }
        return new SaveDirLock(dir, path, token, createdDir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') {
          await unlink(path).catch(() => undefined); // a lock file we created but could not fill
          if (createdDir) await rmdir(dir).catch(() => undefined);
          throw isFsError(e) ? new FileSystemError(e, 'creating the lock file', path, 'nothing was changed') : e;
        }
      }
      // someone holds it (or held it): who?
      let text: string;
      let age: number;
      try {
        text = await readFile(path, 'utf8');
        age = Date.now() - (await stat(path)).mtimeMs;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw isFsError(e) ? new FileSystemError(e, 'reading the lock file', path, 'nothing was changed') : e;
      }
      const held = parseLock(text);
      if (held === null) {
        if (age < 2000) {
          await sleep(20); // being written right now
          continue;
        }
      } else if (held.hostname !== mine.hostname) {
        throw new SaveDirError(
          'locked',
          dir,
          `--save-dir ${dir} is locked by process ${held.pid} on ${held.hostname} (since ${held.startedAt}); nothing was changed. ` +
            `If no training runs there any more, delete ${path}`,
        );
      } else if (isProcessAlive(held.pid)) {
        throw new SaveDirError(
          'locked',
          dir,
          `--save-dir ${dir} is in use by a running training (pid ${held.pid}, since ${held.startedAt}); nothing was changed. Wait for it to finish, or choose another --save-dir`,
        );
      }
      // stale (its process is gone) or unreadable garbage: take it over, unless it changed meanwhile
      try {
        if ((await readFile(path, 'utf8')) === text) await unlink(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
          throw isFsError(e) ? new FileSystemError(e, 'removing the stale lock file', path, 'nothing was changed') : e;
      }
    }
    throw new SaveDirError('locked', dir, `--save-dir ${dir}: could not take its lock ${path} (it keeps changing); nothing was changed`);
  }

  /** Whether this lock is still held by this object. */
  get held(): boolean {
    return !this.released;
  }

  /**
   * Releases the lock: removes the lock file if it is still this holder's. Idempotent.
   *
   * @example
   * ```ts no-run
   * import { SaveDirLock } from '@fackel/charrnn';
   * const lock = await SaveDirLock.acquire('save');
   * await lock.release();
   * ```
   */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      if (parseLock(await readFile(this.path, 'utf8'))?.token === this.token) await unlink(this.path);
    } catch {
      // already gone, or the disk went away: a dead pid's lock is taken over anyway
    }
  }

  /**
   * Synchronous {@link SaveDirLock.release}, for `process.on('exit')`.
   *
   * @example
   * ```ts no-run
   * import { SaveDirLock } from '@fackel/charrnn';
   * const lock = await SaveDirLock.acquire('save');
   * process.on('exit', () => lock.releaseSync());
   * ```
   */
  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      if (parseLock(readFileSync(this.path, 'utf8'))?.token === this.token) unlinkSync(this.path);
    } catch {
      // see release()
    }
  }
}

/** `ckpt-000200.json` → `ckpt-000200`. */
export const CHECKPOINT_JSON = /^(ckpt-\d+)\.json$/;
/** `ckpt-000200.safetensors`, `ckpt-000200.state.safetensors`. */
export const CHECKPOINT_WEIGHTS = /^(ckpt-\d+)(\.state)?\.safetensors$/;

/**
 * What a save directory holds of a training run, as {@link savedRun} found it.
 *
 * @example
 * ```ts
 * import type { SavedRun } from '@fackel/charrnn';
 * const r: SavedRun = { files: ['latest.json', 'ckpt-000200.json'], step: 200, runId: 'f3c1…' };
 * ```
 */
export interface SavedRun {
  /** The run's files found (checkpoint JSONs, `latest.json`, `best.json`, a non-empty log). */
  files: string[];
  /** The step of `latest.json`, if readable. */
  step?: number;
  /** The run id of `latest.json`, if it has one. */
  runId?: string;
}

/**
 * Whether a directory holds (part of) a training run — checkpoints, `latest.json`, `best.json`
 * or a non-empty `train-log.jsonl` — and which; null when it holds none (or does not exist).
 *
 * @example
 * ```ts
 * import { savedRun } from '@fackel/charrnn';
 * console.log(await savedRun('save')); // null, or { files: […], step: 200, runId: '…' }
 * ```
 */
export async function savedRun(dir: string): Promise<SavedRun | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const files = names.filter((n) => n === 'latest.json' || n === 'best.json' || CHECKPOINT_JSON.test(n)).sort();
  if (names.includes('train-log.jsonl')) {
    try {
      if ((await stat(join(dir, 'train-log.jsonl'))).size > 0) files.push('train-log.jsonl');
    } catch {
      // vanished
    }
  }
  if (files.length === 0) return null;
  const run: SavedRun = { files };
  try {
    const latest = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as { position?: { step?: unknown }; runId?: unknown };
    if (typeof latest.position?.step === 'number') run.step = latest.position.step;
    if (typeof latest.runId === 'string') run.runId = latest.runId;
  } catch {
    // no readable latest.json
  }
  return run;
}

/**
 * Deletes a previous run's files from a save directory (what `--force` does): checkpoints
 * (`ckpt-*`), `latest.json`, `best.json`, `train-log.jsonl` and `report.html`. Other files
 * are left alone. Call it only on a directory whose {@link SaveDirLock} you hold.
 *
 * @example
 * ```ts no-run
 * import { SaveDirLock, clearSavedRun } from '@fackel/charrnn';
 * const lock = await SaveDirLock.acquire('save');
 * console.log(await clearSavedRun('save')); // the names removed
 * await lock.release();
 * ```
 */
export async function clearSavedRun(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(dir);
  // the pointers and JSONs first: a weights file without a JSON is never used
  const order = (n: string): number => (n === 'latest.json' || n === 'best.json' ? 0 : CHECKPOINT_JSON.test(n) ? 1 : 2);
  for (const n of names.sort((a, b) => order(a) - order(b))) {
    if (n === 'latest.json' || n === 'best.json' || n === 'train-log.jsonl' || n === 'report.html' || CHECKPOINT_JSON.test(n) || CHECKPOINT_WEIGHTS.test(n)) {
      await unlink(join(dir, n)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      removed.push(n);
    }
  }
  return removed;
}

/** Temporary files of the writers before the shared one: `x.tmp-<pid>-<hex>` and `.x.<pid>.<hex>.tmp`. */
const LEGACY_TEMP = [/\.tmp-(\d+)-[0-9a-f]+$/, /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/];

/**
 * Removes what interrupted writes left in a save directory: temporary files whose writer is
 * dead (the shared writer's `.fackel-tmp` files and those of earlier versions), and
 * checkpoint weights files (`ckpt-*.safetensors`) that no checkpoint JSON, `latest.json` or
 * `best.json` names (a weights file written just before a crash or a full disk). Returns the
 * names removed. Call it only on a directory whose {@link SaveDirLock} you hold.
 *
 * @example
 * ```ts no-run
 * import { SaveDirLock, removeSaveDirOrphans } from '@fackel/charrnn';
 * const lock = await SaveDirLock.acquire('save');
 * console.log(await removeSaveDirOrphans('save'));
 * await lock.release();
 * ```
 */
export async function removeSaveDirOrphans(dir: string): Promise<string[]> {
  const removed = await removeOrphanTempFiles(dir);
  const names = await readdir(dir);
  const remove = async (n: string): Promise<void> => {
    try {
      await unlink(join(dir, n));
      removed.push(n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  };
  for (const n of names) {
    for (const re of LEGACY_TEMP) {
      const m = re.exec(n);
      if (m && Number(m[1]) !== process.pid && !isProcessAlive(Number(m[1]))) {
        await remove(n);
        break;
      }
    }
  }
  const referenced = new Set<string>();
  for (const n of names) {
    if (n !== 'latest.json' && n !== 'best.json' && !CHECKPOINT_JSON.test(n)) continue;
    try {
      const m = JSON.parse(await readFile(join(dir, n), 'utf8')) as { weights?: unknown; state?: unknown };
      if (typeof m.weights === 'string') referenced.add(m.weights);
      if (typeof m.state === 'string') referenced.add(m.state);
    } catch {
      // unreadable: it references nothing
    }
  }
  for (const n of names) if (CHECKPOINT_WEIGHTS.test(n) && !referenced.has(n)) await remove(n);
  return removed;
}
