/**
 * The comparison of issue 16: Fackel's CPU backend side by side with PyTorch (Debian's
 * python3-torch on OpenBLAS, 1 and 2 threads), tfjs-cpu and tfjs-wasm, in one run.
 *
 * Every library runs in its own worker process (one per thread count), driven over the JSON
 * protocol of `compare/protocol.ts`; the runner interleaves them round by round, so that a
 * burst of load from the other users of the machine hits all columns alike. Each case: set
 * up, warm up, then timed samples (each the median of several), until every worker has
 * `minSamples` samples and `minTimeMs` of them, or has spent `maxTimeMs`.
 *
 * Workloads (`--only`): charrnn, pima, overhead, bandwidth, matmul, memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuFeatures } from '@fackel/backend-cpu';
import { WorkerClient, type WorkerCommand } from '../compare/client.js';
import type { CaseSpec, CharRnnSpec } from '../compare/protocol.js';
import type { Suite, SuiteContext, SuiteTable } from '../suite.js';
import type { Row } from '../table.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKER_DIR = fileURLToPath(new URL('../compare/', import.meta.url));
const PYTHON = '/usr/bin/python3';
const TORCH_WORKER = join(ROOT, 'benchmarks/reference/torch_worker.py');
const PIMA_CSV = join(ROOT, '../shared/data/diabetes.csv');

/** The workloads, in the order they run (`--only` takes these names). */
export const WORKLOADS = ['charrnn', 'pima', 'overhead', 'bandwidth', 'matmul', 'memory'] as const;
export type Workload = (typeof WORKLOADS)[number];

type Lib = 'fackel' | 'fackel-fma' | 'torch' | 'tfjs-cpu' | 'tfjs-wasm';
const LIBS: readonly Lib[] = ['fackel', 'fackel-fma', 'torch', 'tfjs-cpu', 'tfjs-wasm'];
const LIB_LABEL: Record<Lib, string> = { fackel: 'Fackel', 'fackel-fma': 'Fackel FMA', torch: 'PyTorch', 'tfjs-cpu': 'tfjs-cpu', 'tfjs-wasm': 'tfjs-wasm' };
/** Libraries measured at each thread count (the others run on one thread). */
const THREADED: readonly Lib[] = ['fackel', 'fackel-fma', 'torch'];

/**
 * Whether this Node has WebAssembly relaxed SIMD without a flag (Node 22+). Where it does not
 * (Node 20), the comparison adds the column "Fackel FMA": Fackel's worker started with
 * `node --experimental-wasm-relaxed-simd`, which makes the matmul kernel use
 * `f32x4.relaxed_madd` (an FMA instruction), as Node 22+ does by default.
 */
function relaxedSimdByDefault(): boolean {
  // (with FACKEL_CPU_RELAXED_SIMD=1 the default Fackel workers use it already: no extra column)
  return cpuFeatures().relaxedSimd;
}

/** One worker process: a library at a thread count. */
interface Slot {
  lib: Lib;
  threads: number;
  name: string;
  client: WorkerClient | null;
  info: Record<string, unknown> | null;
  error: string | null;
}

/** The outcome of one case on one worker. */
interface Measured {
  slot: string;
  lib: Lib;
  threads: number;
  /** Median time of one sample (one call of the case's `run`), ms. */
  medianMs: number | null;
  samples: number[];
  warmupMs: number[];
  skipped?: string;
  error?: string;
  note?: string;
}

interface CaseOptions {
  /** Relative cost, to estimate a worker's time per sample from its previous case of the same group. */
  cost?: number;
  group?: string;
  /** Skip a worker whose estimated (or first warm-up) time per sample exceeds this. */
  maxSampleMs?: number;
  /** Which libraries run the case (default all). */
  libs?: readonly Lib[];
}

interface Config {
  quick: boolean;
  minSamples: number;
  minTimeMs: number;
  maxTimeMs: number;
  roundMs: number;
  threads: readonly number[];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);

// ---------------------------------------------------------------------------------------------
// workers

