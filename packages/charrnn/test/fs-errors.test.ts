// Issue 12, items 6 and 7: file-system failures (a full disk, a read-only file system, no
// permission) in the middle of training are one line naming the file and what is intact, and
// leave no orphan behind. The tests run as root here, so permissions cannot be taken away for
// real: `node:fs/promises` is wrapped to fail the chosen writes with the real error codes.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { loadCheckpoint, main, setupDevice } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { TANNENBAUM, captureIO } from './helpers.js';

const fail = vi.hoisted(() => ({ pattern: null as RegExp | null, code: 'ENOSPC', syscall: 'write' }));

function errno(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EROFS: 'read-only file system', EACCES: 'permission denied' };
  return Object.assign(new Error(`${code}: ${messages[code] ?? code}, ${syscall}${path ? ` '${path}'` : ''}`), {
    code,
    syscall,
    errno: -28,
    ...(path ? { path } : {}),
  });
}

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (path, flags, mode) => {
    const p = String(path);
    if (fail.pattern?.test(p)) {
      if (fail.syscall === 'open') throw errno(fail.code, 'open', p);
      const fh = await real.open(path, flags, mode);
      // the file is created, then the first write fails, as on a full disk
      return new Proxy(fh, {
        get(target, prop, receiver) {
          if (prop === 'write' || prop === 'writeFile') return () => Promise.reject(errno(fail.code, 'write'));
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    }
    return real.open(path, flags, mode);
  };
  return { ...real, open, default: { ...real, open } };
});

const tiny = ['--rnn-size', '16', '--batch-size', '4', '--seq-length', '10', '--sample-length', '10', '--quiet', '--checkpoint-every', '2', '--val-every', '0'];

beforeAll(async () => {
  await setupDevice('cpu');
});

describe('file-system failures during training', () => {
  for (const [code, syscall, target, words] of [
    ['ENOSPC', 'write', 'json', 'disk full'],
    ['EROFS', 'open', 'safetensors', 'read-only file system'],
    ['EACCES', 'open', 'safetensors', 'permission denied'],
  ] as const) {
    test(`${code} while writing a checkpoint: exit 4, one line naming the file and the intact checkpoint, no orphan`, async () => {
      const dir = scratch('charrnn').dir;
      expect(await main(['train', '--input', TANNENBAUM, '--save-dir', dir, '--max-steps', '2', ...tiny], captureIO().io)).toBe(0);
      // the next checkpoint (step 4) fails
      Object.assign(fail, { pattern: new RegExp(`ckpt-000004\\.${target}\\.\\d+\\.[0-9a-f]+\\.fackel-tmp$`), code, syscall });
      const c = captureIO();
      let status: number;
      try {
        status = await main(['train', '--resume', dir, '--max-steps', '6', '--checkpoint-every', '2', '--quiet'], c.io);
      } finally {
        fail.pattern = null;
      }
      expect(status).toBe(4);
      expect(c.err()).toBe(
        `fackel-charrnn: error: ${words} (${code}) while writing checkpoint ${join(dir, `ckpt-000004.${target}`)}; the last checkpoint ${join(dir, 'ckpt-000002.json')} is intact\n`,
      );
      // nothing of the failed checkpoint is left: no weights without their JSON, no temporary file
      const files = readdirSync(dir);
      expect(files.filter((f) => f.startsWith('ckpt-000004') || f.includes('fackel-tmp'))).toEqual([]);
      expect(files).not.toContain('train.lock');
      expect((await loadCheckpoint(dir)).meta.position!.step).toBe(2);
      // and the run continues from there once there is room again
      expect(await main(['train', '--resume', dir, '--max-steps', '4', '--quiet'], captureIO().io)).toBe(0);
      expect(existsSync(join(dir, 'ckpt-000004.json'))).toBe(true);
    });
  }

  test('a read-only save directory at the start: exit 4, nothing written', async () => {
    const dir = join(scratch('charrnn').dir, 'new');
    Object.assign(fail, { pattern: /train\.lock$/, code: 'EROFS', syscall: 'open' });
    const c = captureIO();
    try {
      expect(await main(['train', '--input', TANNENBAUM, '--save-dir', dir, '--max-steps', '2', ...tiny], c.io)).toBe(4);
    } finally {
      fail.pattern = null;
    }
    expect(c.err()).toBe(`fackel-charrnn: error: read-only file system (EROFS) while creating the lock file ${join(dir, 'train.lock')}; nothing was changed\n`);
  });
});
