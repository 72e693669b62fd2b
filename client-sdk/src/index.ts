export { AssistConnection, type ConnectOptions } from './connection.js';
export { AssistError } from './errors.js';
export { loadDevice } from './media/device.js';
export const SDK_VERSION = '0.1.0';
