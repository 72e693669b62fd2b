import { Mirror, snapshot } from 'rrweb-snapshot';
import { Replayer } from 'rrweb';
import { EventType, type eventWithTime } from '@rrweb/types';
import { PrivacyPolicy, type PrivacyOptions } from './privacy.js';
import { EventSanitizer } from './sanitize.js';

/** Chat attachments of this type hold a masked snapshot of the taxpayer's page, not pixels. */
export const PAGE_SNAPSHOT_TYPE = 'application/vnd.etax.page-snapshot+json';

/**
 * The "screenshot" the taxpayer sends into the chat: the current page as rrweb serializes it,
 * with exactly the masking of the live mirror (so a masked field is masked here too), ready for
 * the agent to view in a sandboxed replay.
 */
export function takePageSnapshot(privacy: PrivacyOptions = {}): Blob {
  const policy = new PrivacyPolicy(privacy);
  const mirror = new Mirror();
  const { maskInputOptions, ...masking } = policy.rrwebMasking();
  const node = snapshot(document, { ...masking, mirror, maskAllInputs: maskInputOptions as never, inlineStylesheet: true, slimDOM: true });
  const now = Date.now();
  const events = [
    { type: EventType.Meta, data: { href: location.href, width: window.innerWidth, height: window.innerHeight }, timestamp: now },
    { type: EventType.FullSnapshot, data: { node, initialOffset: { left: window.scrollX, top: window.scrollY } }, timestamp: now },
  ];
  const sanitizer = new EventSanitizer(policy, mirror);
  for (const event of events) sanitizer.sanitize(event);
  return new Blob([JSON.stringify(events)], { type: PAGE_SNAPSHOT_TYPE });
}

/** Shows a page snapshot (from a chat attachment) in a sandboxed replay inside the container. */
export function showPageSnapshot(container: HTMLElement, json: string): () => void {
  const events = JSON.parse(json) as eventWithTime[];
  const replayer = new Replayer(events, { root: container, mouseTail: false, showWarning: false });
  replayer.pause(0);
  const width = (events[0]?.data as { width?: number } | undefined)?.width ?? 1;
  replayer.wrapper.style.transformOrigin = '0 0';
  replayer.wrapper.style.transform = `scale(${Math.min(1, container.clientWidth / width)})`;
  return () => replayer.destroy();
}
