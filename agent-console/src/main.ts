import { AssistConnection, AssistError } from '@etax-assist/client-sdk';
import type { LoginResponse } from '@etax-assist/protocol';
import { ApiError, devLogin } from './api.js';
import { i18next, initI18n, t, toggleLanguage } from './i18n.js';
import './style.css';

const root = document.getElementById('app') as HTMLElement;
let session: LoginResponse | undefined;
let connection: AssistConnection | undefined;
let linkUp = false;
let errorCode: string | undefined;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function errorText(code: string): string {
  return i18next.exists(`error.${code}`) ? t(`error.${code}`) : code;
}

function render(): void {
  document.documentElement.lang = i18next.language === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  const langButton = el('button', { type: 'button', className: 'lang', textContent: t('switchLanguage'), onclick: () => toggleLanguage() });
  const header = el('header', {}, el('h1', { textContent: t('title') }), langButton);
  const error = errorCode ? el('p', { className: 'error', role: 'alert', textContent: errorText(errorCode) }) : '';
  if (!session) {
    const form = el(
      'form',
      { className: 'login', onsubmit: (event: SubmitEvent) => void onLogin(event) },
      el('label', {}, t('username'), el('input', { name: 'username', autocomplete: 'username', required: true })),
      el('label', {}, t('password'), el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      el('button', { type: 'submit', textContent: t('signIn') }),
    );
    root.replaceChildren(header, el('main', {}, form, error));
    return;
  }
  const { principal } = session;
  const status = el('p', { className: linkUp ? 'link up' : 'link down', role: 'status', textContent: linkUp ? t('connected') : t('disconnected') });
  const signOut = el('button', { type: 'button', textContent: t('signOut'), onclick: () => onLogout() });
  const who = el('p', { className: 'who', textContent: t('signedInAs', { name: principal.name, role: t(`role.${principal.role}`) }) });
  root.replaceChildren(header, el('main', {}, who, status, error, signOut));
}

async function onLogin(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  errorCode = undefined;
  try {
    session = await devLogin({ username: String(form.get('username')), password: String(form.get('password')) });
    const token = session.token;
    connection = await AssistConnection.connect({ serviceUrl: location.origin, fetchToken: async () => token });
    linkUp = true;
    connection.socket.on('connect', () => ((linkUp = true), render()));
    connection.socket.on('disconnect', () => ((linkUp = false), render()));
  } catch (error) {
    session = undefined;
    errorCode = error instanceof ApiError || error instanceof AssistError ? error.code : 'network';
  }
  render();
}

function onLogout(): void {
  connection?.close();
  connection = undefined;
  session = undefined;
  linkUp = false;
  render();
}

await initI18n();
i18next.on('languageChanged', render);
render();
