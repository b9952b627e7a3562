/**
 * The contract between the benchmark runner and a suite. A suite lives in `suites/<name>.ts`,
 * exports a `Suite`, and is listed in `suites/index.ts`.
 */
import type { MeasureOptions } from './harness.js';
import type { Column, Row } from './table.js';

/** What the runner gives a suite. */
export interface SuiteContext {
  /** `--quick`: fewer sizes and shorter measurements (a smoke run). */
  readonly quick: boolean;
  /** Default measurement options for this run (shorter when quick). */
  readonly measureOptions: MeasureOptions;
  /** Progress output (stderr), so that tables on stdout stay clean. */
  log(message: string): void;
  /** `--only`: the workloads to run, for suites that have several (empty or absent: all). */
  readonly only?: readonly string[];
  /** `--threads`: the thread counts to compare (default 1 and 2). */
  readonly threads?: readonly number[];
}

/** One printed table of results; rows are also written to the JSON report. */
export interface SuiteTable {
  title: string;
  columns: Column[];
  rows: Row[];
  notes?: string[];
  /** Machine-readable details for the JSON report (not printed). */
  raw?: unknown;
}

/** A benchmark suite. */
export interface Suite {
  /** Short name used with `--suite`. */
  readonly name: string;
  /** One line describing what is compared. */
  readonly description: string;
  run(ctx: SuiteContext): Promise<SuiteTable[]>;
}

/** Fackel's advantage: `reference / fackel` for times, `fackel / reference` for rates. */
export function speedup(fackel: number | null, reference: number | null, kind: 'time' | 'rate'): number | null {
  if (fackel === null || reference === null || fackel <= 0 || reference <= 0) return null;
  return kind === 'time' ? reference / fackel : fackel / reference;
}
