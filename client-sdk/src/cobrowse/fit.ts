/**
 * Set on the page's root element while a kiosk splits its screen: the upper half shows the agent
 * (the SDK's own, unrecorded layer), the page itself is pushed into the lower half.
 */
export const DUAL_SCREEN_ATTRIBUTE = 'data-etax-dual-screen';

export interface Fit {
  scale: number;
  /** Taxpayer pixels hidden at the top (the empty upper half of a split kiosk screen). */
  cropTop: number;
}

/** How the taxpayer's viewport fits the agent's panel: scaled down to fit, never up. */
export function fitViewport(viewport: { width: number; height: number }, box: { width: number; height: number }, doc: Document | undefined): Fit {
  const cropTop = doc?.documentElement?.hasAttribute(DUAL_SCREEN_ATTRIBUTE) ? viewport.height / 2 : 0;
  const scale = Math.min(box.width / viewport.width, box.height / (viewport.height - cropTop), 1);
  return { scale, cropTop };
}

export function applyFit(element: HTMLElement, fit: Fit): void {
  element.style.transformOrigin = '0 0';
  element.style.transform = `translateY(${-fit.cropTop * fit.scale}px) scale(${fit.scale})`;
}

/** Calls `onChange` whenever the replayed page enters or leaves the split kiosk screen. */
export function watchDualScreen(iframe: HTMLIFrameElement, onChange: () => void): MutationObserver | undefined {
  const doc = iframe.contentDocument;
  if (!doc) return undefined;
  const observer = new MutationObserver(onChange);
  observer.observe(doc, { attributes: true, subtree: true, attributeFilter: [DUAL_SCREEN_ATTRIBUTE] });
  return observer;
}
