import { AssistConnection, AssistError } from '@etax-assist/client-sdk';
import { SIGN_IN_FAILURES, type LoginResponse, type SignInFailure, type SignInMethods } from '@etax-assist/protocol';
import { ApiError, devLogin, fetchCatalog, fetchSignInMethods, oidcSignOut, oidcToken, signOut } from './api.js';
import { ConsoleCatalog } from './console-catalog.js';
import { el } from './dom.js';
import { errorText, i18next, initI18n, t, toggleLanguage } from './i18n.js';
import { SharedServiceToken } from './shared-service-token.js';
import './style.css';
import { AdminView } from './views/admin.js';
import { Dashboard } from './views/dashboard.js';
import { Workspace } from './views/workspace.js';

const root = document.getElementById('app') as HTMLElement;
let session: LoginResponse | undefined;
/** How this tab signed in: the provider's sign-in renews its short-lived token, the dev login's lasts a shift. */
let signedInVia: 'oidc' | 'dev' | undefined;
let methods: SignInMethods = { devLogin: true, oidc: false };
/** The provider sign-in's latest renewal: a refusal says why the socket was closed. */
let renewal: Promise<LoginResponse> | undefined;
/** The provider sign-in's service token, renewed by one tab for all of this browser's console tabs. */
const serviceToken = new SharedServiceToken(oidcToken, onRenewalRefused);
let connection: AssistConnection | undefined;
let view: Workspace | Dashboard | AdminView | undefined;
let linkUp = false;
let errorCode: string | undefined;
/** While this tab's own sign-out is under way. */
let signingOut = false;
const workspaceMain = el('main', {});
const errorSlot = el('div', { className: 'error-slot' });

function header(): HTMLElement {
  const who = session ? el('span', { className: 'who', textContent: t('signedInAs', { name: session.principal.name, role: t(`role.${session.principal.role}`) }) }) : undefined;
  // administrators hold no realtime link (their views work over HTTP): nothing to show
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
    const provider = methods.oidc
      ? el('button', {
          type: 'button',
          className: 'primary',
          dataset: { action: 'oidc-sign-in' },
          textContent: t('signInWithProvider'),
          onclick: () => location.assign('/api/auth/oidc/login'),
        })
      : undefined;
    const form = methods.devLogin
      ? el(
          'form',
          { className: 'login', onsubmit: (event: SubmitEvent) => void onLogin(event) },
          provider ? el('p', { className: 'login-or', textContent: t('signInOr') }) : undefined,
          el('label', {}, t('username'), el('input', { name: 'username', autocomplete: 'username', required: true })),
          el('label', {}, t('password'), el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
          el('button', { type: 'submit', className: methods.oidc ? '' : 'primary', textContent: t('signIn') }),
        )
      : undefined;
    root.replaceChildren(header(), el('main', { className: 'login-main' }, provider, form, error));
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
  // the form's fields are text inputs, so their entries are strings
  await begin('dev', () => devLogin({ username: form.get('username') as string, password: form.get('password') as string }));
}

/** The code a refused provider sign-in is worded by (error.signIn.<failure>). */
function signInFailureCode(reason: unknown): string {
  return (SIGN_IN_FAILURES as readonly unknown[]).includes(reason) ? `signIn.${reason as SignInFailure}` : 'SIGN_IN_FAILED';
}

function codeOf(error: unknown): string {
  if (error instanceof ApiError && error.code === 'SIGN_IN_FAILED') return signInFailureCode((error.details as { reason?: unknown } | undefined)?.reason);
  return error instanceof ApiError || error instanceof AssistError ? error.code : 'network';
}

/** A token of the provider sign-in expiring after `after` (ms); a refusal ends the console's session, saying why. */
async function renewOidcToken(after: number): Promise<LoginResponse> {
  renewal = serviceToken.token(after);
  try {
    session = await renewal;
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.code !== 'network' && session) endSession(codeOf(error));
    throw error;
  }
}

/** Another tab's renewal was refused: this tab's sign-in (the same session cookie) has ended too. */
function onRenewalRefused(error: ApiError): void {
  if (error.code === 'network') return;
  if (session && signedInVia === 'oidc') return endSession(codeOf(error));
  // the socket may have been closed (its token revoked) before the reason came: say the reason
  if (!session && errorCode === 'TOKEN_REVOKED') {
    errorCode = codeOf(error);
    render();
  }
}

/**
 * The token for an API call of a view without a realtime link (an administrator's): a provider
 * sign-in's short-lived token with at least a minute left.
 */
