import type { DeflectionFigures } from '@etax-assist/protocol';
import { el } from '../dom.js';
import { t } from '../i18n.js';
import { deflectionToday } from './knowledge-api.js';
import { resultTable } from './result-table.js';

/** The live picture comes every second; today's self-service counts are read at most this often. */
const REFRESH_MS = 10_000;

/** Answered / still needed a person as a share answered, or — when no one said. */
function share(answered: number, still: number): string {
  const all = answered + still;
  return all === 0 ? '—' : `${Math.round((answered / all) * 100)}%`;
}

/** Self-service figures by topic (and day, when the rows have one): what a dashboard and a report show. */
export function deflectionTable(figures: DeflectionFigures, none: string): HTMLElement {
  const byDay = figures.rows.some((r) => r.day !== undefined);
  return resultTable(
    'report-table deflection-table',
    [...(byDay ? [t('knowledge.day')] : []), t('records.topic'), t('knowledge.answered'), t('knowledge.stillNeedPerson'), t('knowledge.share')],
    figures.rows.map((r) => ({
      dataset: { topic: r.topic, day: r.day ?? '' },
      cells: [
        ...(byDay ? [r.day ?? ''] : []),
        t(`topic.${r.topic}`, { defaultValue: r.topic }),
        String(r.answered),
        String(r.stillNeedPerson),
        share(r.answered, r.stillNeedPerson),
      ],
    })),
    none,
  );
}

/** The live dashboard's "answered by self-service today", by topic (GET /api/knowledge/deflection/today). */
export class SelfServiceToday {
  readonly element = el('section', { className: 'self-service-today' });
  #figures: DeflectionFigures | undefined;
  #readAt = 0;

  constructor(private readonly token: () => string) {}

  /** Read again when the last read is old enough (called with every live picture). */
  refresh(): void {
    if (Date.now() - this.#readAt < REFRESH_MS) return;
    this.#readAt = Date.now();
    deflectionToday(this.token()).then(
      (figures) => ((this.#figures = figures), this.render()),
      // the picture goes on without them; the next read tries again
      () => (this.#readAt = 0),
    );
  }

  render(): void {
    if (!this.#figures) return;
    this.element.replaceChildren(el('h2', { textContent: t('knowledge.selfService') }), deflectionTable(this.#figures, t('knowledge.noSelfService')));
  }
}
