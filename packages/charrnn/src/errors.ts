import { FackelError } from '@fackel/tensor';

/**
 * The exit statuses of `fackel-charrnn` (also in `--help` and the README):
 * `ok` 0, `failed` 1 (training diverged: NaN or an exploded loss; or an unexpected internal
 * error), `usage` 2 (a wrong option or argument, or a save directory that holds another run
 * without `--resume`/`--force`), `data` 3 (an unusable text or checkpoint), `filesystem` 4
 * (disk full, read-only, permission denied, a path that is not a directory, a save directory
 * locked by a running training), `interrupted` 130 (Ctrl-C).
 *
 * @example
 * ```ts
 * import { EXIT_CODES } from '@fackel/charrnn';
 * console.log(EXIT_CODES.filesystem); // 4
 * ```
 */
export const EXIT_CODES = Object.freeze({
  /** Success. */
  ok: 0,
  /** Training diverged (NaN or an exploded loss), or an unexpected internal error. */
  failed: 1,
  /** A wrong option or argument, or a save directory that holds another run without `--resume`/`--force`. */
  usage: 2,
  /** An unusable text or checkpoint. */
  data: 3,
  /** Disk full, read-only, permission denied, a path that is not a directory, a locked save directory. */
  filesystem: 4,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  interrupted: 130,
} as const);

/**
 * A save directory that cannot be used as asked: it holds another run (`'holds-run'`: pass
 * `--resume` or `--force`), a running training holds its lock (`'locked'`), or it is not a
 * directory (`'not-a-directory'`). Nothing in the directory was changed when it is thrown.
 *
 * @example
 * ```ts no-run
 * import { SaveDirError, train } from '@fackel/charrnn';
 * try {
 *   await train({ text: 'abc '.repeat(500), saveDir: 'save', maxSteps: 1 });
 * } catch (e) {
 *   if (e instanceof SaveDirError) console.log(e.reason, e.dir);
 * }
 * ```
 */
export class SaveDirError extends FackelError {
  constructor(
    /** Why the directory cannot be used. */
    readonly reason: 'holds-run' | 'locked' | 'not-a-directory',
    /** The save directory. */
    readonly dir: string,
    message: string,
  ) {
    super(message);
  }

  /** The CLI's exit status for it: 2 for `'holds-run'` (a flag fixes it), otherwise 4. */
  get exitCode(): number {
    return this.reason === 'holds-run' ? EXIT_CODES.usage : EXIT_CODES.filesystem;
  }
}

/**
 * A text that cannot be trained on: not a regular file, too large, fewer than two distinct
 * characters, too short for one batch, or not the text a resumed run was trained on.
 *
 * @example
 * ```ts
 * import { TrainingDataError, train } from '@fackel/charrnn';
 * try { await train({ text: '\0'.repeat(1000), saveDir: null }); } catch (e) { console.log(e instanceof TrainingDataError); }
 * ```
 */
export class TrainingDataError extends FackelError {}

const FS_REASONS: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'a file of that name already exists',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  ENOENT: 'no such file or directory',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  EBUSY: 'resource busy',
  ETXTBSY: 'file busy',
  EAGAIN: 'resource temporarily unavailable',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
};

/** `disk full (ENOSPC) while writing save/x.json`: a file-system failure in words (its code's reason, else `message`). */
function fsFailure(code: string, message: string | undefined, action: string, path: string): string {
  return `${FS_REASONS[code] ?? message ?? code} (${code}) while ${action} ${path}`;
}

/**
 * Whether a value is a Node.js file-system error: an `Error` with a `code` such as
 * `'ENOSPC'` and a `syscall`.
 *
 * @example
 * ```ts
 * import { isFsError } from '@fackel/charrnn';
 * import { readFile } from 'node:fs/promises';
 * const e = await readFile('/nowhere').catch((x: unknown) => x);
 * console.log(isFsError(e)); // true
 * ```
 */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  if (!(e instanceof Error)) return false;
  const err = e as NodeJS.ErrnoException;
  return typeof err.code === 'string' && /^E[A-Z0-9]+$/.test(err.code) && (typeof err.syscall === 'string' || typeof err.errno === 'number');
}

/**
 * A file-system failure while doing something named, with what is still intact: the CLI's
 * message, e.g. `disk full (ENOSPC) while writing checkpoint save/ckpt-000400.safetensors;
 * the previous checkpoint save/ckpt-000200.json is intact`. `cause` is the Node.js error.
 *
 * @example
 * ```ts
 * import { FileSystemError } from '@fackel/charrnn';
 * const e = new FileSystemError({ code: 'ENOSPC' }, 'writing checkpoint', 'save/ckpt-000400.safetensors', 'the previous checkpoint save/ckpt-000200.json is intact');
 * console.log(e.message);
 * ```
 */
