import { ProtocolError } from '@etax-assist/protocol';

/** rrweb event types a page snapshot is made of (client-sdk/src/cobrowse/page-snapshot.ts). */
const META = 4;
const FULL_SNAPSHOT = 2;

const startsWith = (body: Buffer, signature: readonly number[]): boolean => body.length >= signature.length && signature.every((byte, i) => body[i] === byte);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A Meta event and a full snapshot, as the SDK's takePageSnapshot writes them: what the console replays. */
function isPageSnapshot(body: Buffer): boolean {
  let events: unknown;
  try {
    events = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return false;
  }
  if (!Array.isArray(events) || events.length < 2) return false;
  const wellFormed = events.every((e) => isObject(e) && Number.isInteger(e.type) && typeof e.timestamp === 'number' && isObject(e.data));
  if (!wellFormed) return false;
  const [meta, full] = events as Array<{ type: number; data: Record<string, unknown> }>;
  return meta!.type === META && full!.type === FULL_SNAPSHOT && isObject(full!.data.node);
}

/**
 * What the bytes of each accepted attachment type must look like. The declared Content-Type is
 * the uploader's claim; HTML labelled image/png would otherwise be stored and handed to the agent.
 */
const CONTENT_CHECKS: Record<string, (body: Buffer) => boolean> = {
  'image/png': (body) => startsWith(body, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': (body) => startsWith(body, [0xff, 0xd8, 0xff]),
  'application/pdf': (body) => startsWith(body, [0x25, 0x50, 0x44, 0x46, 0x2d]), // %PDF-
  'application/vnd.etax.page-snapshot+json': isPageSnapshot,
};

/** The attachment types whose content can be checked: the only ones CHAT_ATTACHMENT_TYPES may list. */
export const CHECKED_ATTACHMENT_TYPES = Object.keys(CONTENT_CHECKS);

/** Refuses a file whose bytes are not of its declared type. */
export function checkAttachmentContent(type: string, body: Buffer): void {
  const check = CONTENT_CHECKS[type];
  if (!check) throw new ProtocolError('UNSUPPORTED_MEDIA_TYPE', `Files of type ${type} are not accepted`);
  if (!check(body)) throw new ProtocolError('UNSUPPORTED_MEDIA_TYPE', `The file's content is not ${type}`);
}
