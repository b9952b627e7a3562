// Node module hooks that run the workspace's TypeScript sources directly, the way Vitest does:
// `.ts` files are transpiled with TypeScript's transpileModule (types are not checked here;
// the docs test does that in one program), and an import of `./x.js` from a `.ts` file finds
// `./x.ts`. Transpiled files are cached by content under docs/.examples/.cache, so only the
// first process pays for loading the compiler. Used with `--conditions=@fackel/source`, which
// points the packages' exports at their sources. Registered by ./register.mjs.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE = join(dirname(fileURLToPath(import.meta.url)), '../../.examples/.cache');
const VERSION = 'ts-loader 1';
let ts = null;

function transpile(path, source) {
  ts ??= createRequire(import.meta.url)('typescript');
  const out = ts.transpileModule(source, {
    fileName: path,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      isolatedModules: true,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: false,
    },
  });
  return out.outputText;
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const parent = context.parentURL ?? '';
    if (/\.[cm]?js$/.test(specifier) && /\.[cm]?ts$/.test(parent) && (specifier.startsWith('.') || specifier.startsWith('/'))) {
      return nextResolve(specifier.replace(/\.([cm]?)js$/, '.$1ts'), context);
    }
    throw err;
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !/\.[cm]?ts$/.test(url) || url.endsWith('.d.ts')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = readFileSync(path, 'utf8');
  const key = createHash('sha1').update(VERSION).update('\0').update(path).update('\0').update(source).digest('hex');
  const cached = join(CACHE, `${key}.js`);
  let js;
  try {
    js = readFileSync(cached, 'utf8');
  } catch {
    js = transpile(path, source);
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, js);
    renameSync(tmp, cached);
  }
  return { format: 'module', source: js, shortCircuit: true };
}
