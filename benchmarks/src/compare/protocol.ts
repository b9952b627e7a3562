/**
 * The JSON-lines protocol between the comparison runner (`suites/compare.ts`) and the worker
 * processes that each host one library in one configuration: `worker-fackel.ts`,
 * `worker-tfjs.ts` and `benchmarks/reference/torch_worker.py`.
 *
 * The runner writes one request per line to the worker's stdin; the worker answers each, in
 * order, with one line on stdout that starts with {@link MARKER} followed by the JSON reply.
 * Anything else a worker prints (library banners, warnings) is passed through to stderr.
 *
 * Requests (`id` is echoed in the reply):
 *   `{ id, op: 'info' }`                      → `{ id, ok, info: { library, version, threads, … } }`
 *   `{ id, op: 'setup', key, spec }`          → `{ id, ok }`      builds the case (model, inputs)
 *   `{ id, op: 'run', key, samples }`         → `{ id, ok, times }` one timed call per sample, ms
 *   `{ id, op: 'dispose', key }`              → `{ id, ok }`
 *   `{ id, op: 'memory', spec, steps }`       → `{ id, ok, baselineKB, peakKB }` (first request
 *                                               of a fresh process: baseline after imports, peak
 *                                               after `steps` training steps)
 *   `{ id, op: 'exit' }`                      → `{ id, ok }`, then the worker exits
 * A failure is `{ id, ok: false, error }`; the worker stays usable.
 */

/** Prefix of every protocol line a worker writes to stdout. */
export const MARKER = '@@bench ';

/** char-RNN training step: one-hot → 2-layer LSTM (dropout between) → dropout → Linear → CE, clip, Adam. */
export interface CharRnnSpec {
  kind: 'charrnn';
  hidden: number;
  batch: number;
  seq: number;
  vocab: number;
  layers: number;
  dropout: number;
  lr: number;
  clip: number;
}

/** One full-batch epoch of the workshop's Pima MLP (8-6-4-1, sigmoid, BCE, SGD). */
export interface PimaSpec {
  kind: 'pima';
  /** Absolute path of diabetes.csv (8 features, label last, no header). */
  csv: string;
  hidden: number[];
  lr: number;
}

/** `reps` adds of two float32 vectors of `size` elements, each result freed (per-op overhead, bandwidth). */
export interface AddSpec {
  kind: 'add';
  size: number;
  reps: number;
}

/** `reps` copies of a float32 vector of `size` elements into a preallocated one (JS `set`, torch `copy_`). */
export interface CopySpec {
  kind: 'copy';
  size: number;
  reps: number;
}

/** `reps` products of two random float32 `size × size` matrices, each result freed. */
export interface MatmulSpec {
  kind: 'matmul';
  size: number;
  reps: number;
}

export type CaseSpec = CharRnnSpec | PimaSpec | AddSpec | CopySpec | MatmulSpec;

export type Request =
  | { id: number; op: 'info' }
  | { id: number; op: 'setup'; key: string; spec: CaseSpec }
  | { id: number; op: 'run'; key: string; samples: number }
  | { id: number; op: 'dispose'; key: string }
  | { id: number; op: 'memory'; spec: CaseSpec; steps: number }
  | { id: number; op: 'exit' };

export interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  info?: Record<string, unknown>;
  times?: number[];
  baselineKB?: number;
  peakKB?: number;
}

/** Deterministic pseudo-random integers in [0, n) (mulberry32), the same in every worker. */
export function intStream(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n: number): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) | 0;
  };
}

/** Reads diabetes.csv: rows of 8 features and a 0/1 label, no header. */
export function parsePimaCsv(text: string): { x: Float32Array; y: Float32Array; rows: number; features: number } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const features = lines[0].split(',').length - 1;
  const x = new Float32Array(lines.length * features);
  const y = new Float32Array(lines.length);
  lines.forEach((line, r) => {
    const cells = line.split(',').map(Number);
    for (let c = 0; c < features; c++) x[r * features + c] = cells[c];
    y[r] = cells[features];
  });
  return { x, y, rows: lines.length, features };
}
