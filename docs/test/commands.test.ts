// Every `pnpm <command>` the documentation shows must work as written with the pinned pnpm
// (12): a script of the package it runs in, one of pnpm's own commands, or a tool in
// node_modules/.bin — and never a script whose name pnpm's built-in command takes first
// (`pnpm docs` opens a package's homepage; the site is built by `pnpm docs:build`). Fast and
// offline: nothing is run but, when the pinned pnpm is installed, `pnpm help` to read its
// command list.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** pnpm 12.4.2's commands and aliases (`pnpm help`), for a checkout without the pinned pnpm. */
const KNOWN_BUILTINS = `access init recursive multi m add install i install-test it update up upgrade outdated audit
  change version lane bugs issues list ls ll la licenses licences why view info show v sbom whoami deprecate undeprecate
  unpublish star unstar stars dist-tag dist-tags ping doctor search s se find rebuild rb pack publish stage remove
  uninstall rm un uni patch patch-commit patch-remove peers set-script ss test t tst run pipeline exec dlx create
  completion start stop restart find-hash runtime rt env shim bin clean purge ci clean-install ic install-clean root
  prefix config c get set pkg pack-app store cache cat-file cat-index ignored-builds approve-builds link ln import dedupe
  deploy prune fetch unlink dislink docs home repo self-update setup login adduser team owner owners logout with edit
  profile token xmas help`.split(/\s+/);

/** Built-ins that run the script of their name (and fail without one). */
const RUNS_SCRIPT = new Set(['test', 't', 'tst', 'start', 'stop', 'restart']);
/** Built-ins that a script of the same name overrides (pnpm 12's `clean` and `purge`). */
const SCRIPT_OVERRIDES = new Set(['clean', 'purge']);
/** Options of pnpm that take a value. */
const VALUE_OPTIONS = new Set(['--filter', '-F', '--dir', '-C', '--workspace-root-dir', '--reporter', '--loglevel']);

function builtins(): Set<string> {
  const names = new Set(KNOWN_BUILTINS);
  const pnpm = join(ROOT, '.tools', 'node_modules', '.bin', 'pnpm');
  if (existsSync(pnpm)) {
    const r = spawnSync(pnpm, ['help'], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    const text = `${r.stdout ?? ''}`;
    const section = text.slice(text.indexOf('Commands:'), text.indexOf('Options:'));
    for (const m of section.matchAll(/^ {2}([a-z][\w-]*) .*?(?:\[aliases?: ([^\]]+)\])?$/gm)) {
      names.add(m[1]);
      for (const a of (m[2] ?? '').split(',')) if (a.trim()) names.add(a.trim());
    }
  }
  return names;
}

interface Manifest {
  name?: string;
  scripts?: Record<string, string>;
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** Every workspace package's folder by name. */
function workspacePackages(): Map<string, string> {
  const out = new Map<string, string>();
  const dirs = [ROOT, join(ROOT, 'benchmarks'), join(ROOT, 'docs')];
  for (const parent of ['packages', 'examples', 'tests']) {
    const p = join(ROOT, parent);
    if (existsSync(p)) for (const d of readdirSync(p)) dirs.push(join(p, d));
  }
  for (const d of dirs) if (existsSync(join(d, 'package.json'))) out.set(readManifest(d).name ?? d, d);
  return out;
}

/** The documentation: the READMEs, CONTRIBUTING and the guides. */
function documents(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md', 'benchmarks/README.md', 'scripts/README.md'].map((f) => join(ROOT, f));
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (['api', 'node_modules', '.examples', 'test'].includes(e.name)) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) files.push(p);
    }
  };
  walk(join(ROOT, 'docs'));
  for (const parent of ['packages', 'examples']) {
    for (const d of readdirSync(join(ROOT, parent))) files.push(join(ROOT, parent, d, 'README.md'));
  }
  return files.filter((f) => existsSync(f));
}

interface Mention {
  file: string;
  line: number;
  text: string;
}

