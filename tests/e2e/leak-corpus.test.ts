import type { Frame, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../harness/browser.js';
import { acceptAndWatch, clickSdkButton, inMirror, openCobrowsePages, taxpayerBootstrap } from '../harness/cobrowse-session.js';
import { startTestService, type TestService } from '../harness/service.js';
import type { PageTraffic } from '../harness/traffic.js';

/*
 * The adversarial corpus (server/public/demo/leak-corpus/): every way a secret can sit on a portal
 * page, each with its own marker, driven in real Chromium through a real session — typed with the
 * keyboard and set by scripts, before and after sharing starts — while every WebSocket frame and
 * every HTTP body the page sends is captured. No marker may be in any of them; what the agent must
 * read (dates, amounts, rates, and fields the page opted in, as they are) must be, and must show
 * in the mirror.
 */

/** What the portal passes to the SDK: only the language may stay in page addresses. */
const PRIVACY = { keepQueryParams: ['lang'] };

/** Leak path → its secret marker. */
const LEAKS = {
  'page address: query parameter': 'Url-Query-Secret',
  'page address: fragment': 'Url-Fragment-Secret',
  'page address after pushState: query': 'Pushed-Query-Secret',
  'page address after pushState: fragment': 'Pushed-Fragment-Secret',
  'canonical link': 'Canonical-Sid-Secret',
  'link: query': 'Link-Query-Secret',
  'link: fragment': 'Link-Fragment-Secret',
  'form action': 'Form-Action-Secret',
  'iframe src': 'Frame-Src-Secret',
  'input typed before sharing': 'Typed-Before-Secret',
  'input typed while sharing': 'Typed-After-Secret',
  'input set by script before sharing': 'Script-Before-Secret',
  'email input set by script while sharing': 'Script-After-Secret@example.com',
  'value attribute in the markup': 'Value-Attribute-Secret',
  'tel input set by script': '13912345609',
  'search input typed': 'Search-Typed-Secret',
  'textarea typed': 'Textarea-Typed-Secret',
  'textarea content in the markup': 'Textarea-Content-Secret',
  'textarea set by script': 'Textarea-Script-Secret',
  'hidden input': 'Hidden-Input-Secret',
  'password in an opted-in label': 'Password-Typed-Secret',
  'opted-in input inside a private area': 'Private-Typed-Secret',
  'option value of a select': 'Option-Value-Secret',
  'option picked while sharing': 'Picked-Option-Secret',
  'datalist option': 'Datalist-Option-Secret',
  'option text of a private select': 'Private-Option-Text-Secret',
  'checkbox value inside a private area': 'Checkbox-Value-Secret',
  'contenteditable typed': 'Editable-Typed-Secret',
  'contenteditable markup': 'Editable-Markup-Secret',
  'rich-text editor filled by script': 'Rich-Editor-Secret',
  'role=textbox filled by script': 'Textbox-Role-Secret',
  'non-editable island in an editor': 'Mention-Island-Secret',
  'design-mode iframe editor typed': 'Design-Mode-Secret',
  'title with a phone': '138 1234 5601',
  'alt with a card': '6222-0212-3456-7802',
  'aria-label with an ID number': '110105194912310021',
  'placeholder with a taxpayer ID': '91310115MA1H7T3X7Q',
  'data attribute with an account': '6217.0000.1000.2223.356',
  'attribute of a private element set by script': 'Private-Attribute-Secret',
  'attribute inside an editor': 'Alt-In-Editor-Secret',
  'card in spaces': '6222 0212 3456 7803',
  'card in dots': '6222.0212.3456.7804',
  'phone in spaces': '138 1234 5602',
  'phone in hyphens': '138-1234-5603',
  'phone in dots': '138.1234.5604',
  'phone with country code': '+86 139 8765 4305',
  'phone in full-width digits': '１３７１２３４５６０６',
  'resident ID number': '11010519491231003X',
  'taxpayer ID': '91310115MA1H7T3X8Q',
  'text changed by script': '6222 0212 3456 7810',
  'text inserted by script': '6222-0212-3456-7811',
  'private text': 'Private-Text-Secret',
  'open shadow root: input typed': 'Shadow-Typed-Secret',
  'open shadow root: phone in text': '136 1234 5607',
  'open shadow root of a private host': 'Shadow-Private-Text-Secret',
  'same-origin iframe: input typed': 'Frame-Typed-Secret',
  'same-origin iframe: private text': 'Frame-Private-Text-Secret',
  'same-origin iframe: card in text': '6222 0212 3456 7808',
  'private iframe: text': 'Private-Frame-Text-Secret',
  'private iframe: opted-in input typed': 'Private-Frame-Typed-Secret',
} as const;

/** What the agent needs and must get (so the scan demonstrably sees the traffic). */
const READABLE = {
  dates: ['2026-03-31', '2026/03/31', '31.03.2026'],
  amounts: ['¥12,345.67', '1 234,56'],
  rates: ['9%', '13 %'],
  optedInTyped: 'Li-Na-Opted-In',
  /** The page opted the field in: an identifier in it shows as typed (the agent reads the invoice it helps with). */
  optedInTaxpayerId: '91310000MA1K000009',
  optedInScript: 'Opted-In-Script-Value',
  optedInEditor: 'Opted-In-Editor-Text',
  frameOptedIn: 'Frame-Opted-In-Value',
};

/** A secret also counts as leaked without its separators (e.g. a card number sent as bare digits). */
function forms(secret: string): string[] {
  const bare = secret.replace(/[\s.+-]/g, '');
  return bare === secret ? [secret] : [secret, bare];
}

describe("leak corpus: nothing the privacy policy covers leaves the taxpayer's page", () => {
  let t: TestService;
  let b: TestBrowser;
  let taxpayer: Page;
  let agent: Page;
  let traffic: PageTraffic;
  let sessionId: string;

  const frameOf = (path: string): Frame => {
    const frame = taxpayer.frames().find((f) => new URL(f.url()).pathname.endsWith(path));
    if (!frame) throw new Error(`no frame ${path}`);
    return frame;
  };

  beforeAll(async () => {
    t = await startTestService();
    b = await launchBrowser();
    ({ taxpayer, traffic, agent } = await openCobrowsePages(t, b, '/demo/leak-corpus/index.html?lang=en&token=Url-Query-Secret#Url-Fragment-Secret', { width: 1100, height: 900 }));
  });

  afterAll(async () => {
    await b?.close();
    await t?.stop();
  });

  it('has at least 30 leak paths, each with its own marker', () => {
    const markers = Object.values(LEAKS);
    expect(markers.length).toBeGreaterThanOrEqual(30);
    expect(new Set(markers).size).toBe(markers.length);
  });

  it('shares a page filled in before sharing starts', async () => {
    await taxpayer.type('#typed-before', LEAKS['input typed before sharing']);
    await taxpayer.$eval('#script-before', (el, v) => ((el as HTMLInputElement).value = v), LEAKS['input set by script before sharing']);
    await taxpayer.click('#private-check-before');

    sessionId = await taxpayerBootstrap(taxpayer, t.taxpayerToken({ sub: 'tp-corpus', name: '张伟' }), { privacy: PRIVACY });
    await acceptAndWatch(agent, sessionId);
    await taxpayer.evaluate(() => void (window as any).tp.share.offer());
    await clickSdkButton(taxpayer, '允许共享');
    await agent.waitForFunction(() => (window as any).ag.viewer.document?.querySelector('#readable') != null, { timeout: 15_000, polling: 100 });
    expect(await inMirror(agent, (doc) => (doc.querySelector('#typed-before') as HTMLInputElement).value)).toMatch(/^\*+$/);
  });

  it('mirrors what is typed, picked and set by scripts while sharing, masked by the policy', async () => {
    const keyboard = taxpayer.keyboard;
    await taxpayer.type('#typed-after', LEAKS['input typed while sharing']);
    await taxpayer.type('#search-typed', LEAKS['search input typed']);
    await taxpayer.type('#textarea-typed', LEAKS['textarea typed']);
    await taxpayer.type('#password', LEAKS['password in an opted-in label']);
    await taxpayer.type('#private-opted-in', LEAKS['opted-in input inside a private area']);
    await taxpayer.type('#opted-in-typed', `${READABLE.optedInTyped} ${READABLE.optedInTaxpayerId}`);
    await taxpayer.select('#select-picked', LEAKS['option picked while sharing']);
    await taxpayer.select('#opted-in-select', 'ccb');
    await taxpayer.click('#private-check-after');
    await taxpayer.click('#private-radio-b');
    await taxpayer.click('#public-check');
    await taxpayer.click('#editable-typed');
    await keyboard.type(LEAKS['contenteditable typed']);
    await taxpayer.click('#opted-in-editor');
    await keyboard.type(READABLE.optedInEditor);
    await (await taxpayer.$('pierce/#shadow-input'))!.type(LEAKS['open shadow root: input typed']);
    await frameOf('/frame.html').type('#frame-input', LEAKS['same-origin iframe: input typed']);
    await frameOf('/frame.html').type('#frame-opted-in', READABLE.frameOptedIn);
    await frameOf('/private-frame.html').type('#private-frame-input', LEAKS['private iframe: opted-in input typed']);
    await frameOf('/editor-frame.html').click('p');
    await keyboard.type(LEAKS['design-mode iframe editor typed']);

    await taxpayer.evaluate(
      (leaks, optedIn) => {
        const set = (selector: string, value: string) => ((document.querySelector(selector) as HTMLInputElement).value = value);
        set('#script-after', leaks['email input set by script while sharing']);
        set('#tel-after', leaks['tel input set by script']);
        set('#textarea-script', leaks['textarea set by script']);
        set('#opted-in-script', optedIn);
        document.querySelector('#private-attribute-after')!.setAttribute('title', leaks['attribute of a private element set by script']);
        document.querySelector('#mutated-text')!.textContent = `新卡号 ${leaks['text changed by script']}`;
        const inserted = document.createElement('p');
        inserted.textContent = `卡号 ${leaks['text inserted by script']}`;
        document.querySelector('#numbers')!.append(inserted);
        // what a rich-text editor does on paste: formatted markup into its editable root
        document.querySelector('#rich-editor')!.innerHTML = `<p>正文 <strong>${leaks['rich-text editor filled by script']}</strong></p><ul><li>第 1 项</li></ul>`;
        document.querySelector('#custom-textbox')!.textContent = leaks['role=textbox filled by script'];
      },
      LEAKS,
      READABLE.optedInScript,
    );

    await agent.waitForFunction(
      (typed, script, editor, taxpayerId) => {
        const doc = (window as any).ag.viewer.document as Document;
        const frame = (doc.querySelector('#frame') as HTMLIFrameElement).contentDocument;
        return (
          (doc.querySelector('#opted-in-typed') as HTMLInputElement).value === `${typed} ${taxpayerId}` &&
          (doc.querySelector('#opted-in-script') as HTMLInputElement).value === script &&
          doc.querySelector('#opted-in-editor')?.textContent === editor &&
          (frame?.querySelector('#frame-opted-in') as HTMLInputElement | null)?.value !== '' &&
          doc.querySelector('#rich-editor strong') !== null
        );
      },
      { timeout: 15_000, polling: 100 },
      READABLE.optedInTyped,
      READABLE.optedInScript,
      READABLE.optedInEditor,
      READABLE.optedInTaxpayerId,
    );
    await screenshot(agent, 'leak-corpus-mirror');

    const mirrored = await inMirror(agent, (doc) => {
      const value = (selector: string, root: Document | ShadowRoot | null = doc) => (root?.querySelector(selector) as HTMLInputElement | null)?.value;
      const checked = (selector: string) => (doc.querySelector(selector) as HTMLInputElement).checked;
      const frame = (doc.querySelector('#frame') as HTMLIFrameElement).contentDocument;
      return {
        typed: value('#typed-after'),
        editable: doc.querySelector('#editable-typed')?.textContent,
        shadowInput: value('#shadow-input', doc.querySelector('#shadow-form')?.shadowRoot ?? null),
        frameInput: value('#frame-input', frame),
        frameOptedIn: value('#frame-opted-in', frame),
        optedInSelect: value('#opted-in-select'),
        ticks: [checked('#private-check-before'), checked('#private-check-after'), checked('#private-radio-b'), checked('#public-check')],
        text: ['#dates', '#amounts', '#rates', '#phone-spaces'].map((s) => doc.querySelector(s)?.textContent),
      };
    });
    expect(mirrored.typed).toMatch(/^\*+$/);
    expect(mirrored.editable).toMatch(/^\*+$/);
    expect(mirrored.shadowInput).toMatch(/^\*+$/);
    expect(mirrored.frameInput).toMatch(/^\*+$/);
    expect(mirrored.frameOptedIn).toBe(READABLE.frameOptedIn);
    expect(mirrored.optedInSelect).toBe('ccb');
    // ticks inside the private area stay home; the public one shows
    expect(mirrored.ticks).toEqual([false, false, false, true]);
    expect(mirrored.text).toEqual([
      `申报期 ${READABLE.dates.join('，')}`,
      `应退税额 ${READABLE.amounts[0]}，${READABLE.amounts[1]} 元`,
      `税率 ${READABLE.rates.join('，')}`,
      '手机 *** **** ****',
    ]);
  });

  it('sends the page snapshot into the chat and a fresh snapshot after a navigation, masked the same way', async () => {
    await taxpayer.evaluate(
      async (id, privacy) => {
        const w = window as any;
        await new w.EtaxAssist.ChatClient(w.tp.connection, id).attach(w.EtaxAssist.takePageSnapshot(privacy), '页面截图');
      },
      sessionId,
      PRIVACY,
    );
    await vi.waitFor(() => expect(traffic.bodies.some((body) => body.includes('"type":2'))).toBe(true), { timeout: 10_000, interval: 100 });

    const metaFrames = () => traffic.frames.filter((frame) => frame.includes('"type":4')).length;
    const before = metaFrames();
    await taxpayer.evaluate(
      (query, fragment) => {
        history.pushState({}, '', `index.html?lang=en&step=${query}#${fragment}`);
        (window as any).tp.share.recorder.takeFullSnapshot();
      },
      LEAKS['page address after pushState: query'],
      LEAKS['page address after pushState: fragment'],
    );
    await vi.waitFor(() => expect(metaFrames()).toBeGreaterThan(before), { timeout: 10_000, interval: 100 });
  });

  it('no marker is in any WebSocket frame or HTTP body the page sent; what the agent needs is', () => {
    expect(traffic.unreadable).toEqual([]);
    const sent = traffic.all();
    const leaks = Object.entries(LEAKS).filter(([, secret]) => forms(secret).some((form) => sent.some((s) => s.includes(form))));
    expect(leaks.map(([path]) => path)).toEqual([]);

    const readable = [...READABLE.dates, ...READABLE.amounts, ...READABLE.rates, READABLE.optedInTyped, READABLE.optedInTaxpayerId, READABLE.optedInScript, READABLE.optedInEditor];
    // in the live mirror's frames, and in the chat's page snapshot (which holds the top document
    // only: rrweb-snapshot serializes iframes once loaded, asynchronously, and the snapshot is taken at once)
    for (const [channel, values] of [
      [traffic.frames, [...readable, READABLE.frameOptedIn]],
      [traffic.bodies, readable],
    ] as const) {
      const all = channel.join('\n');
      expect(values.filter((value) => !all.includes(value))).toEqual([]);
      // the page's address went out with the parameter the portal keeps, and nothing else
      expect(all).toContain('/demo/leak-corpus/index.html?lang=en"');
    }
  });
});
