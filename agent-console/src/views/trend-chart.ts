import { formatTime } from '../i18n.js';

const SVG = 'http://www.w3.org/2000/svg';

export interface TrendPoint {
  at: number;
  value: number;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** A small line chart of one series over time (inline SVG: no script, no library, CSP-safe). */
export function trendChart(points: TrendPoint[], label: string, width = 560, height = 120): HTMLElement {
  const figure = document.createElement('figure');
  figure.className = 'trend';
  const caption = document.createElement('figcaption');
  caption.textContent = label;
  figure.append(caption);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label });
  const pad = { left: 36, right: 8, top: 8, bottom: 20 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const max = Math.max(1, ...points.map((p) => p.value));
  const t0 = points[0]?.at ?? Date.now();
  const t1 = Math.max(t0 + 60_000, points.at(-1)?.at ?? t0);
  const x = (at: number) => pad.left + ((at - t0) / (t1 - t0)) * w;
  const y = (v: number) => pad.top + h - (v / max) * h;
  chart.append(
    svg('line', { x1: pad.left, y1: pad.top + h, x2: pad.left + w, y2: pad.top + h, stroke: '#aab4c0' }),
    svg('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: pad.top + h, stroke: '#aab4c0' }),
  );
  const maxLabel = svg('text', { x: pad.left - 6, y: pad.top + 10, 'text-anchor': 'end', 'font-size': 11, fill: '#5a6673' });
  maxLabel.textContent = String(max);
  const zero = svg('text', { x: pad.left - 6, y: pad.top + h, 'text-anchor': 'end', 'font-size': 11, fill: '#5a6673' });
  zero.textContent = '0';
  const start = svg('text', { x: pad.left, y: height - 4, 'font-size': 11, fill: '#5a6673' });
  start.textContent = formatTime(t0, false);
  const end = svg('text', { x: pad.left + w, y: height - 4, 'text-anchor': 'end', 'font-size': 11, fill: '#5a6673' });
  end.textContent = formatTime(t1, false);
  chart.append(maxLabel, zero, start, end);
  if (points.length > 0) {
    chart.append(svg('polyline', { points: points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' '), fill: 'none', stroke: '#b3261e', 'stroke-width': 2 }));
  }
  figure.append(chart);
  return figure;
}