/** `pnpm …` commands in code: fenced shell blocks and inline code spans (prose is left alone). */
function mentions(file: string): Mention[] {
  const out: Mention[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  let fence: string | null = null;
  let marker = '';
  lines.forEach((raw, i) => {
    // CommonMark fences: an info string never holds a backtick; a closing fence is at least as long
    const open = fence === null ? /^\s*(`{3,}|~{3,})\s*([\w-]*)[^`]*$/.exec(raw) : null;
    if (open) {
      fence = open[2] ?? '';
      marker = open[1];
      return;
    }
    const close = fence !== null ? /^\s*(`{3,}|~{3,})\s*$/.exec(raw) : null;
    if (close && close[1][0] === marker[0] && close[1].length >= marker.length) {
      fence = null;
      return;
    }
    const codes: string[] = [];
    if (fence !== null) {
      if (['sh', 'bash', 'console', 'shell', ''].includes(fence)) codes.push(raw.replace(/(^|\s)#.*$/, ''));
    } else {
      for (const m of raw.matchAll(/`([^`]+)`/g)) codes.push(m[1]);
    }
    for (const code of codes) {
      for (const part of code.split(/&&|\|\||;|\|/)) {
        const m = /(?:^|[\s/(])pnpm\s+(.*)$/.exec(part.trim().replace(/^\$\s*/, ''));
        if (m) out.push({ file: relative(ROOT, file), line: i + 1, text: `pnpm ${m[1].trim()}` });
      }
    }
  });
  return out;
}

/** What is wrong with one `pnpm …` command, or null. */
function problem(text: string, builtin: Set<string>, packages: Map<string, string>): string | null {
  const tokens = text.split(/\s+/).slice(1);
  let dir = ROOT;
  let i = 0;
  for (; i < tokens.length && tokens[i].startsWith('-'); i++) {
    const opt = tokens[i];
    if (!VALUE_OPTIONS.has(opt)) continue;
    const value = tokens[++i];
    if (value === undefined || value.includes('<')) return null; // a placeholder: `pnpm --filter <package> start`
    if (opt === '--filter' || opt === '-F') {
      const found = packages.get(value);
      if (found === undefined) return `--filter ${value} names no workspace package`;
      dir = found;
    } else if (opt === '--dir' || opt === '-C') dir = join(ROOT, value);
  }
  const cmd = tokens[i];
  if (cmd === undefined || !/^[a-z]/.test(cmd)) return null; // `pnpm` alone, or `pnpm <script>` as a placeholder
  const scripts = existsSync(join(dir, 'package.json')) ? (readManifest(dir).scripts ?? {}) : {};
  const where = dir === ROOT ? 'the root package.json' : `${relative(ROOT, dir)}/package.json`;
  if (cmd === 'run' || cmd === 'run-script') {
    const script = tokens[i + 1];
    if (script === undefined || script.startsWith('-') || script.includes('<')) return null;
    return Object.hasOwn(scripts, script) ? null : `${where} has no script "${script}"`;
  }
  if (builtin.has(cmd)) {
    if (RUNS_SCRIPT.has(cmd))
      return Object.hasOwn(scripts, cmd === 't' || cmd === 'tst' ? 'test' : cmd) ? null : `${where} has no "${cmd}" script for pnpm to run`;
    if (SCRIPT_OVERRIDES.has(cmd)) return null;
    if (Object.hasOwn(scripts, cmd))
      return `"${cmd}" is pnpm's own command, so the script "${cmd}" of ${where} never runs: rename the script (as docs → docs:build)`;
    return null;
  }
  if (Object.hasOwn(scripts, cmd)) return null;
  for (const d of [dir, ROOT]) if (existsSync(join(d, 'node_modules', '.bin', cmd))) return null;
  return `"${cmd}" is neither a script of ${where}, nor one of pnpm's commands, nor a tool in node_modules/.bin`;
}

describe('pnpm commands in the documentation', () => {
  const builtin = builtins();
  const packages = workspacePackages();

  it('no root script is shadowed by a pnpm built-in (pnpm 12 runs its own `docs`, `version`, `clean`, …)', () => {
    const scripts = Object.keys(readManifest(ROOT).scripts ?? {});
    const shadowed = scripts.filter((s) => builtin.has(s) && !RUNS_SCRIPT.has(s) && !SCRIPT_OVERRIDES.has(s));
    expect(shadowed).toEqual([]);
    expect(scripts).toContain('docs:build');
  });

  it('every `pnpm <command>` in README.md, CONTRIBUTING.md, the guides and the READMEs works as written', () => {
    const all = documents().flatMap(mentions);
    expect(all.length).toBeGreaterThan(20);
    for (const expected of ['pnpm docs:build', 'pnpm typecheck', 'pnpm build', 'pnpm bench', 'pnpm fixtures', 'pnpm changeset']) {
      expect(
        all.some((m) => m.text.startsWith(expected)),
        `${expected} is documented`,
      ).toBe(true);
    }
    const bad = all.flatMap((m) => {
      const p = problem(m.text, builtin, packages);
      return p === null ? [] : [`${m.file}:${m.line}: \`${m.text}\`: ${p}`];
    });
    expect(bad).toEqual([]);
  });

  it('the checker catches a shadowed script and a missing one', () => {
    expect(problem('pnpm docs', builtin, new Map())).toBeNull(); // the built-in, as documented for it
    expect(problem('pnpm nosuchscript --quick', builtin, packages)).toMatch(/neither a script/);
    expect(problem('pnpm run nosuchscript', builtin, packages)).toMatch(/no script "nosuchscript"/);
    expect(problem('pnpm --filter @fackel/nope start', builtin, packages)).toMatch(/names no workspace package/);
    expect(problem('pnpm --filter @fackel/example-diabetes start -- --data x.csv', builtin, packages)).toBeNull();
    expect(builtin.has('docs')).toBe(true);
  });
});
