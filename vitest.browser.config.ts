import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { playwright } from '@vitest/browser-playwright';
import type { Plugin } from 'vite';
import { defineProject } from 'vitest/config';

// The `chromium` project: the files named *.browser.test.ts in the test/ folders of packages/*
// and examples/* run inside headless Chromium
// (Debian's /usr/bin/chromium, installed by scripts/setup-chromium.sh) through Vitest's browser
// mode and Playwright. Workspace packages resolve to their TypeScript sources (the
// `@fackel/source` condition) with the `browser` condition, so every `#…` platform import
// picks its web side: no `node:` module, no Dawn. vitest.config.ts adds this project.
export const CHROMIUM = process.env.FACKEL_CHROMIUM ?? '/usr/bin/chromium';
const conditions = ['@fackel/source', 'browser', 'module', 'development|production'];

/**
 * The dev-only test kit (`@fackel/testkit`) also has helpers for Node.js tests (scratch
 * directories, fixture files) that import `node:` modules. Imported from the test kit or from a
 * test file, such a module becomes a stub whose functions throw when called, so the browser-safe
 * parts load in Chromium. From anything else (the packages' sources) a `node:` import still
 * fails: that is what these tests check, together with the bundle build (tests/bundle).
 */
function nodeStubsForTestkit(): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'fackel:node-stubs-for-testkit',
    enforce: 'pre',
    resolveId(id, importer) {
      const bare = id.startsWith('node:') ? id.slice(5) : id;
      if (!builtins.has(bare) || importer === undefined) return null;
      if (!/[/\\]packages[/\\]testkit[/\\]|[/\\]test[/\\]/.test(importer)) return null;
      return `\0node-stub:${bare}`;
    },
    async load(id) {
      if (!id.startsWith('\0node-stub:')) return null;
      const mod = id.slice('\0node-stub:'.length);
      const names = Object.keys(await import(`node:${mod}`)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
      const body = names.map((n) => `export const ${n} = () => { throw new Error('node:${mod}.${n} is not available in the browser'); };`);
      return `${body.join('\n')}\nexport default {};\n`;
    },
  };
}

export default defineProject({
  plugins: [nodeStubsForTestkit()],
  resolve: { conditions },
  // Cross-origin isolation, so that the page has SharedArrayBuffer and the CPU backend's
  // matmuls run on Web Workers (packages/backend-cpu/test/threads.browser.test.ts checks it).
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  optimizeDeps: { include: [] },
  test: {
    name: 'chromium',
    include: ['packages/*/test/**/*.browser.test.ts', 'examples/*/test/**/*.browser.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: existsSync(CHROMIUM) ? CHROMIUM : undefined,
          args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-angle=swiftshader'],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
