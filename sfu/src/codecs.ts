import type { types } from 'mediasoup';

/** Opus for voice, VP8 for video: every browser and kiosk webview the portal supports has both. */
export const ROUTER_MEDIA_CODECS: types.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    parameters: { 'x-google-start-bitrate': 600 },
  },
];
