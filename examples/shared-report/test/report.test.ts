import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tools from '@fackel/tools';
import {
  COMMON_FLAGS,
  SPLIT_FLAGS,
  epochCurves,
  onDevice,
  reportPath,
  runCommand,
  stratifiedSplit,
  trainTestLossChart,
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
  it('are the charts of @fackel/tools (tested there), not copies', () => {
    expect([lineChart, barChart, confusionMatrixChart, escapeHtml]).toEqual([tools.lineChart, tools.barChart, tools.confusionMatrixChart, tools.escapeHtml]);
  });

  it('draws the seeded runs of a training as one line per seed, or train against test for one run', () => {
    const log = [1, 2].map((epoch) => ({ epoch, trainLoss: 1 / epoch, testLoss: 2 / epoch, trainAccuracy: 0.5, testAccuracy: 0.25 * epoch }));
    const one = epochCurves([{ options: { seed: 3 }, log }], 'testAccuracy', 'trainAccuracy');
    expect(one).toEqual([
      {
        name: 'test',
        points: [
          [1, 0.25],
          [2, 0.5],
        ],
        legend: true,
      },
      {
        name: 'train',
        points: [
          [1, 0.5],
          [2, 0.5],
        ],
        dashed: true,
      },
    ]);
    const runs = Array.from({ length: 7 }, (_, seed) => ({ options: { seed }, log }));
    const many = epochCurves(runs, 'trainLoss', 'testLoss');
    expect(many.map((s) => s.name)).toEqual(runs.map((r) => `train, seed ${r.options.seed}`));
    expect(many.map((s) => s.legend)).toEqual([true, true, true, true, true, true, false]);
    expect(many[0].points).toEqual([
      [1, 1],
      [2, 0.5],
    ]);
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

  it('draws the train and test loss of a run over its epochs', () => {
    const text = trainTestLossChart(
      [1, 0.5, 0.25].map((l) => ({ trainLoss: l, testLoss: l + 0.1 })),
      'BCE of seed 0',
      3,
    );
    const rows = text.split('\n');
    expect(rows[0]).toBe('BCE of seed 0');
    expect(rows).toHaveLength(8 + 4);
    expect(text).toContain('train loss');
    expect(text).toContain('test loss');
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

  it('runs a command: exit code 2 for a bad flag, 0 for --help or a finished body, 1 after printing a thrown error', async () => {
    const printed: string[] = [];
    const specs = { lr: { kind: 'number', default: 0.1 }, ...SPLIT_FLAGS, ...COMMON_FLAGS } as const;
    const seen: unknown[] = [];
    const body = async ({ options }: { options: { lr: number; seed: number; testFraction: number; device: string; quiet: boolean } }) => {
      if (options.lr < 0) throw new Error('--lr must not be negative');
      seen.push([options.lr, options.seed, options.testFraction, options.device, options.quiet]);
    };
    expect(await runCommand(['--nope'], specs, 'HELP', (l) => printed.push(l), body)).toBe(2);
    expect(await runCommand(['-h'], specs, 'HELP', (l) => printed.push(l), body)).toBe(0);
    expect(printed.at(-1)).toBe('HELP');
    expect(await runCommand(['--lr', '0.5', '--quiet'], specs, 'HELP', (l) => printed.push(l), body)).toBe(0);
    expect(seen).toEqual([[0.5, 0, 0.2, 'cpu', true]]);
    expect(await runCommand(['--lr', '-1'], specs, 'HELP', (l) => printed.push(l), body)).toBe(1);
    expect(printed.at(-1)).toBe('error: --lr must not be negative');
    expect(await runCommand(['--test-fraction', '1'], specs, 'HELP', () => {}, body)).toBe(2);
  });

  it('runs on the named device and releases it, also after an error', async () => {
    await expect(onDevice('cpu', async (device) => device.name)).resolves.toBe('cpu');
    await expect(onDevice('cpu', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(onDevice('tpu', async () => 1)).rejects.toThrow(/cpu, webgpu/);
  });

  it('puts the report where the user asked, else into the example folder', () => {
    expect(reportPath('/abs/r.html', 'x.html', 'file:///repo/examples/x/src/cli.ts')).toBe('/abs/r.html');
    expect(reportPath(undefined, 'x.html', 'file:///repo/examples/x/src/cli.ts')).toBe('/repo/examples/x/reports/x.html');
  });

  it('splits seeded and stratified: every class keeps its share, the same seed gives the same split', () => {
    const labels = [...new Array<number>(30).fill(1), ...new Array<number>(10).fill(0)];
    const a = stratifiedSplit(labels, 0.2, 7);
    expect(a.test.filter((i) => labels[i] === 0)).toHaveLength(2);
    expect(a.test.filter((i) => labels[i] === 1)).toHaveLength(6);
    expect([...a.train, ...a.test].sort((x, y) => x - y)).toEqual(labels.map((_, i) => i));
    expect(stratifiedSplit(labels, 0.2, 7)).toEqual(a);
    expect(stratifiedSplit(labels, 0.2, 8).test).not.toEqual(a.test);
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
