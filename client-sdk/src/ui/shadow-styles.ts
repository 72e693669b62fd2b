/**
 * Styles for a shadow root as a constructed stylesheet, not a <style> element: a portal's
 * Content-Security-Policy without 'unsafe-inline' for styles would block the element, while
 * stylesheets built by script are not inline styles.
 */
export function adoptStyles(root: ShadowRoot, css: string): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}
