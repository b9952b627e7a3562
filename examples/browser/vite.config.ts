// The demo page, built by Vite into dist/ (a static site). The data files the page fetches are
// made at build time (and served by the dev server) from their sources, never committed:
//   names.csv  the first-name lists of @fackel/datasets (npm's @stdlib first-name lists),
//              one `name,gender` row per name that is only in one of the two lists;
//   de.txt     the workshop's short German text (Goethe's "Erlkönig", tx_DE_3_Der_Erlkoenig.txt
//              from the workshop's shared/data, or $FACKEL_DATA_DIR); where it is missing, the
//              opening of Moby-Dick from @fackel/datasets, and text.json says which.
// The page is served cross-origin isolated (COOP/COEP), so the CPU backend has its Web Workers.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { femaleFirstNames, maleFirstNames, mobyDick } from '@fackel/datasets';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const GERMAN_TEXT = 'tx_DE_3_Der_Erlkoenig.txt';

/** `name,gender` rows (gender `f` or `m`) of the names in exactly one of the two lists. */
export function namesCsv(): string {
  const female = new Set(
    femaleFirstNames()
      .map((n) => n.trim())
      .filter(Boolean),
  );
  const male = new Set(
    maleFirstNames()
      .map((n) => n.trim())
      .filter(Boolean),
  );
  const rows: string[] = ['name,gender'];
  for (const n of [...female].sort()) if (!male.has(n)) rows.push(`${n},f`);
  for (const n of [...male].sort()) if (!female.has(n)) rows.push(`${n},m`);
  return `${rows.join('\n')}\n`;
}

/** The German training text and where it came from. */
export function germanText(): { text: string; source: string } {
  const dir = process.env.FACKEL_DATA_DIR ? resolve(process.env.FACKEL_DATA_DIR) : resolve(here, '../../../shared/data');
  const path = join(dir, GERMAN_TEXT);
  if (existsSync(path)) return { text: readFileSync(path, 'utf8'), source: `Goethe, Der Erlkönig (${GERMAN_TEXT})` };
  const moby = mobyDick();
  return { text: moby.slice(0, 4000), source: `the opening of Moby-Dick (@fackel/datasets): ${GERMAN_TEXT} was not found in ${dir}` };
}

function demoData(): Plugin {
  const files = (): Record<string, string> => {
    const { text, source } = germanText();
    return { 'names.csv': namesCsv(), 'de.txt': text, 'text.json': JSON.stringify({ source }) };
  };
  return {
    name: 'fackel-demo-data',
    configureServer(server) {
      const made = files();
      server.middlewares.use((req, res, next) => {
        const name = (req.url ?? '').split('?')[0].replace(/^\//, '');
        const body = made[name];
        if (body === undefined) return next();
        res.setHeader('Content-Type', name.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8');
        res.end(body);
      });
    },
    generateBundle() {
      for (const [fileName, source] of Object.entries(files())) this.emitFile({ type: 'asset', fileName, source });
    },
  };
}

const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here,
  base: './',
  plugins: [demoData()],
  // The workspace packages build from their TypeScript sources, with their browser entries.
  resolve: { conditions: ['@fackel/source', ...defaultClientConditions] },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