function commandFor(lib: Lib, threads: number): WorkerCommand {
  const node = (script: string, args: string[], env: Record<string, string> = {}): WorkerCommand => ({
    name: '',
    command: process.execPath,
    args: ['--expose-gc', join(WORKER_DIR, script), ...args],
    env,
  });
  switch (lib) {
    case 'fackel':
      return node('worker-fackel.js', ['--threads', String(threads)], { FACKEL_CPU_THREADS: String(threads) });
    case 'fackel-fma': {
      const c = node('worker-fackel.js', ['--threads', String(threads)], { FACKEL_CPU_THREADS: String(threads), FACKEL_CPU_RELAXED_SIMD: '' });
      return { ...c, args: ['--experimental-wasm-relaxed-simd', ...c.args] };
    }
    case 'tfjs-cpu':
      return node('worker-tfjs.js', ['--backend', 'cpu']);
    case 'tfjs-wasm':
      return node('worker-tfjs.js', ['--backend', 'wasm']);
    case 'torch':
      return {
        name: '',
        command: PYTHON,
        args: ['-u', TORCH_WORKER, '--threads', String(threads)],
        // OpenBLAS and OpenMP read these when torch loads; torch.set_num_threads is called as well
        env: { OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), PYTHONWARNINGS: 'ignore' },
      };
  }
}

async function startSlot(lib: Lib, threads: number, log: (m: string) => void): Promise<Slot> {
  const name = THREADED.includes(lib) ? `${LIB_LABEL[lib]} ${threads}T` : LIB_LABEL[lib];
  const slot: Slot = { lib, threads, name, client: null, info: null, error: null };
  if (lib === 'torch' && !existsSync(PYTHON)) {
    slot.error = `${PYTHON} not found (bash scripts/setup-torch.sh)`;
    return slot;
  }
  const client = new WorkerClient({ ...commandFor(lib, threads), name }, log);
  try {
    const r = await client.request({ op: 'info' }, 120_000);
    slot.client = client;
    slot.info = r.info ?? {};
  } catch (e) {
    client.kill();
    const msg = firstLine(e);
    slot.error =
      lib === 'torch' && /No module named 'torch'|ModuleNotFoundError/.test(String(e)) ? `${PYTHON} has no torch (bash scripts/setup-torch.sh)` : msg;
  }
  return slot;
}

// ---------------------------------------------------------------------------------------------
// measuring

class Runner {
  readonly results: { workload: Workload; key: string; spec: CaseSpec; measured: Measured[] }[] = [];
  #estimates = new Map<string, { cost: number; ms: number }>();
  #keySeq = 0;

  constructor(
    readonly slots: Slot[],
    readonly cfg: Config,
    readonly log: (m: string) => void,
  ) {}

