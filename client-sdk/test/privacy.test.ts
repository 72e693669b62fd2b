import { describe, expect, it } from 'vitest';
import { EventSanitizer } from '../src/cobrowse/sanitize.js';
import { maskNumbers } from '../src/cobrowse/identifiers.js';
import { PrivacyPolicy, expose } from '../src/cobrowse/privacy.js';

// No DOM here: the mirror knows no real nodes, so only the serialized-data rules are exercised
// (private areas, opt-ins, editors, shadow roots and iframes are covered by the leak corpus in
// real Chromium, tests/e2e/leak-corpus.test.ts).
const noDom = { getNode: () => null };

describe('identifier-like numbers', () => {
  it('masks bank cards, phones, ID and taxpayer numbers however they are written', () => {
    const masked = [
      '6222021234567890',
      '6222 0212 3456 7890',
      '6222-0212-3456-7890',
      '6222.0212.3456.7890',
      '6222\u00a00212\u00a03456\u00a07890',
      '13812345678',
      '138 1234 5678',
      '138-1234-5678',
      '138.1234.5678',
      '138 123 4567', // grouped in threes, yet no amount: it runs on
      '+86 138 1234 5678',
      '+86-138-1234-5678',
      '021-6888 1234',
      '110105 19491231 002X',
      '11010519491231002X',
      '91310115MA1H7T3X2Q',
      '１３８１２３４５６７８', // full-width digits, as a Chinese input method types them
      '138－1234－5678',
      '2026-03-31-1234', // a date running on into more digits is no date
      '123456',
    ];
    for (const text of masked) {
      const result = maskNumbers(`号码 ${text} 结束`);
      expect(result, text).not.toMatch(/[0-9\uFF10-\uFF19]{2}/);
      expect(result.startsWith('号码 ') && result.endsWith(' 结束'), text).toBe(true);
    }
    // the separators stay, so the masked field keeps its layout
    expect(maskNumbers('6222 0212 3456 7890')).toBe('**** **** **** ****');
    expect(maskNumbers('+86 138-1234-5678')).toBe('+** ***-****-****');
    expect(maskNumbers('91310115MA1H7T3X2Q')).toBe('******************');
  });

  it('keeps what the agent needs to read: dates, amounts, tax rates, short numbers', () => {
    const readable = [
      '2026-03-31',
      '2026/03/31',
      '31.03.2026',
      '03/31/2026',
      '2026-03-31 14:30:05',
      '¥12,345.67',
      '￥1,234,567.89',
      '1 234,56',
      '1 234 567,89',
      '1.234.567,89',
      '12345.67',
      '9%',
      '13 %',
      '6%、9%、13%',
      '12366',
      '第 3 步',
      '尾号 3334',
      '2026-03-31 ¥12,345.67 13%',
    ];
    for (const text of readable) expect(maskNumbers(text), text).toBe(text);
  });
});

describe('page addresses', () => {
  it('drop the query and the fragment, but for the parameters the portal keeps; numbers in the path are masked', () => {
    const policy = new PrivacyPolicy({ keepQueryParams: ['lang', 'step'] });
    expect(policy.maskPageAddress('https://etax.example.gov.cn/refund.html?token=abc&lang=en&id=91310115MA1H7T3X2Q&step=2#account=6222')).toBe(
      'https://etax.example.gov.cn/refund.html?lang=en&step=2',
    );
    expect(new PrivacyPolicy().maskPageAddress('http://localhost:8080/demo/refund.html?lang=en#top')).toBe('http://localhost:8080/demo/refund.html');
    expect(policy.maskPageAddress('https://etax.example.gov.cn/taxpayer/91310115MA1H7T3X2Q/refund')).toBe('https://etax.example.gov.cn/taxpayer/******************/refund');
    expect(policy.maskPageAddress('/demo/refund.html?%ZZ=1&lang=zh')).toBe('/demo/refund.html?lang=zh');
    expect(policy.maskPageAddress('tel:13812345678')).toBe('tel:***********');
  });
});

