import { AssistConnection, AssistError } from '@etax-assist/client-sdk';
import type { LoginResponse } from '@etax-assist/protocol';
import { ApiError, devLogin, fetchCatalog, signOut } from './api.js';
import { el } from './dom.js';
import { addCatalog, errorText, i18next, initI18n, t, toggleLanguage } from './i18n.js';
import './style.css';
import { Dashboard } from './views/dashboard.js';
import { StaffView } from './views/staff.js';
import { Workspace } from './views/workspace.js';

const root = document.getElementById('app') as HTMLElement;
let session: LoginResponse | undefined;
let connection: AssistConnection | undefined;
let view: Workspace | Dashboard | StaffView | undefined;
let linkUp = false;
let errorCode: string | undefined;
/** While this tab's own sign-out is under way. */
let signingOut = false;
const workspaceMain = el('main', {});
const errorSlot = el('div', { className: 'error-slot' });

function header(): HTMLElement {
  const who = session ? el('span', { className: 'who', textContent: t('signedInAs', { name: session.principal.name, role: t(`role.${session.principal.role}`) }) }) : undefined;
  const link = connection ? el('span', { className: linkUp ? 'link up' : 'link down', role: 'status', textContent: linkUp ? t('connected') : t('disconnected') }) : undefined;
  return el(
    'header',
    {},
    el('h1', { textContent: pageTitle() }),
    el(
      'div',
      { className: 'header-right' },
      who,
      link,
      session ? el('button', { type: 'button', className: 'lang', dataset: { action: 'sign-out' }, textContent: t('signOut'), onclick: () => void onLogout() }) : undefined,
      el('button', { type: 'button', className: 'lang', dataset: { action: 'language' }, textContent: t('switchLanguage'), onclick: () => toggleLanguage() }),
    ),
  );
}

function pageTitle(): string {
  if (session?.principal.role === 'admin') return t('titleAdmin');
  return session?.principal.role === 'supervisor' ? t('titleSupervisor') : t('title');
}

function render(): void {
  document.documentElement.lang = i18next.language === 'zh' ? 'zh-CN' : 'en';
  document.title = pageTitle();
  const error = errorCode ? el('p', { className: 'error', role: 'alert', textContent: errorText(errorCode) }) : undefined;
  if (!session) {
    const form = el(
      'form',
      { className: 'login', onsubmit: (event: SubmitEvent) => void onLogin(event) },
      el('label', {}, t('username'), el('input', { name: 'username', autocomplete: 'username', required: true })),
      el('label', {}, t('password'), el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      el('button', { type: 'submit', className: 'primary', textContent: t('signIn') }),
    );
    root.replaceChildren(header(), el('main', { className: 'login-main' }, form, error));
    return;
  }
  // The view is attached once and never moved: moving it would reload the mirror's iframe.
  if (view && view.element.parentElement !== workspaceMain) workspaceMain.replaceChildren(view.element);
  errorSlot.replaceChildren(...(error ? [error] : []));
  if (workspaceMain.parentElement === root) (root.firstElementChild as HTMLElement).replaceWith(header());
  else root.replaceChildren(header(), errorSlot, workspaceMain);
}

async function onLogin(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  errorCode = undefined;
  try {
    // the form's fields are text inputs, so their entries are strings
    session = await devLogin({ username: form.get('username') as string, password: form.get('password') as string });
    const token = session.token;
    const catalog = await fetchCatalog(token);
    addCatalog(catalog);
    // an administrator has no realtime connection: administration is over HTTP
    if (session.principal.role === 'admin') {
      view = new StaffView(token, catalog);
      render();
      return;
    }
    connection = await AssistConnection.connect({ serviceUrl: location.origin, fetchToken: async () => token });
    linkUp = true;
    connection.socket.on('connect', () => ((linkUp = true), render()));
    connection.socket.on('disconnect', () => ((linkUp = false), render()));
    // token expired (staff tokens are not renewed) or revoked: back to the sign-in form, saying why
    connection.on('signed-out', (error) => endSession(signingOut ? undefined : error.code));
    view = session.principal.role === 'supervisor' ? new Dashboard(connection, catalog, token) : new Workspace(connection, session.principal.sub, catalog);
  } catch (error) {
    session = undefined;
    errorCode = error instanceof ApiError || error instanceof AssistError ? error.code : 'network';
  }
  render();
}

/** Tears the signed-in views down and shows the sign-in form, with the reason when there is one. */
function endSession(reason: string | undefined): void {
  if (view instanceof Workspace) view.destroy();
  view = undefined;
  workspaceMain.replaceChildren();
  connection?.close();
  connection = undefined;
  session = undefined;
  linkUp = false;
  errorCode = reason;
  render();
}

async function onLogout(): Promise<void> {
  const token = session?.token;
  if (!token) return endSession(undefined);
  // The service closes this tab's socket itself (so a call loses this agent's media at once):
  // that 'signed-out' is no news here.
  signingOut = true;
  try {
    await signOut(token);
    endSession(undefined);
  } catch (error) {
    // unless it had ended already, the token stays valid until it expires: say so rather than pretend
    const ended = error instanceof ApiError && (error.code === 'TOKEN_EXPIRED' || error.code === 'TOKEN_REVOKED');
    endSession(ended ? undefined : 'signOutFailed');
  } finally {
    signingOut = false;
  }
}

await initI18n();
// A language switch relabels the views in place: open sessions (mirror, call, chat) keep running.
i18next.on('languageChanged', () => {
  view?.relabel();
  render();
});
render();