  /**
   * Whether a worker may be skipped when its estimated time per call exceeds `maxSampleMs`:
   * tfjs always (it is the slow reference), Fackel and PyTorch beyond one thread only in
   * --quick (on a loaded machine, PyTorch's OpenMP pool can slow down tenfold).
   */
  #skippable(s: Slot): boolean {
    return s.lib === 'tfjs-cpu' || s.lib === 'tfjs-wasm' || (this.cfg.quick && s.threads > Math.min(...this.cfg.threads));
  }

  /** Sets the case up on every selected worker, warms up, then times interleaved rounds. */
  async measure(workload: Workload, label: string, spec: CaseSpec, o: CaseOptions = {}): Promise<Measured[]> {
    const key = `${workload}-${this.#keySeq++}`;
    const cfg = this.cfg;
    const libs = o.libs ?? LIBS;
    const slots = this.slots.filter((s) => libs.includes(s.lib));
    const out = new Map<Slot, Measured>();
    const estKey = (s: Slot): string => `${o.group ?? key}|${s.name}`;
    this.log(`${label}: ${slots.map((s) => s.name).join(', ')}`);

    const active: Slot[] = [];
    for (const s of slots) {
      const m: Measured = { slot: s.name, lib: s.lib, threads: s.threads, medianMs: null, samples: [], warmupMs: [] };
      out.set(s, m);
      if (s.client === null || s.client.dead) {
        m.error = s.error ?? 'worker not running';
        continue;
      }
      const prev = this.#estimates.get(estKey(s));
      if (prev !== undefined && o.cost !== undefined && o.maxSampleMs !== undefined && this.#skippable(s)) {
        const est = (prev.ms * o.cost) / prev.cost;
        if (est > o.maxSampleMs) {
          m.skipped = `too slow: ≈ ${(est / 1000).toFixed(est >= 10_000 ? 0 : 1)} s per call estimated, limit ${(o.maxSampleMs / 1000).toFixed(0)} s${cfg.quick ? ' in --quick' : ''}`;
          continue;
        }
      }
      try {
        await s.client.request({ op: 'setup', key, spec });
        active.push(s);
      } catch (e) {
        m.error = firstLine(e);
      }
    }

    // warm-up: two calls, or one when a call is slow; a call beyond maxSampleMs is all there is
    const estMs = new Map<Slot, number>();
    for (const s of [...active]) {
      const m = out.get(s)!;
      try {
        const first = (await s.client!.request({ op: 'run', key, samples: 1 })).times![0];
        m.warmupMs.push(first);
        let est = first;
        if (o.maxSampleMs !== undefined && first > o.maxSampleMs) {
          // too slow to repeat: the first call is the measurement (it includes warm-up effects)
          m.samples.push(first);
          m.note = `1 call (${(first / 1000).toFixed(1)} s), including warm-up`;
          active.splice(active.indexOf(s), 1);
        } else if (first < 1000) {
          est = (await s.client!.request({ op: 'run', key, samples: 1 })).times![0];
          m.warmupMs.push(est);
        }
        estMs.set(s, est);
      } catch (e) {
        m.error = firstLine(e);
        active.splice(active.indexOf(s), 1);
      }
    }

    // interleaved rounds: each worker in turn runs about roundMs worth of samples
    const spent = new Map<Slot, number>(active.map((s) => [s, 0]));
    let round = 0;
    while (active.length > 0) {
      const order = active.map((_, i) => active[(i + round) % active.length]);
      round++;
      for (const s of order) {
        const m = out.get(s)!;
        const k = Math.max(1, Math.min(200, Math.floor(cfg.roundMs / Math.max(estMs.get(s)!, 1e-3))));
        try {
          const times = (await s.client!.request({ op: 'run', key, samples: k })).times!;
          m.samples.push(...times);
          spent.set(s, spent.get(s)! + times.reduce((a, b) => a + b, 0));
          estMs.set(s, median(times));
        } catch (e) {
          m.error = firstLine(e);
          active.splice(active.indexOf(s), 1);
          continue;
        }
        const t = spent.get(s)!;
        if ((m.samples.length >= cfg.minSamples && t >= cfg.minTimeMs) || t >= cfg.maxTimeMs) {
          active.splice(active.indexOf(s), 1);
          if (m.samples.length < cfg.minSamples) m.note = `${m.samples.length} sample${m.samples.length === 1 ? '' : 's'} (time limit)`;
        }
      }
    }

    for (const s of slots) {
      const m = out.get(s)!;
      if (m.samples.length > 0) {
        m.medianMs = median(m.samples);
        if (o.cost !== undefined) this.#estimates.set(estKey(s), { cost: o.cost, ms: m.medianMs });
      }
      if (s.client !== null && !s.client.dead && m.skipped === undefined && m.error === undefined) {
        await s.client.request({ op: 'dispose', key }).catch(() => {});
      }
    }
    const measured = slots.map((s) => out.get(s)!);
    this.results.push({ workload, key: label, spec, measured });
    for (const m of measured) {
      const what = m.medianMs !== null ? `${m.medianMs.toFixed(3)} ms (${m.samples.length})` : (m.skipped ?? m.error ?? '-');
      this.log(`  ${m.slot}: ${what}`);
    }
    return measured;
  }
}

// ---------------------------------------------------------------------------------------------
// table rows

type Better = 'higher' | 'lower';

interface Value {
  value: number | null;
  /** Shown after the number, e.g. `2T`. */
  tag?: string;
  /** Why there is no value. */
  reason?: string;
}

interface Line {
  workload: string;
  unit: string;
  better: Better;
  cells: Record<Lib, Value>;
  target: string;
  /** Whether the target is met (null: cannot tell). */
  met: boolean | null;
  /** Whether Fackel FMA meets it (null: cannot tell, or not measured). */
  metFma?: boolean | null;
}

const NA: Value = { value: null, reason: 'n/a' };

/** The value of one library: at a thread count, or the best over thread counts (`'best'`). */
function measuredValue(ms: Measured[], lib: Lib, threads: number | 'best', metric: (ms: number) => number, better: Better): Value {
  const mine = ms.filter((m) => m.lib === lib && (threads === 'best' || m.threads === threads || lib.startsWith('tfjs')));
  if (mine.length === 0) return NA;
  const ok = mine.filter((m) => m.medianMs !== null);
  if (ok.length === 0) {
    const m = mine[0];
    return { value: null, reason: m.skipped !== undefined ? 'skipped' : m.error !== undefined ? 'error' : '-' };
  }
  const vals = ok.map((m) => ({ m, v: metric(m.medianMs!) }));
  const best = vals.reduce((a, b) => ((better === 'higher' ? b.v > a.v : b.v < a.v) ? b : a));
  const multi = threads === 'best' && THREADED.includes(lib) && mine.length > 1;
  return { value: best.v, ...(multi ? { tag: `${best.m.threads}T` } : {}) };
}

