/**
 * Fackel benchmarks: `pnpm bench [--suite name]... [--quick] [--list]`.
 *
 * Prints each suite's tables (Fackel next to its reference) and writes everything to
 * `bench-results/<timestamp>.json` at the repository root.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, arch, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getCpuThreads } from '@fackel/backend-cpu';
import { collectGarbage, type MeasureOptions } from './harness.js';
import type { SuiteContext, SuiteTable } from './suite.js';
import { suites } from './suites/index.js';
import { formatTable } from './table.js';

const USAGE = `usage: pnpm bench [--suite <name>]... [--quick] [--list]

  --suite <name>  run only this suite (repeatable); default: all
  --quick         fewer sizes and shorter measurements
  --list          list the suites and exit
  --no-json       do not write bench-results/<timestamp>.json
`;

interface SuiteReport {
  name: string;
  description: string;
  seconds: number;
  tables?: SuiteTable[];
  error?: string;
}

function systemInfo(): Record<string, string | number> {
  const cpuList = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${platform()} ${arch()}`,
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    fackelCpuThreads: getCpuThreads(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        suite: { type: 'string', multiple: true },
        quick: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        'no-json': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.list) {
    for (const s of suites) process.stdout.write(`${s.name.padEnd(14)} ${s.description}\n`);
    return 0;
  }
  const wanted = args.suite ?? [];
  const unknown = wanted.filter((n) => !suites.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; available: ${suites.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const selected = wanted.length > 0 ? suites.filter((s) => wanted.includes(s.name)) : [...suites];
  const quick = args.quick === true;

  const info = systemInfo();
  process.stdout.write(`Fackel benchmarks${quick ? ' (quick)' : ''}\n`);
  process.stdout.write(`node ${info.node} (V8 ${info.v8}), ${info.platform}\n`);
  process.stdout.write(`CPU: ${info.cpu}, ${info.cores} threads available, Fackel CPU threads: ${info.fackelCpuThreads}\n`);
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    process.stdout.write('(run with node --expose-gc for steadier numbers)\n');
  }

  const measureOptions: MeasureOptions = quick ? { minTimeMs: 250, minSamples: 3 } : { minTimeMs: 1000, minSamples: 5 };
  const ctx: SuiteContext = {
    quick,
    measureOptions,
    log: (m) => process.stderr.write(`  … ${m}\n`),
  };

  const reports: SuiteReport[] = [];
  let failed = 0;
  for (const suite of selected) {
    process.stdout.write(`\n== ${suite.name}: ${suite.description}\n`);
    collectGarbage();
    const t0 = performance.now();
    try {
      const tables = await suite.run(ctx);
      const seconds = (performance.now() - t0) / 1000;
      for (const t of tables) {
        process.stdout.write(`\n${t.title}\n${formatTable(t.columns, t.rows)}\n`);
        for (const n of t.notes ?? []) process.stdout.write(`  note: ${n}\n`);
      }
      reports.push({ name: suite.name, description: suite.description, seconds, tables });
    } catch (e) {
      failed++;
      const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
      process.stdout.write(`suite ${suite.name} failed: ${msg}\n`);
      reports.push({ name: suite.name, description: suite.description, seconds: (performance.now() - t0) / 1000, error: msg });
    }
  }

  if (args['no-json'] !== true) {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const dir = join(root, 'bench-results');
    mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(dir, `${stamp}.json`);
    writeFileSync(file, `${JSON.stringify({ timestamp: new Date().toISOString(), quick, system: info, suites: reports }, null, 2)}\n`);
    process.stdout.write(`\nresults written to ${file}\n`);
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