export class FileSystemError extends FackelError {
  /** The Node.js error code (`'ENOSPC'`, `'EACCES'`, …). */
  readonly code: string;
  /** The file or directory at fault. */
  readonly path: string;

  constructor(cause: { code?: string; message?: string }, action: string, path: string, intact: string) {
    const code = cause.code ?? 'EIO';
    super(`${fsFailure(code, cause.message, action, path)}; ${intact}`);
    this.code = code;
    this.path = path;
    this.cause = cause;
  }
}

const INTACT = Symbol.for('@fackel/charrnn.intact');

/**
 * Records on an error (without changing its class) what is still intact, for the CLI's
 * one-line message; the first note wins.
 *
 * @internal
 * @example
 * ```ts
 * throw noteIntact(new Error('x'), 'nothing was written');
 * ```
 */
export function noteIntact<E>(e: E, intact: string): E {
  if (e !== null && typeof e === 'object' && !(INTACT in e)) {
    Object.defineProperty(e, INTACT, { value: intact, enumerable: false });
  }
  return e;
}

/** @internal The note of {@link noteIntact}, if any. */
export function intactOf(e: unknown): string | undefined {
  return e !== null && typeof e === 'object' && INTACT in e ? String((e as Record<symbol, unknown>)[INTACT]) : undefined;
}

/**
 * Quotes a word for a POSIX shell: unchanged when it holds only safe characters, otherwise in
 * single quotes with each `'` written as `'\''`.
 *
 * @example
 * ```ts
 * import { shellQuote } from '@fackel/charrnn';
 * console.log(shellQuote("my runs/it's here")); // 'my runs/it'\''s here'
 * ```
 */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The error classes of `@fackel/data` (they extend `Error`, not `FackelError`), by name. */
const DATA_ERRORS = new Set(['DataFormatError', 'VocabularyError', 'DownloadError']);

/**
 * Turns anything thrown into the CLI's one line (without the `fackel-charrnn:` prefix) and its
 * exit status (see {@link EXIT_CODES}): a {@link SaveDirError} by its reason, every other
 * `FackelError` and the data errors 3, a file-system error 4 (its code and path in words),
 * anything else 1 (an internal error). The message is collapsed to one line and ends with what
 * is intact when that was noted.
 *
 * @example
 * ```ts
 * import { describeError } from '@fackel/charrnn';
 * const e = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: 'save/x.json' });
 * console.log(describeError(e)); // { exitCode: 4, message: 'disk full (ENOSPC) while writing save/x.json', internal: false }
 * ```
 */
export function describeError(
  e: unknown,
  fallbackIntact?: string,
): {
  /** The exit status for it ({@link EXIT_CODES}). */
  exitCode: number;
  /** The one line to print. */
  message: string;
  /** Whether it is an unexpected internal error (not one of Fackel's or the file system's). */
  internal: boolean;
} {
  let exitCode: number;
  let message: string;
  let internal = false;
  if (e instanceof SaveDirError) {
    exitCode = e.exitCode;
    message = e.message;
  } else if (e instanceof FileSystemError) {
    exitCode = EXIT_CODES.filesystem;
    message = e.message;
  } else if (e instanceof FackelError || (e instanceof Error && DATA_ERRORS.has(e.name))) {
    exitCode = (e as { name: string }).name === 'UsageError' ? EXIT_CODES.usage : EXIT_CODES.data;
    message = (e as Error).message;
  } else if (isFsError(e)) {
    exitCode = EXIT_CODES.filesystem;
    const what =
      e.syscall === 'open' || e.syscall === 'read' || e.syscall === 'stat' || e.syscall === 'lstat' || e.syscall === 'scandir'
        ? 'reading'
        : e.syscall === 'mkdir'
          ? 'creating'
          : e.syscall
            ? 'writing'
            : 'accessing';
    message = fsFailure(e.code!, e.message, what, e.path ?? '(unknown path)');
  } else {
    exitCode = EXIT_CODES.failed;
    internal = true;
    const err = e instanceof Error ? e : new Error(String(e));
    message = `internal error: ${err.name}: ${err.message}`;
  }
  message = message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  const intact = intactOf(e) ?? fallbackIntact;
  if (intact && !/\bintact\b|\bnothing\b.*\b(changed|written)\b/.test(message)) message += `; ${intact}`;
  if (internal) message += ' (run with FACKEL_DEBUG=1 to see the stack trace)';
  return { exitCode, message, internal };
}
