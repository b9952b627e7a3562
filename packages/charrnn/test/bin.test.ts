import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadCheckpoint, setupDevice } from '../src/index.js';
import { repoRoot, scratch } from '@fackel/testkit';
import { TANNENBAUM } from './helpers.js';

const CLI = join(repoRoot(), 'packages/charrnn/dist/cli.js');
const tiny = ['--rnn-size', '16', '--batch-size', '4', '--seq-length', '10', '--sample-length', '20'];

beforeAll(async () => {
  // the one test of the built executable: build it (incremental, quick when up to date)
  execFileSync(process.execPath, [join(repoRoot(), 'node_modules/typescript/bin/tsc'), '-b', 'packages/charrnn'], {
    cwd: repoRoot(),
    stdio: 'inherit',
    timeout: 300_000,
  });
  await setupDevice('cpu');
}, 300_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

describe('the fackel-charrnn executable', () => {
  test('kill -9 at any moment leaves a loadable latest checkpoint; Ctrl-C stops with a final one; --resume and sample work', async () => {
    const dir = scratch('charrnn').dir;
    const args = [
      CLI,
      'train',
      '--input',
      TANNENBAUM,
      '--save-dir',
      dir,
      '--checkpoint-every',
      '1',
      '--val-every',
      '0',
      '--print-every',
      '1',
      '--num-epochs',
      '100',
      ...tiny,
    ];
    for (const delay of [0, 7, 23, 61, 140]) {
      const child = spawn(process.execPath, args, { stdio: 'ignore' });
      const before = existsSync(join(dir, 'latest.json'))
        ? (JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { position: { step: number } }).position.step
        : -1;
      await waitFor(() => {
        try {
          return (JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { position: { step: number } }).position.step > before;
        } catch {
          return false;
        }
      });
      await sleep(delay);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const ck = await loadCheckpoint(dir); // never a partial file
      expect(ck.meta.position!.step).toBeGreaterThan(0);
      for (const t of [...Object.values(ck.weights), ...Object.values(ck.state)]) t.dispose();
      args.splice(1, args.length - 1, 'train', '--resume', dir); // later rounds continue the run
    }
    // Ctrl-C: a graceful stop with a final checkpoint at the step it stopped
    const child = spawn(process.execPath, [CLI, 'train', '--resume', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => /Step: \d+/.test(out));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(130);
    const log = readFileSync(join(dir, 'train-log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; reason?: string; step?: number });
    const stop = log.at(-1)!;
    expect(stop).toMatchObject({ event: 'stop', reason: 'interrupted' });
    expect((await loadCheckpoint(dir)).meta.position!.step).toBe(stop.step);

    const sampled = spawnSync(process.execPath, [CLI, 'sample', dir, '--prime', 'O T', '--length', '50', '--seed', '9'], { encoding: 'utf8', timeout: 60_000 });
    expect(sampled.status).toBe(0);
    expect([...sampled.stdout]).toHaveLength(3 + 50 + 1);
    const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(help.stdout).toMatch(/--grad-clip/);
  }, 240_000);

  test('one training per save dir across processes: a second is refused (exit 4) while one runs; SIGTERM releases the lock', async () => {
    const dir = scratch('charrnn').dir;
    const child = spawn(
      process.execPath,
      [CLI, 'train', '--input', TANNENBAUM, '--save-dir', dir, '--checkpoint-every', '1', '--val-every', '0', '--num-epochs', '100', ...tiny],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    await waitFor(() => existsSync(join(dir, 'latest.json')));
    expect(readFileSync(join(dir, 'train.lock'), 'utf8')).toContain(`"pid":${child.pid}`);
    const second = spawnSync(process.execPath, [CLI, 'train', '--input', TANNENBAUM, '--save-dir', dir, '--force', '--max-steps', '1', ...tiny], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(second.status).toBe(4);
    expect(second.stderr).toBe(
      `fackel-charrnn: error: --save-dir ${dir} is in use by a running training (pid ${child.pid}, since ${JSON.parse(readFileSync(join(dir, 'train.lock'), 'utf8')).startedAt}); nothing was changed. Wait for it to finish, or choose another --save-dir\n`,
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(existsSync(join(dir, 'train.lock'))).toBe(false);
    const ck = await loadCheckpoint(dir);
    expect(ck.meta.position!.step).toBeGreaterThan(0);
    for (const t of [...Object.values(ck.weights), ...Object.values(ck.state)]) t.dispose();
  }, 120_000);
});
