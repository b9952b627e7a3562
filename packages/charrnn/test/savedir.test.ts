// Issue 12, item 2: a save directory has one owner — a lock, no silent takeover of another
// run's directory, readers that only ever get a matching JSON + weights pair, and pruning by
// this run's age rather than by file name.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ones } from '@fackel/tensor';
import { CheckpointError, LOCK_FILE, SaveDirError, loadCheckpoint, main, setupDevice, train, writeCheckpoint, type CheckpointData } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { TANNENBAUM, TINY, captureIO } from './helpers.js';

const tiny = ['--rnn-size', '16', '--batch-size', '4', '--seq-length', '10', '--sample-length', '10', '--quiet'];

beforeAll(async () => {
  await setupDevice('cpu');
});

/** Every file of a directory with its bytes, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f)).toString('base64')]),
  );
}

/** A pid that is certainly not running: a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

describe('a save directory has one owner', () => {
  test('a fresh run refuses a directory that holds a run (exit 2, nothing changed); --resume continues it; --force replaces it', async () => {
    const dir = scratch('charrnn').dir;
    expect(await main(['train', '--input', TANNENBAUM, '--save-dir', dir, '--max-steps', '4', '--checkpoint-every', '2', ...tiny], captureIO().io)).toBe(0);
    const before = snapshot(dir);
    expect(Object.keys(before)).toContain('ckpt-000004.json');
    expect(Object.keys(before)).not.toContain(LOCK_FILE); // released

    const again = captureIO();
    expect(await main(['train', '--input', TANNENBAUM, '--save-dir', dir, '--max-steps', '2', ...tiny], again.io)).toBe(2);
    expect(lines(again.err())[0]).toMatch(
      new RegExp(`--save-dir ${dir} already holds a training run \\(latest checkpoint at step 4; .*nothing was changed\\. .*--resume ${dir}.*--force`),
    );
    expect(again.err()).not.toMatch(/^\s+at /m);
    expect(snapshot(dir)).toEqual(before); // log, latest, best, report, checkpoints: untouched

    const resumed = captureIO();
    expect(await main(['train', '--resume', dir, '--max-steps', '6', '--quiet'], resumed.io)).toBe(0);
    const runId = (JSON.parse(readFileSync(join(dir, 'ckpt-000004.json'), 'utf8')) as { runId: string }).runId;
    expect(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { runId: string; position: { step: number } }).toMatchObject({
      runId,
      position: { step: 6 },
    });

    const forced = captureIO();
    expect(await main(['train', '--input', TANNENBAUM, '--save-dir', dir, '--max-steps', '2', '--force', ...tiny], forced.io)).toBe(0);
    const files = readdirSync(dir);
    expect(files.filter((f) => /^ckpt-\d+\.json$/.test(f))).toEqual(['ckpt-000002.json']); // the old run is gone, not mixed in
    const latest = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { runId: string };
    expect(latest.runId).not.toBe(runId);
    const log = readFileSync(join(dir, 'train-log.jsonl'), 'utf8').trim().split('\n');
    expect(log.filter((l) => l.includes('"event":"start"'))).toHaveLength(1);
  });

  test("a second training into a locked directory is refused (exit 4) while the first runs; a dead process's lock is taken over", async () => {
    const dir = scratch('charrnn').dir;
    let second: Promise<number> | undefined;
    const c = captureIO();
    const first = train({
      inputs: [TANNENBAUM],
      ...TINY,
      saveDir: dir,
      maxSteps: 3,
      sampleLength: 0,
      onEvent: (e) => {
        if (e.type === 'start') second = main(['train', '--input', TANNENBAUM, '--save-dir', dir, '--force', '--max-steps', '1', ...tiny], c.io);
      },
    });
    const r = await first;
    expect(r.stopReason).toBe('max-steps');
    expect(await second).toBe(4);
    expect(lines(c.err())).toHaveLength(1);
    expect(c.err()).toMatch(new RegExp(`--save-dir ${dir} is in use by a running training \\(pid ${process.pid}, since .*\\); nothing was changed`));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect((await loadCheckpoint(dir)).meta.position!.step).toBe(3); // the first run's, complete

    // a lock left by a killed process (its pid is gone) is stale: the next run takes it over
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), hostname: hostname(), token: 'dead', startedAt: 'yesterday' }));
    const resumed = await train({ resume: dir, maxSteps: 4, sampleLength: 0 });
    expect(resumed.step).toBe(4);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    // a live holder's lock (pid 1 runs forever) is respected
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, hostname: hostname(), token: 'init', startedAt: 'boot' }));
    const err = await train({ resume: dir, maxSteps: 5, sampleLength: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SaveDirError);
    expect((err as SaveDirError).reason).toBe('locked');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true); // not ours to remove
  });

  test('readers get a matching pair: weights of another run or another model are refused, naming both files', async () => {
    const a = scratch('charrnn').dir;
    const b = scratch('charrnn').dir;
    const big = scratch('charrnn').dir;
    await train({ inputs: [TANNENBAUM], ...TINY, saveDir: a, maxSteps: 2, checkpointEvery: 2, sampleLength: 0 });
    await train({ inputs: [TANNENBAUM], ...TINY, saveDir: b, maxSteps: 2, checkpointEvery: 2, sampleLength: 0, seed: 7 });
    await train({ inputs: [TANNENBAUM], ...TINY, rnnSize: 24, saveDir: big, maxSteps: 2, checkpointEvery: 2, sampleLength: 0 });
    // the same shapes, other values (another run wrote the file): the recorded SHA-256 catches it
    copyFileSync(join(b, 'ckpt-000002.safetensors'), join(a, 'ckpt-000002.safetensors'));
    const e1 = await loadCheckpoint(a).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(CheckpointError);
    expect((e1 as Error).message).toMatch(/weights file .*ckpt-000002\.safetensors is not the one .*latest\.json was written with \(its SHA-256 differs\)/);
    // another model's weights: refused from the header, before any allocation
    copyFileSync(join(big, 'ckpt-000002.safetensors'), join(a, 'ckpt-000002.safetensors'));
    const c = captureIO();
    expect(await main(['sample', a, '--length', '5'], c.io)).toBe(3);
    expect(lines(c.err())).toHaveLength(1);
    expect(c.err()).toMatch(
      /^fackel-charrnn: error: the weights file .*ckpt-000002\.safetensors is \d+ bytes, but .*latest\.json was written with a \d+-byte file: they do not belong together .*; nothing was loaded; nothing was written\n$/,
    );
  });

  test('pruning keeps the newest checkpoints of this run (by time, then step), never by name, and leaves another run alone', async () => {
    const dir = scratch('charrnn').dir;
    const meta = (runId: string, step: number, at: string): CheckpointData['meta'] =>
      ({
        model: { vocabSize: 2, hiddenSize: 1, numLayers: 1, dropout: 0, embeddingSize: 0 },
        vocab: { type: 'CharVocab', version: 1, chars: ['a', 'b'] },
        position: { step, epoch: 0, batch: step, hidden: false, seconds: 0 },
        runId,
        createdAt: at,
      }) as CheckpointData['meta'];
    const w = { 'fc.weight': ones([2, 1]) };
    // an older run with high step numbers (as when a directory was reused)
    await writeCheckpoint(dir, 500, { meta: meta('old', 500, '2020-01-01T00:00:00Z'), weights: w }, { keep: 5, runId: 'old' });
    await writeCheckpoint(dir, 600, { meta: meta('old', 600, '2020-01-01T00:01:00Z'), weights: w }, { keep: 5, runId: 'old' });
    // this run: steps 2, 4, 6, then a resume from step 2 writes step 3 last (newest by time)
    for (const [step, at] of [
      [2, '2021-01-01T00:00:00Z'],
      [4, '2021-01-01T00:01:00Z'],
      [6, '2021-01-01T00:02:00Z'],
      [3, '2021-01-01T00:03:00Z'],
    ] as const) {
      await writeCheckpoint(dir, step, { meta: meta('new', step, at), weights: w }, { keep: 2, runId: 'new' });
    }
    const ckpts = readdirSync(dir)
      .filter((f) => /^ckpt-\d+\.json$/.test(f))
      .sort();
    expect(ckpts).toEqual(['ckpt-000003.json', 'ckpt-000006.json', 'ckpt-000500.json', 'ckpt-000600.json']);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.safetensors'))
        .sort(),
    ).toEqual(['ckpt-000003.safetensors', 'ckpt-000006.safetensors', 'ckpt-000500.safetensors', 'ckpt-000600.safetensors']);
    w['fc.weight'].dispose();
  });
});
