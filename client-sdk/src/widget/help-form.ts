import { CHANNELS, type CatalogEntry, type Channel, type HelpOptions, type PriorityGroup } from '@etax-assist/protocol';
import type { Lang, StringKey } from '../ui/strings.js';
import { button, paragraph, type Translate } from './elements.js';

/** What the visitor chose on the form to ask for help. */
export interface HelpChoice {
  topic: string;
  language: string;
  channel: Channel;
  priority: PriorityGroup;
}

export interface HelpFormInput {
  /** What the service offers; until it is known the form says it is on its way. */
  offered: HelpOptions | undefined;
  /** The portal's own narrowing of the service's topics. */
  topics: readonly string[] | undefined;
  /** What the visitor chose last, else the portal's and the kiosk's defaults. */
  choice: HelpChoice | undefined;
  defaultTopic: string | undefined;
  defaultChannel: Channel;
  lang: Lang;
  t: Translate;
  /** The question box and the knowledge base's answers (kept across redraws: what was typed stays). */
  answers: HTMLElement | undefined;
  ask: (choice: HelpChoice) => void;
  close: () => void;
}

function select(t: Translate, name: keyof HelpChoice, label: StringKey, options: { value: string; label: string }[], chosen: string): HTMLLabelElement {
  const wrap = document.createElement('label');
  wrap.textContent = t(label);
  const s = document.createElement('select');
  s.name = name;
  for (const o of options) s.append(Object.assign(document.createElement('option'), { value: o.value, textContent: o.label, selected: o.value === chosen }));
  wrap.append(s);
  return wrap;
}

const entriesIn = (entries: readonly CatalogEntry[], lang: Lang) => entries.map((e) => ({ value: e.id, label: e.label[lang] }));

/** The form to ask for help, drawn with what the service offers and what the visitor chose. */
export function helpForm(input: HelpFormInput): HTMLFormElement {
  const { offered, choice, t, lang } = input;
  const form = document.createElement('form');
  form.className = 'pick';
  const actions = document.createElement('div');
  actions.className = 'row';
  const close = button(t('close'), input.close);
  if (!offered) {
    actions.append(close);
    form.append(paragraph(t('connecting')), actions);
    return form;
  }
  const topics = input.topics ? offered.topics.filter((e) => input.topics?.includes(e.id)) : offered.topics;
  form.append(
    select(t, 'topic', 'topic', entriesIn(topics, lang), choice?.topic ?? input.defaultTopic ?? topics[0]?.id ?? ''),
    select(t, 'language', 'language', entriesIn(offered.languages, lang), choice?.language ?? lang),
  );
  const channel = Object.assign(document.createElement('input'), { type: 'hidden', name: 'channel', value: choice?.channel ?? input.defaultChannel });
  const channels = document.createElement('div');
  channels.className = 'channels';
  channels.setAttribute('role', 'radiogroup');
  channels.setAttribute('aria-label', t('channelPrompt'));
  for (const c of CHANNELS) {
    const b = button(t(`channel.${c}`), () => {
      channel.value = c;
      for (const other of channels.querySelectorAll('button')) other.setAttribute('aria-pressed', String(other === b));
    });
    b.setAttribute('aria-pressed', String(channel.value === c));
    b.dataset.channel = c;
    channels.append(b);
  }
  // the group itself, not just "green channel": the agent sees which one on the offer and the card;
  // offered only where the service lets a page choose it (else a hall or the portal's claims do)
  const groups = offered.priorityGroups;
  const green =
    groups.length > 1
      ? select(
          t,
          'priority',
          'greenChannel',
          groups.map((g) => ({ value: g, label: t(`priority.${g}`) })),
          choice?.priority ?? 'normal',
        )
      : Object.assign(document.createElement('input'), { type: 'hidden', name: 'priority', value: 'normal' });
  actions.append(Object.assign(document.createElement('button'), { type: 'submit', className: 'primary', textContent: t('ask') }), close);
  form.append(...(input.answers ? [input.answers] : []), channel, channels, green, actions);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = choiceOf(form);
    if (chosen) input.ask(chosen);
  });
  return form;
}

/** What the form holds now; undefined while it waits for the service's options. */
export function choiceOf(form: HTMLFormElement): HelpChoice | undefined {
  const data = new FormData(form);
  if (!data.has('topic')) return undefined;
  // the form holds only text fields: a missing one reads as the empty string (refused by the service)
  const field = (name: string): string => {
    const value = data.get(name);
    return typeof value === 'string' ? value : '';
  };
  return {
    topic: field('topic'),
    language: field('language'),
    channel: field('channel') as Channel,
    priority: (data.has('priority') ? field('priority') : 'normal') as PriorityGroup,
  };
}
