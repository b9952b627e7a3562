import { describe, expect, it } from 'vitest';
import { barChart, confusionMatrixChart, escapeHtml, lineChart } from '../src/index.js';

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
    expect(svg).not.toMatch(/<script|href="http/);
  });

  it('adds classes, markers and a fixed id when asked', () => {
    const svg = lineChart({
      id: 'loss',
      series: [
        {
          name: 'val',
          points: [
            [1, 1],
            [5, 0.5],
          ],
          markers: true,
          className: 'val',
        },
      ],
    });
    expect(svg).toMatch(/^<svg class="chart" data-kind="line" id="loss"/);
    expect(svg).toMatch(/<path class="series val" data-series="val"/);
    expect(svg.match(/<g class="markers val"[^>]*>(<circle class="point"[^>]*\/>){2}<\/g>/)).not.toBeNull();
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
    for (const tick of ['0.001', '0.1', '10', '1000']) expect(svg).toContain(`>${tick}</text>`);
  });

  it('draws bars and a confusion matrix; escapes text', () => {
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
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
