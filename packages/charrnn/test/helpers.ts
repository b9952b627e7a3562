import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sharedData } from '@fackel/testkit';

/** The training texts of the tests, in the shared data folder (read in place, never copied). */
export const TANNENBAUM = sharedData('tx_DE_4_Oh_Tannenbaum.txt');
export const ERLKOENIG = sharedData('tx_DE_3_Der_Erlkoenig.txt');

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Captures what the CLI writes. */
export function captureIO(tty = false): {
  out: () => string;
  err: () => string;
  io: { stdout: { write(s: string): boolean; isTTY: boolean; columns: number }; stderr: { write(s: string): boolean } };
} {
  let out = '';
  let err = '';
  return {
    out: () => out,
    err: () => err,
    io: {
      stdout: { write: (s: string) => ((out += s), true), isTTY: tty, columns: 120 },
      stderr: { write: (s: string) => ((err += s), true) },
    },
  };
}

/** A tiny, quick model configuration for tests. */
export const TINY = { rnnSize: 16, numLayers: 2, batchSize: 4, seqLength: 10, valFrac: 0.1, sampleLength: 40 } as const;

let torchFound: boolean | undefined;
/** Whether /usr/bin/python3 can import torch (asked once per test file). */
export function hasTorch(): boolean {
  torchFound ??= findTorch();
  return torchFound;
}
function findTorch(): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

/** The largest |ours − theirs| over two logit tables of the same shape. */
export function worstDiff(ours: readonly ArrayLike<number>[], theirs: readonly ArrayLike<number>[]): number {
  let worst = 0;
  for (let t = 0; t < ours.length; t++) {
    for (let k = 0; k < ours[t].length; k++) worst = Math.max(worst, Math.abs(ours[t][k] - theirs[t][k]));
  }
  return worst;
}

/** What `scripts/<script> logits CHECKPOINT PRIME` prints: torch's logits of the checkpoint and its state-dict keys. */
export function torchLogits(script: string, checkpoint: string, prime: string): { logits: number[][]; keys: string[] } {
  const out = execFileSync('/usr/bin/python3', [join(repoRoot(), 'scripts', script), 'logits', checkpoint, prime], { encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out) as { logits: number[][]; keys: string[] };
}
