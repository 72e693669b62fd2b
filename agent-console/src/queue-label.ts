import { t } from './i18n.js';

/** A queue's key (language:topic:tier) as people read it. */
export const queueLabel = (queue: string): string => {
  const [language, topic, tier] = queue.split(':');
  return `${t(`language.${language}`)} · ${t(`topic.${topic}`)} · ${t(`tier.${tier}`)}`;
};
