import type { Page } from 'puppeteer-core';

/**
 * A page's WebRTC figures summed over its open peer connections (a rejoin replaces them: its
 * counters start again from zero). Counters are totals since the connection started; sizes and
 * rates are as the browser reads them now.
 */
export interface RtcTotals {
  at: number;
  audioIn: {
    bytesReceived: number;
    packetsReceived: number;
    packetsLost: number;
    concealedSamples: number;
    totalSamplesReceived: number;
    concealmentEvents: number;
    jitterMs: number;
  };
  videoIn: { bytesReceived: number; framesDecoded: number; width: number; height: number; fps: number };
  audioOut: { bytesSent: number };
  videoOut: { bytesSent: number; width: number; height: number; fps: number; limitation: string };
  /** The browser's estimate towards the media server, on the connection that sends; undefined where none does. */
  availableOutgoingKbps: number | undefined;
}

/** Keeps every RTCPeerConnection the page makes from its first script on (call before it loads), for readRtcTotals. */
export async function recordPeerConnections(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const Native = window.RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    (window as any).peerConnections = made;
    window.RTCPeerConnection = class extends Native {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        made.push(this);
      }
    };
  });
}

export function readRtcTotals(page: Page): Promise<RtcTotals> {
  return page.evaluate(async () => {
    const totals: RtcTotals = {
      at: Date.now(),
      audioIn: { bytesReceived: 0, packetsReceived: 0, packetsLost: 0, concealedSamples: 0, totalSamplesReceived: 0, concealmentEvents: 0, jitterMs: 0 },
      videoIn: { bytesReceived: 0, framesDecoded: 0, width: 0, height: 0, fps: 0 },
      audioOut: { bytesSent: 0 },
      videoOut: { bytesSent: 0, width: 0, height: 0, fps: 0, limitation: '' },
      availableOutgoingKbps: undefined,
    };
    for (const pc of (window as any).peerConnections as RTCPeerConnection[]) {
      if (pc.connectionState === 'closed') continue;
      const stats = [...((await pc.getStats()).values() as IterableIterator<Record<string, any>>)];
      for (const s of stats) {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          const a = totals.audioIn;
          a.bytesReceived += s.bytesReceived ?? 0;
          a.packetsReceived += s.packetsReceived ?? 0;
          a.packetsLost += Math.max(0, s.packetsLost ?? 0);
          a.concealedSamples += s.concealedSamples ?? 0;
          a.totalSamplesReceived += s.totalSamplesReceived ?? 0;
          a.concealmentEvents += s.concealmentEvents ?? 0;
          a.jitterMs = Math.max(a.jitterMs, Math.round((s.jitter ?? 0) * 1000));
        } else if (s.type === 'inbound-rtp' && s.kind === 'video') {
          const v = totals.videoIn;
          v.bytesReceived += s.bytesReceived ?? 0;
          v.framesDecoded += s.framesDecoded ?? 0;
          v.width = Math.max(v.width, s.frameWidth ?? 0);
          v.height = Math.max(v.height, s.frameHeight ?? 0);
          v.fps = Math.max(v.fps, Math.round(s.framesPerSecond ?? 0));
        } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
          totals.audioOut.bytesSent += s.bytesSent ?? 0;
        } else if (s.type === 'outbound-rtp' && s.kind === 'video') {
          const v = totals.videoOut;
          v.bytesSent += s.bytesSent ?? 0;
          v.width = Math.max(v.width, s.frameWidth ?? 0);
          v.height = Math.max(v.height, s.frameHeight ?? 0);
          v.fps = Math.max(v.fps, Math.round(s.framesPerSecond ?? 0));
          v.limitation = s.qualityLimitationReason ?? v.limitation;
        }
      }
      if (!stats.some((s) => s.type === 'outbound-rtp')) continue;
      const transport = stats.find((s) => s.type === 'transport');
      const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
      if (pair?.availableOutgoingBitrate !== undefined) totals.availableOutgoingKbps = Math.round(pair.availableOutgoingBitrate / 1000);
    }
    return totals;
  });
}

/** How much a counter grew between two readings (from zero again when a rejoin restarted it). */
export function growth(now: number, before: number): number {
  return now >= before ? now - before : now;
}
