// The op modules form no import cycle with tensor.ts: each loads first, in a fresh module graph,
// and none imports tensor.ts for its values (only `import type`), so tensor.ts (which imports
// every op module for its methods) is the only module above them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const OPS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'ops');
const OP_MODULES = readdirSync(OPS_DIR)
  .filter((f) => f.endsWith('.ts'))
  .sort();

/** The specifiers a module imports for values (`import type` and `import { type X }`-only lines excluded). */
function valueImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^import\s+(type\s+)?([^'"]*?)\s*from\s*'([^']+)';/gms)) {
    if (m[1] !== undefined) continue;
    const names = m[2]
      .replace(/^\{|\}$/g, '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    out.push(m[3]);
  }
  return out;
}

describe('op modules', () => {
  afterEach(() => {
    vi.resetModules();
  });

  it('are all found', () => {
    expect(OP_MODULES).toEqual(expect.arrayContaining(['core.ts', 'creation.ts', 'elementwise.ts', 'indexing.ts', 'reduce.ts', 'views.ts']));
  });

  it('never import tensor.ts for its values', () => {
    const offenders = OP_MODULES.filter((f) => valueImports(readFileSync(join(OPS_DIR, f), 'utf8')).includes('../tensor.js'));
    expect(offenders).toEqual([]);
  });

  it('the check above sees a value import', () => {
    expect(valueImports("import { Tensor } from '../tensor.js';\nimport type { View } from '../backend.js';")).toEqual(['../tensor.js']);
    expect(valueImports("import { type Tensor } from '../tensor.js';\nimport { a, type B } from './core.js';")).toEqual(['./core.js']);
  });

  it.each(OP_MODULES)('%s loads first in a fresh module graph', async (file) => {
    vi.resetModules();
    const mod = (await import(/* @vite-ignore */ join(OPS_DIR, file))) as Record<string, unknown>;
    expect(Object.keys(mod).length).toBeGreaterThan(0);
    // the package loaded afterwards in the same graph still works
    const index = await import('../src/index.js');
    expect(typeof index.Tensor).toBe('function');
    expect(typeof index.add).toBe('function');
  });
});
