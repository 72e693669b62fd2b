import { describe, expect, it } from 'vitest';
import { EventSanitizer } from '../src/cobrowse/sanitize.js';
import { PrivacyPolicy, maskDigits } from '../src/cobrowse/privacy.js';

// No DOM here: the mirror knows no real nodes, so only the serialized-data rules are exercised
// (private areas and opt-ins are covered in the browser end-to-end test).
const noDom = { getNode: () => null };

describe('privacy rules', () => {
  it('masks every run of six or more digits, and only those', () => {
    expect(maskDigits('账号 6222021001112223334，电话 12366')).toBe('账号 *******************，电话 12366');
    expect(maskDigits('91310115MA1H7T3X2Q')).toBe('********MA1H7T3X2Q');
  });

  it('masks attributes by what they carry: content yes, URLs and styles no', () => {
    const policy = new PrivacyPolicy();
    expect(policy.maskAttribute('placeholder', '如 91310000MA1K000001', false)).toBe('如 ********MA1K******');
    expect(policy.maskAttribute('title', 'Zhang Wei', true)).toBe('***** ***');
    expect(policy.maskAttribute('src', 'data:image/png;base64,1234567890', true)).toBe('data:image/png;base64,1234567890');
    expect(policy.maskAttribute('class', 'row-123456', true)).toBe('row-******');
  });

  it('masks form values unless the page opted the field in', () => {
    expect(new PrivacyPolicy().maskInput('秘密 value', null)).toBe('** *****');
  });

  it('walks snapshots and mutations: hidden inputs, placeholders, option values, text, attribute changes', () => {
    const sanitizer = new EventSanitizer(new PrivacyPolicy(), noDom);
    const snapshot = {
      type: 2,
      data: {
        node: {
          type: 0, id: 1, childNodes: [
            { type: 2, id: 2, tagName: 'input', attributes: { type: 'hidden', value: 'csrf-7f3a9c2e11d04b6f' }, childNodes: [] },
            { type: 2, id: 3, tagName: 'input', attributes: { placeholder: '13800138000' }, childNodes: [] },
            { type: 2, id: 4, tagName: 'option', attributes: { value: '6222021001112223334' }, childNodes: [{ type: 3, id: 5, textContent: '尾号 3334' }] },
            { type: 3, id: 6, textContent: '纳税人识别号 91310115MA1H7T3X2Q' },
          ],
        },
      },
    };
    sanitizer.sanitize(snapshot);
    const json = JSON.stringify(snapshot);
    for (const secret of ['csrf-7f3a9c2e11d04b6f', '13800138000', '6222021001112223334', '91310115']) expect(json).not.toContain(secret);
    expect(json).toContain('尾号 3334');

    const mutation = {
      type: 3,
      data: {
        source: 0,
        adds: [{ parentId: 1, node: { type: 3, id: 7, textContent: '账户 6217000010002223335' } }],
        texts: [{ id: 6, value: '新号码 123456789' }],
        attributes: [{ id: 3, attributes: { 'aria-label': '电话 13912345678', value: 'typed secret' } }],
        removes: [],
      },
    };
    sanitizer.sanitize(mutation);
    const changed = JSON.stringify(mutation);
    for (const secret of ['6217000010002223335', '123456789', '13912345678', 'typed secret']) expect(changed).not.toContain(secret);

    const input = { type: 3, data: { source: 5, id: 3, text: 'not opted in' } };
    sanitizer.sanitize(input);
    expect(input.data.text).toBe('*** ***** **');
  });
});
