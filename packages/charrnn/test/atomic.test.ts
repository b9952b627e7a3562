// Issue 12, item 6: one atomic writer (`@fackel/tensor/node`) with one temporary-file name for
// safetensors, downloads and checkpoints, and no orphans: temporary files of dead writers and
// weights without a JSON are removed when a run starts and when it prunes.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { TEMP_FILE_PATTERN, isProcessAlive, removeOrphanTempFiles, tempFileFor, writeFileAtomic } from '@fackel/tensor/node';
import { ones } from '@fackel/tensor';
import { saveSafetensors } from '@fackel/nn';
import { main, setupDevice } from '../src/index.js';
import { repoRoot, scratch } from '@fackel/testkit';
import { TANNENBAUM, captureIO } from './helpers.js';

beforeAll(async () => {
  await setupDevice('cpu');
});

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('one atomic writer', () => {
  test('writes strings, bytes and chunks; a failure keeps the old file and leaves no temporary file', async () => {
    const dir = scratch('charrnn').dir;
    const path = join(dir, 'a.json');
    await writeFileAtomic(path, 'old\n');
    await writeFileAtomic(path, ['{"a": ', new TextEncoder().encode('1}'), '\n'], { fsync: true });
    expect(readFileSync(path, 'utf8')).toBe('{"a": 1}\n');
    let seen = '';
    const err = await writeFileAtomic(path, 'new', {
      beforeRename: (t) => {
        seen = t;
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', path: t });
      },
    }).then(
      () => ({}) as NodeJS.ErrnoException,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err.code).toBe('ENOSPC');
    expect(err.path).toBe(path); // the target, never the temporary name
    expect(TEMP_FILE_PATTERN.exec(seen.slice(dir.length + 1))?.slice(1, 3)).toEqual(['a.json', String(process.pid)]);
    expect(readFileSync(path, 'utf8')).toBe('{"a": 1}\n');
    expect(readdirSync(dir)).toEqual(['a.json']);
    expect(tempFileFor(path)).toMatch(/\/\.a\.json\.\d+\.[0-9a-f]{12}\.fackel-tmp$/);
  });

  test('safetensors, downloads and checkpoints all use it (one temporary-file name)', async () => {
    const sources = [
      readFileSync(join(repoRoot(), 'packages/nn/src/io-node.ts'), 'utf8'), // nn's file I/O (Node.js side of its `#io` import)
      readFileSync(join(repoRoot(), 'packages/data/src/download.ts'), 'utf8'),
      readFileSync(join(repoRoot(), 'packages/charrnn/src/checkpoint.ts'), 'utf8'),
      readFileSync(join(repoRoot(), 'packages/charrnn/src/train.ts'), 'utf8'),
    ];
    for (const s of sources) {
      expect(s).toMatch(/from '@fackel\/tensor\/node'/);
      expect(s).not.toMatch(/randomBytes|\.tmp`|rename\(/);
    }
    expect(existsSync(join(repoRoot(), 'packages/charrnn/src/fs-atomic.ts'))).toBe(false);
    expect(readFileSync(join(repoRoot(), 'packages/tensor/src/index.ts'), 'utf8')).not.toMatch(/node:|\.\/node\//); // the browser entry stays Node-free
    // and what they leave behind while writing has the shared name
    const dir = scratch('charrnn').dir;
    const t = ones([3]);
    await saveSafetensors(join(dir, 'w.safetensors'), { t });
    t.dispose();
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
  });

  test('removeOrphanTempFiles removes the temporary files of dead writers only', async () => {
    const dir = scratch('charrnn').dir;
    const dead = `.x.json.${deadPid()}.0123456789ab.fackel-tmp`;
    const live = `.y.json.1.0123456789ab.fackel-tmp`; // pid 1 is always alive
    const mine = `.z.json.${process.pid}.0123456789ab.fackel-tmp`;
    for (const f of [dead, live, mine, 'keep.json']) writeFileSync(join(dir, f), 'x');
    expect(isProcessAlive(1)).toBe(true);
    expect(await removeOrphanTempFiles(dir)).toEqual([dead]);
    expect(readdirSync(dir).sort()).toEqual([live, mine, 'keep.json'].sort());
    expect(await removeOrphanTempFiles(join(dir, 'missing'))).toEqual([]);
  });

  test("a run cleans its save directory when it starts: dead writers' temporary files (old names too) and weights without a JSON", async () => {
    const dir = scratch('charrnn').dir;
    const tiny = ['--rnn-size', '16', '--batch-size', '4', '--seq-length', '10', '--sample-length', '0', '--quiet'];
    expect(await main(['train', '--input', TANNENBAUM, '--save-dir', dir, '--max-steps', '2', '--checkpoint-every', '2', ...tiny], captureIO().io)).toBe(0);
    const pid = deadPid();
    const leftovers = [
      `.ckpt-000004.safetensors.${pid}.0123456789ab.fackel-tmp`, // the shared writer's
      `.ckpt-000004.safetensors.${pid}.0123456789ab.tmp`, // @fackel/nn's before
      `latest.json.tmp-${pid}-89abcdef`, // @fackel/charrnn's before
      'ckpt-000004.safetensors', // weights whose JSON was never written (a full disk)
      'ckpt-000004.state.safetensors',
    ];
    for (const f of leftovers) writeFileSync(join(dir, f), Buffer.alloc(1000));
    const alive = '.ckpt-000009.safetensors.1.0123456789ab.fackel-tmp';
    writeFileSync(join(dir, alive), 'x');
    const c = captureIO();
    expect(await main(['train', '--resume', dir, '--max-steps', '3', '--quiet'], c.io)).toBe(0);
    const files = readdirSync(dir);
    for (const f of leftovers) expect(files).not.toContain(f);
    expect(files).toContain(alive); // a live writer's
    expect(files).toContain('ckpt-000002.safetensors');
    expect(files).toContain('ckpt-000003.safetensors');
  });
});
