/**
 * What the training suites (charrnn, gpt) share: the data, the `train` options that turn off
 * everything but the timed steps, and the PyTorch side, a fixture generator of `scripts/` run
 * in its `bench` mode under Debian's `/usr/bin/python3`, read from the JSON line it prints last.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The training text of the charrnn and gpt suites, in the shared data folder beside the repository. */
export const TINYSHAKESPEARE = resolve(ROOT, '../shared/data/tinyshakespeare.txt');
/** The Python that has Debian's torch. */
export const PYTHON = '/usr/bin/python3';

/** `train` options for a timed run: no validation passes, checkpoints, report or sample (the suites measure the loss once at the end). */
export const TIMED_RUN = { valEvery: 0, checkpointEvery: 0, saveDir: null, report: false, sampleLength: 0 } as const;

/** What a `bench` run of a fixture script reports. */
export interface TorchBenchResult {
  seconds: number;
  charsPerSec: number;
  valLoss: number;
  /** The torch version and thread count. */
  note: string;
}

/**
 * Runs `script bench --input <text> --steps <steps>` with `flags` (`--name value` each) and one
 * torch thread unless `FACKEL_BENCH_TORCH_THREADS` says otherwise: on a 2-core machine under
 * any other load, torch's OpenMP pool oversubscribes and slows down 20x (measured: 14,000 vs
 * 590 chars/s). Returns why not instead where there is no Python or no torch.
 */
export async function torchBench(
  script: string,
  text: string,
  steps: number,
  flags: Readonly<Record<string, string | number>>,
): Promise<TorchBenchResult | string> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const run = promisify(execFile);
  try {
    await run(PYTHON, ['-c', 'import torch'], { timeout: 60_000 });
  } catch {
    return `${PYTHON} has no torch (apt-get install python3-torch)`;
  }
  const args = [script, 'bench', '--input', text, '--steps', String(steps)];
  for (const [name, value] of Object.entries(flags)) args.push(`--${name}`, String(value));
  args.push('--threads', process.env.FACKEL_BENCH_TORCH_THREADS ?? '1');
  const { stdout } = await run(PYTHON, args, { timeout: 3_600_000, maxBuffer: 1 << 20 });
  const j = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { charsPerSec: number; valLoss: number; seconds: number; threads: number; torch: string };
  return { seconds: j.seconds, charsPerSec: j.charsPerSec, valLoss: j.valLoss, note: `torch ${j.torch}, ${j.threads} thread(s)` };
}
