// Internal link check of the built typedoc site: every relative href/src of every page, and
// every path in the navigation and search indexes, must name a file of the site, and every
// #fragment an id (or name) in that file.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { inflateSync } from 'node:zlib';

/** One link that does not resolve. */
export interface BrokenLink {
  /** The page (relative to the site) that holds the link. */
  page: string;
  href: string;
  reason: string;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const ATTR = /\s(?:href|src)\s*=\s*("([^"]*)"|'([^']*)')/gi;
const ID = /\s(?:id|name)\s*=\s*("([^"]*)"|'([^']*)')/gi;

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The `window.navigationData` / `window.searchData` payload of a typedoc asset (base64 deflate JSON). */
export function decodeTypedocData(file: string): unknown {
  const m = /=\s*"([^"]+)"/.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file}: no encoded data`);
  return JSON.parse(inflateSync(Buffer.from(m[1], 'base64')).toString('utf8'));
}

/** The relative hrefs/srcs of an HTML text, without scripts' inline text. */
export function pageLinks(html: string): string[] {
  const links: string[] = [];
  for (const m of html.matchAll(ATTR)) links.push(unescapeHtml(m[2] ?? m[3] ?? ''));
  return links;
}

/**
 * Checks the site in `siteDir`. Returns the broken links (empty when all resolve) and how
 * many links were checked.
 */
export function checkSiteLinks(siteDir: string): { broken: BrokenLink[]; checked: number; pages: number } {
  const site = resolve(siteDir);
  const files = walk(site);
  const idCache = new Map<string, Set<string>>();
  const idsOf = (file: string): Set<string> => {
    let ids = idCache.get(file);
    if (!ids) {
      ids = new Set<string>();
      if (/\.(html|svg)$/.test(file)) {
        for (const m of readFileSync(file, 'utf8').matchAll(ID)) ids.add(unescapeHtml(m[2] ?? m[3] ?? ''));
      }
      idCache.set(file, ids);
    }
    return ids;
  };
  const broken: BrokenLink[] = [];
  let checked = 0;
  const check = (fromFile: string, base: string, href: string): void => {
    if (href === '' || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) return; // external, mailto:, data:
    checked++;
    const page = relative(site, fromFile).split(sep).join('/');
    const hash = href.indexOf('#');
    const pathPart = (hash >= 0 ? href.slice(0, hash) : href).replace(/\?.*$/, '');
    const fragment = hash >= 0 ? decodeURIComponent(href.slice(hash + 1)) : '';
    let target = fromFile;
    if (pathPart !== '') {
      target = resolve(base, decodeURIComponent(pathPart));
      if (!target.startsWith(site + sep) && target !== site) {
        broken.push({ page, href, reason: 'points outside the site' });
        return;
      }
      if (existsSync(target) && statSync(target).isDirectory()) target = join(target, 'index.html');
      if (!existsSync(target)) {
        broken.push({ page, href, reason: 'no such file' });
        return;
      }
    }
    if (fragment !== '' && !idsOf(target).has(fragment)) {
      broken.push({ page, href, reason: `no id "${fragment}" in ${relative(site, target)}` });
    }
  };
  const pages = files.filter((f) => f.endsWith('.html'));
  for (const file of pages) {
    for (const href of pageLinks(readFileSync(file, 'utf8'))) check(file, dirname(file), href);
  }
  // The sidebar and the search results come from these indexes, with paths relative to the site root.
  const nav = join(site, 'assets/navigation.js');
  if (existsSync(nav)) {
    const visit = (nodes: unknown): void => {
      for (const n of (nodes as { path?: string; children?: unknown }[]) ?? []) {
        if (n.path) check(nav, site, n.path);
        if (n.children) visit(n.children);
      }
    };
    visit(decodeTypedocData(nav));
  }
  const search = join(site, 'assets/search.js');
  if (existsSync(search)) {
    const data = decodeTypedocData(search) as { rows: { url?: string }[] };
    for (const row of data.rows) if (row.url) check(search, site, row.url);
  }
  return { broken, checked, pages: pages.length };
}