describe('privacy rules', () => {
  it("masks attributes by what they carry: content yes, asset URLs and styles no, page addresses like the page's", () => {
    const policy = new PrivacyPolicy();
    expect(policy.maskAttribute('input', 'placeholder', '如 91310000MA1K000001', 'numbers')).toBe('如 ******************');
    expect(policy.maskAttribute('span', 'title', 'Zhang Wei', 'masked')).toBe('***** ***');
    expect(policy.maskAttribute('img', 'alt', '电话 138 1234 5678', 'numbers')).toBe('电话 *** **** ****');
    expect(policy.maskAttribute('img', 'src', 'data:image/png;base64,1234567890', 'masked')).toBe('data:image/png;base64,1234567890');
    expect(policy.maskAttribute('div', 'class', 'row-123456', 'masked')).toBe('row-******');
    expect(policy.maskAttribute('a', 'href', 'https://etax.example.gov.cn/a?sid=secret#x', 'numbers')).toBe('https://etax.example.gov.cn/a');
    expect(policy.maskAttribute('iframe', 'rr_src', 'https://bank.example.com/f?acct=6222', 'numbers')).toBe('https://bank.example.com/f');
    expect(policy.maskAttribute('link', 'href', 'https://etax.example.gov.cn/a?sid=secret', 'numbers', 'canonical')).toBe('https://etax.example.gov.cn/a');
    expect(policy.maskAttribute('link', 'href', 'https://cdn.example.com/a.css?v=3', 'numbers', 'stylesheet')).toBe('https://cdn.example.com/a.css?v=3');
  });

  it('masks form values unless the page opted the field in', () => {
    expect(new PrivacyPolicy().maskInput('秘密 value', null)).toBe('** *****');
  });

  it("shows what the page opted in as it is (amounts, totals, a buyer's taxpayer ID); the digit rule applies where it said nothing", () => {
    const policy = new PrivacyPolicy();
    const invoice = '金额 ¥12,345.67 合计 ¥13,950.61 购买方 91310115MA1H7T3X2Q';
    const optedIn = { private: false, optedIn: true, editable: false };
    const plain = { private: false, optedIn: false, editable: false };
    expect(expose(invoice, policy.exposureIn(optedIn, 'span'))).toBe(invoice);
    expect(expose(invoice, policy.exposureIn(optedIn, 'textarea'))).toBe(invoice);
    expect(expose(invoice, policy.exposureIn(plain, 'span'))).toBe('金额 ¥12,345.67 合计 ¥13,950.61 购买方 ******************');
    // an opt-in inside a private area lifts nothing; an editor or a textarea the page said nothing about is masked
    expect(policy.exposureIn({ private: true, optedIn: true, editable: false }, 'span')).toBe('masked');
    expect(policy.exposureIn({ private: false, optedIn: false, editable: true }, 'div')).toBe('masked');
    expect(policy.exposureIn(plain, 'textarea')).toBe('masked');
  });

  it('walks snapshots and mutations: hidden inputs, placeholders, option values, ticks, text, attribute changes', () => {
    const sanitizer = new EventSanitizer(new PrivacyPolicy(), noDom);
    const snapshot = {
      type: 2,
      data: {
        node: {
          type: 0,
          id: 1,
          childNodes: [
            { type: 2, id: 2, tagName: 'input', attributes: { type: 'hidden', value: 'csrf-7f3a9c2e11d04b6f' }, childNodes: [] },
            { type: 2, id: 3, tagName: 'input', attributes: { placeholder: '13800138000' }, childNodes: [] },
            { type: 2, id: 4, tagName: 'option', attributes: { value: 'zhang-wei-account' }, childNodes: [{ type: 3, id: 5, textContent: '尾号 3334' }] },
            { type: 3, id: 6, textContent: '纳税人识别号 91310115MA1H7T3X2Q，电话 138-1234-5678，申报日期 2026-03-31' },
            { type: 2, id: 8, tagName: 'textarea', attributes: {}, childNodes: [{ type: 3, id: 9, textContent: 'default text of a textarea' }] },
            { type: 2, id: 10, tagName: 'input', attributes: { type: 'checkbox', checked: true }, childNodes: [] },
            { type: 2, id: 11, tagName: 'a', attributes: { href: 'http://localhost/demo/?session=abc#code' }, childNodes: [] },
          ],
        },
      },
    };
    sanitizer.sanitize(snapshot);
    const json = JSON.stringify(snapshot);
    for (const secret of ['csrf-7f3a9c2e11d04b6f', '13800138000', 'zhang-wei-account', '91310115', 'MA1H7T3X2Q', '138-1234', 'default text', '"checked"', 'session=abc', '#code']) {
      expect(json).not.toContain(secret);
    }
    expect(json).toContain('尾号 3334');
    expect(json).toContain('申报日期 2026-03-31');

    const meta = { type: 4, data: { href: 'http://localhost/demo/refund.html?taxpayerId=91310115MA1H7T3X2Q#step-2', width: 800, height: 600 } };
    sanitizer.sanitize(meta);
    expect(meta.data.href).toBe('http://localhost/demo/refund.html');

    const mutation = {
      type: 3,
      data: {
        source: 0,
        adds: [{ parentId: 1, node: { type: 3, id: 7, textContent: '账户 6217 0000 1000 2223 335' } }],
        texts: [{ id: 6, value: '新号码 138.1234.5678' }],
        attributes: [{ id: 3, attributes: { 'aria-label': '电话 139 1234 5678', value: 'typed secret', checked: '', selected: '' } }],
        removes: [],
      },
    };
    sanitizer.sanitize(mutation);
    const changed = JSON.stringify(mutation);
    for (const secret of ['6217', '138.1234', '139 1234', 'typed secret', 'checked', 'selected']) expect(changed).not.toContain(secret);

    const input = { type: 3, data: { source: 5, id: 3, text: 'not opted in', isChecked: true } };
    sanitizer.sanitize(input);
    expect(input.data).toEqual({ source: 5, id: 3, text: '*** ***** **', isChecked: false });
  });
});
