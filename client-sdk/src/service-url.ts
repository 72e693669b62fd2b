/**
 * The service the SDK talks to unless told otherwise: the origin its script was loaded from (a
 * portal embeds it with one script tag from the service, so its pages may be on another origin),
 * read while the bundle runs, which is the only time `document.currentScript` names it; the
 * page's own origin when the SDK is bundled into the page's code.
 */
export const DEFAULT_SERVICE_URL: string = scriptOrigin() ?? (typeof location === 'undefined' ? '' : location.origin);

function scriptOrigin(): string | undefined {
  if (typeof document === 'undefined') return undefined;
  const script = document.currentScript;
  return script instanceof HTMLScriptElement && script.src ? new URL(script.src).origin : undefined;
}
