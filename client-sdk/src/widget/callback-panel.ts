import type { SessionSummary } from '@etax-assist/protocol';
import type { Lang } from '../ui/strings.js';
import { button, paragraph, type Translate } from './elements.js';
import type { WidgetActions, WidgetScreen } from './widget-screen.js';

const clock = (lang: Lang, ms: number) => new Date(ms).toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Whether the request keeps its place as a callback (or just ended as missed): the callback panel shows instead of the queue's. */
export const showsCallback = (s: SessionSummary | undefined): boolean => s?.state === 'callback' || s?.state === 'missed';

/** The one-line state of a callback, for the minimised bar (the chip on the portal's other pages). */
export function callbackLine(t: Translate, s: SessionSummary): string {
  if (s.state === 'missed') return t('callbackMissed');
  if (s.callback?.answerBy !== undefined) return t('callbackReady');
  return t('callbackChip', { position: String(s.queuePosition ?? 1) });
}

/** Offered with the queue's figures (not at a kiosk: the next visitor would inherit the alert). */
export function callbackOffer({ t }: WidgetScreen, actions: WidgetActions): Node[] {
  const offer = button(t('callbackOffer'), () => actions.callback());
  offer.dataset.action = 'callback';
  return [paragraph(t('callbackExplain'), 'explain'), offer];
}

/**
 * A request keeping its place: where it stands and until when; an agent ready (come back, with
 * the time to answer by); or, missed twice, that it ended. No promise of a telephone call.
 */
export function callbackPanel({ summary: s, t, form: { lang } }: WidgetScreen, actions: WidgetActions): Node[] {
  if (!s) return [];
  if (s.state === 'missed') {
    const close = button(t('close'), () => actions.dismiss());
    close.dataset.action = 'dismiss';
    return [paragraph(t('callbackMissed')), close];
  }
  const cancel = button(t('cancel'), () => actions.cancel());
  // the second time an agent is ready is the last
  const missedOnce = (s.callback?.misses ?? 0) > 0 ? [paragraph(t('callbackMissedOnce'), 'note')] : [];
  const answerBy = s.callback?.answerBy;
  if (answerBy !== undefined) {
    const heading = Object.assign(document.createElement('h3'), { className: 'callback-ready', textContent: t('callbackReady') });
    const answer = button(t('callbackAnswer'), () => actions.answerCallback(), true);
    answer.dataset.action = 'answer-callback';
    return [heading, ...missedOnce, paragraph(t('callbackReadyBody', { time: clock(lang, answerBy) })), answer, cancel];
  }
  const status = paragraph(t('callbackKept'));
  status.append(Object.assign(document.createElement('strong'), { textContent: t('callbackChip', { position: String(s.queuePosition ?? 1) }) }));
  return [status, paragraph(t('callbackUntil', { time: clock(lang, s.callback?.holdUntil ?? Date.now()) }), 'explain'), ...missedOnce, cancel];
}
