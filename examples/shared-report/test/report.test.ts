import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  barChart,
  confusionMatrixChart,
  escapeHtml,
  findWorkspaceRoot,
  lineChart,
  parseDevice,
  parseFlags,
  percent,
  Report,
  sharedDataDir,
  terminalChart,
  userPath,
} from '@fackel/example-report';
import { chartProblems, chromiumSkipReason, inspectReport } from '@fackel/example-report/chromium';

const dir = mkdtempSync(join(tmpdir(), 'fackel-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('svg charts', () => {
  it('draws one path per line series and breaks lines at non-finite values', () => {
    const svg = lineChart({
      title: 'Loss <1>',
      series: [
        {
          name: 'a',
          points: [
            [1, 1],
            [2, 0.5],
            [3, 0.25],
          ],
        },
        {
          name: 'b',
          points: [
            [1, 2],
            [2, NaN],
            [3, 1],
          ],
        },
      ],
    });
    expect(svg.match(/<path class="series"/g)).toHaveLength(2);
    expect(svg).toContain('Loss &lt;1&gt;');
    const b = /data-series="b" d="([^"]+)"/.exec(svg)![1];
    expect(b.match(/M/g)).toHaveLength(2); // two pieces around the NaN
  });

  it('supports a log axis and points', () => {
    const svg = lineChart({
      logY: true,
      series: [
        {
          name: 'p',
          style: 'points',
          points: [
            [1, 1e-3],
            [2, 1e3],
            [3, 0],
          ],
        },
      ],
    });
    expect(svg.match(/class="point"/g)).toHaveLength(2); // the 0 cannot be drawn on a log axis
    for (const tick of ['0.001', '0.1', '10', '1000']) expect(svg).toContain(`>${tick}</text>`); // one tick per decade
  });

  it('draws bars and a confusion matrix', () => {
    expect(barChart({ bars: [{ label: 'x', value: 0.5 }], max: 1, reference: { label: 'base', value: 0.4 } })).toContain('class="bar"');
    const cm = confusionMatrixChart({
      labels: ['f', 'm'],
      matrix: [
        [3, 1],
        [0, 4],
      ],
    });
    expect(cm.match(/class="cell"/g)).toHaveLength(4);
    expect(() => confusionMatrixChart({ labels: ['f', 'm'], matrix: [[1]] })).toThrow(/2 × 2/);
  });

  it('escapes text', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('terminal chart', () => {
  it('plots a falling curve from the top left to the bottom right', () => {
    const text = terminalChart([{ name: 'loss', values: [1, 0.8, 0.6, 0.4, 0.2] }], { width: 5, height: 5, title: 'loss' });
    const rows = text.split('\n');
    expect(rows[0]).toBe('loss');
    expect(rows[1]).toMatch(/^ 1\.000 ┤●$/);
    expect(rows[5]).toMatch(/0\.2000 ┤ {4}●$/);
    expect(rows[6]).toContain('└─────');
  });

  it('says when nothing finite is left', () => {
    expect(terminalChart([{ name: 'loss', values: [NaN, Infinity] }])).toMatch(/diverged/);
  });
});

describe('helpers', () => {
  it('finds the workspace root and the shared data', () => {
    expect(readFileSync(join(findWorkspaceRoot(), 'pnpm-workspace.yaml'), 'utf8')).toContain('examples/*');
    expect(sharedDataDir()).toMatch(/shared[/\\]data$/);
  });

  it('parses flags with the parser of @fackel/tools: help, usage errors with exit code 2, typed values', () => {
    const specs = { lr: { kind: 'number', min: 0, gt: true, default: 0.1 }, epochs: { kind: 'int', min: 1 }, help: { kind: 'boolean', short: 'h' } } as const;
    const printed: string[] = [];
    const parsed = parseFlags(['--lr', '2e-3', '--epochs=5'], specs, 'HELP', (l) => printed.push(l));
    expect(parsed).toEqual({ options: { lr: 0.002, epochs: 5 }, positionals: [] });
    expect(parseFlags(['-h'], specs, 'HELP', (l) => printed.push(l))).toBe(0);
    expect(parseFlags(['--epochs', '1e3'], specs, 'HELP', (l) => printed.push(l))).toBe(2);
    expect(printed.at(-1)).toBe('--epochs must be a whole number >= 1 (decimal digits), got "1e3"\n\nHELP');
    expect(parseFlags(['--nope'], specs, 'HELP', () => {})).toBe(2);
  });

  it('takes relative paths from the folder the user ran the command in ($INIT_CWD under npm and pnpm)', () => {
    const before = process.env.INIT_CWD;
    try {
      process.env.INIT_CWD = '/home/me/work';
      expect(userPath('data/x.csv')).toBe(join('/home/me/work', 'data/x.csv'));
      expect(userPath('/abs/x.csv')).toBe('/abs/x.csv');
      delete process.env.INIT_CWD;
      expect(userPath('x.csv')).toBe(join(process.cwd(), 'x.csv'));
    } finally {
      if (before === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = before;
    }
  });

  it('formats and checks flags', () => {
    expect(percent(0.65349)).toBe('65.35 %');
    expect(parseDevice(undefined)).toBe('cpu');
    expect(() => parseDevice('tpu')).toThrow(/cpu, webgpu/);
  });
});

describe('report in headless Chromium', () => {
  it('renders every kind of chart with visible geometry', async ({ skip }) => {
    const reason = chromiumSkipReason();
    if (reason) skip(reason);
    const file = await new Report('Demo', 'all chart kinds')
      .heading('Lines')
      .figure(lineChart({ title: 'curve', series: [{ name: 'y = x²', points: Array.from({ length: 20 }, (_, i) => [i, i * i] as const) }] }))
      .figure(barChart({ title: 'bars', bars: [{ label: 'a', value: 0.7 }], max: 1 }))
      .figure(
        confusionMatrixChart({
          title: 'matrix',
          labels: ['f', 'm'],
          matrix: [
            [5, 1],
            [2, 6],
          ],
        }),
      )
      .table(['k', 'v'], [['a', 1]])
      .pre('text')
      .write(join(dir, 'demo.html'));
    const page = await inspectReport(file);
    expect(page.title).toBe('Demo');
    expect(chartProblems(page, { kinds: ['line', 'bar', 'confusion'] })).toEqual([]);
    expect(page.charts[0].paths[0].length).toBeGreaterThan(300);
  });

  it('reports a chart whose line is missing', async ({ skip }) => {
    const reason = chromiumSkipReason();
    if (reason) skip(reason);
    const file = await new Report('Empty').figure(lineChart({ series: [{ name: 'none', points: [] }] })).write(join(dir, 'empty.html'));
    expect(chartProblems(await inspectReport(file)).join('\n')).toMatch(/no line/);
  });
});
