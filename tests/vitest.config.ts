import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

// Unit tests sit beside each package (fakes allowed); integration and end-to-end suites run
// against a real redis-server, the real mediasoup worker and real headless Chromium.
export default defineConfig({
  test: {
    root,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['protocol/test/**/*.test.ts', 'sfu/test/**/*.test.ts', 'server/test/**/*.test.ts', 'client-sdk/test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          // Each browser test drives Chromium, which takes a core by itself: one file at a time.
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
