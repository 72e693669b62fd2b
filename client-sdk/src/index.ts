export { AssistConnection, type ConnectOptions } from './connection.js';
export { AssistError } from './errors.js';
export { loadDevice } from './media/device.js';
export { MediaCall, type CallState, type MediaCallOptions, type RemoteTrack } from './media/media-call.js';
export { captureLocalMedia, type LocalMedia, type FallbackReason } from './media/local-media.js';
export { AudioLevelMeter } from './media/audio-level.js';
export const SDK_VERSION = '0.1.0';
