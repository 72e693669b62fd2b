import { button, paragraph, type Translate } from './elements.js';
import type { WidgetActions, WidgetScreen } from './widget-screen.js';
import { callbackOffer } from './callback-panel.js';

export function positionLine(t: Translate, position: number): string {
  return position <= 1 ? t('next') : t('position', { ahead: String(position - 1) });
}

/** In the queue: the place in line and the wait, or that nobody is on duty; the phone code; Cancel. */
export function waitingPanel(screen: WidgetScreen, actions: WidgetActions): Node[] {
  const { summary: s, code, t } = screen;
  const nodes: Node[] = [];
  if (s?.agentOnDuty === false) {
    // nobody could take the request now: no place in line or wait would be true; say so and what else there is
    const status = paragraph('');
    status.append(Object.assign(document.createElement('strong'), { textContent: t('noAgent') }));
    nodes.push(status, paragraph(t('noAgentBody'), 'explain'));
  } else {
    const status = paragraph(t('queued'));
    status.append(Object.assign(document.createElement('strong'), { textContent: positionLine(t, s?.queuePosition ?? 1) }));
    nodes.push(status);
    if (s?.estimatedWaitS !== undefined) nodes.push(paragraph(t('eta', { min: String(Math.max(1, Math.round(s.estimatedWaitS / 60))) }), 'eta'));
  }
  if (code) {
    const shown = paragraph(t('code'), 'code');
    shown.append(Object.assign(document.createElement('strong'), { className: 'digits', textContent: code }));
    nodes.push(shown);
  } else {
    nodes.push(button(t('showCode'), () => actions.showCode(), s?.agentOnDuty === false));
  }
  // a shared kiosk is left by its visitor: no callback to alert there
  if (!screen.kiosk && s?.state === 'queued') nodes.push(...callbackOffer(screen, actions));
  nodes.push(button(t('cancel'), () => actions.cancel()));
  return nodes;
}
