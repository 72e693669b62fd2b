import type { Page, Protocol } from 'puppeteer-core';

/**
 * Everything a page sends, as the browser puts it on the wire (Chrome DevTools Protocol, Network
 * domain): every WebSocket frame and every HTTP request body, of the page and its frames.
 */
export interface PageTraffic {
  /** WebSocket frames sent so far, decoded as UTF-8. */
  readonly frames: string[];
  /** HTTP request bodies sent so far, decoded as UTF-8. */
  readonly bodies: string[];
  /** Requests whose body the browser would not hand over (a scan that cannot see them proves nothing). */
  readonly unreadable: string[];
  /** Frames and bodies. */
  all(): string[];
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function captureTraffic(page: Page): Promise<PageTraffic> {
  const cdp = await page.createCDPSession();
  const frames: string[] = [];
  const bodies: string[] = [];
  const unreadable: string[] = [];
  const decode = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');
  await cdp.send('Network.enable', { maxPostDataSize: MAX_BODY_BYTES });
  cdp.on('Network.webSocketFrameSent', ({ response }) => {
    // opcode 1 is text; binary frames come base64-encoded
    frames.push(response.opcode === 1 ? response.payloadData : decode(response.payloadData));
  });
  cdp.on('Network.requestWillBeSent', ({ requestId, request }: Protocol.Network.RequestWillBeSentEvent) => {
    if (!request.hasPostData) return;
    const entries = request.postDataEntries?.map((entry) => (entry.bytes ? decode(entry.bytes) : '')).join('');
    if (entries) bodies.push(entries);
    else if (request.postData) bodies.push(request.postData);
    else {
      // a body too large (or a blob) to come with the event is asked for
      void cdp.send('Network.getRequestPostData', { requestId }).then(
        ({ postData }) => bodies.push(postData),
        () => unreadable.push(request.url),
      );
    }
  });
  return { frames, bodies, unreadable, all: () => [...frames, ...bodies] };
}
