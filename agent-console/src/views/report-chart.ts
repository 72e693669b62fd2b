import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el } from '../dom.js';

/** One line or set of bars: its name and a value per category (null: none). */
export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

/** Distinct colours for up to eight series (then they repeat), readable on white. */
const PALETTE = ['#1f6fb2', '#d9822b', '#2e9e5b', '#b23a48', '#7b5ea7', '#8c6d1f', '#1d8f99', '#5a6673'];

/**
 * A report's chart (uPlot on a canvas): bars per category when there is one series of values by
 * category, lines over the categories (the periods) when there are several series; the x axis
 * is the categories by index, named by `categories`.
 */
export function reportChart(categories: readonly string[], series: readonly ChartSeries[], title: string, width: number): HTMLElement {
  const figure = el('figure', { className: 'report-chart' }, el('figcaption', { textContent: title }));
  const xs = categories.map((_, i) => i);
  const bars = series.length === 1;
  // names turned when they would not fit side by side under the bars (about 8 px a character)
  const turned = categories.length * Math.max(...categories.map((c) => c.length)) * 8 > width * 0.8;
  const options: uPlot.Options = {
    width,
    height: Math.round(Math.min(320, Math.max(200, width * 0.45))),
    legend: { show: !bars },
    cursor: { drag: { x: false, y: false } },
    // bars and counts start at zero: a bar's height is its value
    scales: { x: { time: false, range: [-0.5, Math.max(0.5, categories.length - 0.5)] }, y: { range: (_chart, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      {
        splits: () => xs,
        values: (_chart, ticks) => ticks.map((i) => categories[i] ?? ''),
        rotate: turned ? -30 : 0,
        size: turned ? 90 : 40,
      },
      {},
    ],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        fill: bars ? `${PALETTE[i % PALETTE.length]}cc` : undefined,
        width: bars ? 0 : 2,
        points: { show: !bars },
        paths: bars ? uPlot.paths.bars!({ size: [0.6, 80] }) : undefined,
      })),
    ],
  };
  new uPlot(options, [xs, ...series.map((s) => s.values)], figure);
  return figure;
}
