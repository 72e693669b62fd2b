import { button, el } from '../dom.js';
import { t } from '../i18n.js';

export interface ResultRow {
  dataset: Record<string, string>;
  className?: string;
  cells: (string | HTMLElement)[];
}

/**
 * A page of results: a table whose cells carry their column's name (on a phone each row becomes
 * a card of labelled lines, style.css `.records-table`), or the words for none.
 */
export function resultTable(className: string, head: readonly string[], rows: readonly ResultRow[], none: string): HTMLElement {
  if (rows.length === 0) return el('p', { className: 'empty', textContent: none });
  return el(
    'table',
    { className: `records-table ${className}`.trim() },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { textContent: h })))),
    el(
      'tbody',
      {},
      ...rows.map((row) =>
        el('tr', { dataset: row.dataset, className: row.className ?? '' }, ...row.cells.map((content, i) => el('td', { dataset: { label: head[i] ?? '' } }, content))),
      ),
    ),
  );
}

/** Under a page of results: Previous (from the second page on), the page's number, Next (when there are more). */
export function pagingRow(pageNumber: number, previous: () => void, next: (() => void) | undefined): HTMLElement {
  return el(
    'div',
    { className: 'row records-paging' },
    pageNumber > 1 ? button(t('records.previous'), previous) : undefined,
    el('span', { textContent: t('records.page', { n: pageNumber }) }),
    next ? button(t('records.next'), next) : undefined,
  );
}
