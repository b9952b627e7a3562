// What `npm install fackel` gives a user, checked the way a user gets it: every publishable
// package is built (`tsc -b`) and packed (`pnpm pack`, which turns `workspace:^` into real
// ranges), and the tarballs are installed with npm into fresh projects outside the repository.
//
// No network at test time: npm runs with `--offline`, a fresh empty cache and a registry
// address that does not answer, so every package must come from a tarball given on the
// command line. Fackel's own packages come from `pnpm pack`; their external dependencies
// (csv-parse) are packed here from the copies that `pnpm install` put into the workspace (the
// pnpm store), so the test needs nothing the bootstrap did not already fetch. npm never has
// to resolve a version: each dependency edge is satisfied by a tarball installed at the top.
//
// Checked in the installed project:
// - the install budget: `fackel` adds at most 15 packages and 6 MB (5.1 MB today: JavaScript,
//   declarations, source maps and the TypeScript sources they point to);
// - an ESM program trains a tiny model with `nn` and `optim` from `fackel`;
// - CommonJS `require('fackel')` works (fackel is ESM-only; Node ^20.19 / >=22.12, its
//   engines range, load ES modules through require);
// - the optional parts (WebGPU, the large data sets) fail with an error naming the package;
// - `tsc --noEmit` against the installed .d.ts under `module: node16`, `moduleResolution:
//   bundler`, and CommonJS under `module: node20`;
// - publint and @arethetypeswrong/cli (profile esm-only: fackel ships no CommonJS build) report
//   no problem for any tarball;
// - a second, newer copy of @fackel/tensor nested under @fackel/nn (what npm does once a patch
//   release of tensor meets an older one) still trains, and an incompatible copy says so.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');
/** The install budget of `npm install fackel`. */
const MAX_PACKAGES = 15;
const MAX_BYTES = 6_000_000;

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeout = 120_000): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string }) | null;
      done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr: e && typeof e.code !== 'number' ? `${stderr}\n${e.message}` : stderr });
    });
  });
}

async function ok(cmd: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv, timeout?: number): Promise<string> {
  const r = await run(cmd, args, cwd, env, timeout);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs async jobs at most `n` at a time (the machine may have two cores). */
async function limited<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The pinned pnpm: on PATH or the project-local one that scripts/bootstrap.sh installs. */
async function findPnpm(): Promise<string> {
  const want = readJson<{ packageManager: string }>(join(ROOT, 'package.json')).packageManager.split('@')[1];
  for (const cand of [join(ROOT, '.tools/node_modules/.bin/pnpm'), 'pnpm']) {
    const r = await run(cand, ['--version'], ROOT);
    if (r.code === 0 && r.stdout.trim() === want) return cand;
  }
  throw new Error(`pnpm ${want} not found: run scripts/bootstrap.sh (npm test does)`);
}

/** Where Node would find package `name` from `fromDir` (node_modules lookup), as a real path. */
function packageDir(name: string, fromDir: string): string {
  for (let d = fromDir; ; d = dirname(d)) {
    const cand = join(d, 'node_modules', name);
    if (existsSync(join(cand, 'package.json'))) return realpathSync(cand);
    if (dirname(d) === d) throw new Error(`${name} is not installed where ${fromDir} can see it; run pnpm install`);
  }
}

/** Total size of the files under `dir` (apparent size, symlinks not followed). */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += bytesUnder(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** An environment for npm without pnpm's `npm_config_*` variables and with no way to the network. */
function npmEnv(cache: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|pnpm_)/i.test(k)) env[k] = v;
  return {
    ...env,
    npm_config_cache: cache,
    npm_config_offline: 'true',
    npm_config_registry: 'http://127.0.0.1:9/', // nothing listens there: a lookup would fail, not download
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'error',
  };
}

let work: string;
let pnpm: string;
/** Tarballs of Fackel's publishable packages, by package name. */
const tarballs = new Map<string, { file: string; dir: string; manifest: Manifest }>();
/** Tarballs of external dependencies, by package name. */
const external = new Map<string, string>();
let app: string;
let appInstall: Run;

