// A small SVG loss curve: raw losses (light) and their running mean (dark).
const NS = 'http://www.w3.org/2000/svg';

export function drawLoss(svg: SVGSVGElement, losses: readonly number[]): void {
  const w = 480,
    h = 160,
    pad = 28;
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.replaceChildren();
  if (losses.length < 2) return;
  const smooth: number[] = [];
  let m = losses[0];
  for (const l of losses) smooth.push((m = 0.9 * m + 0.1 * l));
  const max = Math.max(...losses),
    min = Math.min(0, ...losses);
  const x = (i: number): number => pad + ((w - 2 * pad) * i) / (losses.length - 1);
  const y = (v: number): number => h - pad - ((h - 2 * pad) * (v - min)) / (max - min || 1);
  const line = (vals: readonly number[], color: string, width: number): void => {
    const p = document.createElementNS(NS, 'polyline');
    p.setAttribute('points', vals.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' '));
    p.setAttribute('fill', 'none');
    p.setAttribute('stroke', color);
    p.setAttribute('stroke-width', String(width));
    svg.append(p);
  };
  const axis = document.createElementNS(NS, 'path');
  axis.setAttribute('d', `M${pad},${pad} V${h - pad} H${w - pad}`);
  axis.setAttribute('stroke', '#888');
  axis.setAttribute('fill', 'none');
  svg.append(axis);
  for (const [v, label] of [
    [max, max.toFixed(2)],
    [min, min.toFixed(2)],
  ] as const) {
    const t = document.createElementNS(NS, 'text');
    t.setAttribute('x', '2');
    t.setAttribute('y', String(y(v) + 4));
    t.setAttribute('font-size', '10');
    t.textContent = label;
    svg.append(t);
  }
  line(losses, '#f3b27a', 1);
  line(smooth, '#c2410c', 2);
}
