export { loadConfig, ConfigError, type Config } from './config/env.js';
export { startService, type RunningService } from './service.js';
export { TokenService } from './auth/tokens.js';
export { hashPassword } from './auth/accounts.js';
export { EmbeddedRedis } from './redis/embedded.js';
export { Dispatcher, type AgentProfile } from './dispatcher/dispatcher.js';
export { connectRedis } from './redis/client.js';
export { compareStreamIds } from './cluster/stream-gap.js';
