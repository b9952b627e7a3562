import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { escapeHtml } from '@fackel/tools';

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
.subtitle { color: #555; margin-top: 0; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
figure { margin: 1rem 0; }
figcaption { color: #555; font-size: 0.9rem; }
svg.chart { max-width: 100%; height: auto; font-family: inherit; }
table { border-collapse: collapse; margin: 0.8rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f4f4f4; }
pre { background: #f7f7f7; border: 1px solid #e2e2e2; padding: 0.7rem; overflow-x: auto; white-space: pre-wrap; }
dl.metrics { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dl.metrics dt { font-weight: 600; }
dl.metrics dd { margin: 0; font-variant-numeric: tabular-nums; }
footer { margin-top: 3rem; color: #777; font-size: 0.85rem; }
`;

/** Numbers, and strings that are just a number (`'1.2e+6'`, `'65.35 %'`), are right-aligned. */
function isNumeric(c: string | number): boolean {
  return typeof c === 'number' || /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?( ?%)?$|^[+-]?Infinity$|^NaN$/i.test(c.trim());
}

/**
 * A self-contained HTML report: headings, text, inline SVG charts, tables and preformatted
 * text, with its CSS inline and no scripts or external resources, so the file opens anywhere.
 * Blocks appear in the order they are added.
 *
 * @example
 * ```ts
 * import { Report, lineChart } from '@fackel/example-report';
 * const report = new Report('Übung 2A: NN als Klasse', 'Pima diabetes, 8 → 6 → 4 → 1');
 * report.heading('Loss');
 * report.figure(lineChart({ series: [{ name: 'train', points: [[1, 0.7], [2, 0.6]] }] }), 'BCE per epoch');
 * report.metrics({ 'test accuracy': '77.5 %', 'majority baseline': '65.35 %' });
 * const path = await report.write('reports/diabetes.html');
 * ```
 */
export class Report {
  readonly title: string;
  readonly subtitle: string | undefined;
  private readonly blocks: string[] = [];

  constructor(title: string, subtitle?: string) {
    this.title = title;
    this.subtitle = subtitle;
  }

  /**
   * Adds a section heading (`<h2>`).
   *
   * @example
   * ```ts
   * report.heading('Training');
   * ```
   */
  heading(text: string): this {
    this.blocks.push(`<h2>${escapeHtml(text)}</h2>`);
    return this;
  }

  /**
   * Adds a paragraph of plain text (escaped).
   *
   * @example
   * ```ts
   * report.text('The loss falls for the first 2 000 epochs, then flattens.');
   * ```
   */
  text(text: string): this {
    this.blocks.push(`<p>${escapeHtml(text)}</p>`);
    return this;
  }

  /**
   * Adds an SVG chart (from {@link lineChart}, {@link barChart}, {@link confusionMatrixChart})
   * with an optional caption.
   *
   * @example
   * ```ts
   * report.figure(barChart({ bars: [{ label: 'GRU', value: 0.88 }], max: 1 }), 'Test accuracy');
   * ```
   */
  figure(svg: string, caption?: string): this {
    this.blocks.push(`<figure>${svg}${caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ''}</figure>`);
    return this;
  }

  /**
   * Adds a table; numbers are right-aligned.
   *
   * @example
   * ```ts
   * report.table(['epoch', 'w', 'loss'], [[1, 1.26, 0.5], [2, 1.45, 0.3]]);
   * ```
   */
  table(header: readonly string[], rows: readonly (readonly (string | number)[])[], caption?: string): this {
    const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
    const body = rows
      .map((r) => `<tr>${r.map((c) => (isNumeric(c) ? `<td class="num">${escapeHtml(String(c))}</td>` : `<td>${escapeHtml(String(c))}</td>`)).join('')}</tr>`)
      .join('');
    this.blocks.push(`<table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}<thead>${head}</thead><tbody>${body}</tbody></table>`);
    return this;
  }

  /**
   * Adds a list of name–value pairs (the run's settings or results).
   *
   * @example
   * ```ts
   * report.metrics({ 'learning rate': '0.1', epochs: '10000' });
   * ```
   */
  metrics(pairs: Readonly<Record<string, string | number>>): this {
    const items = Object.entries(pairs)
      .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(String(v))}</dd>`)
      .join('');
    this.blocks.push(`<dl class="metrics">${items}</dl>`);
    return this;
  }

  /**
   * Adds preformatted text (program output, generated samples).
   *
   * @example
   * ```ts
   * report.pre('Epoch: 1/25... Step: 20... Loss: 3.1... Val Loss: 3.0');
   * ```
   */
  pre(text: string): this {
    this.blocks.push(`<pre>${escapeHtml(text)}</pre>`);
    return this;
  }

  /**
   * The whole document as a string.
   *
   * @example
   * ```ts
   * const html = new Report('Demo').text('hello').toHtml();
   * ```
   */
  toHtml(): string {
    return [
      '<!DOCTYPE html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>${escapeHtml(this.title)}</title>`,
      `<style>${STYLE}</style>`,
      '</head>',
      '<body>',
      `<h1>${escapeHtml(this.title)}</h1>`,
      this.subtitle ? `<p class="subtitle">${escapeHtml(this.subtitle)}</p>` : '',
      ...this.blocks,
      `<footer>Written by Fackel's workshop examples on ${escapeHtml(new Date().toISOString())}.</footer>`,
      '</body>',
      '</html>',
      '',
    ].join('\n');
  }

  /**
   * Writes the document to `path` (creating missing folders) and returns its absolute path.
   *
   * @example
   * ```ts
   * const file = await new Report('Demo').text('hello').write('reports/demo.html');
   * console.log(`report: ${file}`);
   * ```
   */
  async write(path: string): Promise<string> {
    const abs = resolve(path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, this.toHtml(), 'utf8');
    return abs;
  }
}
