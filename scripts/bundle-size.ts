/**
 * Bundles Fackel's packages for the browser with Vite (Rolldown, minified, ES modules) and
 * measures them the way JavaScript libraries state their size: minified, then gzipped (level 9).
 * Used by tests/bundle (the budget check in CI) and docs/guides/browser.md's table.
 *
 * Packages resolve to their TypeScript sources with the `browser` condition (the code a bundler
 * takes from dist/ is the same, compiled by tsc instead of Vite). Any `node:` module, Node.js
 * built-in or Dawn (`webgpu`) reached from an entry fails the build: browser entry points must
 * not import them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Plugin, type Rolldown } from 'vite';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The budget of issue 17: tensor + autograd + backend-cpu + nn + optim, minified and gzipped. */
export const BUDGET_BYTES = 100 * 1024;

/** One measured bundle. */
export interface BundleSize {
  /** Minified bytes (all chunks). */
  minified: number;
  /** Gzipped bytes (level 9) of the minified code (chunks gzipped one by one, summed). */
  gzipped: number;
  /** Every module that went into the bundle (absolute paths or ids). */
  modules: string[];
}

const NODE_ONLY = new Set([...builtinModules, 'webgpu']);

/** Resolves `@fackel/*` and `fackel` to the packages' sources (their `exports`, browser side). */
function workspacePackages(strict: boolean): Plugin {
  const dirs = new Map<string, string>();
  for (const d of ['packages']) {
    for (const name of readdirSafe(join(ROOT, d))) {
      const pj = join(ROOT, d, name, 'package.json');
      if (existsSync(pj)) dirs.set((JSON.parse(readFileSync(pj, 'utf8')) as { name: string }).name, join(ROOT, d, name));
    }
  }
  return {
    name: 'fackel:workspace-and-node-check',
    enforce: 'pre',
    async resolveId(id, importer) {
      const bare = id.startsWith('node:') ? id.slice(5) : id;
      if (strict && (NODE_ONLY.has(bare) || NODE_ONLY.has(bare.split('/')[0]))) {
        this.error(`${importer ?? 'the entry'} imports '${id}', which a browser does not have (browser entry points must not import Node.js modules or Dawn)`);
      }
      const m = /^(@fackel\/[^/]+|fackel)(\/.*)?$/.exec(id);
      if (m === null) return null;
      const dir = dirs.get(m[1]);
      if (dir === undefined) return null;
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
      const target = pick(pkg.exports[`.${m[2] ?? ''}`], ['@fackel/source', 'browser', 'import', 'default']);
      if (target === null) this.error(`${m[1]} has no export '.${m[2] ?? ''}' for a browser`);
      return join(dir, target);
    },
  };
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The target of an `exports` entry under `conditions` (in the entry's own key order). */
function pick(entry: unknown, conditions: readonly string[]): string | null {
  if (typeof entry === 'string') return entry;
  if (entry === null || typeof entry !== 'object') return null;
  for (const [k, v] of Object.entries(entry)) {
    if (k === 'types') continue;
    if (conditions.includes(k)) {
      const r = pick(v, conditions);
      if (r !== null) return r;
    }
  }
  return null;
}

/**
 * Bundles `code` (an ES module that imports what is measured) for the browser and returns its
 * size. `cwd` is where bare imports outside the workspace resolve from (e.g. benchmarks/, which
 * has @tensorflow/tfjs for the comparison); `allowNodeImports` lets Vite replace Node.js modules
 * by empty ones, as for any third-party library (tfjs guards its Node.js parts at run time).
 */
export async function measureBundle(code: string, options: { cwd?: string; allowNodeImports?: boolean } = {}): Promise<BundleSize> {
  const cwd = options.cwd ?? ROOT;
  const entryId = join(cwd, '__fackel_bundle_entry__.js');
  const entryPlugin: Plugin = {
    name: 'fackel:bundle-entry',
    enforce: 'pre',
    resolveId: (id) => (id === entryId ? id : null),
    load: (id) => (id === entryId ? code : null),
  };
  const out = (await build({
    root: cwd,
    configFile: false,
    logLevel: 'silent',
    plugins: [entryPlugin, workspacePackages(options.allowNodeImports !== true)],
    // `@fackel/source`: the packages' own `#…` imports resolve to sources too (their web side).
    resolve: { conditions: ['@fackel/source', 'browser', 'module', 'import', 'production'] },
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      modulePreload: false,
      reportCompressedSize: false,
      rollupOptions: { input: entryId, preserveEntrySignatures: 'strict', output: { format: 'es', codeSplitting: false } },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const outputs = Array.isArray(out) ? out : [out];
  let minified = 0;
  let gzipped = 0;
  const modules = new Set<string>();
  for (const o of outputs) {
    for (const chunk of o.output) {
      if (chunk.type !== 'chunk') continue;
      const bytes = Buffer.from(chunk.code, 'utf8');
      minified += bytes.length;
      gzipped += gzipSync(bytes, { level: 9 }).length;
      for (const id of Object.keys(chunk.modules)) modules.add(id);
    }
  }
  return { minified, gzipped, modules: [...modules] };
}

/** The entry of the budget: all of tensor, autograd, backend-cpu, nn and optim (no tree-shaking). */
export const BUDGET_ENTRY = [
  "import * as tensor from '@fackel/tensor';",
  "import * as autograd from '@fackel/autograd';",
  "import * as cpu from '@fackel/backend-cpu';",
  "import * as nn from '@fackel/nn';",
  "import * as optim from '@fackel/optim';",
  'export { tensor, autograd, cpu, nn, optim };',
].join('\n');

/** Formats bytes as KB (1024 bytes) with one decimal. */
export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
