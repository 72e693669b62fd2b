import type { EntryPoint } from '@etax-assist/protocol';
import { tl, type Label } from './dom.js';
import { t } from './i18n.js';

type KioskEntry = Extract<EntryPoint, { kind: 'kiosk' }>;

/**
 * A kiosk entry's hall: by its id, its current name in the console's language (`hall.<id>`,
 * addHalls; an id the console does not know shows as itself); a session recorded before entries
 * carried the id, the name it kept.
 */
export function hallLabel(entry: KioskEntry | { hallId: string }): Label {
  return 'hallId' in entry ? tl(`hall.${entry.hallId}`, { defaultValue: entry.hallId }) : entry.hall;
}

/** A hall's current name in the console's language, by its id (as the supervisors' figures carry it). */
export function hallName(hallId: string): string {
  return t(`hall.${hallId}`, { defaultValue: hallId });
}

/** Where the session came from, as labels (each relabelled on a language switch): the portal page, or the hall and kiosk. */
export function entryLabels(entry: EntryPoint): Label[] {
  return entry.kind === 'kiosk' ? [hallLabel(entry), ' · ', tl('entry.kiosk', { kioskId: entry.kioskId })] : [tl('entry.portal', { page: entry.page })];
}

/** The same, as text in the current language. */
export function entryText(entry: EntryPoint): string {
  return entryLabels(entry)
    .map((label) => (typeof label === 'string' ? label : t(label.key, label.args)))
    .join('');
}
