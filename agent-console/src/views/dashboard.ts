import { AssistError, MediaCall, MirrorViewer, type AssistConnection } from '@etax-assist/client-sdk';
import type { QueueMetrics, SupervisorMetrics } from '@etax-assist/protocol';
import type { ConsoleCatalog } from '../console-catalog.js';
import { button, el, relabel, tl } from '../dom.js';
import { entryText, hallName } from '../entry-labels.js';
import { errorText, formatRating, formatTime, t } from '../i18n.js';
import { KnowledgeView } from './knowledge.js';
import { SelfServiceToday } from './knowledge-figures.js';
import { CallInForm } from './call-in-form.js';
import { PaneTabs } from './pane-tabs.js';
import { RecordsView } from './records.js';
import { ReplayView, type SessionRating } from './replay.js';
import { ReportsView } from './reports.js';
import { SessionPanel } from './session-panel.js';
import { trendChart } from './trend-chart.js';
import { peerCaption, videoTile } from './video-tile.js';

const STATES = ['available', 'busy', 'wrap-up', 'back-office', 'away', 'offline'] as const;

/**
 * The supervisor's live view of the pool, refreshed by every `supervisor:metrics` push, with the
 * supervisor's actions: force an agent away or offline, put a session back in the queue or hand
 * it to a chosen agent, and watch a session silently (mirror and call, receive only).
 */
export class Dashboard {
  readonly element = el('div', { className: 'dashboard' });
  readonly #live = el('div', { className: 'live' });
  readonly #watch = el('section', { className: 'watch', hidden: true });
  readonly #replay = el('div', { className: 'replay-host' });
  readonly #toast = el('div', { className: 'toast', role: 'alert' });
  readonly #records: RecordsView;
  readonly #reports: ReportsView;
  readonly #knowledge: KnowledgeView;
  readonly #selfService: SelfServiceToday;
  readonly #tabs: PaneTabs;
  readonly #callIn: CallInForm;
  #watching: { sessionId: string; close: () => Promise<void> } | undefined;
  #latest: SupervisorMetrics | undefined;
  #replayView: ReplayView | undefined;
  #confirmDrain: string | undefined;