/** Fackel's advantage over `other`: > 1 means Fackel is better (faster, or less memory). */
function advantage(f: Value, other: Value, better: Better): number | null {
  if (f.value === null || other.value === null || f.value <= 0 || other.value <= 0) return null;
  return better === 'higher' ? f.value / other.value : other.value / f.value;
}

function fmtNumber(v: number, unit: string): string {
  if (unit === 'chars/s' || unit === 'MiB') return Math.round(v).toLocaleString('en-US');
  if (unit === 'GB/s' || unit === 'GFLOP/s') return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  // times: three significant digits
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function fmtValue(c: Value, unit: string): string {
  if (c.value === null) return c.reason ?? '-';
  return `${fmtNumber(c.value, unit)}${c.tag !== undefined ? ` (${c.tag})` : ''}`;
}

const fmtRatio = (r: number | null): string => (r === null ? '-' : `${r.toFixed(2)}x`);

function toRow(l: Line): Row {
  const f = l.cells.fackel;
  return {
    workload: `${l.workload} [${l.unit}, ${l.better} is better]`,
    fackel: fmtValue(f, l.unit),
    fackelFma: fmtValue(l.cells['fackel-fma'], l.unit),
    torch: fmtValue(l.cells.torch, l.unit),
    tfjsCpu: fmtValue(l.cells['tfjs-cpu'], l.unit),
    tfjsWasm: fmtValue(l.cells['tfjs-wasm'], l.unit),
    vsTorch: fmtRatio(advantage(f, l.cells.torch, l.better)),
    vsTorchFma: fmtRatio(advantage(l.cells['fackel-fma'], l.cells.torch, l.better)),
    vsTfjsCpu: fmtRatio(advantage(f, l.cells['tfjs-cpu'], l.better)),
    vsTfjsWasm: fmtRatio(advantage(f, l.cells['tfjs-wasm'], l.better)),
    target: l.target,
    met: l.met === null ? '?' : l.met ? 'yes' : 'no',
    metFma: l.metFma === undefined || l.metFma === null ? '-' : l.metFma ? 'yes' : 'no',
  };
}

function lineFor(
  ms: Measured[],
  workload: string,
  unit: string,
  better: Better,
  threads: number | 'best',
  metric: (ms: number) => number,
  libs: readonly Lib[] = LIBS,
): Omit<Line, 'target' | 'met'> {
  const cells = Object.fromEntries(LIBS.map((lib) => [lib, libs.includes(lib) ? measuredValue(ms, lib, threads, metric, better) : NA])) as Record<Lib, Value>;
  return { workload, unit, better, cells };
}

/** Target "Fackel ≥ x · PyTorch" (in Fackel's favour: faster or less memory). */
function vsTorchTarget(l: Omit<Line, 'target' | 'met'>, min: number): Line {
  const a = advantage(l.cells.fackel, l.cells.torch, l.better);
  const fma = advantage(l.cells['fackel-fma'], l.cells.torch, l.better);
  return { ...l, target: `≥ ${min.toFixed(1)}x PyTorch`, met: a === null ? null : a >= min, metFma: fma === null ? null : fma >= min };
}

// ---------------------------------------------------------------------------------------------
// machine description

function machine(slots: Slot[]): Row[] {
  const rows: Row[] = [];
  const add = (what: string, details: string): void => {
    rows.push({ what, details });
  };
  const cpuModel = cpus()[0]?.model.trim() ?? 'unknown';
  add('CPU', `${cpuModel}, ${availableParallelism()} cores available (os.availableParallelism), ${Math.round(totalmem() / 2 ** 30)} GiB RAM`);
  add('Node', `${process.version} (V8 ${process.versions.v8})`);
  let git = '';
  try {
    const rev = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty =
      execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !==
      '';
    git = `, commit ${rev}${dirty ? ' + uncommitted changes' : ''}`;
  } catch {
    /* not a git checkout */
  }
  const first = (lib: Lib): Slot | undefined => slots.find((s) => s.lib === lib);
  const f = first('fackel');
  add(
    'Fackel',
    f?.info
      ? `${String(f.info.version)}${git}; CPU backend, matmul kernel ${String(f.info.matmulKernel)}; threads (setCpuThreads): ${slots
          .filter((s) => s.lib === 'fackel')
          .map((s) => (s.info ? String(s.info.threads) : `${s.threads}: ${s.error}`))
          .join(', ')}`
      : `not run: ${f?.error ?? '-'}`,
  );
  const fma = first('fackel-fma');
  if (fma !== undefined) {
    add(
      'Fackel FMA',
      fma.info
        ? `the same, in \`node --experimental-wasm-relaxed-simd\` (Node 20 has relaxed SIMD behind that flag; Node 22+ by default): matmul kernel ${String(fma.info.matmulKernel)}`
        : `not run: ${fma.error ?? '-'}`,
    );
  }
  const torchSlots = slots.filter((s) => s.lib === 'torch');
  const t = torchSlots.find((s) => s.info !== null);
  if (t?.info) {
    const i = t.info;
    add(
      'PyTorch',
      `${String(i.version)} (${String(i.executable)}, Python ${String(i.python)}), built with BLAS_INFO=${String(i.blasInfo)}, ATen parallel backend ${String(i.parallelBackend)}`,
    );
    const blas = i.openblas ? `${String(i.openblas)} (${String(i.openblasConfig)})` : `no OpenBLAS loaded; BLAS libraries: ${JSON.stringify(i.blasLibraries)}`;
    add('PyTorch BLAS', blas);
    add(
      'PyTorch threads',
      torchSlots
        .map((s) =>
          s.info
            ? `torch.get_num_threads() ${String(s.info.threads)}, OPENBLAS_NUM_THREADS ${String((s.info.env as Record<string, unknown>)?.OPENBLAS_NUM_THREADS)}, openblas_get_num_threads() ${String(s.info.openblasThreads)}`
            : `${s.threads}: ${s.error}`,
        )
        .join('; '),
    );
  } else {
    add('PyTorch', `not run: ${torchSlots[0]?.error ?? '-'}`);
  }
  const tc = first('tfjs-cpu');
  add('tfjs-cpu', tc?.info ? `@tensorflow/tfjs ${String(tc.info.version)}, cpu backend (plain JavaScript, 1 thread)` : `not run: ${tc?.error ?? '-'}`);
  const tw = first('tfjs-wasm');
  add(
    'tfjs-wasm',
    tw?.info
      ? `@tensorflow/tfjs-backend-wasm ${String(tw.info.wasmVersion)} (XNNPACK), SIMD ${String(tw.info.simd)}, 1 thread: multithreading ${tw.info.multithread ? 'available' : 'unavailable in Node (the threaded build needs cross-origin-isolated browser workers)'}`
      : `not run: ${tw?.error ?? '-'}`,
  );
  return rows;
}

// ---------------------------------------------------------------------------------------------
// the suite

const CHAR_SHAPES = [
  { hidden: 256, batch: 10 },
  { hidden: 256, batch: 128 },
  { hidden: 128, batch: 50 },
] as const;

function charSpec(hidden: number, batch: number): CharRnnSpec {
  return { kind: 'charrnn', hidden, batch, seq: 50, vocab: 65, layers: 2, dropout: 0.5, lr: 2e-3, clip: 5 };
}

/** Multiply-adds per character of one training step's forward pass (the relative cost of a shape). */
function charCost(s: CharRnnSpec): number {
  const perChar = 4 * s.hidden * (s.vocab + s.hidden) + (s.layers - 1) * 4 * s.hidden * 2 * s.hidden + s.hidden * s.vocab;
  return perChar * s.batch * s.seq;
}

export const compareSuite: Suite = {
  name: 'compare',
  description: 'Fackel CPU vs PyTorch (OpenBLAS, 1/2 threads), tfjs-cpu and tfjs-wasm: char-RNN, Pima MLP, per-op overhead, bandwidth, matmul, memory',
  async run(ctx: SuiteContext): Promise<SuiteTable[]> {
    const only = ctx.only ?? [];
    const unknown = only.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
    if (unknown.length > 0) throw new Error(`unknown workload(s) for --only: ${unknown.join(', ')}; available: ${WORKLOADS.join(', ')}`);
    const selected = new Set<Workload>(only.length > 0 ? (only as Workload[]) : WORKLOADS);
    const quick = ctx.quick;
    const threads = ctx.threads ?? [1, 2];
    const cfg: Config = quick
      ? { quick, minSamples: 3, minTimeMs: 250, maxTimeMs: 4000, roundMs: 100, threads }
      : { quick, minSamples: 7, minTimeMs: 1500, maxTimeMs: 30_000, roundMs: 250, threads };

    const notes: string[] = [];
    const lines: Line[] = [];
    const log = ctx.log;

    // workers: Fackel (and Fackel FMA) and PyTorch once per thread count, tfjs once per backend
    const withFma = !relaxedSimdByDefault();
    const timed = [...selected].some((w) => w !== 'memory');
    const slots: Slot[] = [];
    if (timed) {
      log('starting workers');
      const specs: [Lib, number][] = [
        ...threads.map((n) => ['fackel', n] as [Lib, number]),
        ...(withFma ? threads.map((n) => ['fackel-fma', n] as [Lib, number]) : []),
        ...threads.map((n) => ['torch', n] as [Lib, number]),
        ['tfjs-cpu', 1],
        ['tfjs-wasm', 1],
      ];
      for (const [lib, n] of specs) slots.push(await startSlot(lib, n, log));
    } else {
      // --only memory: start one worker per library for the setup table, then stop them
      for (const [lib, n] of [
        ['fackel', Math.max(...threads)],
        ['torch', Math.max(...threads)],
        ['tfjs-cpu', 1],
        ['tfjs-wasm', 1],
      ] as [Lib, number][])
        slots.push(await startSlot(lib, n, log));
    }
    for (const s of slots) if (s.error !== null) notes.push(`${s.name} not measured: ${s.error}`);
    const torchInfo = slots.find((s) => s.lib === 'torch' && s.info !== null)?.info;
    if (torchInfo && !torchInfo.openblas) notes.push('WARNING: PyTorch did not load OpenBLAS (install libopenblas0-pthread: bash scripts/setup-torch.sh).');
    for (const s of slots.filter((x) => x.lib === 'torch' && x.info !== null)) {
      if (s.info!.openblasThreads !== undefined && s.info!.openblasThreads !== null && s.info!.openblasThreads !== s.threads) {
        notes.push(`WARNING: ${s.name}: OpenBLAS reports ${String(s.info!.openblasThreads)} threads, torch ${String(s.info!.threads)}.`);
      }
    }
    const runner = new Runner(slots, cfg, log);
    const maxT = Math.max(...threads);

    try {
      if (selected.has('charrnn')) {
        // cheapest first, so that slow libraries are skipped by estimate rather than by waiting
        const byCost = [...CHAR_SHAPES].sort((a, b) => charCost(charSpec(a.hidden, a.batch)) - charCost(charSpec(b.hidden, b.batch)));
        const measured = new Map<string, Measured[]>();
        for (const sh of byCost) {
          const spec = charSpec(sh.hidden, sh.batch);
          measured.set(
            `${sh.hidden}/${sh.batch}`,
            await runner.measure('charrnn', `char-RNN H${sh.hidden} B${sh.batch}`, spec, {
              group: 'charrnn',
              cost: charCost(spec),
              maxSampleMs: quick ? 5000 : 60_000,
            }),
          );
        }
        for (const sh of CHAR_SHAPES) {
          const ms = measured.get(`${sh.hidden}/${sh.batch}`)!;
          const cps = (t: number): number => (sh.batch * 50) / (t / 1000);
          lines.push(vsTorchTarget(lineFor(ms, `char-RNN train H${sh.hidden} B${sh.batch}, 1 thread`, 'chars/s', 'higher', 1, cps), 1));
          if (maxT > 1) lines.push(vsTorchTarget(lineFor(ms, `char-RNN train H${sh.hidden} B${sh.batch}, best threads`, 'chars/s', 'higher', 'best', cps), 1));
        }
      }

      if (selected.has('pima')) {
        if (!existsSync(PIMA_CSV)) {
          notes.push(`Pima MLP not measured: ${PIMA_CSV} is missing (the shared data folder beside the repository).`);
        } else {
          const ms = await runner.measure('pima', 'Pima MLP epoch', { kind: 'pima', csv: PIMA_CSV, hidden: [6, 4], lr: 0.1 });
          lines.push(
            vsTorchTarget(
              lineFor(ms, 'Pima MLP 8-6-4-1 epoch (759 rows, full batch)', 'ms', 'lower', 'best', (t) => t),
              1,
            ),
          );
        }
      }

      if (selected.has('overhead')) {
        const reps = 1000;
        const ms = await runner.measure('overhead', 'add 1000 floats', { kind: 'add', size: 1000, reps });
        lines.push(
          vsTorchTarget(
            lineFor(ms, 'add of two 1 000-float tensors, per op', 'µs', 'lower', 'best', (t) => (t * 1000) / reps),
            1,
          ),
        );
      }

      if (selected.has('bandwidth')) {
        const n = 1_000_000;
        const addReps = quick ? 3 : 5;
        const copyReps = 10;
        const add = await runner.measure('bandwidth', 'add 1M floats', { kind: 'add', size: n, reps: addReps });
        const copy = await runner.measure('bandwidth', 'copy 1M floats', { kind: 'copy', size: n, reps: copyReps }, { libs: ['fackel', 'torch'] });
        const addLine = lineFor(add, 'add of two 1 000 000-float tensors (12 bytes/element)', 'GB/s', 'higher', 'best', (t) => (12 * n * addReps) / (t * 1e6));
        const copyLine = lineFor(
          copy,
          'copy 1 000 000 floats (8 bytes/element): JS Float32Array.set, torch copy_',
          'GB/s',
          'higher',
          'best',
          (t) => (8 * n * copyReps) / (t * 1e6),
          ['fackel', 'torch'],
        );
        const jsCopy = copyLine.cells.fackel.value;
        const fAdd = addLine.cells.fackel.value;
        lines.push({ ...addLine, target: '≥ 0.8x copy GB/s (memory bandwidth)', met: jsCopy === null || fAdd === null ? null : fAdd >= 0.8 * jsCopy });
        lines.push({ ...copyLine, target: 'reference for the line above', met: null });
        if (jsCopy !== null && fAdd !== null)
          notes.push(
            `Large add: Fackel reaches ${((fAdd / jsCopy) * 100).toFixed(0)} % of the JavaScript copy bandwidth measured in the same process${copyLine.cells.torch.value !== null && addLine.cells.torch.value !== null ? `; PyTorch's add reaches ${((addLine.cells.torch.value / copyLine.cells.torch.value) * 100).toFixed(0)} % of its copy_` : ''}.`,
          );
      }

      if (selected.has('matmul')) {
        const sizes = [128, 256, 512, 1024];
        const reps: Record<number, number> = { 128: quick ? 10 : 20, 256: 4, 512: 1, 1024: 1 };
        const measured = new Map<number, Measured[]>();
        for (const n of sizes) {
          measured.set(
            n,
            await runner.measure(
              'matmul',
              `matmul ${n}`,
              { kind: 'matmul', size: n, reps: reps[n] },
              { group: 'matmul', cost: n ** 3 * reps[n], maxSampleMs: quick ? 2000 : 8000 },
            ),
          );
        }
        for (const t of threads) {
          for (const n of sizes) {
            const l = lineFor(
              measured.get(n)!,
              `matmul ${n}×${n}, ${t} thread${t === 1 ? '' : 's'}`,
              'GFLOP/s',
              'higher',
              t,
              (ms) => (2 * n ** 3 * reps[n]) / (ms * 1e6),
            );
            const vsWasm = advantage(l.cells.fackel, l.cells['tfjs-wasm'], 'higher');
            const vsTorch = advantage(l.cells.fackel, l.cells.torch, 'higher');
            const fmaWasm = advantage(l.cells['fackel-fma'], l.cells['tfjs-wasm'], 'higher');
            const fmaTorch = advantage(l.cells['fackel-fma'], l.cells.torch, 'higher');
            if (n >= 512) {
              lines.push({
                ...l,
                target: '≥ 0.6x PyTorch, > tfjs-wasm',
                met: vsTorch === null || vsWasm === null ? null : vsTorch >= 0.6 && vsWasm > 1,
                metFma: fmaTorch === null || fmaWasm === null ? null : fmaTorch >= 0.6 && fmaWasm > 1,
              });
            } else {
              lines.push({ ...l, target: '> tfjs-wasm', met: vsWasm === null ? null : vsWasm > 1, metFma: fmaWasm === null ? null : fmaWasm > 1 });
            }
          }
        }
      }
    } finally {
      await Promise.all(slots.map((s) => s.client?.close()));
    }

    if (selected.has('memory')) {
      // each library in a fresh process: baseline after imports, peak while training
      const spec = charSpec(128, 50);
      const steps = (lib: Lib): number => (lib.startsWith('tfjs') ? 2 : quick ? 3 : 10);
      log(`memory: char-RNN H128 B50 in fresh processes (Fackel and PyTorch at ${maxT} threads)`);
      const libs: [Lib, number][] = [
        ['fackel', maxT],
        ['torch', maxT],
        ['tfjs-cpu', 1],
        ['tfjs-wasm', 1],
      ];
      const results = await Promise.all(
        libs.map(async ([lib, n]): Promise<Measured> => {
          const m: Measured = { slot: `${LIB_LABEL[lib]} ${n}T`, lib, threads: n, medianMs: null, samples: [], warmupMs: [] };
          const s = await startSlot(lib, n, log);
          if (s.client === null) {
            m.error = s.error ?? 'not started';
            return m;
          }
          try {
            const r = await s.client.request({ op: 'memory', spec, steps: steps(lib) }, 900_000);
            // medianMs carries the peak RSS above baseline (MiB) through the row helpers
            m.medianMs = (r.peakKB! - r.baselineKB!) / 1024;
            m.note = `baseline ${(r.baselineKB! / 1024).toFixed(0)} MiB, peak ${(r.peakKB! / 1024).toFixed(0)} MiB, ${steps(lib)} steps`;
            m.samples = [m.medianMs];
          } catch (e) {
            m.error = firstLine(e);
          } finally {
            await s.client.close();
          }
          log(`  ${m.slot}: ${m.note ?? m.error}`);
          return m;
        }),
      );
      runner.results.push({ workload: 'memory', key: 'peak RSS char-RNN H128 B50', spec, measured: results });
      lines.push(
        vsTorchTarget(
          lineFor(results, `peak RSS above baseline, char-RNN training H128 B50 (${maxT} threads)`, 'MiB', 'lower', 'best', (v) => v),
          1,
        ),
      );
      notes.push(
        `Memory: ${results.map((m) => `${m.slot}: ${m.note ?? m.error}`).join('; ')}. Each library in a fresh process; baseline = maxRSS after imports, before the model (Node: process.resourceUsage().maxRSS, Python: getrusage ru_maxrss).`,
      );
    }

    // notes on anything that was skipped or failed
    for (const r of runner.results) {
      for (const m of r.measured) {
        if (m.skipped !== undefined) notes.push(`${r.key}, ${m.slot}: skipped (${m.skipped}).`);
        else if (m.error !== undefined && !slots.some((s) => s.name === m.slot && s.error !== null)) notes.push(`${r.key}, ${m.slot}: error: ${m.error}`);
        else if (m.note !== undefined && r.workload !== 'memory') notes.push(`${r.key}, ${m.slot}: ${m.note}.`);
      }
    }
    notes.push(
      'Fackel/X columns: Fackel\'s advantage, > 1 = Fackel better (rates: Fackel ÷ X; times and memory: X ÷ Fackel). "best threads" = the faster of each library\'s thread counts (tag in brackets); tfjs runs on one thread.',
      ...(withFma
        ? [
            'Fackel FMA: the same Fackel in `node --experimental-wasm-relaxed-simd`: this Node (20) has WebAssembly relaxed SIMD behind that flag, Node 22+ by default, and with it the matmul kernel multiplies and adds in one FMA instruction. The Fackel column is what Node 20 gives without flags; "met?" judges it.',
          ]
        : []),
      `Timing: every library in its own worker process, interleaved round by round; after warm-up, the median of ≥ ${cfg.minSamples} samples and ≥ ${cfg.minTimeMs} ms per library (at most ${cfg.maxTimeMs / 1000} s), timed inside the worker.`,
    );

    const resultsTable: SuiteTable = {
      title: `Fackel CPU vs PyTorch and TensorFlow.js${quick ? ' (--quick)' : ''}`,
      columns: [
        { key: 'workload', label: 'workload' },
        { key: 'fackel', label: 'Fackel', align: 'right' as const },
        ...(withFma ? [{ key: 'fackelFma', label: 'Fackel FMA', align: 'right' as const }] : []),
        { key: 'torch', label: 'PyTorch', align: 'right' as const },
        { key: 'tfjsCpu', label: 'tfjs-cpu', align: 'right' as const },
        { key: 'tfjsWasm', label: 'tfjs-wasm', align: 'right' as const },
        { key: 'vsTorch', label: 'Fackel/PyTorch', align: 'right' as const },
        ...(withFma ? [{ key: 'vsTorchFma', label: 'Fackel FMA/PyTorch', align: 'right' as const }] : []),
        { key: 'vsTfjsCpu', label: 'Fackel/tfjs-cpu', align: 'right' as const },
        { key: 'vsTfjsWasm', label: 'Fackel/tfjs-wasm', align: 'right' as const },
        { key: 'target', label: 'target' },
        { key: 'met', label: 'met?' },
        ...(withFma ? [{ key: 'metFma', label: 'met with FMA?' }] : []),
      ],
      rows: lines.map(toRow),
      notes,
      raw: { config: cfg, lines, measurements: runner.results, workers: slots.map((s) => ({ name: s.name, info: s.info, error: s.error })) },
    };
    const setupTable: SuiteTable = {
      title: 'Setup',
      columns: [
        { key: 'what', label: 'component' },
        { key: 'details', label: 'details' },
      ],
      rows: machine(slots),
    };
    return [resultsTable, setupTable];
  },
};
