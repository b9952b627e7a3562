/**
 * Timing helpers: warm up, then repeat until both a minimum time and a minimum number of
 * samples are reached, and report the median (robust against GC pauses and other load).
 */

/** How long and how often to measure. */
export interface MeasureOptions {
  /** Untimed calls before measuring (lets the JIT settle). Default 2. */
  warmup?: number;
  /** Keep sampling until this much time has been spent measuring. Default 1000 ms. */
  minTimeMs?: number;
  /** At least this many samples. Default 5. */
  minSamples?: number;
  /** At most this many samples. Default 1000. */
  maxSamples?: number;
}

/** Summary of one measurement; all times in milliseconds per call of the measured function. */
export interface Measurement {
  medianMs: number;
  minMs: number;
  meanMs: number;
  samples: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Runs a full garbage collection when node was started with `--expose-gc`. */
export function collectGarbage(): void {
  gc?.();
}

function summarize(times: number[]): Measurement {
  const sorted = [...times].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const meanMs = times.reduce((s, t) => s + t, 0) / times.length;
  return { medianMs, minMs: sorted[0], meanMs, samples: times.length };
}

function resolve(opts: MeasureOptions): Required<MeasureOptions> {
  return {
    warmup: opts.warmup ?? 2,
    minTimeMs: opts.minTimeMs ?? 1000,
    minSamples: opts.minSamples ?? 5,
    maxSamples: opts.maxSamples ?? 1000,
  };
}

/** Measures a synchronous function. */
export function measure(fn: () => void, options: MeasureOptions = {}): Measurement {
  const o = resolve(options);
  for (let i = 0; i < o.warmup; i++) fn();
  collectGarbage();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < o.maxSamples && (times.length < o.minSamples || performance.now() - start < o.minTimeMs)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return summarize(times);
}

/** Measures an asynchronous function (each call awaited before the next starts). */
export async function measureAsync(fn: () => Promise<void>, options: MeasureOptions = {}): Promise<Measurement> {
  const o = resolve(options);
  for (let i = 0; i < o.warmup; i++) await fn();
  collectGarbage();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < o.maxSamples && (times.length < o.minSamples || performance.now() - start < o.minTimeMs)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return summarize(times);
}
