import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const FIREFOX = process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr';
export const ARTIFACTS_DIR = join(import.meta.dirname, '../../test-artifacts');

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** A page in a browser context of its own (no cookies or storage shared with other pages), `width` × `height`. */
export async function isolatedPage(b: TestBrowser, width: number, height: number): Promise<Page> {
  const page = await (await b.browser.createBrowserContext()).newPage();
  await page.setViewport({ width, height });
  return page;
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
  /** A HOME of its own, e.g. one whose NSS database trusts a test authority (test-ca.ts). */
  home?: string;
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<TestBrowser> {
  const grantMedia = options.grantMedia ?? true;
  const profile = mkdtempSync(join(tmpdir(), 'etax-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: options.executablePath ?? CHROMIUM,
    headless: true,
    pipe: options.executablePath !== undefined,
    ...(options.home ? { env: { ...process.env, HOME: options.home } } : {}),
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

/**
 * The address a Firefox test's media server listens on: Firefox gathers no loopback ICE
 * candidates (whatever `media.peerconnection.ice.loopback` says), so a server on 127.0.0.1 is out
 * of its reach; the machine's first non-loopback IPv4 address is not.
 */
export function firefoxMediaAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === 'IPv4' && !entry.internal)?.address;
  if (!address) throw new Error('Firefox media tests need a non-loopback IPv4 address (Firefox leaves loopback out of ICE)');
  return address;
}

/**
 * Debian's Firefox ESR, headless, driven over WebDriver BiDi, with fake camera and microphone
 * granted to every page (Firefox's preferences for what Chromium's flags do above).
 */
export async function launchFirefox(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'etax-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      'media.autoplay.default': 0,
      'intl.accept_languages': 'zh-CN,zh,en',
      // a page behind another one keeps its timers (the taxpayer's and the agent's pages play at once)
      'dom.min_background_timeout_value': 4,
      'network.captive-portal-service.enabled': false,
      'app.update.enabled': false,
    },
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
