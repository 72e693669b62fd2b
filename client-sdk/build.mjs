// Builds the browser bundle the service serves at /sdk/etax-assist.js (one script tag in the
// portal); the npm entry (dist/esm + dist/types) is emitted by tsc.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/index.ts'],
  bundle: true,
  format: 'iife',
  globalName: 'EtaxAssist',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: true,
  outfile: 'dist/bundle/etax-assist.js',
  logLevel: 'warning',
});
