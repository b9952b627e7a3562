// Test support: opens a report in real headless Chromium and measures its charts.
// Imported by the examples' tests only (its playwright-core is a devDependency).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/**
 * Where the tests expect Debian's Chromium (`apt-get install -y chromium`).
 *
 * @example
 * ```ts
 * import { CHROMIUM_PATH } from '@fackel/example-report/chromium';
 * console.log(CHROMIUM_PATH); // /usr/bin/chromium
 * ```
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The command-line switches Chromium is started with: headless, no sandbox (CI runs as root),
 * no GPU and no background traffic.
 *
 * @example
 * ```ts
 * import { CHROMIUM_ARGS } from '@fackel/example-report/chromium';
 * console.log(CHROMIUM_ARGS.includes('--no-sandbox')); // true
 * ```
 */
export const CHROMIUM_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]);

/**
 * Why a Chromium test should be skipped, or `undefined` when it should run: it runs when
 * {@link CHROMIUM_PATH} exists, and also when it is missing but `CI` is set (so that CI fails
 * loudly instead of skipping).
 *
 * @example
 * ```ts
 * import { it } from 'vitest';
 * import { chromiumSkipReason } from '@fackel/example-report/chromium';
 * it('draws the charts', async ({ skip }) => {
 *   const reason = chromiumSkipReason();
 *   if (reason) skip(reason);
 *   // …
 * });
 * ```
 */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  if (process.env.CI) return undefined;
  return `${CHROMIUM_PATH} is missing (apt-get install -y chromium); skipping the browser check`;
}

/**
 * What Chromium drew for one `<svg class="chart">`.
 *
 * @example
 * ```ts
 * import type { ChartInspection } from '@fackel/example-report/chromium';
 * const c: ChartInspection = { id: 'chart-1', kind: 'line', title: 'Loss', width: 640, height: 320, paths: [], shapes: [] };
 * ```
 */
export interface ChartInspection {
  id: string;
  /** `line`, `bar` or `confusion` (the chart's `data-kind`). */
  kind: string;
  /** The chart's title text, or ''. */
  title: string;
  /** Rendered size of the `<svg>`. */
  width: number;
  height: number;
  /** Every `path.series`: its total length and bounding box in SVG units. */
  paths: { series: string; length: number; width: number; height: number }[];
  /** Every `circle.point`, `rect.bar` and `rect.cell`: its bounding box. */
  shapes: { kind: string; width: number; height: number }[];
}

/**
 * What {@link inspectReport} found in a report page.
 *
 * @example
 * ```ts
 * import type { ReportInspection } from '@fackel/example-report/chromium';
 * const r: ReportInspection = { title: 'Übung 1', textLength: 100, charts: [], errors: [] };
 * ```
 */
export interface ReportInspection {
  /** The document title. */
  title: string;
  /** Length of the page's visible text. */
  textLength: number;
  charts: ChartInspection[];
  /** Console errors and page errors while loading. */
  errors: string[];
}

/**
 * Opens an HTML file in headless Chromium ({@link CHROMIUM_PATH}, {@link CHROMIUM_ARGS}) and
 * measures every chart with the browser's own layout: `getTotalLength()` and `getBBox()` of each
 * line, and the box of each bar, point and matrix cell.
 *
 * @example
 * ```ts
 * import { inspectReport } from '@fackel/example-report/chromium';
 * const page = await inspectReport('reports/gradient-descent.html');
 * console.log(page.charts.map((c) => `${c.kind}: ${c.paths.length} lines`));
 * ```
 */
export async function inspectReport(file: string): Promise<ReportInspection> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing; install Debian's Chromium first: apt-get install -y chromium`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load' });
    const found = await page.evaluate(() => {
      // Runs in the page. The DOM types are declared here in miniature so that this Node
      // package need not pull the whole DOM library into the workspace's type check.
      interface Box {
        width: number;
        height: number;
      }
      interface El {
        id: string;
        textContent: string | null;
        getAttribute(name: string): string | null;
        querySelector(sel: string): El | null;
        querySelectorAll(sel: string): Iterable<El>;
        getBoundingClientRect(): Box;
        getBBox(): Box;
        getTotalLength(): number;
      }
      const doc = (globalThis as unknown as { document: El & { title: string; body: { innerText: string } } }).document;
      const charts = [...doc.querySelectorAll('svg.chart')].map((svg) => {
        const box = svg.getBoundingClientRect();
        const paths = [...svg.querySelectorAll('path.series')].map((p) => {
          const b = p.getBBox();
          return { series: p.getAttribute('data-series') ?? '', length: p.getTotalLength(), width: b.width, height: b.height };
        });
        const shapes = [...svg.querySelectorAll('circle.point, rect.bar, rect.cell')].map((s) => {
          const b = s.getBBox();
          return { kind: s.getAttribute('class') ?? '', width: b.width, height: b.height };
        });
        return {
          id: svg.id,
          kind: svg.getAttribute('data-kind') ?? '',
          title: svg.querySelector('text.title')?.textContent ?? '',
          width: box.width,
          height: box.height,
          paths,
          shapes,
        };
      });
      return { title: doc.title, textLength: doc.body.innerText.length, charts };
    });
    return { ...found, errors };
  } finally {
    await browser.close();
  }
}

/**
 * Checks that every chart in an inspection was really drawn and returns the problems found
 * (an empty list when all is well): each line chart has a line at least `minLength` long whose
 * box is not flat in both directions, each bar chart and confusion matrix has visible shapes,
 * and the page loaded without errors.
 *
 * @example
 * ```ts
 * import { expect } from 'vitest';
 * import { inspectReport, chartProblems } from '@fackel/example-report/chromium';
 * const page = await inspectReport(file);
 * expect(chartProblems(page, { kinds: ['line', 'confusion'] })).toEqual([]);
 * ```
 */
export function chartProblems(page: ReportInspection, options: { kinds?: readonly string[]; minLength?: number } = {}): string[] {
  const minLength = options.minLength ?? 50;
  const problems: string[] = [...page.errors.map((e) => `page error: ${e}`)];
  if (page.charts.length === 0) problems.push('the page has no svg.chart');
  for (const kind of options.kinds ?? []) {
    if (!page.charts.some((c) => c.kind === kind)) problems.push(`no ${kind} chart`);
  }
  for (const c of page.charts) {
    const name = `${c.kind} chart ${JSON.stringify(c.title || c.id)}`;
    if (!(c.width > 50 && c.height > 50)) problems.push(`${name} is only ${c.width}×${c.height} px`);
    if (c.kind === 'line') {
      const drawn = c.paths.filter((p) => p.length >= minLength && (p.width > 1 || p.height > 1));
      if (drawn.length === 0 && !c.shapes.some((s) => s.width > 0 && s.height > 0)) {
        problems.push(`${name} has no line of length ≥ ${minLength} (${c.paths.map((p) => `${p.series}: ${p.length.toFixed(1)}`).join(', ') || 'no paths'})`);
      }
    } else {
      const visible = c.shapes.filter((s) => s.width > 0 && s.height > 0);
      if (visible.length === 0) problems.push(`${name} has no visible bars or cells`);
    }
  }
  return problems;
}