/** Packs an external dependency from its installed copy (the pnpm store) into a tarball. */
function packExternal(name: string, dir: string): string {
  const stage = join(work, 'external', name.replace('/', '+'));
  cpSync(dir, join(stage, 'package'), { recursive: true, dereference: true });
  return join(stage, `${name.replace('@', '').replace('/', '-')}.tgz`);
}

/** Every tarball `npm install <pkg>` needs, following dependencies, optional and required peer dependencies. */
async function closureOf(roots: readonly string[]): Promise<string[]> {
  const out = new Map<string, string>();
  const pending: Promise<void>[] = [];
  const visit = (name: string, fromDir: string): void => {
    if (out.has(name)) return;
    const own = tarballs.get(name);
    let manifest: Manifest;
    let dir: string;
    if (own) {
      out.set(name, own.file);
      manifest = own.manifest;
      dir = own.dir;
    } else {
      dir = packageDir(name, fromDir);
      manifest = readJson<Manifest>(join(dir, 'package.json'));
      let file = external.get(name);
      if (!file) {
        file = packExternal(name, dir);
        external.set(name, file);
        pending.push(ok('tar', ['-czf', file, '-C', dirname(file), 'package'], work).then(() => undefined));
      }
      out.set(name, file);
    }
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter((p) => !manifest.peerDependenciesMeta?.[p]?.optional);
    for (const dep of [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {}), ...peers]) visit(dep, dir);
  };
  for (const r of roots) visit(r, ROOT);
  await Promise.all(pending);
  return [...out.values()];
}

/** A fresh npm project in the scratch directory with the fixtures' scripts. */
function newProject(name: string, extra: Record<string, unknown> = {}): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '0.0.0', private: true, type: 'module', ...extra }, null, 2));
  for (const f of readdirSync(FIXTURES)) cpSync(join(FIXTURES, f), join(dir, f));
  return dir;
}

function npmInstall(dir: string, files: readonly string[]): Promise<Run> {
  return run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...files], dir, npmEnv(join(work, 'npm-cache')), 180_000);
}

function node(dir: string, script: string): Promise<Run> {
  return run(process.execPath, [script], dir, { ...process.env, NODE_OPTIONS: '' }, 60_000);
}

function lastJson<T>(r: Run, what: string): T {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'fackel-consumer-'));
  pnpm = await findPnpm();
  const dirs = readdirSync(join(ROOT, 'packages'))
    .map((d) => join(ROOT, 'packages', d))
    .filter((d) => existsSync(join(d, 'package.json')) && !readJson<Manifest>(join(d, 'package.json')).private);
  // Build what gets packed (incremental: quick when bootstrap already built it).
  await ok(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', ...dirs], ROOT, process.env, 300_000);
  const dest = join(work, 'tarballs');
  mkdirSync(dest);
  await limited(dirs, 2, async (dir) => {
    const out = await ok(pnpm, ['pack', '--pack-destination', dest], dir);
    const file = out.trim().split('\n').pop()!.trim();
    if (!file.endsWith('.tgz') || !existsSync(file)) throw new Error(`pnpm pack in ${dir} printed no tarball:\n${out}`);
    const manifest = readJson<Manifest>(join(dir, 'package.json'));
    tarballs.set(manifest.name, { file, dir, manifest });
  });
  // The user's project: `npm install fackel`, from the tarballs only.
  app = newProject('app');
  appInstall = await npmInstall(app, await closureOf(['fackel']));
}, 420_000);

afterAll(() => {
  if (work && !process.env.FACKEL_KEEP_CONSUMER) rmSync(work, { recursive: true, force: true });
});

