/**
 * How good the call's link is, judged from the send side's WebRTC figures: the bandwidth the
 * browser estimates it has (`availableOutgoingBitrate`), the loss the media server reports back
 * (RTCP), the round trip. A poor link is said to the user; a link too thin for video for a while
 * drops the camera (voice goes on), and video comes back once the link has held up again.
 */
export type LinkQuality = 'good' | 'poor';

/** One reading of the link. */
export interface LinkSample {
  /** The browser's bandwidth estimate towards the media server; undefined where it gives none. */
  availableKbps: number | undefined;
  /** Packets lost on the way to the media server, as it reports (worst of audio and video), %. */
  lossPct: number;
  rttMs: number | undefined;
  /** What was sent since the last reading. */
  sendKbps: number;
  /** The camera's picture as sent, while it is. */
  video: { width: number; height: number; fps: number } | undefined;
}

export interface LinkThresholds {
  /** Poor below this estimate, or above this loss. */
  poorBelowKbps: number;
  poorLossPct: number;
  /** Good again above this estimate and below this loss (between the two: as it was). */
  goodAboveKbps: number;
  goodLossPct: number;
  /** Video is dropped after the estimate has stayed under `voiceBelowKbps` for `voiceAfterS`; 0: never. */
  voiceBelowKbps: number;
  voiceAfterS: number;
  /** Video is tried again after the link has been good for this long, doubled after each try that failed (up to 8×). */
  videoAfterS: number;
  /**
   * For this long after video is tried again the estimate is not judged thin: it climbs from what
   * the voice alone used (a paused camera sends nothing), not from what the link carries.
   */
  rampS: number;
}

export const DEFAULT_LINK_THRESHOLDS: LinkThresholds = {
  poorBelowKbps: 350,
  poorLossPct: 5,
  goodAboveKbps: 500,
  goodLossPct: 2,
  voiceBelowKbps: 150,
  voiceAfterS: 6,
  videoAfterS: 10,
  rampS: 6,
};

export interface LinkVerdict {
  quality: LinkQuality;
  /** Drop the camera, bring it back, or leave it. */
  video: 'drop' | 'restore' | undefined;
}

/** Judges readings one after another: the quality with hysteresis, and when to drop and restore video. */
export class LinkJudge {
  #quality: LinkQuality = 'good';
  #thinSince: number | undefined;
  #goodSince: number | undefined;
  #videoDropped = false;
  /** Tries to bring video back that failed (the link turned thin again soon after). */
  #failedRestores = 0;
  #restoredAt: number | undefined;

  constructor(readonly thresholds: LinkThresholds) {}

  get quality(): LinkQuality {
    return this.#quality;
  }

  observe(sample: LinkSample, nowMs: number): LinkVerdict {
    const t = this.thresholds;
    const known = sample.availableKbps !== undefined;
    // with the camera off the estimate stays low (there is little to send): the loss says it then
    const byEstimate = known && !this.#videoDropped;
    const poor = (byEstimate && sample.availableKbps! < t.poorBelowKbps) || sample.lossPct > t.poorLossPct;
    const good = (!byEstimate || sample.availableKbps! > t.goodAboveKbps) && sample.lossPct < t.goodLossPct;
    if (poor) this.#quality = 'poor';
    else if (good) this.#quality = 'good';

    const ramping = this.#restoredAt !== undefined && nowMs - this.#restoredAt < t.rampS * 1000;
    const thin = known && !ramping && sample.availableKbps! < t.voiceBelowKbps;
    this.#thinSince = thin ? (this.#thinSince ?? nowMs) : undefined;
    this.#goodSince = good ? (this.#goodSince ?? nowMs) : undefined;

    if (!this.#videoDropped && t.voiceAfterS > 0 && this.#thinSince !== undefined && nowMs - this.#thinSince >= t.voiceAfterS * 1000) {
      // dropped again soon after a restore: that try failed, the next waits longer
      if (this.#restoredAt !== undefined && nowMs - this.#restoredAt < 4 * t.videoAfterS * 1000) this.#failedRestores = Math.min(3, this.#failedRestores + 1);
      this.#videoDropped = true;
      this.#goodSince = undefined;
      return { quality: this.#quality, video: 'drop' };
    }
    if (this.#videoDropped && this.#goodSince !== undefined && nowMs - this.#goodSince >= t.videoAfterS * 1000 * 2 ** this.#failedRestores) {
      this.#videoDropped = false;
      this.#restoredAt = nowMs;
      this.#thinSince = undefined;
      return { quality: this.#quality, video: 'restore' };
    }
    return { quality: this.#quality, video: undefined };
  }
}

type Stat = RTCStats & {
  kind?: string;
  selectedCandidatePairId?: string;
  availableOutgoingBitrate?: number;
  currentRoundTripTime?: number;
  fractionLost?: number;
  bytesSent?: number;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
};

/**
 * A reading from the send transport's stats report; `previousBytes` (what was sent at the last
 * reading, and when) gives the rate.
 */
export function readLinkSample(report: RTCStatsReport, previous: { bytes: number; atMs: number } | undefined, nowMs: number): { sample: LinkSample; bytes: number } {
  const stats = [...(report.values() as IterableIterator<Stat>)];
  const transport = stats.find((s) => s.type === 'transport');
  const pair = stats.find((s) =>
    transport?.selectedCandidatePairId ? s.id === transport.selectedCandidatePairId : s.type === 'candidate-pair' && (s as { nominated?: boolean }).nominated,
  );
  const outbound = stats.filter((s) => s.type === 'outbound-rtp');
  const bytes = outbound.reduce((sum, s) => sum + (s.bytesSent ?? 0), 0);
  const video = outbound.find((s) => s.kind === 'video' && (s.frameWidth ?? 0) > 0);
  const lost = stats.filter((s) => s.type === 'remote-inbound-rtp').map((s) => (s.fractionLost ?? 0) * 100);
  const seconds = previous ? (nowMs - previous.atMs) / 1000 : 0;
  return {
    bytes,
    sample: {
      availableKbps: pair?.availableOutgoingBitrate === undefined ? undefined : Math.round(pair.availableOutgoingBitrate / 1000),
      lossPct: Math.round(Math.max(0, ...lost) * 10) / 10,
      rttMs: pair?.currentRoundTripTime === undefined ? undefined : Math.round(pair.currentRoundTripTime * 1000),
      sendKbps: previous && seconds > 0 ? Math.round(((bytes - previous.bytes) * 8) / seconds / 1000) : 0,
      video: video ? { width: video.frameWidth ?? 0, height: video.frameHeight ?? 0, fps: Math.round(video.framesPerSecond ?? 0) } : undefined,
    },
  };
}
