/** Where a kiosk keeps its larger-text choice: local storage, so it outlasts each visitor's reset. */
const LARGE_TEXT_KEY = 'etax-assist:large-text';

/** The SDK's layers that follow the choice (the widget's, the consent dialogs' and banners'). */
const followers = new Set<HTMLElement>();

export function largeTextOn(): boolean {
  return localStorage.getItem(LARGE_TEXT_KEY) === 'on';
}

/** The layer's host takes the `large` class now and whenever the choice changes. */
export function followTextSize(host: HTMLElement): void {
  followers.add(host);
  host.classList.toggle('large', largeTextOn());
}

export function setLargeText(on: boolean): void {
  if (on) localStorage.setItem(LARGE_TEXT_KEY, 'on');
  else localStorage.removeItem(LARGE_TEXT_KEY);
  for (const host of followers) {
    if (host.isConnected) host.classList.toggle('large', on);
    else followers.delete(host);
  }
}
