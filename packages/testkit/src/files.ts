import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A scratch directory for the files one test writes, from {@link scratch}.
 *
 * @example
 * ```ts
 * import { scratch, type Scratch } from '@fackel/testkit';
 * const s: Scratch = scratch('demo');
 * s.cleanup();
 * ```
 */
export interface Scratch {
  /** The directory's absolute path (a fresh, empty folder under the OS temp directory). */
  readonly dir: string;
  /** The path of `name` inside the directory (nothing is written). */
  path(name: string): string;
  /** Writes `content` to `name` inside the directory and returns its path. */
  file(name: string, content: string | Uint8Array): string;
  /** Removes the directory and everything in it (safe to call twice). */
  cleanup(): void;
}

/**
 * Makes a fresh scratch directory `<tmp>/fackel-<prefix>-XXXXXX` for files a test writes.
 * Call `cleanup()` when done (in `afterAll`/`afterEach` or a `finally`).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { scratch } from '@fackel/testkit';
 * const s = scratch('csv');
 * try {
 *   const p = s.file('a.csv', 'x,y\n1,2\n');
 *   console.log(readFileSync(p, 'utf8'));
 * } finally {
 *   s.cleanup();
 * }
 * ```
 */
export function scratch(prefix = 'test'): Scratch {
  if (!/^[\w.-]+$/.test(prefix)) throw new Error(`scratch: invalid prefix '${prefix}' (letters, digits, '_', '.', '-')`);
  const dir = mkdtempSync(join(tmpdir(), `fackel-${prefix}-`));
  return {
    dir,
    path: (name) => join(dir, name),
    file(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let root: string | undefined;

/**
 * The repository root: the nearest folder above `@fackel/testkit` that holds
 * `pnpm-workspace.yaml`. Throws when there is none (testkit outside the repository).
 *
 * @example
 * ```ts
 * import { join } from 'node:path';
 * import { repoRoot } from '@fackel/testkit';
 * const cli = join(repoRoot(), 'packages/charrnn/dist/cli.js');
 * ```
 */
export function repoRoot(): string {
  if (root !== undefined) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`repoRoot: no pnpm-workspace.yaml above ${start}`);
    dir = up;
  }
  root = dir;
  return dir;
}

/**
 * The path of a file in the shared data folder that sits next to the repository
 * (`<repo>/../shared/data`; read in place, never copied into the repository). Without `name`,
 * the folder itself. Throws a clear error when the file is missing.
 *
 * @example
 * ```ts
 * import { sharedData } from '@fackel/testkit';
 * const csv = sharedData('diabetes.csv');
 * ```
 */
export function sharedData(name?: string): string {
  const dir = join(repoRoot(), '..', 'shared', 'data');
  const p = name === undefined ? dir : join(dir, name);
  if (!existsSync(p)) throw new Error(`test data ${p} is missing: the shared/data folder must sit next to the repository`);
  return p;
}

/**
 * Reads and parses a JSON fixture file `name` in `dir` (a path or a `file:` URL, such as
 * `new URL('./fixtures/', import.meta.url)`). A missing file throws an error that says how to
 * regenerate it (`regenerate`, e.g. the script's command line).
 *
 * @example
 * ```ts
 * import { readJsonFixture } from '@fackel/testkit';
 * const cases = readJsonFixture<{ id: string }[]>(new URL('./fixtures/', import.meta.url), 'layers.json', '/usr/bin/python3 scripts/gen_nn_fixtures.py');
 * ```
 */
export function readJsonFixture<T = unknown>(dir: string | URL, name: string, regenerate: string): T {
  const base = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const p = join(base, name);
  if (!existsSync(p)) throw new Error(`fixture ${p} is missing: regenerate it with ${regenerate}`);
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}
