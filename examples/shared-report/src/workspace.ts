import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The root of the Fackel checkout: the nearest folder at or above `from` that holds
 * `pnpm-workspace.yaml`. `from` defaults to this module's own location, so the answer is the
 * same whether an example runs from its sources (tests) or its built `dist/`.
 *
 * @example
 * ```ts
 * import { findWorkspaceRoot } from '@fackel/example-report';
 * console.log(findWorkspaceRoot()); // e.g. /home/me/fackel
 * ```
 */
export function findWorkspaceRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no pnpm-workspace.yaml found at or above ${from}: run the examples from inside the Fackel checkout`);
    dir = up;
  }
}

/**
 * The folder of the workshop's data files, read in place (never copied into the repository):
 * `$FACKEL_DATA_DIR` when set, otherwise `shared/data` beside the checkout
 * (`<workspace root>/../shared/data`).
 *
 * @example
 * ```ts
 * import { sharedDataDir } from '@fackel/example-report';
 * import { join } from 'node:path';
 * const csv = join(sharedDataDir(), 'names.csv');
 * ```
 */
export function sharedDataDir(): string {
  const env = process.env.FACKEL_DATA_DIR;
  if (env !== undefined && env !== '') return resolve(env);
  return resolve(findWorkspaceRoot(), '..', 'shared', 'data');
}

/**
 * The path of one workshop data file (see {@link sharedDataDir}), or `undefined` when it is
 * not there, so a program can fall back to a data set that installs from npm.
 *
 * @example
 * ```ts
 * import { sharedDataFile } from '@fackel/example-report';
 * const csv = sharedDataFile('names.csv') ?? 'stdlib';
 * ```
 */
export function sharedDataFile(name: string): string | undefined {
  const path = join(sharedDataDir(), name);
  return existsSync(path) ? path : undefined;
}
