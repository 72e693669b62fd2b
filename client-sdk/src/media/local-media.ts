import type { MediaMode } from '@etax-assist/protocol';

export type FallbackReason = 'no-camera' | 'no-devices' | 'permission-denied';

export interface LocalMedia {
  stream: MediaStream;
  /** What could actually be captured. */
  mode: MediaMode;
  /** Why it is less than wanted, if it is. */
  reason?: FallbackReason;
}

function errorName(error: unknown): string {
  return error instanceof DOMException || error instanceof Error ? error.name : '';
}

const reasonOf = (error: unknown): FallbackReason => (errorName(error) === 'NotAllowedError' || errorName(error) === 'SecurityError' ? 'permission-denied' : 'no-devices');

/**
 * Captures what the call wants, falling back gracefully: no camera (or camera refused) → voice
 * only; no microphone either (or permission refused) → text only, with an empty stream.
 */
export async function captureLocalMedia(wanted: MediaMode, devices: { audioDeviceId?: string; videoDeviceId?: string } = {}): Promise<LocalMedia> {
  const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, ...(devices.audioDeviceId ? { deviceId: { exact: devices.audioDeviceId } } : {}) };
  const video: MediaTrackConstraints = {
    width: { ideal: 640 },
    height: { ideal: 480 },
    frameRate: { ideal: 24 },
    ...(devices.videoDeviceId ? { deviceId: { exact: devices.videoDeviceId } } : {}),
  };
  if (wanted === 'text' || !navigator.mediaDevices?.getUserMedia) {
    return { stream: new MediaStream(), mode: 'text', ...(wanted === 'text' ? {} : { reason: 'no-devices' as const }) };
  }
  let videoFailure: unknown;
  if (wanted === 'video') {
    try {
      return { stream: await navigator.mediaDevices.getUserMedia({ audio, video }), mode: 'video' };
    } catch (error) {
      videoFailure = error;
    }
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio });
    return videoFailure === undefined
      ? { stream, mode: 'voice' }
      : { stream, mode: 'voice', reason: reasonOf(videoFailure) === 'permission-denied' ? 'permission-denied' : 'no-camera' };
  } catch (error) {
    return { stream: new MediaStream(), mode: 'text', reason: reasonOf(error) };
  }
}
