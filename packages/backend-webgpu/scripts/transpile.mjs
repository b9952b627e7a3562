// Transpiles src/**/*.ts to plain JavaScript under node_modules/.cache/fackel-webgpu/ (no type
// check, no other package needed), so that benchmarks and the exit test can run the backend in
// a bare `node` process. Prints the output directory.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(pkg, 'src');
const out = join(pkg, 'node_modules', '.cache', 'fackel-webgpu');

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

for (const file of walk(src)) {
  const js = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    fileName: file,
  }).outputText;
  const dest = join(out, relative(src, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, js);
}
// The package's `#…` imports, pointing into this folder instead of dist/ (Node.js side).
const { imports } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
const local = (v) =>
  typeof v === 'string'
    ? v.replace(/^\.\/dist\//, './')
    : Object.fromEntries(
        Object.entries(v)
          .filter(([k]) => k !== '@fackel/source')
          .map(([k, x]) => [k, local(x)]),
      );
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'module', ...(imports ? { imports: local(imports) } : {}) })}\n`);
console.log(out);
