import { button, paragraph } from './elements.js';
import type { WidgetActions, WidgetScreen } from './widget-screen.js';

const STARS = 5;

/** After the session: one to five stars, a comment, Submit or Skip. */
export function ratingPanel({ score, t }: WidgetScreen, actions: WidgetActions): Node[] {
  const stars = document.createElement('div');
  stars.className = 'stars';
  for (let value = 1; value <= STARS; value++) {
    const b = button('★', () => {
      actions.setScore(value);
      for (const [i, other] of [...stars.querySelectorAll('button')].entries()) other.setAttribute('aria-pressed', String(i < value));
    });
    b.setAttribute('aria-label', t('rateStars', { n: String(value) }));
    b.setAttribute('aria-pressed', String(value <= score));
    stars.append(b);
  }
  const comment = document.createElement('label');
  comment.textContent = t('rateComment');
  const text = Object.assign(document.createElement('textarea'), { name: 'comment', rows: 2, maxLength: 1000 });
  comment.append(text);
  const row = document.createElement('div');
  row.className = 'row';
  row.append(
    button(t('submit'), () => actions.rate(text.value), true),
    button(t('skip'), () => actions.rate(undefined)),
  );
  return [paragraph(t('rateTitle')), stars, comment, row];
}
