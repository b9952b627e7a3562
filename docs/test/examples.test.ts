// Every ```ts block the docs show, checked:
// 1. every public export of the documented packages has a TSDoc comment with an @example;
// 2. all examples (TSDoc comments and guides) type-check in one tsc program against the
//    packages' sources (`customConditions: ["@fackel/source"]`);
// 3. those that print (`console.log`) and need no GPU are run, each in its own Node process
//    in which `fackel` was imported first (the CPU device registered, autograd on).
// Fence flags `no-run` and `no-check` opt an example out (see CONTRIBUTING.md).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, apiExamples, compilerOptions, documentedPackages, guideExamples, type Example } from './support/extract.js';

/** How long one example may run. */
const EXAMPLE_TIMEOUT_MS = 20_000;
/** Examples run in parallel, one process per core (at least two). */
const PARALLEL = Math.max(2, availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((go) => waiting.push(go));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}
const SUPPORT = join(ROOT, 'docs/test/support');

/** Runs an example file in a fresh Node process (see support/run-example.mjs). */
/**
 * Runs an example file in a fresh Node process (see support/run-example.mjs), in an empty
 * scratch directory that is removed afterwards, so files an example writes (checkpoints,
 * `model.safetensors`) never land in the repository.
 */
function runExample(file: string, timeout: number, sourceMaps = false): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }> {
  const args = [
    '--conditions=@fackel/source',
    ...(sourceMaps ? ['--enable-source-maps'] : []),
    '--import',
    join(SUPPORT, 'register.mjs'),
    join(SUPPORT, 'run-example.mjs'),
    file,
  ];
  const cwd = mkdtempSync(join(tmpdir(), 'fackel-docs-example-'));
  return new Promise((done) => {
    execFile(
      process.execPath,
      args,
      { cwd, timeout, killSignal: 'SIGKILL', maxBuffer: 16 << 20, env: { ...process.env, NODE_OPTIONS: '' } },
      (err, stdout, stderr) => {
        rmSync(cwd, { recursive: true, force: true });
        const e = err as (Error & { code?: number | string; killed?: boolean; signal?: string }) | null;
        done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr, timedOut: !!e?.killed && e.signal === 'SIGKILL' });
      },
    );
  });
}

const OUT = join(ROOT, 'docs/.examples');
const { examples: api, gaps } = apiExamples();
const guides = guideExamples();
const all = [...api, ...guides];

// One file per example, named after where it is shown (the transpile cache in .cache stays).
mkdirSync(OUT, { recursive: true });
for (const f of readdirSync(OUT)) if (f.endsWith('.ts')) rmSync(join(OUT, f));
const fileOf = new Map<Example, string>();
for (const ex of all) {
  const name = `${ex.id.replace(/[/\\]/g, '__').replace(/[^\w.-]/g, '_')}.ts`;
  const file = join(OUT, name);
  // `export {}` makes every example a module (top-level await, no global name clashes).
  writeFileSync(file, `${ex.code}\nexport {};\n`);
  fileOf.set(ex, file);
}

/** Fails with one line per problem (a plain list diff would be cut short). */
function expectNone(problems: readonly string[], what: string): void {
  if (problems.length > 0) throw new Error(`${problems.length} ${what}:\n  ${problems.join('\n  ')}`);
}

const checked = all.filter((ex) => !ex.flags.has('no-check'));
// Run: examples that print, need no GPU, and have real values (`declare const x: T` only shows types).
const runnable = checked.filter(
  (ex) => !ex.flags.has('no-run') && /\bconsole\.log\(/.test(ex.code) && !/webgpu/i.test(ex.code) && !/^\s*declare\s/m.test(ex.code),
);

describe('docs', () => {
  it('finds the examples', () => {
    expect(api.length).toBeGreaterThan(100);
    expect(guides.length).toBeGreaterThan(10);
  });

  it('typedoc.json documents every package and requires documentation of each', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as { entryPoints: string[]; packagesRequiringDocumentation: string[] };
    const dirs = readdirSync(join(ROOT, 'packages'))
      .map((d) => `packages/${d}`)
      .filter((d) => existsSync(join(ROOT, d, 'package.json')) && existsSync(join(ROOT, d, 'src/index.ts')));
    expect([...config.entryPoints].sort()).toEqual(dirs.sort());
    const names = dirs.map((d) => (JSON.parse(readFileSync(join(ROOT, d, 'package.json'), 'utf8')) as { name: string }).name);
    expect([...config.packagesRequiringDocumentation].sort()).toEqual(names.sort());
  });

  it('every public export has a TSDoc comment with an @example', () => {
    expectNone(
      gaps.map((g) => `${g.file}:${g.line} ${g.symbol}: missing ${g.missing}`),
      'public exports lack a TSDoc comment or an @example',
    );
  });

  it('examples use only known fence flags (no-run, no-check)', () => {
    expectNone(
      all.filter((ex) => ex.unknownFlags.length > 0).map((ex) => `${ex.id}: ${ex.unknownFlags.join(' ')}`),
      'examples have unknown fence flags',
    );
  });

  it('every example compiles against the sources', () => {
    const byFile = new Map([...fileOf].map(([ex, f]) => [f, ex] as const));
    const files = checked.map((ex) => fileOf.get(ex)!);
    const program = ts.createProgram(files, compilerOptions());
    const problems: string[] = [];
    for (const file of files) {
      const sf = program.getSourceFile(file)!;
      const ex = byFile.get(file)!;
      for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
        const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
        problems.push(`${ex.file}:${ex.line + line} (${ex.owner}): TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
      }
    }
    expectNone(problems, 'compile errors in docs examples');
  });

  describe.concurrent('runs the examples that print', () => {
    // Warm the transpile cache once, so the parallel runs below start in a fraction of a second.
    beforeAll(async () => {
      const warm = join(OUT, '_warm.ts');
      const pkgs = documentedPackages()
        .map((dir) => (JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { name: string }).name)
        .filter((name) => !name.includes('webgpu') && name !== '@fackel/testkit');
      writeFileSync(warm, `${pkgs.map((n) => `import '${n}';`).join('\n')}\nexport {};\n`);
      await runExample(warm, 120_000);
    }, 130_000);

    for (const ex of runnable) {
      it(
        ex.id,
        async () => {
          let r = await slot(() => runExample(fileOf.get(ex)!, EXAMPLE_TIMEOUT_MS));
          // On failure, run again with source maps for a stack that points into the .ts files.
          if (r.code !== 0 && !r.timedOut) r = await slot(() => runExample(fileOf.get(ex)!, EXAMPLE_TIMEOUT_MS, true));
          // DOCS_PRINT=1 shows what each example printed (to check the comments that show output).
          if (process.env.DOCS_PRINT) process.stdout.write(`\n--- ${ex.id}\n${r.stdout}`);
          if (r.timedOut) throw new Error(`${ex.file}:${ex.line} (${ex.owner}) ran longer than ${EXAMPLE_TIMEOUT_MS / 1000} s; mark it \`no-run\` if it must`);
          if (r.code !== 0) throw new Error(`${ex.file}:${ex.line} (${ex.owner}) failed:\n${r.stderr}\nprinted:\n${r.stdout}`);
          expect(r.stdout.trim().length, `${ex.file}:${ex.line} (${ex.owner}) printed nothing`).toBeGreaterThan(0);
        },
        10 * EXAMPLE_TIMEOUT_MS,
      ); // includes waiting for a free slot
    }
  });
});
