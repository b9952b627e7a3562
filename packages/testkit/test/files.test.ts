import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readJsonFixture, repoRoot, scratch, sharedData } from '../src/index.js';

describe('scratch', () => {
  it('makes a fresh directory, writes files into it, and removes it', () => {
    const a = scratch('files-test');
    const b = scratch('files-test');
    expect(a.dir).not.toBe(b.dir);
    expect(basename(a.dir)).toMatch(/^fackel-files-test-/);
    const p = a.file('x.txt', 'hello');
    expect(p).toBe(join(a.dir, 'x.txt'));
    expect(a.path('y.bin')).toBe(join(a.dir, 'y.bin'));
    expect(readFileSync(p, 'utf8')).toBe('hello');
    a.file('z.bin', new Uint8Array([1, 2, 3]));
    expect([...readFileSync(join(a.dir, 'z.bin'))]).toEqual([1, 2, 3]);
    a.cleanup();
    a.cleanup();
    expect(existsSync(a.dir)).toBe(false);
    expect(existsSync(b.dir)).toBe(true);
    b.cleanup();
  });

  it('refuses a prefix that is not a plain name', () => {
    expect(() => scratch('../escape')).toThrow("scratch: invalid prefix '../escape'");
  });
});

describe('repoRoot and sharedData', () => {
  it('finds the folder holding pnpm-workspace.yaml', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    expect(repoRoot()).toBe(join(here, '..', '..', '..'));
    expect(existsSync(join(repoRoot(), 'pnpm-workspace.yaml'))).toBe(true);
  });

  it('points into ../shared/data and names a missing file', () => {
    const missing = 'no-such-file-for-testkit.csv';
    expect(() => sharedData(missing)).toThrow(`test data ${join(repoRoot(), '..', 'shared', 'data', missing)} is missing`);
    if (existsSync(join(repoRoot(), '..', 'shared', 'data'))) expect(sharedData()).toBe(join(repoRoot(), '..', 'shared', 'data'));
  });
});

describe('readJsonFixture', () => {
  it('parses a file in a folder given as a path or a URL, and says how to regenerate a missing one', () => {
    const s = scratch('files-test');
    try {
      s.file('a.json', '{"x": [1, 2]}');
      expect(readJsonFixture<{ x: number[] }>(s.dir, 'a.json', 'make')).toEqual({ x: [1, 2] });
      expect(readJsonFixture(new URL(`file://${s.dir}/`), 'a.json', 'make')).toEqual({ x: [1, 2] });
      expect(() => readJsonFixture(s.dir, 'b.json', 'python3 gen.py')).toThrow(
        `fixture ${join(s.dir, 'b.json')} is missing: regenerate it with python3 gen.py`,
      );
    } finally {
      s.cleanup();
    }
  });
});