async function apiToken(): Promise<string> {
  if (session && signedInVia === 'oidc') return (await renewOidcToken(Date.now() + 60_000)).token;
  if (!session) throw new ApiError('UNAUTHENTICATED', 'Signed out');
  return session.token;
}

/** Signs in (`login`) and opens the views of the signed-in role. */
async function begin(via: 'oidc' | 'dev', login: () => Promise<LoginResponse>): Promise<void> {
  errorCode = undefined;
  try {
    session = await login();
    signedInVia = via;
    const first = session.token;
    if (session.principal.role === 'admin') {
      // no socket for administrators: their views work over HTTP, each call with a current token
      view = new AdminView(apiToken, await fetchCatalog(first));
      render();
      return;
    }
    const currentToken = (): string => session?.token ?? first;
    const catalog = await ConsoleCatalog.load(currentToken);
    // the dev login's token is not renewed: it lasts the shift; the provider sign-in's first
    // connect uses the token just fetched, every later one (renewal, reconnect) one that expires
    // after the token the socket holds
    let unused: string | undefined = first;
    let presentedUntil = Date.parse(session.expiresAt);
    const fetchToken =
      via === 'dev'
        ? async () => first
        : async () => {
            const token = unused;
            unused = undefined;
            if (token) return token;
            const login = await renewOidcToken(presentedUntil);
            presentedUntil = Date.parse(login.expiresAt);
            return login.token;
          };
    connection = await AssistConnection.connect({ serviceUrl: location.origin, fetchToken });
    linkUp = true;
    connection.socket.on('connect', () => ((linkUp = true), render()));
    connection.socket.on('disconnect', () => ((linkUp = false), render()));
    // expired or revoked: back to the sign-in screen, saying why (a refused renewal knows better)
    connection.on('signed-out', (error) => {
      void (renewal ?? Promise.resolve()).then(
        () => session && endSession(signingOut ? undefined : error.code),
        (refusal: unknown) => session && endSession(codeOf(refusal)),
      );
    });
    const staffView = session.principal.role === 'supervisor' ? new Dashboard(connection, catalog, currentToken) : new Workspace(connection, session.principal.sub, catalog);
    view = staffView;
    // a new catalog published, a hall renamed: lists and labels drawn again, nothing reloaded (a form being filled keeps its choices)
    const redraw = (): void => {
      if (view !== staffView) return;
      staffView.catalogChanged();
      staffView.relabel();
    };
    // not fetched (the link or the service away): the next announcement, or sign-in, brings it
    connection.socket.on(
      'catalog:changed',
      ({ version }) =>
        void catalog.follow(version).then(
          (changed) => changed && redraw(),
          () => undefined,
        ),
    );
    connection.socket.on('halls:changed', () => void catalog.refreshHalls().then(redraw));
  } catch (error) {
    session = undefined;
    // no provider sign-in in this browser yet is no error: the sign-in screen says the rest
    errorCode = via === 'oidc' && error instanceof ApiError && error.code === 'UNAUTHENTICATED' ? undefined : codeOf(error);
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
  if (signedInVia === 'oidc') serviceToken.forget();
  session = undefined;
  signedInVia = undefined;
  renewal = undefined;
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
    if (signedInVia === 'oidc') {
      const { endSessionUrl } = await oidcSignOut();
      endSession(undefined);
      // the provider ends its own session too, then sends the browser back to the console (a GET:
      // a cross-site POST would not carry the provider's SameSite session cookie)
      if (endSessionUrl) location.assign(endSessionUrl);
      return;
    }
    await signOut(token);
    endSession(undefined);
  } catch (error) {
    // unless it had ended already, the token stays valid until it expires: say so rather than pretend
    const ended = error instanceof ApiError && (error.code === 'TOKEN_EXPIRED' || error.code === 'TOKEN_REVOKED' || error.code === 'UNAUTHENTICATED');
    endSession(ended ? undefined : 'signOutFailed');
  } finally {
    signingOut = false;
  }
}

/** What the provider's callback sent back (a failure's code, never a token), taken off the address. */
function callbackFailure(): string | undefined {
  const reason = new URLSearchParams(location.search).get('signInError');
  if (reason === null) return undefined;
  history.replaceState(null, '', location.pathname);
  return signInFailureCode(reason);
}

await initI18n();
// A language switch relabels the views in place: open sessions (mirror, call, chat) keep running.
i18next.on('languageChanged', () => {
  view?.relabel();
  render();
});
const failure = callbackFailure();
methods = await fetchSignInMethods().catch(() => methods);
// a provider sign-in this browser holds (its session cookie) signs the console in at once
if (methods.oidc && !failure) await begin('oidc', () => serviceToken.fresh());
errorCode ??= failure;
render();
