import { existsSync, readdirSync } from 'node:fs';
import { defaultServerConditions } from 'vite';
import { defineConfig, type TestProjectConfiguration } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through this custom export
// condition, so tests need no build. (A custom name, not `development`, so that
// NODE_ENV=production cannot flip resolution to dist/.)
const conditions = ['@fackel/source', ...defaultServerConditions];

// One Vitest project per workspace package or example that has a test/ folder, and per
// folder of tests/ (tests/consumer: what `npm install fackel` gives a user).
// Files named *.browser.test.ts are not theirs: they run in Chromium (the `chromium` project).
const projects: TestProjectConfiguration[] = ['packages', 'examples', 'tests'].flatMap((dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(`${dir}/${d.name}/test`))
        .map((d) => ({
          extends: true as const,
          test: { name: d.name, root: `${dir}/${d.name}`, include: ['test/**/*.test.ts'], exclude: ['test/**/*.browser.test.ts'] },
        }))
    : [],
);
// The docs checks (TSDoc and guide examples, links, the built site in Chromium): one project.
if (existsSync('docs/test')) {
  projects.push({ extends: true as const, test: { name: 'docs', root: 'docs', include: ['test/**/*.test.ts'] } });
}

// The *.browser.test.ts files run in headless Chromium (Vitest's browser mode), in the project
// of vitest.browser.config.ts, counted in the same summary line. Without Chromium that project
// is left out with a note, except in CI (where it then fails).
if (existsSync(process.env.FACKEL_CHROMIUM ?? '/usr/bin/chromium') || process.env.CI) projects.push('./vitest.browser.config.ts');
else console.warn('vitest: /usr/bin/chromium is missing (bash scripts/setup-chromium.sh); the browser tests are left out');

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } }, // the one Node-environment tests actually use
  test: {
    projects,
    pool: 'forks', // keeps the native dawn.node out of worker_threads
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
  },
});
