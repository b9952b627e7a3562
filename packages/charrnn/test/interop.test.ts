import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadModel, main, primeLogits, setupDevice, train } from '../src/index.js';
import { scratch } from '@fackel/testkit';
import { TANNENBAUM, TINY, captureIO, hasTorch, torchLogits, worstDiff } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/torch-charrnn.json', import.meta.url));
const expected = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/torch-charrnn.expected.json', import.meta.url)), 'utf8')) as {
  prime: string;
  logits: number[][];
};

const torch = hasTorch();
if (!torch && !process.env.CI) console.warn('skipping the Fackel-to-PyTorch check: /usr/bin/python3 has no torch (apt-get install python3-torch)');

beforeAll(async () => {
  await setupDevice('cpu');
});

describe('PyTorch interop', () => {
  test('a checkpoint written by PyTorch (scripts/gen_charrnn_fixture.py) gives the same logits to 1e-4', async () => {
    const { model, vocab } = await loadModel(FIXTURE);
    const rows = await primeLogits(model, vocab, expected.prime);
    expect(rows).toHaveLength(expected.logits.length);
    expect(worstDiff(rows, expected.logits)).toBeLessThan(1e-4);
  });

  test('fackel-charrnn sample reads the PyTorch checkpoint (and its .safetensors path)', async () => {
    const c = captureIO();
    expect(await main(['sample', FIXTURE.replace('.json', '.safetensors'), '--prime', 'O Tannenbaum', '--length', '80', '--seed', '1'], c.io)).toBe(0);
    expect(c.out().startsWith('O Tannenbaum')).toBe(true);
    expect([...c.out().trimEnd()]).toHaveLength(12 + 80);
    expect(c.out().slice(12)).toMatch(/Tannenbaum|Blätter|grün|treu|dich/); // the trained model recites the song
  });

  test.skipIf(!torch && !process.env.CI)('a checkpoint written by Fackel loads into torch (strict) and gives the same logits', async () => {
    const dir = scratch('charrnn').dir;
    const r = await train({ inputs: [TANNENBAUM], ...TINY, maxSteps: 5, saveDir: dir, sampleLength: 0, printEvery: 5, valEvery: 0 });
    const prime = 'O Tannenbaum';
    const ours = await primeLogits(r.model, r.vocab, prime);
    const theirs = torchLogits('gen_charrnn_fixture.py', r.checkpoint!, prime);
    expect(theirs.keys).toContain('lstm.weight_ih_l0');
    expect(worstDiff(ours, theirs.logits)).toBeLessThan(1e-4);
  });
});
