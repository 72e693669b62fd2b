import type { ChatClient } from '../chat/chat-client.js';
import { takePageSnapshot } from '../cobrowse/page-snapshot.js';
import type { PrivacyOptions } from '../cobrowse/privacy.js';
import { icon } from '../ui/icons.js';
import type { StringKey } from '../ui/strings.js';
import { button, type Translate } from './elements.js';

export interface ChatBoxOptions {
  privacy: PrivacyOptions | undefined;
  /** The current language's strings (the box is relabelled in place on a switch). */
  t: () => Translate;
  fail: (error: unknown) => void;
  /** A message from the agent (not the taxpayer's own). */
  onAgentMessage: () => void;
}

/**
 * The session's chat: built once per session and moved between renders, so what the taxpayer is
 * typing survives every redraw of the panel.
 */
export class ChatBox {
  readonly element = document.createElement('div');

  constructor(
    chat: ChatClient,
    private readonly options: ChatBoxOptions,
  ) {
    const t = options.t();
    this.element.className = 'chat';
    const list = document.createElement('ol');
    list.className = 'messages';
    list.setAttribute('aria-live', 'polite');
    chat.on('message', (m) => {
      const item = document.createElement('li');
      const mine = m.from.role === 'taxpayer';
      item.className = mine ? 'mine' : 'theirs';
      item.append(
        Object.assign(document.createElement('span'), { className: 'who', textContent: mine ? '' : `${m.from.name}：` }),
        ...(m.attachment ? [icon('attachment'), ' '] : []),
        m.text,
      );
      list.append(item);
      list.scrollTop = list.scrollHeight;
      if (!mine) options.onAgentMessage();
    });
    const form = document.createElement('form');
    form.className = 'chat-form';
    const input = Object.assign(document.createElement('input'), { name: 'message', maxLength: 2000, autocomplete: 'off', placeholder: t('chatPlaceholder') });
    input.dataset.placeholder = 'chatPlaceholder';
    const file = Object.assign(document.createElement('input'), { type: 'file', accept: 'image/png,image/jpeg,application/pdf', hidden: true });
    file.addEventListener('change', () => {
      const chosen = file.files?.[0];
      file.value = '';
      if (chosen) chat.attach(chosen).catch(options.fail);
    });
    const pageShot = button(t('sendPage'), () => {
      chat.attach(takePageSnapshot(options.privacy), options.t()('pageSnapshotName')).catch(options.fail);
    });
    pageShot.dataset.action = 'page-snapshot';
    pageShot.dataset.text = 'sendPage';
    const attach = button(t('attach'), () => file.click());
    attach.dataset.text = 'attach';
    const send = Object.assign(document.createElement('button'), { type: 'submit', className: 'primary', textContent: t('send') });
    send.dataset.text = 'send';
    form.append(input, file, attach, pageShot, send);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      input.value = '';
      chat.send(value).catch(options.fail);
    });
    this.element.append(list, form);
  }

  /** After a language switch: the box's labels in the new language, what is typed kept. */
  relabel(): void {
    const t = this.options.t();
    for (const node of this.element.querySelectorAll<HTMLElement>('[data-text]')) node.textContent = t(node.dataset.text as StringKey);
    for (const node of this.element.querySelectorAll<HTMLInputElement>('[data-placeholder]')) node.placeholder = t(node.dataset.placeholder as StringKey);
  }
}
