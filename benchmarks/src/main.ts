/**
 * Fackel benchmarks: `pnpm bench [--quick] [--only <workload>]... [--suite <name>]... [--list]`.
 *
 * Without `--suite`, runs the comparison (suite `compare`): Fackel's CPU backend next to
 * PyTorch, tfjs-cpu and tfjs-wasm. Prints each suite's tables as Markdown, writes the
 * comparison to `benchmarks/results/latest.md` and `latest.json`, and every run's data to
 * `bench-results/<timestamp>.json` at the repository root (ignored by git).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, arch, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getCpuThreads } from '@fackel/backend-cpu';
import { collectGarbage, type MeasureOptions } from './harness.js';
import type { SuiteContext, SuiteTable } from './suite.js';
import { WORKLOADS } from './suites/compare.js';
import { DEFAULT_SUITES, suites } from './suites/index.js';
import { formatTable } from './table.js';

const USAGE = `usage: pnpm bench [--quick] [--only <workload>]... [--suite <name>]... [--list]

  --quick            a fast smoke run: fewer samples, slow libraries skipped sooner
  --only <workload>  run only these workloads of the comparison (repeatable or comma-separated):
                     ${WORKLOADS.join(', ')}
  --threads <list>   thread counts for Fackel and PyTorch (default 1,2)
  --suite <name>     run this suite instead of the comparison (repeatable); --list shows them
  --list             list the suites and exit
  --no-json          do not write bench-results/<timestamp>.json or benchmarks/results/
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

function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function markdownReport(reports: SuiteReport[], info: Record<string, string | number>, quick: boolean, argv: string[]): string {
  const out: string[] = [];
  out.push(`# Fackel benchmarks${quick ? ' (--quick)' : ''}`, '');
  out.push(
    `Run ${new Date().toISOString()}: \`pnpm bench${argv.length ? ` ${argv.join(' ')}` : ''}\`, ${info.cpu}, ${info.cores} cores, Node ${info.node}.`,
    '',
  );
  for (const r of reports) {
    if (r.error !== undefined) {
      out.push(`## ${r.name}: failed`, '', '```', r.error, '```', '');
      continue;
    }
    for (const t of r.tables ?? []) {
      out.push(`## ${t.title}`, '', formatTable(t.columns, t.rows), '');
      for (const n of t.notes ?? []) out.push(`- ${n}`);
      if ((t.notes ?? []).length > 0) out.push('');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

async function main(): Promise<number> {
  // `pnpm run bench -- --quick` may pass the separator through
  const argv = process.argv.slice(2).filter((a, i) => !(a === '--' && i === 0));
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        suite: { type: 'string', multiple: true },
        only: { type: 'string', multiple: true },
        threads: { type: 'string' },
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
    for (const s of suites) process.stdout.write(`${s.name.padEnd(14)} ${DEFAULT_SUITES.includes(s.name) ? '(default) ' : ''}${s.description}\n`);
    return 0;
  }
  const wanted = splitList(args.suite);
  const unknown = wanted.filter((n) => !suites.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; available: ${suites.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const only = splitList(args.only);
  const badOnly = only.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
  if (badOnly.length > 0) {
    process.stderr.write(`unknown workload(s) for --only: ${badOnly.join(', ')}; available: ${WORKLOADS.join(', ')}\n`);
    return 2;
  }
  if (only.length > 0 && wanted.length > 0 && !wanted.includes('compare')) {
    process.stderr.write('--only selects workloads of the comparison (suite compare)\n');
    return 2;
  }
  let threads: number[] | undefined;
  if (args.threads !== undefined) {
    threads = args.threads.split(',').map(Number);
    if (threads.length === 0 || !threads.every((n) => Number.isInteger(n) && n >= 1)) {
      process.stderr.write(`--threads: expected a comma-separated list of whole numbers >= 1, got ${args.threads}\n`);
      return 2;
    }
  }
  const selected = suites.filter((s) => (wanted.length > 0 ? wanted : DEFAULT_SUITES).includes(s.name));
  const quick = args.quick === true;

  const info = systemInfo();
  process.stdout.write(`Fackel benchmarks${quick ? ' (quick)' : ''}\n`);
  process.stdout.write(`node ${info.node} (V8 ${info.v8}), ${info.platform}\n`);
  process.stdout.write(`CPU: ${info.cpu}, ${info.cores} threads available\n`);
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    process.stdout.write('(run with node --expose-gc for steadier numbers)\n');
  }

  const measureOptions: MeasureOptions = quick ? { minTimeMs: 250, minSamples: 3 } : { minTimeMs: 1000, minSamples: 5 };
  const ctx: SuiteContext = {
    quick,
    measureOptions,
    log: (m) => process.stderr.write(`  … ${m}\n`),
    only,
    ...(threads !== undefined ? { threads } : {}),
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
        process.stdout.write(`\n### ${t.title}\n\n${formatTable(t.columns, t.rows)}\n`);
        if ((t.notes ?? []).length > 0) process.stdout.write('\n');
        for (const n of t.notes ?? []) process.stdout.write(`- ${n}\n`);
      }
      process.stdout.write(`\n(${suite.name}: ${seconds.toFixed(0)} s)\n`);
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
    const report = { timestamp: new Date().toISOString(), quick, argv, system: info, suites: reports };
    const dir = join(root, 'bench-results');
    mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(dir, `${stamp}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\nresults written to ${file}\n`);
    if (selected.some((s) => s.name === 'compare')) {
      const resultsDir = join(root, 'benchmarks', 'results');
      mkdirSync(resultsDir, { recursive: true });
      writeFileSync(join(resultsDir, 'latest.md'), markdownReport(reports, info, quick, argv));
      writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(`and to ${join(resultsDir, 'latest.md')} (+ latest.json)\n`);
    }
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
