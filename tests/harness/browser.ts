import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(import.meta.dirname, '../../test-artifacts');

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Debian's Chromium, headless, with the flags that keep it off the (closed) network and fake
 * camera/microphone devices for media tests (granted to every page unless grantMedia is false).
 */
export interface BrowserOptions {
  grantMedia?: boolean;
  /** Another launcher (e.g. Chromium inside a network namespace); DevTools then goes over a pipe. */
  executablePath?: string;
  /** Origins served over plain HTTP on a non-localhost address that may still use the camera. */
  secureOrigins?: string[];
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<TestBrowser> {
  const grantMedia = options.grantMedia ?? true;
  const profile = mkdtempSync(join(tmpdir(), 'etax-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: options.executablePath ?? CHROMIUM,
    headless: true,
    pipe: options.executablePath !== undefined,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--use-fake-device-for-media-stream',
      // Without it, permissions follow the page's grants (a test can refuse the camera).
      ...(grantMedia ? ['--use-fake-ui-for-media-stream'] : []),
      '--autoplay-policy=no-user-gesture-required',
      // several pages play their parts at once (taxpayer, agent): none may be throttled as hidden
      '--disable-renderer-backgrounding',
      '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows',
      ...(options.secureOrigins?.length ? [`--unsafely-treat-insecure-origin-as-secure=${options.secureOrigins.join(',')}`] : []),
      '--lang=zh-CN',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot under test-artifacts/ for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`) as `${string}.png`;
  // a page behind another tab never paints a frame to capture
  await page.bringToFront();
  await page.screenshot({ path, fullPage: true });
  return path;
}
