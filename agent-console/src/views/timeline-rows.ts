import type { TimelineEntry } from '@etax-assist/client-sdk';
import { t } from '../i18n.js';

/** One line of a replay's timeline: a recorded moment, and for a control input the page's refusal of it. */
export interface TimelineRow {
  entry: TimelineEntry;
  /** Why the taxpayer's page refused this input (it was not done). */
  refusedFor?: string;
}

interface Refusal {
  reason: string;
  action: string;
  nodeId: number;
}

/**
 * The recording's moments as timeline rows. A refusal (`control-refused`, recorded when the
 * taxpayer's page turned an input down) is folded into the input it names — the latest one before
 * it with the same action and node not already refused — so the input reads as refused, not done.
 * A refusal without such an input stays a row of its own.
 */
export function timelineRows(entries: readonly TimelineEntry[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'control-refused') {
      rows.push({ entry });
      continue;
    }
    const refusal = entry.payload as Refusal;
    const input = rows.findLast(({ entry: e, refusedFor }) => {
      const p = e.payload as { action?: string; nodeId?: number };
      return e.kind === 'input' && refusedFor === undefined && p.action === refusal.action && p.nodeId === refusal.nodeId;
    });
    if (input) input.refusedFor = refusal.reason;
    else rows.push({ entry });
  }
  return rows;
}

/** A row in the console's language (composed again on a language switch). */
export function describeRow({ entry, refusedFor }: TimelineRow): string {
  const p = entry.payload as Record<string, unknown>;
  switch (entry.kind) {
    case 'chat':
      return `${(p.from as { name: string }).name}：${String(p.text)}`;
    case 'annotation':
      return `${t('replay.annotation')} · ${t(`tool.${p.kind === 'stroke' ? 'draw' : String(p.kind)}`)}`;
    case 'input': {
      const done = `${t('replay.control')} · ${t(`replay.action.${String(p.action)}`)}`;
      return refusedFor === undefined ? done : `${done} — ${t('replay.refused', { reason: t(`refusal.${refusedFor}`) })}`;
    }
    case 'control-refused':
      return t('replay.controlRefused', { reason: t(`refusal.${String(p.reason)}`) });
    case 'state':
      return `${t('replay.state')} · ${t(`replay.sharing.${String(p.sharing)}`)} / ${t(`replay.controlState.${String(p.control)}`)}`;
    case 'recording-stopped':
      return t('mirror.recordingStopped');
    case 'recording-gap':
      return t('replay.gap', { count: Number(p.entries) });
    default:
      return entry.kind;
  }
}
