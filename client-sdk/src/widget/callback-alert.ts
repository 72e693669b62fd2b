import type { SessionSummary } from '@etax-assist/protocol';
import type { Translate } from './elements.js';

/** Shared by every page of the portal (localStorage, one origin): a page opened later finds the callback and shows where it stands. */
const CALLBACK_KEY = 'etax-assist:callback';

/** The callback this browser keeps for the portal's pages, by session id (the service checks it is the signed-in taxpayer's). */
export const callbackHint = {
  pending: (): string | null => localStorage.getItem(CALLBACK_KEY),
  remember: (sessionId: string): void => localStorage.setItem(CALLBACK_KEY, sessionId),
  forget: (): void => localStorage.removeItem(CALLBACK_KEY),
};

const notifications = (): boolean => typeof Notification !== 'undefined';

/**
 * Asks the taxpayer back when an agent is ready: once per ready agent (its answer-by time), with a
 * browser notification as well when the page is not in view and the taxpayer allowed them. Every
 * open page shows one; the notification's tag makes them one.
 */
export class CallbackAlert {
  #alerted: number | undefined;

  /** Asked only on the taxpayer's own click (browsers refuse or penalise asking unprompted). */
  static async askPermission(): Promise<void> {
    if (notifications() && Notification.permission === 'default') await Notification.requestPermission().catch(() => 'denied');
  }

  /** Whether this state asks the taxpayer back for the first time (the widget then opens its panel). */
  ready(summary: SessionSummary, t: Translate): boolean {
    const answerBy = summary.state === 'callback' ? summary.callback?.answerBy : undefined;
    if (answerBy === undefined || answerBy === this.#alerted) return false;
    this.#alerted = answerBy;
    if (notifications() && Notification.permission === 'granted' && document.visibilityState !== 'visible') {
      new Notification(t('notifyTitle'), { body: t('notifyBody'), tag: `etax-assist-callback-${summary.sessionId}` });
    }
    return true;
  }
}
