#!/usr/bin/env node
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config/env.js';
import { handleShutdownSignals } from './lifecycle/shutdown.js';
import { startService, type RunningService } from './service.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const log = pino({ level: config.logLevel, base: { service: 'etax-assist', pid: process.pid } });
let service: RunningService | undefined;
// from the start: a signal during start-up exits at once, and the embedded servers started so far
// are asked to stop as the process exits (server-process.ts)
handleShutdownSignals(async () => service?.close(), config.shutdownGraceMs, log);
try {
  service = await startService(config, log);
  const metrics = service.metricsUrl
    ? `${service.metricsUrl}/metrics`
    : config.metrics.token
      ? `${service.url}/metrics (Authorization: Bearer $METRICS_TOKEN)`
      : 'off (set METRICS_PORT or METRICS_TOKEN)';
  const lines = [
    `e-tax remote assistance is running`,
    `  demo portal     ${service.url}/demo/${config.demoPortal ? '' : ' (disabled: DEMO_PORTAL=false)'}`,
    ...(service.demoPortalUrl ? [`  demo portal     ${service.demoPortalUrl}/demo/ (another origin: the SDK from ${service.url})`] : []),
    `  agent console   ${service.url}/console/`,
    `  SDK script      ${service.url}/sdk/etax-assist.js`,
    `  health          ${service.url}/healthz`,
    `  metrics         ${metrics}`,
  ];
  log.info({ url: service.url }, 'service started');
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
} catch (error) {
  log.fatal({ err: error }, 'start-up failed');
  process.exit(1);
}
