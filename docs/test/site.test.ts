// The built typedoc site (docs/api, from `pnpm docs:build` or `pnpm exec typedoc`): every internal
// link resolves, the navigation lists every package and every guide, and headless Chromium
// renders the index and a guide with the navigation filled in.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH as CHROMIUM } from '@fackel/example-report/chromium';
import { ROOT, documentedPackages } from './support/extract.js';
import { checkSiteLinks, decodeTypedocData } from './support/links.js';

const SITE = join(ROOT, 'docs/api');

// In CI a missing site or browser fails; locally the checks say what to run and skip.
const CI = !!process.env.CI;
const siteMissing = existsSync(join(SITE, 'index.html')) ? undefined : 'docs/api is not built: run `pnpm docs:build` first';
const browserMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing: run \`sudo bash scripts/setup-chromium.sh\``;

interface NavNode {
  text: string;
  path?: string;
  kind?: number;
  children?: NavNode[];
}

const typedocConfig = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as { projectDocuments: string[] };
const packageNames = documentedPackages().map((dir) => (JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { name: string }).name);
/** `title:` of a Markdown page's front matter. */
function titleOf(file: string): string {
  const m = /^---\n[\s\S]*?^title:\s*(.+)$[\s\S]*?^---$/m.exec(readFileSync(join(ROOT, file), 'utf8'));
  if (!m) throw new Error(`${file} has no front-matter title`);
  return m[1].trim().replace(/^["']|["']$/g, '');
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
};

/** A minimal static file server for the site on a free local port. */
function serveStatic(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root + sep) && file !== root) {
      res.writeHead(403).end();
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end(); // asked for by the browser itself; the site has none
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => ready(server)));
}

const siteSkip = !CI && siteMissing ? ` (skipped: ${siteMissing})` : '';
const browserSkip = !CI && browserMissing ? ` (skipped: ${browserMissing})` : '';

describe.skipIf(!!siteSkip)(`the built site${siteSkip}`, () => {
  it('exists', () => {
    expect(siteMissing).toBeUndefined();
  });

  it('every internal link, navigation entry and search entry resolves', () => {
    const { broken, checked, pages } = checkSiteLinks(SITE);
    expect(pages).toBeGreaterThan(100);
    expect(checked).toBeGreaterThan(1000);
    if (broken.length > 0) {
      throw new Error(`${broken.length} broken links:\n  ${broken.map((b) => `${b.page}: ${b.href} (${b.reason})`).join('\n  ')}`);
    }
  });

  it('the navigation has a page per package and every guide', () => {
    const nav = decodeTypedocData(join(SITE, 'assets/navigation.js')) as NavNode[];
    const texts: string[] = [];
    const visit = (ns: NavNode[] | undefined, depth: number): void => {
      for (const n of ns ?? []) {
        if (n.path && depth <= 2) texts.push(n.text);
        visit(n.children, depth + 1);
      }
    };
    visit(nav, 0);
    for (const name of packageNames) expect(texts, `navigation lacks the package ${name}`).toContain(name);
    for (const doc of typedocConfig.projectDocuments) expect(texts, `navigation lacks ${doc}`).toContain(titleOf(doc));
  });

  describe.skipIf(!!browserSkip)(`in headless Chromium${browserSkip}`, () => {
    let browser: Browser;
    let server: Server;
    let base = '';
    beforeAll(async () => {
      if (browserMissing) throw new Error(browserMissing);
      // Served over HTTP, as a hosted site is (Chromium blocks SVG sprites from file: URLs).
      server = await serveStatic(SITE);
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true });
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    });

    /** Opens a page of the site and reports what rendered. */
    async function open(page: string): Promise<{ title: string; h1: string; navLinks: string[]; codeBlocks: number; errors: string[]; text: number }> {
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      tab.on('pageerror', (e) => errors.push(e.message));
      tab.on('response', (r) => {
        if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
      });
      try {
        await tab.goto(new URL(page, base).href, { waitUntil: 'load' });
        // The sidebar is built by the site's script from assets/navigation.js.
        await tab.waitForSelector('#tsd-nav-container a', { state: 'attached', timeout: 15_000 });
        return await tab
          .evaluate(() => {
            // Runs in the page; the DOM types are declared in miniature (the workspace has no DOM lib).
            interface El {
              textContent: string | null;
              querySelector(s: string): El | null;
              querySelectorAll(s: string): Iterable<El>;
            }
            const doc = (globalThis as unknown as { document: El & { title: string; body: { innerText: string } } }).document;
            return {
              title: doc.title,
              h1: doc.querySelector('.col-content h1')?.textContent?.trim() ?? '',
              navLinks: [...doc.querySelectorAll('#tsd-nav-container a')].map((a) => a.textContent?.trim() ?? ''),
              codeBlocks: [...doc.querySelectorAll('.col-content pre code')].length,
              text: doc.body.innerText.length,
              errors: [],
            };
          })
          .then((r) => ({ ...r, errors }));
      } finally {
        await tab.close();
      }
    }

    it('renders the index with the navigation', async () => {
      const r = await open('index.html');
      expect(r.errors, r.errors.join('\n')).toEqual([]);
      expect(r.title).toMatch(/Fackel/);
      expect(r.h1).toMatch(/Fackel/);
      for (const name of packageNames) expect(r.navLinks).toContain(name);
      expect(r.navLinks).toContain(titleOf('docs/guides/getting-started.md'));
      expect(r.text).toBeGreaterThan(1000);
    });

    it('renders a guide with the navigation and highlighted code', async () => {
      const nav = decodeTypedocData(join(SITE, 'assets/navigation.js')) as NavNode[];
      const find = (ns: NavNode[] | undefined, text: string): NavNode | undefined => {
        for (const n of ns ?? []) {
          const hit = n.text === text && n.path ? n : find(n.children, text);
          if (hit) return hit;
        }
        return undefined;
      };
      const guide = find(nav, titleOf('docs/guides/getting-started.md'));
      expect(guide?.path).toBeDefined();
      const r = await open(guide!.path!);
      expect(r.errors, r.errors.join('\n')).toEqual([]);
      expect(r.h1).toBe(titleOf('docs/guides/getting-started.md'));
      expect(r.navLinks).toContain(titleOf('docs/guides/training.md'));
      expect(r.navLinks).toContain('@fackel/tensor');
      expect(r.codeBlocks).toBeGreaterThan(2);
    });
  });
});
