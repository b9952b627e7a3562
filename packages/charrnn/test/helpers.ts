import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/** The shared data folder beside the repository (read in place, never copied). */
export const DATA = resolve(ROOT, '../shared/data');
export const TANNENBAUM = join(DATA, 'tx_DE_4_Oh_Tannenbaum.txt');
export const ERLKOENIG = join(DATA, 'tx_DE_3_Der_Erlkoenig.txt');

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'charrnn-test-'));
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Captures what the CLI writes. */
export function captureIO(tty = false): { out: () => string; err: () => string; io: { stdout: { write(s: string): boolean; isTTY: boolean; columns: number }; stderr: { write(s: string): boolean } } } {
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
