// Issue 15, item 4: the trainer in stages. Each stage runs (and is checked) on its own; the
// whole procedure is checked by train.test.ts and the CLI tests.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { memory } from '@fackel/tensor';
import {
  CheckpointError,
  LOCK_FILE,
  RunStatus,
  SaveDirError,
  TRAIN_DEFAULTS,
  TrainLog,
  Trainer,
  UsageError,
  loadCheckpoint,
  resolveSettings,
  setupDevice,
  train,
  type TrainEvent,
  type TrainOptions,
} from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { TANNENBAUM, TINY } from './helpers.js';

beforeAll(async () => {
  await setupDevice('cpu');
});

const QUICK: TrainOptions = { inputs: [TANNENBAUM], ...TINY, printEvery: 1, valEvery: 0, sampleLength: 0 };

/** A finished run of 7 steps with a checkpoint at step 7 (mid-epoch: 12 steps per epoch). */
async function savedRunDir(o: TrainOptions = {}): Promise<string> {
  const dir = scratch('charrnn').dir;
  await train({ ...QUICK, saveDir: dir, maxSteps: 7, checkpointEvery: 7, valEvery: 7, dropout: 0.3, ...o });
  return dir;
}

describe('settings stage', () => {
  test('resolveSettings: defaults, given options, and what a checkpoint fixes', async () => {
    expect(resolveSettings({})).toEqual(TRAIN_DEFAULTS);
    const s = resolveSettings({ rnnSize: 64, maxSteps: 5, optimizer: 'rmsprop', inputs: ['x'] });
    expect([s.rnnSize, s.maxSteps, s.optimizer, s.numLayers]).toEqual([64, 5, 'rmsprop', TRAIN_DEFAULTS.numLayers]);
    expect(s).not.toHaveProperty('inputs');

    const dir = await savedRunDir({ learningRate: 0.01, numEpochs: 3 });
    const ckpt = await loadCheckpoint(dir);
    // resuming keeps the run's settings, and the epochs unless given
    const resumed = resolveSettings({ maxSteps: 9 }, ckpt, true);
    expect([resumed.learningRate, resumed.dropout, resumed.rnnSize, resumed.numEpochs, resumed.maxSteps]).toEqual([0.01, 0.3, 16, 3, 9]);
    expect(resolveSettings({ numEpochs: 5 }, ckpt, true).numEpochs).toBe(5);
    expect(() => resolveSettings({ learningRate: 0.1 }, ckpt, true)).toThrow(UsageError);
    expect(() => resolveSettings({ learningRate: 0.1 }, ckpt, true)).toThrow(
      /--learning-rate 0.1 conflicts with the checkpoint's 0.01: a resumed run keeps its settings/,
    );
    // a new run from the weights takes only the model's shape
    const fromWeights = resolveSettings({ learningRate: 0.1 }, ckpt, false);
    expect([fromWeights.learningRate, fromWeights.rnnSize, fromWeights.numLayers]).toEqual([0.1, 16, 2]);
    expect(() => resolveSettings({ numLayers: 3 }, ckpt, false)).toThrow(
      /--num-layers 3 conflicts with the checkpoint's 2: the model shape comes from the checkpoint/,
    );
    // a saved setting of the wrong type is a checkpoint error naming it
    const bad = { ...ckpt, meta: { ...ckpt.meta, hyperparameters: { ...ckpt.meta.hyperparameters, optimizer: 'sgd' } } };
    expect(() => resolveSettings({}, bad, true)).toThrow(CheckpointError);
    expect(() => resolveSettings({}, bad, true)).toThrow(/the saved setting optimizer is "sgd"/);
    for (const t of [...Object.values(ckpt.weights), ...Object.values(ckpt.state)]) t.dispose();
  });

  test('the options that exclude each other are refused before anything is read', () => {
    expect(() => new Trainer({ resume: 'a', initFrom: 'b' })).toThrow(/either --resume .* or --init-from/);
  });

  test('settings(): the plan (sizes reduced for a short text, steps, validation batches); nothing is written', async () => {
    const dir = join(scratch('charrnn').dir, 'new');
    const trainer = new Trainer({ text: 'Oh Tannenbaum, wie treu sind deine Blätter! '.repeat(3), saveDir: dir, numEpochs: 2, valBatches: 1 });
    const plan = await trainer.settings();
    expect(plan.settings.batchSize * plan.settings.seqLength).toBeLessThan(50 * 50);
    expect(plan.batches.warning).toMatch(/too short/);
    expect(plan.totalSteps).toBe(2 * plan.stepsPerEpoch);
    expect(plan.valBatches).toBe(1);
    expect(plan.vocab.size).toBe(new Set('Oh Tannenbaum, wie treu sind deine Blätter! ').size);
    expect(plan.divergenceLimit).toBeCloseTo(2 * Math.log(plan.vocab.size) + 2, 12);
    expect(plan.hyperparameters).toMatchObject({ batchSize: plan.settings.batchSize, device: 'cpu' });
    expect(plan.resumeFrom).toBeNull();
    expect(existsSync(dir)).toBe(false);
    expect(() => trainer.model).toThrow(/restore\(\) first/);
    await trainer.close();
  });

  test('settings(): a save directory that holds another run is refused, unchanged', async () => {
    const dir = await savedRunDir();
    const before = readdirSync(dir).sort();
    const err = await new Trainer({ ...QUICK, saveDir: dir }).settings().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SaveDirError);
    expect((err as Error).message).toMatch(/already holds a training run \(latest checkpoint at step 7/);
    expect(readdirSync(dir).sort()).toEqual(before);
    // --force plans to replace it, --resume continues it
    expect((await new Trainer({ ...QUICK, saveDir: dir, force: true }).settings()).replacing).toBe(true);
    const resumed = await new Trainer({ resume: dir }).settings();
    expect([resumed.replacing, resumed.startStep, resumed.resumeFrom?.meta.position?.step]).toEqual([false, 7, 7]);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe('restore stage', () => {
  test('resume: the weights, optimizer, position, history and losses of the checkpoint, without a step', async () => {
    const dir = await savedRunDir();
    const ckpt = await loadCheckpoint(dir);
    const events: TrainEvent[] = [];
    const trainer = new Trainer({ resume: dir, onEvent: (e) => events.push(e) });
    await trainer.settings();
    await trainer.restore();
    const p = trainer.progress;
    expect([p.step, p.epoch, p.batch, p.lastCheckpointStep, p.lastPrintStep]).toEqual([7, 0, 7, 7, 7]);
    expect(p.hidden?.map((t) => t.shape)).toEqual([
      [2, 4, 16],
      [2, 4, 16],
    ]);
    expect(p.history).toEqual(ckpt.meta.history);
    expect([p.lastLoss, p.lastValLoss, p.bestValLoss, p.bestStep]).toEqual([
      ckpt.meta.losses?.loss,
      ckpt.meta.losses?.valLoss,
      ckpt.meta.losses?.bestValLoss,
      7,
    ]);
    const weights = trainer.model.stateDict();
    for (const [k, t] of Object.entries(ckpt.weights)) expect(Array.from(weights[k].dataSync())).toEqual(Array.from(t.dataSync()));
    expect(events.map((e) => e.type)).toEqual(['start']);
    expect(events[0]).toMatchObject({ type: 'start', startStep: 7, resumedFrom: ckpt.path });
    expect(trainer.status.latestCheckpoint).toMatch(/ckpt-000007\.json$/);
    // nothing was trained or written: the checkpoint is still the latest
    expect((await loadCheckpoint(dir)).meta.position?.step).toBe(7);
    await trainer.close();
    await trainer.close(); // twice is fine
    for (const t of [...Object.values(weights), ...Object.values(ckpt.weights), ...Object.values(ckpt.state)]) t.dispose();
  });

  test('initFrom: the weights only, a new run at step 0', async () => {
    const dir = await savedRunDir();
    const trainer = new Trainer({ ...QUICK, initFrom: dir, saveDir: null });
    await trainer.settings();
    await trainer.restore();
    expect([trainer.progress.step, trainer.progress.history.length, trainer.progress.hidden]).toEqual([0, 0, null]);
    expect(trainer.plan.resumeFrom).toBeNull();
    expect(trainer.plan.runId).not.toBe((await loadCheckpoint(dir, { withState: false })).meta.runId);
    await trainer.close();
  });

  test('force: the replaced run is cleared when restore starts, and said so', async () => {
    const dir = await savedRunDir();
    const events: TrainEvent[] = [];
    const trainer = new Trainer({ ...QUICK, saveDir: dir, force: true, onEvent: (e) => events.push(e) });
    await trainer.settings();
    expect(readdirSync(dir)).toContain('latest.json');
    await trainer.restore();
    expect(readdirSync(dir).filter((f) => f !== LOCK_FILE && f !== 'train-log.jsonl')).toEqual([]);
    expect(events[0]).toMatchObject({ type: 'info', message: expect.stringMatching(/^--force: removed the previous run's \d+ files/) });
    await trainer.close();
  });
});

describe('log stage', () => {
  test('events go to onEvent; the log keeps all but step and sample events, and a resumed log drops what came after its step', async () => {
    const dir = scratch('charrnn').dir;
    const logPath = join(dir, 'log.jsonl');
    const seen: string[] = [];
    const status = new RunStatus(dir);
    const log = new TrainLog({ logPath, reportPath: join(dir, 'r.html'), status, onEvent: (e) => seen.push(e.type) });
    await log.open(false, 0);
    expect(readFileSync(logPath, 'utf8')).toBe('');
    log.emit({ type: 'info', message: 'a' });
    log.emit({ type: 'sample', step: 1, text: 'x' });
    log.emit({ type: 'checkpoint', step: 2, path: 'p', best: true });
    log.emit({ type: 'checkpoint', step: 4, path: 'q', best: false });
    expect(seen).toEqual(['info', 'sample', 'checkpoint', 'checkpoint']);
    expect(readFileSync(logPath, 'utf8')).toBe(''); // kept until a flush
    await log.flush();
    const lines = () =>
      readFileSync(logPath, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; step?: number });
    expect(lines().map((e) => [e.event, e.step])).toEqual([
      ['info', undefined],
      ['checkpoint', 2],
      ['checkpoint', 4],
    ]);
    expect([status.doing, status.path]).toEqual(['writing the log', logPath]);
    writeFileSync(logPath, `${readFileSync(logPath, 'utf8')}{"torn`);
    await new TrainLog({ logPath, reportPath: null, status }).open(true, 2);
    expect(lines().map((e) => [e.event, e.step])).toEqual([
      ['info', undefined],
      ['checkpoint', 2],
    ]);
    await log.writeReport('<html></html>');
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toBe('<html></html>');
  });

  test('RunStatus says what is intact', () => {
    const s = new RunStatus('save');
    expect(s.intact()).toBe('nothing in save was changed');
    expect(new RunStatus(null).intact()).toBe('nothing was written');
    s.touched = true;
    expect(s.intact()).toBe('no checkpoint was written yet');
    s.latestCheckpoint = 'save/ckpt-000002.json';
    expect(s.intact()).toBe('the last checkpoint save/ckpt-000002.json is intact');
  });
});

describe('loop and finish stages', () => {
  test('loop() trains to --max-steps and stops there; finish() measures, samples and reports once', async () => {
    const events: TrainEvent[] = [];
    const live = new Map<number, number>();
    const onEvent = (e: TrainEvent) => {
      events.push(e);
      if (e.type === 'step') live.set(e.step, memory().tensors);
    };
    const trainer = new Trainer({ ...QUICK, saveDir: null, maxSteps: 5, printEvery: 2, sampleLength: 12, onEvent });
    await trainer.settings();
    await trainer.restore();
    await trainer.loop();
    expect(trainer.progress.step).toBe(5);
    expect(trainer.progress.unreadLosses).toBe(0); // step 5 is the last: its loss was read
    expect(events.filter((e) => e.type === 'print').map((e) => e.step)).toEqual([2, 4, 5]);
    expect(events.some((e) => e.type === 'stop' || e.type === 'sample')).toBe(false);
    expect(live.get(5)).toBe(live.get(2)); // the carried state replaced, not accumulated
    await trainer.loop(); // nothing left to do
    expect(trainer.progress.step).toBe(5);
    const r = await trainer.finish();
    expect([r.stopReason, r.step, r.sample.length]).toEqual(['max-steps', 5, 12]);
    expect(r.message).toMatch(/^Training finished at step 5 \(--max-steps 5 reached\): val loss \d\.\d{4}/);
    expect(events.at(-1)).toMatchObject({ type: 'stop', reason: 'max-steps', step: 5 });
    await trainer.close();
  });

  test('the explosion guard: the loop stops at the first exploded loss and finish writes nothing more', async () => {
    const dir = scratch('charrnn').dir;
    const trainer = new Trainer({ ...QUICK, saveDir: dir, maxSteps: 30, learningRate: 1e9, gradClip: 0, checkpointEvery: 1 });
    await trainer.settings();
    await trainer.restore();
    await trainer.loop();
    const stoppedAt = trainer.progress.step;
    expect(stoppedAt).toBeLessThan(30);
    const r = await trainer.finish();
    expect(['nan', 'exploded']).toContain(r.stopReason);
    expect(r.step).toBe(stoppedAt);
    expect(r.message).toMatch(new RegExp(`^Training stopped at step ${stoppedAt}: `));
    expect(r.sample).toBe('');
    expect(readdirSync(dir).filter((f) => f.startsWith('ckpt-') && f.endsWith(`${String(stoppedAt).padStart(6, '0')}.json`))).toEqual([]);
    await trainer.close();
  });

  test('run(): the stages under the lock, which is released after a failure too', async () => {
    const dir = await savedRunDir();
    await expect(new Trainer({ ...QUICK, saveDir: dir }).run()).rejects.toThrow(/already holds a training run .*nothing was changed/);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const r = await new Trainer({ resume: dir, maxSteps: 9 }).run();
    expect([r.stopReason, r.step]).toEqual(['max-steps', 9]);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
