/**
 * Set on the page's root element while a kiosk splits its screen: the upper half shows the agent
 * (the SDK's own, unrecorded layer), the page itself is pushed into the lower half.
 */
export const DUAL_SCREEN_ATTRIBUTE = 'data-etax-dual-screen';

export interface Fit {
  scale: number;
  /** Taxpayer pixels hidden at the top (the upper half of a split kiosk screen). */
  cropTop: number;
  /** The mirror's height in the panel, px (taller than the panel when it scrolls there). */
  height: number;
}

/**
 * How the taxpayer's viewport fits the agent's panel, never scaled up. A split kiosk screen is
 * cropped to its lower half, the part the visitor operates, and fitted to the panel's width, so
 * its text can be read (fitted whole, a kiosk's screen came out at about a third, its text at
 * 7 px); the panel scrolls when it is taller. Any other page fits whole.
 */
export function fitViewport(viewport: { width: number; height: number }, box: { width: number; height: number }, doc: Document | undefined): Fit {
  const dualScreen = doc?.documentElement?.hasAttribute(DUAL_SCREEN_ATTRIBUTE) ?? false;
  const cropTop = dualScreen ? viewport.height / 2 : 0;
  const byWidth = box.width / viewport.width;
  const scale = Math.min(dualScreen ? byWidth : Math.min(byWidth, box.height / (viewport.height - cropTop)), 1);
  return { scale, cropTop, height: (viewport.height - cropTop) * scale };
}

export function applyFit(element: HTMLElement, fit: Fit): void {
  element.style.transformOrigin = '0 0';
  element.style.transform = `translateY(${-fit.cropTop * fit.scale}px) scale(${fit.scale})`;
}

/** A mirror taller than its panel (a kiosk's half fitted to the width) scrolls in it. */
export function scrollWhenTaller(panel: HTMLElement, fit: Fit): void {
  panel.style.overflowY = fit.height > panel.clientHeight + 1 ? 'auto' : 'hidden';
}

/** Calls `onChange` whenever the replayed page enters or leaves the split kiosk screen. */
export function watchDualScreen(iframe: HTMLIFrameElement, onChange: () => void): MutationObserver | undefined {
  const doc = iframe.contentDocument;
  if (!doc) return undefined;
  const observer = new MutationObserver(onChange);
  observer.observe(doc, { attributes: true, subtree: true, attributeFilter: [DUAL_SCREEN_ATTRIBUTE] });
  return observer;
}
