// Finds the code the docs show: the TSDoc comments of every public export (and of the
// members typedoc renders), the package comments, and the guides' Markdown. Used by the docs
// tests; nothing here runs an example.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Fence flags a docs example may carry after its language, e.g. ```` ```ts no-run ````:
 * - `no-run`: compiled but never run (it needs a file, the network, a GPU, or takes long);
 * - `no-check`: neither compiled nor run (a fragment; use sparingly, the test lists them).
 * An example that shows a compile error on purpose keeps a `// @ts-expect-error` line above it.
 */
export const FENCE_FLAGS = ['no-run', 'no-check'] as const;
export type FenceFlag = (typeof FENCE_FLAGS)[number];

/** One ```ts block shown in the docs. */
export interface Example {
  /** `path:line`, repository-relative, line of the opening fence (1-based). */
  id: string;
  file: string;
  /** Line (1-based) of the first code line in `file`. */
  line: number;
  /** The documented symbol (`Tensor.add`, `tensor`, `(package)`), or the guide's heading. */
  owner: string;
  code: string;
  flags: ReadonlySet<string>;
  /** Flags after the language that are not in {@link FENCE_FLAGS} (reported as errors). */
  unknownFlags: string[];
}

/** A public export (or a package) without the TSDoc it needs. */
export interface DocGap {
  file: string;
  line: number;
  symbol: string;
  missing: 'comment' | '@example';
}

/** The package folders the typedoc site documents (typedoc.json `entryPoints`). */
export function documentedPackages(): string[] {
  const config = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };
  return config.entryPoints;
}

/** The Markdown pages of the site whose code blocks are checked: the guides and docs pages, README, CONTRIBUTING and the packages' READMEs. */
export function guideFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (!['api', 'node_modules', 'test', '.examples'].includes(e.name)) walk(p);
      } else if (e.name.endsWith('.md')) out.push(p);
    }
  };
  walk('docs');
  for (const f of ['README.md', 'CONTRIBUTING.md']) if (existsSync(join(ROOT, f))) out.push(f);
  // Each documented package's README is its page's introduction on the site.
  for (const dir of documentedPackages()) if (existsSync(join(ROOT, dir, 'README.md'))) out.push(`${dir}/README.md`);
  return out.sort();
}

const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/;
const TS_LANGS = new Set(['ts', 'typescript', 'mts']);

/**
 * The ```ts blocks of Markdown text (already stripped of comment stars), with the 0-based
 * index of the line after each opening fence.
 */
