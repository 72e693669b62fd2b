import { AssistError, type AssistConnection } from '@etax-assist/client-sdk';
import type { AgentState, AgentStatus, OfferClosedEvent, OfferEvent, SessionNoticeEvent, SessionSummary } from '@etax-assist/protocol';
import { ConsoleCatalog } from '../console-catalog.js';
import { button, el, minutesSeconds, tl } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { CallInBanner } from './call-in-banner.js';
import { SessionPanel } from './session-panel.js';

interface OpenOffer {
  offer: OfferEvent;
  deadline: number;
  /** Drawn once: redrawing it every second would swallow a tap that straddles the redraw. */
  card: HTMLElement;
  countdown: HTMLElement;
}

/**
 * The agent's workspace: availability, incoming offers with a countdown, and the sessions as
 * tabs (as many as the agent's capacity allows).
 */
export class Workspace {
  readonly element = el('div', { className: 'workspace' });
  readonly #statusBar = el('div', { className: 'status-bar' });
  readonly #offers = el('div', { className: 'offers', role: 'region' });
  readonly #tabs = el('div', { className: 'tabs', role: 'tablist' });
  readonly #panels = el('div', { className: 'panels' });
  readonly #toast = el('div', { className: 'toast', role: 'alert' });
  /** A new offer, said at once to a screen reader: it lapses within seconds. */
  readonly #offerAnnouncer = el('div', { className: 'visually-hidden offer-announcer' });
  /** A break due (DISPATCH_MAX_CONSECUTIVE_SESSIONS reached): why no request comes, and how long the break still has to last. */
  readonly #breakNotice = el('p', { className: 'break-due', role: 'status' });
  #breakEndsAt: number | undefined;
  readonly #callIn: CallInBanner;
  readonly #open = new Map<string, OpenOffer>();
  readonly #sessions = new Map<string, SessionPanel>();
  #agentState: AgentState | undefined;
  #current: string | undefined;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly connection: AssistConnection,
    /** The signed-in agent's id, to tell its own leaving from a colleague's. */
    private readonly agentId: string,
    private readonly catalog: ConsoleCatalog,
  ) {
    this.#offerAnnouncer.setAttribute('aria-live', 'assertive');
    this.#callIn = new CallInBanner(connection, (message) => this.#say(message));
    this.element.append(this.#callIn.element, this.#statusBar, this.#breakNotice, this.#offers, this.#tabs, this.#panels, this.#toast, this.#offerAnnouncer);
    const socket = connection.socket;
    socket.on('agent:state', ({ state, reason }) => {
      this.#setAgentState(state);
      this.#renderStatus();
      this.#renderTabs();
      if (reason) this.#say(t(`status.${state.status}`));
    });
    socket.on('offer:new', (offer) => {
      this.#closeOffer(offer.offerId);
      const open = this.#offerCard(offer, Date.now() + offer.expiresInMs);
      this.#open.set(offer.offerId, open);
      this.#offers.append(open.card);
      const s = offer.session;
      this.#offerAnnouncer.textContent = t('offer.announce', {
        kind: t(`offer.kind.${offer.kind}`),
        name: s.taxpayer.name,
        topic: t(`topic.${s.topic}`),
        channel: t(`channel.${s.channel}`),
      });
    });
    socket.on('offer:closed', (closed: OfferClosedEvent) => this.#closeOffer(closed.offerId));
    socket.on('session:state', (summary: SessionSummary) => this.#sessions.get(summary.sessionId)?.update(summary));
    socket.on('session:notice', (notice: SessionNoticeEvent) => {
      if (notice.notice === 'agent-left' && notice.agent?.id === this.agentId && this.#sessions.has(notice.sessionId)) {
        // reassigned, or set offline: the session is not this agent's any more, and nothing more of it arrives
        this.#close(notice.sessionId);
        this.#say(t('notice.removed'));
        return;
      }
      this.#sessions.get(notice.sessionId)?.notice(tl(`notice.${notice.notice}`, { name: notice.agent?.name ?? '' }));
    });
    this.#timer = setInterval(() => {
      this.#tickOffers();
      this.#renderBreak();
      this.#callIn.tick();
    }, 1000);
    this.#renderStatus();
    this.#renderTabs();
    // a reloaded console (or one signed in again, on any instance) picks up the sessions it has open
    void this.#restoreSessions();
    socket.on('connect', () => void this.#restoreSessions());
  }

  async #restoreSessions(): Promise<void> {
    try {
      const { sessions } = await this.connection.request('agent:sessions', {});
      for (const { card, summary } of sessions) {
        if (this.#sessions.has(card.sessionId)) continue;
        this.#addSession(card, false);
        this.#sessions.get(card.sessionId)?.update(summary);
      }
      if (this.#current === undefined && this.#sessions.size > 0) this.#show(this.#sessions.keys().next().value as string);
    } catch (error) {
      this.#fail(error);
    }
  }

  #say(message: string): void {
    this.#toast.textContent = message;
    this.#toast.classList.add('visible');
    setTimeout(() => this.#toast.classList.remove('visible'), 5000);
  }

  #fail(error: unknown): void {
    this.#say(error instanceof AssistError ? errorText(error.code, error.message) : String(error));
  }

  #setAgentState(state: AgentState): void {
    this.#agentState = state;
    // the break's length counts down here from when the dispatcher said it (only while away)
    this.#breakEndsAt = state.breakDue ? Date.now() + state.breakDue.leftS * 1000 : undefined;
  }

  #renderBreak(): void {
    const state = this.#agentState;
    if (!state?.breakDue || this.#breakEndsAt === undefined) {
      this.#breakNotice.hidden = true;
      return;
    }
    this.#breakNotice.hidden = false;
    if (state.status !== 'away') {
      this.#breakNotice.textContent = t('breakDue.due', { time: minutesSeconds(state.breakDue.leftS) });
      return;
    }
    const left = Math.max(0, Math.ceil((this.#breakEndsAt - Date.now()) / 1000));
    this.#breakNotice.textContent = left > 0 ? t('breakDue.onBreak', { time: minutesSeconds(left) }) : t('breakDue.done');
  }

  #renderStatus(): void {
    this.#renderBreak();
    const state = this.#agentState;
    const select = el('select', { className: 'status-select', ariaLabel: t('statusLabel') });
    // available but held out of routing (wrap-up, no capacity left) says so in the one place
    // that shows the status, instead of "available" beside a badge that contradicts it
    const held =
      state?.status === 'available'
        ? [state.wrapUp && t('status.held.wrapUp'), state.busy && t('status.held.atCapacity'), state.breakDue && t('status.held.breakDue')].filter(
            (why): why is string => typeof why === 'string',
          )
        : [];
    select.dataset.held = String(held.length > 0);
    for (const status of ['available', 'back-office', 'away', 'offline'] as AgentStatus[]) {
      const text = status === 'available' && held.length > 0 ? t('status.availableHeld', { why: held.join(t('status.held.and')) }) : t(`status.${status}`);
      select.append(el('option', { value: status, textContent: text, selected: state?.status === status }));
    }
    select.addEventListener('change', () => {
      this.connection.request('agent:status', { status: select.value as AgentStatus }).then(
        (s) => {
          this.#setAgentState(s);
          this.#renderStatus();
          this.#renderTabs();
        },
        (e: unknown) => this.#fail(e),
      );
    });
    const code = el('input', { name: 'code', inputMode: 'numeric', pattern: '[0-9]{6}', maxLength: 6, placeholder: t('code.placeholder'), ariaLabel: t('code.placeholder') });
    const join = el(
      'form',
      {
        className: 'join-code',
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault();
          void this.#joinByCode(code.value.trim());
        },
      },
      code,
      el('button', { type: 'submit', textContent: t('code.join') }),
    );
    this.#statusBar.replaceChildren(select, el('span', { className: 'load', textContent: state ? t('load', { load: state.load, capacity: state.capacity }) : '' }), join);
  }

  /** Every open offer drawn again (in the language just chosen). */
  #renderOffers(): void {
    for (const [offerId, { offer, deadline }] of this.#open) this.#open.set(offerId, this.#offerCard(offer, deadline));
    this.#offers.replaceChildren(...[...this.#open.values()].map((open) => open.card));
  }

  #offerCard(offer: OfferEvent, deadline: number): OpenOffer {
    const s = offer.session;
    const countdown = el('p', { className: offer.awaitingTaxpayer ? 'countdown awaiting-taxpayer' : 'countdown' });
    const accept = button(t('offer.accept'), () => void this.#accept(offer.offerId), 'primary');
    // a callback's offer: held until the taxpayer is back (the same offer comes again then)
    accept.disabled = offer.awaitingTaxpayer === true;
    const card = el(
      'article',
      { className: 'offer', dataset: { offerId: offer.offerId } },
      el('h2', { textContent: `${t('offer.title')} · ${t(`offer.kind.${offer.kind}`)}` }),
      el('p', { textContent: `${s.taxpayer.name} · ${t(`topic.${s.topic}`)} · ${t(`language.${s.language}`)} · ${t(`channel.${s.channel}`)}` }),
      s.priority !== 'normal' ? el('p', { className: 'priority', textContent: `${t('card.priority')} · ${t(`priority.${s.priority}`)}` }) : undefined,
      s.question ? el('p', { className: 'question' }, el('strong', { textContent: `${t('card.question')}: ` }), s.question) : undefined,
      s.handoverNote ? el('p', { className: 'note', textContent: s.handoverNote }) : undefined,
      countdown,
      el(
        'div',
        { className: 'row' },
        accept,
        button(t('offer.decline'), () => {
          this.connection.request('offer:decline', { offerId: offer.offerId }).catch((e: unknown) => this.#fail(e));
        }),
      ),
    );
    const open = { offer, deadline, card, countdown };
    this.#tickOffer(open, Date.now());
    return open;
  }

  /** Only the countdowns change each second. */
  #tickOffers(): void {
    const now = Date.now();
    for (const open of this.#open.values()) this.#tickOffer(open, now);
  }

  #tickOffer({ offer, deadline, countdown }: OpenOffer, now: number): void {
    countdown.textContent = t(offer.awaitingTaxpayer ? 'offer.awaitingTaxpayer' : 'offer.expiresIn', { s: Math.max(0, Math.ceil((deadline - now) / 1000)) });
  }

  #closeOffer(offerId: string): void {
    this.#open.get(offerId)?.card.remove();
    this.#open.delete(offerId);
  }

  /** The phone hotline: the taxpayer reads the code their widget shows. */
  async #joinByCode(code: string): Promise<void> {
    try {
      const card = await this.connection.request('session:join-by-code', { code });
      this.#closeOffer(card.sessionId);
      this.#addSession(card);
    } catch (error) {
      this.#fail(error);
    }
  }

  #addSession(card: import('@etax-assist/protocol').SessionCard, show = true): void {
    if (!this.#sessions.has(card.sessionId)) {
      const panel = new SessionPanel(
        this.connection,
        card,
        (m) => this.#say(m),
        (id) => this.#close(id),
        this.catalog,
      );
      this.#sessions.set(card.sessionId, panel);
      this.#panels.append(panel.element);
      // a hall added since sign-in: named once the console has fetched it
      void this.catalog.knowHalls(ConsoleCatalog.hallIdsOf([card.entry])).then((named) => named && panel.relabel());
    }
    if (show) this.#show(card.sessionId);
    else this.#renderTabs();
  }

  async #accept(offerId: string): Promise<void> {
    try {
      const card = await this.connection.request('offer:accept', { offerId });
      this.#closeOffer(offerId);
      this.#addSession(card);
    } catch (error) {
      this.#closeOffer(offerId);
      this.#fail(error);
    }
  }

  #show(sessionId: string): void {
    this.#current = sessionId;
    for (const [id, panel] of this.#sessions) panel.element.hidden = id !== sessionId;
    this.#renderTabs();
  }

  #close(sessionId: string): void {
    this.#sessions.get(sessionId)?.destroy();
    this.#sessions.delete(sessionId);
    if (this.#current === sessionId) this.#current = this.#sessions.keys().next().value;
    if (this.#current) this.#show(this.#current);
    else this.#renderTabs();
  }

  #renderTabs(): void {
    // a tab list only with tabs in it; before, a note in its place
    if (this.#sessions.size === 0) {
      this.#tabs.removeAttribute('role');
      // only an agent who is not available needs telling how to receive requests
      this.#tabs.replaceChildren(el('p', { className: 'empty', textContent: t(this.#agentState?.status === 'available' ? 'noSessionsYet' : 'noSessions') }));
      return;
    }
    this.#tabs.setAttribute('role', 'tablist');
    this.#tabs.replaceChildren(
      ...[...this.#sessions.values()].map((panel) =>
        el('button', {
          type: 'button',
          role: 'tab',
          className: 'tab',
          ariaSelected: String(panel.card.sessionId === this.#current),
          textContent: `${panel.card.taxpayer.name} · ${t(`topic.${panel.card.topic}`)}`,
          onclick: () => this.#show(panel.card.sessionId),
        }),
      ),
    );
  }

  /** A new catalog: the open sessions' lists drawn again (relabel follows). */
  catalogChanged(): void {
    for (const panel of this.#sessions.values()) panel.catalogChanged();
  }

  /** The agent switched language: everything is drawn again in it; open sessions keep running. */
  relabel(): void {
    this.#callIn.relabel();
    this.#renderStatus();
    this.#renderOffers();
    this.#renderTabs();
    for (const panel of this.#sessions.values()) panel.relabel();
  }

  destroy(): void {
    clearInterval(this.#timer);
    for (const panel of this.#sessions.values()) panel.destroy();
    this.element.remove();
  }
}
