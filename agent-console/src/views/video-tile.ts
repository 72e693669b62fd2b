import type { MediaPeer } from '@etax-assist/protocol';
import { el, tl, type Label } from '../dom.js';

/**
 * One video of a call, captioned with whose it is (a supervisor watching a three-way call must
 * tell the taxpayer's camera from the agent's). The caption is a label: it follows a language switch.
 */
export function videoTile(stream: MediaStream, caption: Label, options: { self?: boolean; producerId?: string } = {}): HTMLElement {
  const video = el('video', { autoplay: true, muted: true, playsInline: true, className: options.self ? 'tile self' : 'tile', srcObject: stream });
  const figure = el('figure', { className: options.self ? 'tile-box self' : 'tile-box' }, video, el('figcaption', { text: caption }));
  if (options.producerId) figure.dataset.producerId = options.producerId;
  return figure;
}

/** "Taxpayer 张伟": the peer's role in the product's words, then their name (data, as it is). */
export function peerCaption(peer: MediaPeer): Label {
  return tl(`tile.${peer.role}`, { name: peer.name });
}