export function fencedBlocks(lines: readonly string[]): { start: number; fenceLine: number; lang: string; flags: string[]; code: string }[] {
  const blocks: { start: number; fenceLine: number; lang: string; flags: string[]; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = FENCE_OPEN.exec(lines[i]);
    if (!m) continue;
    const [, indent, fence, lang, rest] = m as unknown as [string, string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim().startsWith(fence[0].repeat(fence.length)) && l.trim().replace(/[`~]/g, '') === '') break;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
    }
    blocks.push({ start: i + 1, fenceLine: i, lang: lang.toLowerCase(), flags: rest.trim().split(/\s+/).filter(Boolean), code: body.join('\n') });
    i = j;
  }
  return blocks;
}

function toExamples(file: string, firstLine: number, lines: readonly string[], ownerAt: (i: number) => string): Example[] {
  return fencedBlocks(lines)
    .filter((b) => TS_LANGS.has(b.lang))
    .map((b) => ({
      id: `${file}:${firstLine + b.fenceLine}`,
      file,
      line: firstLine + b.start,
      owner: ownerAt(b.fenceLine),
      code: b.code,
      flags: new Set(b.flags),
      unknownFlags: b.flags.filter((f) => !(FENCE_FLAGS as readonly string[]).includes(f)),
    }));
}

/** The ```ts blocks of the guides (and README/CONTRIBUTING). */
export function guideExamples(files = guideFiles()): Example[] {
  return files.flatMap((file) => {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    const headingAt = (i: number): string => {
      for (let k = i; k >= 0; k--) if (/^#{1,6} /.test(lines[k])) return lines[k].replace(/^#+ /, '');
      return file;
    };
    return toExamples(file, 1, lines, headingAt);
  });
}

/** The text of a `/** … *\/` comment as Markdown lines, without the comment's stars. */
function commentLines(text: string): string[] {
  return text
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''));
}

/** Compiler options under which examples are checked: the workspace's, resolving sources. */
export function compilerOptions(): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['@fackel/source'],
    strict: true,
    noImplicitOverride: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
  };
}

interface CommentSite {
  file: string;
  pos: number;
  end: number;
  owner: string;
}

function isHidden(decl: ts.Declaration): boolean {
  const mods = ts.canHaveModifiers(decl) ? (ts.getModifiers(decl) ?? []) : [];
  if (mods.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) return true;
  const name = ts.getNameOfDeclaration(decl);
  if (name && ts.isPrivateIdentifier(name)) return true;
  return ts.getJSDocTags(decl).some((t) => t.tagName.text === 'internal' || t.tagName.text === 'hidden' || t.tagName.text === 'ignore');
}

function jsDocsOf(decl: ts.Node): ts.JSDoc[] {
  // Variable declarations carry their comment on the statement.
  const host = ts.isVariableDeclaration(decl) && ts.isVariableDeclarationList(decl.parent) ? decl.parent.parent : decl;
  return ts.getJSDocCommentsAndTags(host).filter(ts.isJSDoc);
}

function hasSummaryOrTags(doc: ts.JSDoc): boolean {
  const text = typeof doc.comment === 'string' ? doc.comment : (doc.comment ?? []).map((c) => c.getText()).join('');
  return text.trim().length > 0 || (doc.tags ?? []).some((t) => t.tagName.text !== 'example');
}

/**
 * Walks the public API of the documented packages: every export of each `src/index.ts`,
 * the members typedoc renders for classes and interfaces, and the package comment.
 * Returns the examples found in their comments and the exports lacking a comment or an
 * `@example`.
 */
export function apiExamples(packages = documentedPackages()): { examples: Example[]; gaps: DocGap[]; program: ts.Program } {
  const indexFiles = packages.map((p) => join(ROOT, p, 'src/index.ts')).filter((f) => existsSync(f));
  const program = ts.createProgram(indexFiles, compilerOptions());
  const checker = program.getTypeChecker();
  const sites = new Map<string, CommentSite>();
  const gaps: DocGap[] = [];
  const rel = (f: string): string => relative(ROOT, f);
  const lineOf = (node: ts.Node): number => {
    const sf = node.getSourceFile();
    return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  };
  const addDocs = (decl: ts.Node, owner: string): void => {
    for (const doc of jsDocsOf(decl)) {
      const sf = doc.getSourceFile();
      const key = `${sf.fileName}:${doc.pos}`;
      if (!sites.has(key)) sites.set(key, { file: sf.fileName, pos: doc.pos, end: doc.end, owner });
    }
  };
  const seen = new Set<ts.Symbol>();

  for (const index of indexFiles) {
    const sf = program.getSourceFile(index);
    if (!sf) continue;
    const pkg = rel(dirname(dirname(index)));
    // The package comment: the first /** … */ of index.ts, marked @packageDocumentation.
    const first = /\/\*\*[\s\S]*?\*\//.exec(sf.text);
    if (first?.[0].includes('@packageDocumentation')) {
      const key = `${sf.fileName}:${first.index}`;
      sites.set(key, { file: sf.fileName, pos: first.index, end: first.index + first[0].length, owner: `${pkg} (package)` });
      if (!first[0].includes('@example')) gaps.push({ file: rel(index), line: 1, symbol: `${pkg} (package comment)`, missing: '@example' });
    } else {
      gaps.push({ file: rel(index), line: 1, symbol: `${pkg} (package comment with @packageDocumentation)`, missing: 'comment' });
    }
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    if (moduleSymbol) walkModule(moduleSymbol, '', dirname(index));
  }

  /**
   * Checks every export of a module. A namespace export of a module inside the same package
   * (`export * as functional from './functional/index.js'`) is walked too, its members named
   * `functional.relu`; one of another package is documented there.
   */
  function walkModule(moduleSymbol: ts.Symbol, prefix: string, srcDir: string): void {
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decls = (symbol.declarations ?? []).filter((d) => !ts.isSourceFile(d) && !ts.isModuleDeclaration(d));
      if (decls.length === 0) {
        const inPackage = (symbol.declarations ?? []).some((d) => ts.isSourceFile(d) && !relative(srcDir, d.fileName).startsWith('..'));
        if (inPackage && !seen.has(symbol)) {
          seen.add(symbol);
          walkModule(symbol, `${prefix}${exported.name}.`, srcDir);
        }
        continue;
      }
      if (seen.has(symbol)) continue; // re-exported by another package: checked where declared
      seen.add(symbol);
      if (decls.every(isHidden)) continue;
      const name = `${prefix}${exported.name}`;
      const docs = decls.flatMap(jsDocsOf);
      const where = { file: rel(decls[0].getSourceFile().fileName), line: lineOf(decls[0]), symbol: name };
      if (!docs.some(hasSummaryOrTags)) gaps.push({ ...where, missing: 'comment' });
      else if (!docs.some((d) => (d.tags ?? []).some((t) => t.tagName.text === 'example'))) gaps.push({ ...where, missing: '@example' });
      for (const decl of decls) {
        addDocs(decl, name);
        if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl)) {
          for (const m of decl.members) {
            if (isHidden(m)) continue;
            const mName = m.name && !ts.isComputedPropertyName(m.name) ? m.name.getText() : ts.isConstructorDeclaration(m) ? 'constructor' : '[member]';
            addDocs(m, `${name}.${mName}`);
          }
        }
      }
    }
  }

  const examples: Example[] = [];
  for (const site of [...sites.values()].sort((a, b) => a.file.localeCompare(b.file) || a.pos - b.pos)) {
    const sf = program.getSourceFile(site.file)!;
    const text = sf.text.slice(site.pos, site.end);
    const start = text.indexOf('/**');
    const firstLine = sf.getLineAndCharacterOfPosition(site.pos + Math.max(0, start)).line + 1;
    examples.push(...toExamples(rel(site.file), firstLine, commentLines(text.slice(Math.max(0, start))), () => site.owner));
  }
  return { examples, gaps, program };
}
