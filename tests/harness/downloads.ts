import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestBrowser } from './browser.js';

/** Where the browser saves the files a page downloads (an export), and the files once whole. */
export class BrowserDownloads {
  readonly dir = mkdtempSync(join(tmpdir(), 'etax-downloads-'));

  /** Lets the browser's own context save downloads here (Browser.setDownloadBehavior). */
  async allow(b: TestBrowser): Promise<void> {
    const cdp = await b.browser.target().createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: this.dir });
  }

  /** The file the browser saved, once it is whole. */
  async file(name: string): Promise<Buffer> {
    const deadline = Date.now() + 10_000;
    while (!readdirSync(this.dir).includes(name)) {
      if (Date.now() > deadline) throw new Error(`${name} was not downloaded: ${readdirSync(this.dir).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return readFileSync(join(this.dir, name));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