describe('npm install fackel (from the packed tarballs, offline)', () => {
  it('packs every publishable package, each with a README and the LICENSE', async () => {
    const names = [...tarballs.keys()].sort();
    expect(names).toEqual(
      [
        '@fackel/autograd',
        '@fackel/backend-cpu',
        '@fackel/backend-webgpu',
        '@fackel/charrnn',
        '@fackel/data',
        '@fackel/datasets',
        '@fackel/nn',
        '@fackel/optim',
        '@fackel/tensor',
        '@fackel/tools',
        'fackel',
      ].sort(),
    );
    for (const [name, { file, dir }] of tarballs) {
      const files = (await ok('tar', ['-tzf', file], work)).split('\n');
      expect(files, name).toEqual(
        expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/package.json', 'package/dist/index.js', 'package/dist/index.d.ts']),
      );
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), `${name}'s LICENSE`).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    }
  });

  it('installs without the network', () => {
    expect(appInstall.code, `npm install failed:\n${appInstall.stderr}\n${appInstall.stdout}`).toBe(0);
  });

  it(`adds at most ${MAX_PACKAGES} packages and ${MAX_BYTES / 1e6} MB, without WebGPU or the data sets`, () => {
    const lock = readJson<{ packages: Record<string, { version?: string }> }>(join(app, 'node_modules/.package-lock.json'));
    const installed = Object.keys(lock.packages)
      .filter((p) => p !== '')
      .map((p) => p.replace(/^.*node_modules\//, ''));
    const bytes = bytesUnder(join(app, 'node_modules')) - statSync(join(app, 'node_modules/.package-lock.json')).size;
    console.log(`npm install fackel: ${installed.length} packages, ${(bytes / 1e6).toFixed(2)} MB (${installed.sort().join(', ')})`);
    expect(installed).toContain('fackel');
    expect(installed).toEqual(expect.arrayContaining(['@fackel/nn', '@fackel/optim', '@fackel/data']));
    expect(installed.filter((p) => p === '@fackel/backend-webgpu' || p === 'webgpu' || p === '@fackel/datasets' || p.startsWith('@stdlib/'))).toEqual([]);
    expect(installed.length).toBeLessThanOrEqual(MAX_PACKAGES);
    expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
    for (const name of installed.filter((p) => p === 'fackel' || p.startsWith('@fackel/'))) {
      const dir = join(app, 'node_modules', name);
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), `${name}'s LICENSE`).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
      expect(existsSync(join(dir, 'README.md')), `${name} has no README.md`).toBe(true);
    }
  });

  it('trains a tiny model with nn and optim from fackel (ESM)', async () => {
    const r = lastJson<{ before: number; after: number; grew: number; tensorOfNn: string }>(await node(app, 'train.mjs'), 'train.mjs');
    expect(r.after).toBeLessThan(r.before / 10);
    expect(r.grew).toBe(0);
    expect(r.tensorOfNn).toBe(join(realpathSync(app), 'node_modules/@fackel/tensor/dist/index.js'));
  });

  it("loads with CommonJS require('fackel') (require(esm), Node ^20.19 || >=22.12)", async () => {
    expect(lastJson(await node(app, 'require.cjs'), 'require.cjs')).toEqual({ shape: [1, 1], matmul: [[11]] });
  });

  it('names the package to install for WebGPU and for the large data sets', async () => {
    const r = lastJson<Record<string, string>>(await node(app, 'optional.mjs'), 'optional.mjs');
    expect(r.moby).toBe(
      "textCorpus('moby-dick') needs the optional package @fackel/datasets, which is not installed: install it with `npm install @fackel/datasets`",
    );
    expect(r.names).toBe('names() needs the optional package @fackel/datasets, which is not installed: install it with `npm install @fackel/datasets`');
    expect(r.webgpu).toMatch(/^device 'webgpu' needs the package @fackel\/backend-webgpu: install it with `npm install @fackel\/backend-webgpu`/);
  });

  it('type-checks against the installed .d.ts (node16, bundler, CommonJS under node20)', async () => {
    const base = { target: 'es2022', lib: ['es2023'], strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] };
    const configs = {
      // skipLibCheck off once: the published declaration files must be complete on their own.
      'tsconfig.node16.json': { compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16', skipLibCheck: false }, files: ['types.ts'] },
      'tsconfig.bundler.json': { compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true }, files: ['types.ts'] },
      'tsconfig.node20.json': { compilerOptions: { ...base, module: 'node20', moduleResolution: 'node16', skipLibCheck: true }, files: ['types-cjs.cts'] },
    };
    for (const [f, c] of Object.entries(configs)) writeFileSync(join(app, f), JSON.stringify(c, null, 2));
    const r = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', ...Object.keys(configs)], app, process.env, 240_000);
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.code).toBe(0);
  }, 240_000);

  it('passes publint and @arethetypeswrong/cli for every tarball', async () => {
    const bin = (name: string): string => join(ROOT, 'node_modules/.bin', name);
    const problems = await limited([...tarballs.values()], 2, async ({ file, manifest }) => {
      const out: string[] = [];
      const lint = await run(bin('publint'), ['run', file, '--strict'], work);
      if (lint.code !== 0 || !/All good!/.test(lint.stdout)) out.push(`publint ${manifest.name}:\n${lint.stdout}${lint.stderr}`);
      // esm-only: Fackel ships ES modules only (see the fackel README on CommonJS), so the
      // node10 and node16-from-CommonJS resolutions are out of scope; all else must be right.
      const attw = await run(bin('attw'), [file, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color', '--no-emoji'], work);
      if (attw.code !== 0) out.push(`attw ${manifest.name}:\n${attw.stdout}${attw.stderr}`);
      return out;
    });
    expect(problems.flat().join('\n')).toBe('');
  }, 240_000);
});

