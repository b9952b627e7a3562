import { constants as bufferConstants } from 'node:buffer';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomic } from '@fackel/tensor/node';

/**
 * The directory where downloaded data sets are kept: `$FACKEL_CACHE` if set, otherwise
 * `~/.cache/fackel`.
 *
 * @example
 * ```ts
 * import { defaultCacheDir } from '@fackel/data';
 * console.log(defaultCacheDir()); // e.g. /home/ada/.cache/fackel
 * ```
 */
export function defaultCacheDir(): string {
  const env = process.env.FACKEL_CACHE;
  return env !== undefined && env !== '' ? resolve(env) : join(homedir(), '.cache', 'fackel');
}

/**
 * A download that failed; `reason` says which way (`'network'`, `'http'`, `'interrupted'`,
 * `'timeout'`, `'checksum'`, `'too-large'`, `'gzip'`). Nothing has been written to the
 * destination when it is thrown.
 *
 * @example
 * ```ts
 * import { DownloadError, diabetes } from '@fackel/data';
 * try {
 *   await diabetes();
 * } catch (e) {
 *   if (e instanceof DownloadError) console.log(e.reason, e.url); // e.g. offline: say what failed and where from
 *   else throw e;
 * }
 * ```
 */
export class DownloadError extends Error {
  /** `'DownloadError'`. */
  override name = 'DownloadError';
  constructor(
    /** What went wrong: no connection, an HTTP error status, a broken transfer, a timeout, a wrong checksum, a file too large (as sent or once unpacked), or bad gzip data. */
    readonly reason: 'network' | 'http' | 'interrupted' | 'timeout' | 'checksum' | 'too-large' | 'gzip',
    /** The address that was being downloaded. */
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of {@link downloadVerified}. */
export interface DownloadOptions {
  /** Where to write the file. Written atomically (temporary file, then rename). */
  dest: string;
  /** Expected sha256 (hex) of the final (uncompressed) bytes. */
  sha256: string;
  /** Gunzip the body when it starts with the gzip magic bytes. Default `true`. */
  gunzip?: boolean;
  /** Give up after this many milliseconds in total. Default 60 000. */
  timeoutMs?: number;
  /** Refuse bodies larger than this many bytes (as sent, before gunzip). Default 64 MiB. */
  maxBytes?: number;
  /**
   * Refuse gzip data that unpacks to more than this many bytes (a `'too-large'`
   * {@link DownloadError}); unpacking stops as soon as the limit is passed, so a gzip bomb
   * costs at most this much memory. Default: `maxBytes`.
   */
  maxUnpackedBytes?: number;
}

/** sha256 (hex) of some bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function describeCause(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const inner = err?.cause;
  if (inner && (inner.code || inner.message)) return inner.code ? `${inner.code}: ${inner.message ?? ''}`.trim() : String(inner.message);
  return err?.message ?? String(e);
}

/**
 * Downloads `url` (http or https), gunzips it if it is gzip data, checks the sha256 of the
 * result, and only then writes it to `dest` atomically (a temporary file in the same
 * directory, renamed into place), so an interrupted or corrupt download never leaves a
 * half-written file. Returns the bytes. Both sizes are limited: the body as sent
 * (`maxBytes`, 64 MiB by default) and the unpacked data (`maxUnpackedBytes`, by default
 * `maxBytes`); unpacking stops as soon as the limit is passed, so a gzip bomb fails with a
 * `'too-large'` {@link DownloadError} instead of taking gigabytes of memory.
 *
 * @example
 * ```ts
 * import { downloadVerified } from '@fackel/data';
 * await downloadVerified('https://example.org/data.csv.gz', { dest: '/tmp/data.csv', sha256: '89e3…' });
 * ```
 */
export async function downloadVerified(url: string, options: DownloadOptions): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxUnpackedBytes = options.maxUnpackedBytes ?? maxBytes;
  if (!Number.isSafeInteger(maxUnpackedBytes) || maxUnpackedBytes < 1) {
    throw new TypeError(`downloadVerified: maxUnpackedBytes must be a positive integer, got ${String(maxUnpackedBytes)}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`only http and https URLs can be downloaded, got ${JSON.stringify(url)}`);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let body: Uint8Array;
  let expectedLength: number | undefined;
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (e) {
      if (controller.signal.aborted) throw new DownloadError('timeout', url, `no response from ${url} within ${timeoutMs} ms`, { cause: e });
      throw new DownloadError('network', url, `cannot connect to ${url} (${describeCause(e)})`, { cause: e });
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new DownloadError('http', url, `the server answered ${res.status} ${res.statusText} for ${url}`);
    }
    const len = res.headers.get('content-length');
    expectedLength = len !== null && /^\d+$/.test(len) ? Number(len) : undefined;
    if (expectedLength !== undefined && expectedLength > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new DownloadError(
        'too-large',
        url,
        `${url} is ${expectedLength} bytes, more than the limit of ${maxBytes} (maxBytes); nothing was saved to ${options.dest}`,
      );
    }
    const chunks: Uint8Array[] = [];
    let received = 0;
    try {
      if (res.body === null) throw new Error('the response has no body');
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        received += chunk.length;
        if (received > maxBytes) {
          controller.abort();
          throw new DownloadError('too-large', url, `${url} sent more than the limit of ${maxBytes} bytes (maxBytes); nothing was saved to ${options.dest}`);
        }
        chunks.push(chunk);
      }
    } catch (e) {
      if (e instanceof DownloadError) throw e;
      const of = expectedLength !== undefined ? ` of ${expectedLength}` : '';
      if (controller.signal.aborted) {
        throw new DownloadError('timeout', url, `the download from ${url} timed out after ${timeoutMs} ms (${received}${of} bytes received)`, { cause: e });
      }
      throw new DownloadError('interrupted', url, `the download from ${url} was interrupted after ${received}${of} bytes (${describeCause(e)})`, { cause: e });
    }
    if (expectedLength !== undefined && received < expectedLength) {
      throw new DownloadError('interrupted', url, `the download from ${url} was interrupted after ${received} of ${expectedLength} bytes`);
    }
    body = Buffer.concat(chunks);
  } finally {
    clearTimeout(timer);
  }
  if ((options.gunzip ?? true) && body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) {
    try {
      // maxOutputLength stops zlib as soon as the output passes the limit (ERR_BUFFER_TOO_LARGE).
      body = gunzipSync(body, { maxOutputLength: Math.min(maxUnpackedBytes, bufferConstants.MAX_LENGTH) });
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DownloadError(
          'too-large',
          url,
          `the gzip data from ${url} (${body.length} bytes) unpacks to more than the limit of ${maxUnpackedBytes} bytes (maxUnpackedBytes): likely a gzip bomb; nothing was saved to ${options.dest}`,
          { cause: e },
        );
      }
      throw new DownloadError(
        'gzip',
        url,
        `the file from ${url} looks like gzip data but cannot be unpacked (${describeCause(e)}): it may be truncated or corrupt; nothing was saved to ${options.dest}`,
        { cause: e },
      );
    }
  }
  const got = sha256Hex(body);
  if (got !== options.sha256.toLowerCase()) {
    throw new DownloadError(
      'checksum',
      url,
      `the file from ${url} has the wrong checksum: sha256 ${got} (${body.length} bytes), expected ${options.sha256}; it was not saved`,
    );
  }
  await writeAtomic(options.dest, body);
  return body;
}

/**
 * Writes `bytes` to `path` atomically with the shared writer of `@fackel/tensor/node`: into a
 * temporary file next to it (`.<name>.<pid>.<random>.fackel-tmp`), flushed to disk, then
 * renamed over `path`. Creates the directory if needed.
 *
 * @example
 * ```ts
 * import { writeAtomic } from '@fackel/data';
 * await writeAtomic('/tmp/x.txt', new TextEncoder().encode('hi'));
 * ```
 */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(path, bytes, { mkdir: true, fsync: true });
}
