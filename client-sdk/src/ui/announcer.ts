/**
 * A live region, visually hidden, in one of the SDK's shadow roots: what changed for the taxpayer
 * (their place in the queue, the agent joining, control given and taken back, what the agent
 * highlights) said by a screen reader without moving the keyboard's place.
 */
export class Announcer {
  readonly #region: HTMLElement;

  constructor(root: ShadowRoot) {
    this.#region = document.createElement('div');
    this.#region.className = 'announcer';
    this.#region.setAttribute('role', 'status');
    this.#region.setAttribute('aria-live', 'polite');
    this.#region.setAttribute('aria-atomic', 'true');
    root.append(this.#region);
  }

  say(message: string): void {
    this.#region.textContent = message;
  }
}

/** Visually hidden, still read: the layers' CSS for the live region. */
export const ANNOUNCER_CSS = `.announcer { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0; }`;