describe('a second copy of @fackel/tensor (a newer patch release nested under @fackel/nn)', () => {
  let skew: string;
  let nested: string;

  beforeAll(async () => {
    // @fackel/tensor as its next patch release would be packed: the same files, version + 1.
    const own = tarballs.get('@fackel/tensor')!;
    const next = own.manifest.version.replace(/\d+$/, (p) => String(Number(p) + 1));
    const stage = join(work, 'tensor-next');
    mkdirSync(stage);
    await ok('tar', ['-xzf', own.file, '-C', stage], work);
    const pj = join(stage, 'package/package.json');
    writeFileSync(pj, JSON.stringify({ ...readJson<Manifest>(pj), version: next }, null, 2));
    const file = join(work, `fackel-tensor-${next}.tgz`);
    await ok('tar', ['-czf', file, '-C', stage, 'package'], work);
    // The application keeps tensor 0.x.y at the top; @fackel/nn gets the newer copy nested.
    skew = newProject('skew', { overrides: { '@fackel/nn': { '@fackel/tensor': `file:${file}` } } });
    const r = await npmInstall(skew, await closureOf(['fackel']));
    if (r.code !== 0) throw new Error(`npm install (skewed) failed:\n${r.stderr}\n${r.stdout}`);
    nested = join(realpathSync(skew), 'node_modules/@fackel/nn/node_modules/@fackel/tensor');
    expect(readJson<Manifest>(join(nested, 'package.json')).version).toBe(next);
  }, 240_000);

  it('trains a step: the copies share the device registry, grad mode and tidy scopes', async () => {
    const r = lastJson<{ before: number; after: number; grew: number; tensorOfNn: string }>(await node(skew, 'train.mjs'), 'train.mjs (skewed)');
    expect(r.tensorOfNn).toBe(join(nested, 'dist/index.js')); // really two copies
    expect(r.after).toBeLessThan(r.before / 10);
    expect(r.grew).toBe(0);
  });

  it('fails the way issue 13 describes when the state is not shared (the control)', async () => {
    const state = join(nested, 'dist/state.js');
    const original = readFileSync(state, 'utf8');
    expect(original).toContain("Symbol.for('fackel.tensor.state')");
    try {
      writeFileSync(state, original.replace("Symbol.for('fackel.tensor.state')", "Symbol.for('fackel.tensor.state.unshared')"));
      const r = await node(skew, 'train.mjs');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("unknown device 'cpu' (registered: none)");
    } finally {
      writeFileSync(state, original);
    }
  });

  it('refuses a copy whose state format differs, naming both copies', async () => {
    const state = join(nested, 'dist/state.js');
    const original = readFileSync(state, 'utf8');
    const m = /export const STATE_FORMAT = (\d+);/.exec(original);
    expect(m).not.toBeNull();
    try {
      writeFileSync(state, original.replace(m![0], `export const STATE_FORMAT = ${Number(m![1]) + 1};`));
      const r = await node(skew, 'train.mjs');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(
        /FackelError: two incompatible copies of @fackel\/tensor are loaded: file:\/\/\S+\/@fackel\/nn\/node_modules\/@fackel\/tensor\/dist\/state\.js \(state format \d+\) and file:\/\/\S+\/node_modules\/@fackel\/tensor\/dist\/state\.js \(state format \d+\)/,
      );
    } finally {
      writeFileSync(state, original);
    }
  });
});
