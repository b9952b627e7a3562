import { existsSync, readdirSync } from 'node:fs';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through this custom export
// condition, so tests need no build. (A custom name, not `development`, so that
// NODE_ENV=production cannot flip resolution to dist/.)
const conditions = ['@fackel/source', ...defaultServerConditions];

// One Vitest project per workspace package or example that has a test/ folder, and per
// folder of tests/ (tests/consumer: what `npm install fackel` gives a user).
const projects = ['packages', 'examples', 'tests'].flatMap((dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(`${dir}/${d.name}/test`))
        .map((d) => ({
          extends: true as const,
          test: { name: d.name, root: `${dir}/${d.name}`, include: ['test/**/*.test.ts'] },
        }))
    : [],
);
// The docs checks (TSDoc and guide examples, links, the built site in Chromium): one project.
if (existsSync('docs/test')) {
  projects.push({ extends: true as const, test: { name: 'docs', root: 'docs', include: ['test/**/*.test.ts'] } });
}

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
