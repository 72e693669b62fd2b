import './formats.js';
export * from './errors.js';
export * from './auth.js';
export * from './session.js';
export * from './media.js';
export * from './dispatch.js';
export * from './cobrowse.js';
export * from './socket.js';
export * from './validation.js';
