import { readFileSync } from 'node:fs';
import { sharedData } from '@fackel/testkit';

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
