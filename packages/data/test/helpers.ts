import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file that holds pnpm-workspace.yaml. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the repository root (pnpm-workspace.yaml) above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

/** `shared/data` next to the repository (read in place, never copied). */
export const SHARED_DATA = join(repoRoot(), '..', 'shared', 'data');

/** The path of a shared data file; a clear error if the shared folder is missing. */
export function shared(name: string): string {
  const p = join(SHARED_DATA, name);
  if (!existsSync(p)) throw new Error(`test data ${p} is missing: the shared/data folder must sit next to the repository`);
  return p;
}

/** A scratch directory for files a test writes; removed by the returned cleanup. */
export function scratch(): { dir: string; file(name: string, content: string | Uint8Array): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'fackel-data-'));
  return {
    dir,
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