  constructor(
    private readonly connection: AssistConnection,
    private readonly catalog: ConsoleCatalog,
    /** The supervisor's current bearer token (renewed under the provider sign-in): the Records view reads the record over HTTP. */
    token: () => string,
  ) {
    this.#records = new RecordsView(token, catalog, (sessionId, rating) => void this.#openReplay(sessionId, rating));
    this.#reports = new ReportsView(token, catalog, true);
    this.#knowledge = new KnowledgeView(token, catalog.current);
    this.#selfService = new SelfServiceToday(token);
    this.#callIn = new CallInForm(connection, (message) => this.#say(message));
    // the live picture, the record of ended sessions, or the reports on it
    this.#tabs = new PaneTabs('dashboard-tabs', [
      { id: 'live', label: tl('records.live'), content: this.#live },
      { id: 'records', label: tl('records.tab'), content: this.#records.element },
      { id: 'reports', label: tl('reports.tab'), content: this.#reports.element },
      { id: 'knowledge', label: tl('knowledge.tab'), content: this.#knowledge.element },
    ]);
    // what the supervisor opened (a replay, a watched session) sits above the live picture
    this.element.append(this.#replay, this.#watch, this.#callIn.element, this.#tabs.element, this.#toast);
    connection.socket.on('supervisor:metrics', (metrics) => this.render(metrics));
    void connection.request('supervisor:subscribe', {}).then((metrics) => this.render(metrics));
  }

  async #do(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#say(error instanceof AssistError ? errorText(error.code, error.message) : String(error));
    }
  }

  #say(message: string): void {
    this.#toast.textContent = message;
    this.#toast.classList.add('visible');
    setTimeout(() => this.#toast.classList.remove('visible'), 5000);
  }

  render(m: SupervisorMetrics): void {
    this.#latest = m;
    // a hall added since sign-in: fetched now, named from the next picture on
    void this.catalog.knowHalls([...m.halls.map((h) => h.hallId), ...m.active.flatMap((s) => (s.hallId ? [s.hallId] : []))]);
    // the session being watched or joined is over: close it
    if (this.#watching && !m.active.some((s) => s.sessionId === this.#watching?.sessionId)) void this.#stopWatching();
    // the picture refreshes every second: not while the supervisor is choosing in it
    if (this.#live.contains(document.activeElement) && document.activeElement?.tagName === 'SELECT') return;
    this.#selfService.refresh();
    const tile = (label: string, value: string | number) => el('div', { className: 'tile-stat' }, el('span', { textContent: label }), el('strong', { textContent: String(value) }));
    const waiting = m.queues.reduce((n, q) => n + q.waiting, 0);
    const longest = Math.max(0, ...m.queues.map((q) => q.longestWaitS));
    const table = (head: string[], rows: (string | number | HTMLElement)[][]) =>
      el(
        'table',
        {},
        el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { textContent: h })))),
        el(
          'tbody',
          {},
          ...(rows.length > 0
            ? rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, typeof c === 'object' ? c : String(c)))))
            : [el('tr', {}, el('td', { className: 'empty', colSpan: head.length, textContent: t('supervisor.none') }))]),
        ),
      );
    const agentActions = (id: string, name: string, backOffice: boolean) =>
      el(
        'div',
        { className: 'row' },
        backOffice && button(t('supervisor.callIn'), () => this.#callIn.open({ id, name }), 'primary call-in-open'),
        button(t('status.away'), () => void this.#do(() => this.connection.request('supervisor:agent-status', { agentId: id, status: 'away' }))),
        button(t('status.offline'), () => void this.#do(() => this.connection.request('supervisor:agent-status', { agentId: id, status: 'offline' }))),
      );
    const available = m.agents.filter((a) => a.state === 'available');
    const sessionActions = (sessionId: string) => {
      const target = el(
        'select',
        { ariaLabel: t('supervisor.reassignTo') },
        el('option', { value: '', textContent: t('supervisor.queue') }),
        ...available.map((a) => el('option', { value: a.id, textContent: a.name })),
      );
      return el(
        'div',
        { className: 'row' },
        button(t('supervisor.monitor'), () => void this.#monitor(sessionId), 'primary'),
        button(t('supervisor.join'), () => void this.#join(sessionId)),
        target,
        button(
          t('supervisor.reassign'),
          () => void this.#do(() => this.connection.request('supervisor:reassign', target.value ? { sessionId, agentId: target.value } : { sessionId })),
        ),
      );
    };
    this.#live.replaceChildren(
      el(
        'div',
        { className: 'tiles-row' },
        tile(t('supervisor.waiting'), waiting),
        tile(t('supervisor.longest'), longest),
        tile(t('supervisor.active'), m.active.length),
        tile(t('supervisor.backOffice'), m.agents.filter((a) => a.state === 'back-office').length),
        tile(t('supervisor.served'), m.today.served),
        tile(t('supervisor.escalations'), m.today.escalations),
        tile(t('supervisor.abandoned'), m.today.abandoned),
        tile(t('supervisor.missed'), m.today.missed),
      ),
      el(
        'div',
        { className: 'trends' },
        trendChart(
          m.trend.map((p) => ({ at: p.at, value: p.waiting })),
          t('supervisor.trendWaiting'),
        ),
        trendChart(
          m.trend.map((p) => ({ at: p.at, value: p.longestWaitS })),
          t('supervisor.trendLongest'),
        ),
      ),
      el('p', {
        className: 'outcomes',
        textContent: t('supervisor.outcomesLine', {
          outcomes:
            Object.entries(m.today.outcomes)
              .map(([o, n]) => `${t(`outcome.${o}`)} ${n}`)
              .join(' · ') || '—',
          hours: m.today.sessionHours,
        }),
      }),
      this.#selfService.element,
      el('h2', { textContent: t('supervisor.queues') }),
      table(
        [
          t('supervisor.queueName'),
          t('supervisor.waiting'),
          t('supervisor.callbacks'),
          t('supervisor.longest'),
          t('supervisor.averageWait'),
          t('supervisor.serviceLevel'),
          t('supervisor.answered'),
          t('supervisor.abandoned'),
          t('supervisor.forecast'),
        ],
        m.queues
          .filter((q) => q.waiting > 0 || q.answered > 0 || q.abandoned > 0)
          .map((q) => [
            `${t(`language.${q.language}`)} · ${t(`topic.${q.topic}`)} · ${t(`tier.${q.tier}`)}`,
            q.waiting,
            q.callbacks,
            q.longestWaitS,
            q.averageWaitS,
            q.serviceLevelPct ?? '—',
            q.answered,
            q.abandoned,
            forecastCell(q.forecast, m.serviceLevelS),
          ]),
      ),
      el('h2', { textContent: t('supervisor.halls') }),
      m.halls.length === 0
        ? el('p', { className: 'empty', textContent: t('supervisor.noHalls') })
        : table(
            [t('supervisor.hall'), t('supervisor.waiting'), t('supervisor.active'), t('supervisor.kiosks')],
            m.halls.map((h) => [hallName(h.hallId), h.waiting, h.active, h.kiosks.join(', ')]),
          ),
      el('h2', { textContent: t('supervisor.instances') }),
      table(
        [t('supervisor.instance'), t('supervisor.rooms'), t('supervisor.sockets'), t('supervisor.instanceState'), t('supervisor.heartbeat'), ''],
        m.instances.map((i) => [
          i.id,
          i.rooms,
          i.sockets,
          i.draining ? t('supervisor.draining') : t('supervisor.serving'),
          Math.max(0, Math.round((Date.parse(m.at) - i.at) / 1000)),
          i.draining ? '' : this.#drainButton(i.id),
        ]),
      ),
      el('h2', { textContent: t('supervisor.agents') }),
      table(
        [
          t('supervisor.agent'),
          t('supervisor.tier'),
          ...STATES.map((s) => t(`status.${s}`)),
          t('supervisor.load'),
          t('supervisor.sinceBreakSessions'),
          t('supervisor.sinceBreakMin'),
          '',
        ],
        m.agents.map((a) => [
          a.name,
          t(`tier.${a.tier}`),
          ...STATES.map((s) => (a.state === s ? '●' : '')),
          a.load,
          // at the cap the agent is offered nothing until a break: marked, in words
          a.breakDue ? el('span', { className: 'break-due-mark', textContent: t('supervisor.breakDue', { n: a.sessionsSinceBreak }) }) : a.sessionsSinceBreak,
          a.sinceBreakS === null ? '' : Math.floor(a.sinceBreakS / 60),
          agentActions(a.id, a.name, a.state === 'back-office'),
        ]),
      ),
      el('h2', { textContent: t('supervisor.sessions') }),
      table(
        [t('card.taxpayer'), t('supervisor.agent'), t('card.topic'), t('supervisor.state'), t('supervisor.duration'), ''],
        m.active.map((s) => [
          s.hallId ? `${s.taxpayerName}（${entryText({ kind: 'kiosk', hallId: s.hallId, kioskId: s.kioskId ?? '' })}）` : s.taxpayerName,
          s.agentName,
          t(`topic.${s.topic}`),
          t(`state.${s.state}`),
          s.durationS,
          sessionActions(s.sessionId),
        ]),
      ),
      el('h2', { textContent: t('supervisor.recent') }),
      table(
        [t('card.taxpayer'), t('supervisor.agent'), t('card.topic'), t('supervisor.outcome'), t('supervisor.rating'), t('supervisor.ended'), ''],
        m.recent.map((r) => [
          r.taxpayerName,
          r.agentName,
          t(`topic.${r.topic}`),
          r.outcome ? t(`outcome.${r.outcome}`) : '—',
          r.rating !== undefined ? ratingCell({ score: r.rating, comment: r.ratingComment }) : '—',
          formatTime(r.endedAt),
          el(
            'div',
            { className: 'row' },
            button(t('replay.open'), () => void this.#openReplay(r.sessionId, r.rating !== undefined ? { score: r.rating, comment: r.ratingComment } : undefined)),
            button(t('records.open'), () => void this.#openRecord(r.sessionId)),
          ),
        ]),
      ),
      el('p', { className: 'updated', textContent: formatTime(m.at) }),
    );
  }

  /** Draining takes an instance out of service: asked twice (within 5 s), so a stray click does not. */
  #drainButton(instanceId: string): HTMLElement {
    const confirming = this.#confirmDrain === instanceId;
    return button(
      confirming ? t('supervisor.confirmDrain') : t('supervisor.drain'),
      () => {
        if (!confirming) {
          this.#confirmDrain = instanceId;
          setTimeout(() => {
            if (this.#confirmDrain === instanceId) this.#confirmDrain = undefined;
          }, 5000);
          if (this.#latest) this.render(this.#latest);
          return;
        }
        this.#confirmDrain = undefined;
        void this.#do(async () => {
          await this.connection.request('supervisor:drain-instance', { instanceId });
          this.#say(t('supervisor.drained', { id: instanceId }));
        });
      },
      confirming ? 'danger' : '',
    );
  }

  /** A recently ended session's record (its audit trail, its chat) in the Records tab. */
  async #openRecord(sessionId: string): Promise<void> {
    this.#tabs.show('records');
    await this.#records.open(sessionId);
  }

  async #openReplay(sessionId: string, rating: SessionRating | undefined): Promise<void> {
    const view = new ReplayView(
      this.connection,
      sessionId,
      () => {
        this.#replay.replaceChildren();
        this.#replayView = undefined;
      },
      rating,
    );
    this.#replayView = view;
    this.#replay.replaceChildren(view.element);
    // it opens above the live picture and the records, which may be scrolled far below
    view.element.scrollIntoView({ block: 'start' });
    await this.#do(() => view.load());
  }

  /** Joining: the supervisor is in the session, seen and heard, with the agent's tools but not its actions. */
  async #join(sessionId: string): Promise<void> {
    await this.#stopWatching();
    await this.#do(async () => {
      const card = await this.connection.request('supervisor:observe', { sessionId, mode: 'join' });
      const panel = new SessionPanel(
        this.connection,
        card,
        (message) => this.#say(message),
        () => void this.#stopWatching(),
        this.catalog,
        { observer: true },
      );
      this.#watch.replaceChildren(
        el(
          'div',
          { className: 'row' },
          el('h2', { text: tl('supervisor.joined') }),
          button(tl('supervisor.leave'), () => void this.#stopWatching()),
        ),
        panel.element,
      );
      this.#watch.hidden = false;
      this.#watching = { sessionId, close: async () => panel.destroy() };
    });
  }

  /** Silent monitoring: the mirror and both sides of the call, nothing sent, invisible to the taxpayer. */
  async #monitor(sessionId: string): Promise<void> {
    await this.#stopWatching();
    await this.#do(async () => {
      await this.connection.request('supervisor:observe', { sessionId, mode: 'monitor' });
      const mirror = el('div', { className: 'mirror' });
      const tiles = el('div', { className: 'tiles monitor-tiles' });
      this.#watch.replaceChildren(
        el(
          'div',
          { className: 'row' },
          el('h2', { text: tl('supervisor.monitoring') }),
          button(tl('supervisor.stopMonitoring'), () => void this.#stopWatching()),
        ),
        el('div', { className: 'panel-main monitor' }, el('div', { className: 'mirror-column' }, mirror), el('div', { className: 'side-column' }, tiles)),
      );
      this.#watch.hidden = false;
      const viewer = new MirrorViewer(this.connection, sessionId, mirror);
      const call = new MediaCall(this.connection, { sessionId, publish: 'text' });
      call.on('remote-track', (remote) => {
        if (remote.kind === 'video') tiles.append(videoTile(new MediaStream([remote.track]), peerCaption(remote.peer), { producerId: remote.producerId }));
      });
      call.on('remote-track-ended', (producerId) => tiles.querySelector(`[data-producer-id="${producerId}"]`)?.remove());
      this.#watching = {
        sessionId,
        close: async () => {
          viewer.close();
          await call.close();
        },
      };
      await viewer.start();
      await call.start();
    });
  }

  async #stopWatching(): Promise<void> {
    const watching = this.#watching;
    this.#watching = undefined;
    this.#watch.hidden = true;
    if (!watching) return;
    await watching.close();
    // no longer a participant: nothing of the session stays open to this supervisor
    await this.connection.request('supervisor:unobserve', { sessionId: watching.sessionId }).catch(() => {});
  }

  /** A new catalog (and the halls with it): the records' filters list it (relabel follows; a joined session offers no lists). */
  catalogChanged(): void {
    this.#records.catalogChanged();
    this.#reports.catalogChanged();
  }

  /** The supervisor switched language: the live picture is drawn again, the rest relabelled. */
  relabel(): void {
    if (this.#latest) this.render(this.#latest);
    relabel(this.#watch);
    relabel(this.#tabs.element.querySelector('.pane-tabs') as HTMLElement);
    this.#records.relabel();
    this.#reports.relabel();
    this.#knowledge.relabel();
    this.#selfService.render();
    this.#replayView?.relabel();
  }

  get latest(): SupervisorMetrics | undefined {
    return this.#latest;
  }
}

/** A rating as supervisors read it: the score out of five, and what the taxpayer wrote. */
function ratingCell(rating: SessionRating): HTMLElement {
  return el(
    'div',
    { className: 'rating' },
    el('span', { className: 'score', textContent: formatRating(rating.score) }),
    // the taxpayer's own words: text, never markup; long ones are cut short here, whole in the replay
    rating.comment ? el('q', { className: 'comment', textContent: rating.comment, title: rating.comment }) : undefined,
  );
}

/** Agents needed for the target against those on duty (short of it: marked), and what Erlang C was given. */
function forecastCell(f: QueueMetrics['forecast'], serviceLevelS: number): HTMLElement {
  const needed = f.agentsNeeded === null ? t('supervisor.forecastBeyond') : String(f.agentsNeeded);
  const short = f.agentsNeeded === null || f.agentsNeeded > f.onDuty;
  return el(
    'span',
    { className: short ? 'forecast short' : 'forecast' },
    el('strong', { textContent: t('supervisor.forecastNeeded', { needed, onDuty: f.onDuty }) }),
    el('small', {
      textContent: t('supervisor.forecastInputs', { perHour: f.arrivalsPerHour, handlingS: f.handlingS, erlangs: f.trafficErlangs, pct: f.targetPct, s: serviceLevelS }),
    }),
  );
}
