/**
 * The few pictograms the SDK draws, as inline SVG: they look the same on every machine, even one
 * without an emoji font (where emoji render as empty boxes), and take the text colour.
 */
const PATHS = {
  /** Six dots: the panel's move handle. */
  grip: 'M9 5a2 2 0 1 1-4 0 2 2 0 0 1 4 0Zm10 0a2 2 0 1 1-4 0 2 2 0 0 1 4 0ZM9 12a2 2 0 1 1-4 0 2 2 0 0 1 4 0Zm10 0a2 2 0 1 1-4 0 2 2 0 0 1 4 0ZM9 19a2 2 0 1 1-4 0 2 2 0 0 1 4 0Zm10 0a2 2 0 1 1-4 0 2 2 0 0 1 4 0Z',
  /** A bar at the bottom: minimise. */
  minimise: 'M5 17h14v3H5z',
  /** A square: restore the panel. */
  restore: 'M4 4h16v16H4zm3 3v10h10V7z',
  /** A paper clip: a file in the chat. */
  attachment: 'M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z',
} as const;

export type IconName = keyof typeof PATHS;

/** An icon sized to the surrounding text (1.2em), hidden from screen readers: label its button. */
export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', `icon icon-${name}`);
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', PATHS[name]);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}
