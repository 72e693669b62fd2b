import { DUAL_SCREEN_ATTRIBUTE } from '../cobrowse/fit.js';

export interface KioskOptions {
  /**
   * A device token for this kiosk, fresh (POST /api/devices/token with the kiosk's credential):
   * sent with each help request, it tells the service which kiosk and hall the visitor is at.
   */
  deviceToken: () => Promise<string>;
  inactivityResetS?: number;
  /** After the reset between visitors: the portal signs the visitor out of its own pages. */
  onReset?: () => void;
}

/** How often a kiosk looks whether its visitor walked away. */
const INACTIVITY_CHECK_MS = 5000;

/**
 * A hall kiosk's own behaviour: a visitor who walks away from the form or the rating leaves it to
 * the next one (reset after inactivity), and during a session the screen is split in two.
 */
export class KioskMode {
  #lastActivity = Date.now();
  readonly #touch = () => (this.#lastActivity = Date.now());
  readonly #timer: ReturnType<typeof setInterval>;

  /** `idle` is asked whether the widget shows something a walked-away visitor leaves behind. */
  constructor(
    readonly options: KioskOptions,
    idle: () => boolean,
    reset: () => void,
  ) {
    for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, this.#touch, true);
    const limitMs = (options.inactivityResetS ?? 120) * 1000;
    this.#timer = setInterval(() => {
      if (idle() && Date.now() - this.#lastActivity > limitMs) reset();
    }, INACTIVITY_CHECK_MS);
  }

  /**
   * During a session the upper screen shows the agent (video, chat, guidance), the lower screen
   * the taxpayer's own page, pushed down below it.
   */
  static dualScreen(on: boolean): void {
    const root = document.documentElement;
    if (on) {
      root.style.setProperty('padding-top', '50vh');
      root.setAttribute(DUAL_SCREEN_ATTRIBUTE, '');
    } else if (root.hasAttribute(DUAL_SCREEN_ATTRIBUTE)) {
      root.style.removeProperty('padding-top');
      root.removeAttribute(DUAL_SCREEN_ATTRIBUTE);
    }
  }

  /** The next visitor starts from nothing this one left: no session ids or choices in storage. */
  static forgetVisitor(): void {
    for (const key of Object.keys(sessionStorage)) if (key.startsWith('etax-assist:')) sessionStorage.removeItem(key);
  }

  close(): void {
    clearInterval(this.#timer);
    for (const type of ['pointerdown', 'keydown']) document.removeEventListener(type, this.#touch, true);
  }
}
