import {
  AssistError,
  AudioLevelMeter,
  ChatClient,
  MediaCall,
  MirrorViewer,
  PAGE_SNAPSHOT_TYPE,
  showPageSnapshot,
  type AssistConnection,
  type ViewerTool,
} from '@etax-assist/client-sdk';
import { sessionIs, type Catalog, type CobrowseState, type HistoryEntry, type SessionCard, type SessionSummary } from '@etax-assist/protocol';
import type { ConsoleCatalog } from '../console-catalog.js';
import { button, el, minutesSeconds, relabel, setLabel, setOptions, tl, type Label, type Translated } from '../dom.js';
import { entryLabels } from '../entry-labels.js';
import { errorText, formatDate, t } from '../i18n.js';
import { PaneTabs } from './pane-tabs.js';
import { peerCaption, videoTile } from './video-tile.js';

/**
 * One session in the agent's workspace: the taxpayer card with history, the live mirror with its
 * tools, the call, and the actions (escalate, transfer, end, wrap-up). Built once per session;
 * the mirror and the call keep their own DOM.
 */
export class SessionPanel {
  readonly element: HTMLElement;
  readonly #status = el('p', { className: 'panel-status', role: 'status' });
  readonly #mirrorState = el('p', { className: 'mirror-state' });
  readonly #mirrorBox = el('div', { className: 'mirror' });
  readonly #callState = el('span', { className: 'call-state' });
  readonly #tiles = el('div', { className: 'tiles' });
  readonly #meters = el('div', { className: 'meters' });
  readonly #devices = el('div', { className: 'devices' });
  readonly #levelMeters: { meter: AudioLevelMeter; bar: HTMLElement }[] = [];
  #meterFrame = 0;
  readonly #actions = el('div', { className: 'actions' });
  readonly #handover = el('div', { className: 'handover-pane' });
  readonly #sideTabs: PaneTabs;
  readonly #history = el('ul', { className: 'history' });
  readonly #historyMore = Object.assign(
    button(tl('historyMore'), () => void this.#loadHistory(this.#historyNext), 'history-more'),
    { hidden: true },
  );
  /** Where the taxpayer's history goes on (older sessions), if it does. */
  #historyNext: string | undefined;
  readonly #viewer: MirrorViewer;
  readonly #chat: ChatClient;
  readonly #messages = el('ol', { className: 'messages' });
  #call: MediaCall | undefined;
  #state: string;
  #tool: ViewerTool = 'none';
  #historyEntries: HistoryEntry[] = [];
  #wrapUpUntil: number | undefined;
  /** The server stopped recording the session (its limit): shown with the mirror's state. */
  #recordingStopped = false;
  #wrapTicker: ReturnType<typeof setInterval> | undefined;
  /** The selects of catalog lists the actions show now, each as the call that fills it. */
  #catalogLists: (() => void)[] = [];
  readonly #wrapTimer = el('p', { className: 'wrap-timer', role: 'timer' });
  #callButtonsOf!: { start: HTMLButtonElement; mic: HTMLButtonElement; camera: HTMLButtonElement };

  constructor(
    private readonly connection: AssistConnection,
    readonly card: SessionCard,
    private readonly onError: (message: string) => void,
    private readonly onClosed: (sessionId: string) => void,
    /** What the wrap-up and the transfer offer: the service's outcomes, languages and topics. */
    private readonly catalog: ConsoleCatalog,
    /** A supervisor who joined: talks, chats and annotates, but the session's actions stay the agent's. */
    private readonly options: { observer?: boolean } = {},
  ) {
    this.#state = card.state;
    this.#viewer = new MirrorViewer(connection, card.sessionId, this.#mirrorBox, { label: t('mirror.title') });
    this.#chat = new ChatClient(connection, card.sessionId);
    this.#messages.setAttribute('aria-live', 'polite');
    this.#sideTabs = new PaneTabs('side-tabs', [
      { id: 'chat', label: tl('chat.title'), content: el('div', { className: 'chat-pane' }, this.#messages, this.#chatForm()) },
      { id: 'handover', label: tl('actions.handover'), content: this.#handover },
      { id: 'history', label: tl('history'), content: el('div', { className: 'history-pane' }, this.#history, this.#historyMore) },
    ]);
    this.element = el(
      'section',
      { className: 'session-panel', dataset: { sessionId: card.sessionId } },
      this.#renderCard(),
      el(
        'div',
        { className: 'panel-main' },
        el('div', { className: 'mirror-column' }, el('div', { className: 'toolbar', role: 'toolbar' }, ...this.#toolButtons()), this.#mirrorState, this.#mirrorBox),
        // the side column never scrolls the page: call on top, then chat / hand-over / history
        // as tabs (each scrolls inside), the session's actions always at the bottom
        el(
          'div',
          { className: 'side-column' },
          el(
            'section',
            { className: 'call-box' },
            el('div', { className: 'call-head' }, el('h3', { text: tl('call.title') }), this.#callState),
            this.#tiles,
            this.#meters,
            el('div', { className: 'call-controls' }, ...this.#callButtons()),
            this.#devices,
          ),
          this.#sideTabs.element,
          el('div', { className: 'side-footer' }, this.#status, this.#actions),
        ),
      ),
    );
    this.#viewer.on('state', (state) => this.#renderMirrorState(state));
    this.#viewer.on('stale', (stale) => this.#mirrorState.classList.toggle('stale', stale));
    this.#viewer.on('control-refused', (reason) => this.onError(t('control.refused', { reason: t(`refusal.${reason}`) })));
    this.#viewer.on('error', (code, message) => {
      if (code !== 'RECORDING_LIMIT_REACHED') return this.onError(message);
      this.#recordingStopped = true;
      this.#renderMirrorState(this.#viewer.state);
      this.onError(t('mirror.recordingStopped'));
    });
    void this.#viewer.start().catch((e: unknown) => this.#fail(e));
    void this.#loadHistory();
    this.#chat.on('message', (m) => {
      const attachment = m.attachment;
      const content =
        attachment?.type === PAGE_SNAPSHOT_TYPE
          ? button(`🖼 ${attachment.name}`, () => void this.#do(async () => this.#showSnapshot(await this.#chat.text(attachment))), 'attachment snapshot')
          : attachment
            ? button(
                `📎 ${attachment.name} (${Math.ceil(attachment.size / 1024)} KB)`,
                () =>
                  void this.#do(async () => {
                    const url = await this.#chat.open(attachment);
                    const link = el('a', { href: url, download: attachment.name });
                    link.click();
                    setTimeout(() => URL.revokeObjectURL(url), 60_000);
                  }),
                'attachment',
              )
            : m.text;
      this.#messages.append(el('li', { className: m.from.role === 'taxpayer' ? 'theirs' : 'mine' }, el('span', { className: 'who', textContent: `${m.from.name}：` }), content));
      this.#messages.scrollTop = this.#messages.scrollHeight;
    });
    void this.#chat.load().catch((e: unknown) => this.#fail(e));
    this.#renderActions();
    // a video or voice request: the taxpayer's side is already calling, so the agent joins it
    // (not for a session restored in wrap-up: its call is over)
    if (card.channel !== 'text' && sessionIs(card.state, 'served')) void this.#startCall();
  }

  /** The taxpayer's page as they sent it (masked like the mirror), in a dialog. */
  #showSnapshot(json: string): void {
    const stage = el('div', { className: 'snapshot-stage' });
    let close = (): void => {};
    const dialog = el(
      'div',
      { className: 'snapshot-dialog', role: 'dialog' },
      el(
        'div',
        { className: 'row' },
        el('strong', { text: tl('chat.pageSnapshot') }),
        button(tl('chat.close'), () => {
          close();
          dialog.remove();
        }),
      ),
      stage,
    );
    this.element.append(dialog);
    close = showPageSnapshot(stage, json);
  }

  #chatForm(): HTMLElement {
    const input = el('input', { name: 'message', maxLength: 2000, autocomplete: 'off', placeholder: tl('chat.placeholder') });
    return el(
      'form',
      {
        className: 'chat-form',
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault();
          const text = input.value.trim();
          if (!text) return;
          input.value = '';
          void this.#do(() => this.#chat.send(text));
        },
      },
      input,
      el('button', { type: 'submit', className: 'primary', text: tl('chat.send') }),
    );
  }

  #fail(error: unknown): void {
    this.onError(error instanceof AssistError ? errorText(error.code, error.message) : String(error));
  }

  async #do(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#fail(error);
    }
  }

  #renderCard(): HTMLElement {
    const c = this.card;
    const row = (label: Label, value: Label, className = '') => el('div', { className }, el('dt', { text: label }), el('dd', { text: value || '—' }));
    return el(
      'dl',
      { className: 'taxpayer-card' },
      row(tl('card.taxpayer'), c.taxpayer.name),
      row(tl('card.taxpayerId'), c.taxpayer.taxpayerId),
      row(tl('card.company'), c.taxpayer.company),
      el('div', {}, el('dt', { text: tl('card.entry') }), el('dd', {}, ...entryLabels(c.entry))),
      row(tl('card.language'), tl(`language.${c.language}`)),
      row(tl('card.topic'), tl(`topic.${c.topic}`)),
      row(tl('card.channel'), tl(`channel.${c.channel}`)),
      c.priority !== 'normal' ? row(tl('card.priority'), tl(`priority.${c.priority}`), 'priority') : undefined,
      c.question ? row(tl('card.question'), c.question, 'question') : undefined,
      c.handoverNote ? row(tl('card.note'), c.handoverNote) : undefined,
    );
  }

  #toolButtons(): HTMLElement[] {
    const tools: ViewerTool[] = ['none', 'pointer', 'draw', 'highlight', 'control'];
    const buttons = tools.map((tool) =>
      button(tl(`tool.${tool}`), () => {
        this.#tool = tool;
        this.#viewer.setTool(tool);
        for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.tool === tool));
      }),
    );
    buttons.forEach((b, i) => {
      b.dataset.tool = tools[i];
      b.setAttribute('aria-pressed', String(i === 0));
    });
    return [
      ...buttons,
      button(tl('tool.clear'), () => void this.#do(() => this.#viewer.clear())),
      button(tl('tool.requestControl'), () => void this.#do(() => this.#viewer.requestControl()), 'primary'),
      button(tl('tool.stopControl'), () => void this.#do(() => this.#viewer.stopControl())),
    ];
  }

  #renderMirrorState(state: CobrowseState): void {
    const text = state.sharing === 'waiting' ? t('mirror.waiting') : state.sharing === 'stopped' ? t('mirror.stopped') : t('mirror.sharing');
    const control = state.control === 'requested' ? t('control.requested') : state.control === 'granted' ? t('control.granted') : '';
    this.#mirrorState.textContent = [text, control, this.#recordingStopped ? t('mirror.recordingStopped') : ''].filter(Boolean).join(' · ');
    this.#mirrorState.dataset.sharing = state.sharing;
    this.#mirrorState.dataset.control = state.control;
  }

  #callButtons(): HTMLElement[] {
    const mic = button(tl('call.mute'), () => {
      const call = this.#call;
      if (!call) return;
      const enable = !call.micEnabled;
      void this.#do(() => call.setMicEnabled(enable)).then(() => setLabel(mic, tl(enable ? 'call.mute' : 'call.unmute')));
    });
    const camera = button(tl('call.cameraOff'), () => {
      const call = this.#call;
      if (!call) return;
      const enable = !call.cameraEnabled;
      void this.#do(() => call.setCameraEnabled(enable)).then(() => setLabel(camera, tl(enable ? 'call.cameraOff' : 'call.cameraOn')));
    });
    const start = button(tl('call.start'), () => void this.#startCall(), 'primary');
    setLabel(this.#callState, tl('call.states.idle'));
    this.#callButtonsOf = { start, mic, camera };
    this.#syncCallButtons();
    return [start, mic, camera];
  }

  /** Start only without a call; mute and camera only with one (camera only when sending video). */
  #syncCallButtons(): void {
    const { start, mic, camera } = this.#callButtonsOf;
    const call = this.#call;
    start.hidden = call !== undefined;
    mic.disabled = !call || call.state === 'closed';
    camera.disabled = !call || call.state === 'closed' || call.mode !== 'video';
  }

  async #startCall(): Promise<void> {
    if (this.#call) return;
    // simulcast: the media server sends the taxpayer what their (often thinner) link carries
    const call = new MediaCall(this.connection, { sessionId: this.card.sessionId, publish: this.card.channel === 'text' ? 'voice' : 'video', simulcast: true });
    this.#call = call;
    call.on('state', () => this.#syncCallButtons());
    call.on('mode', () => this.#syncCallButtons());
    call.on('state', (state) => setLabel(this.#callState, tl(`call.states.${state}`)));
    // an ended call leaves no frozen video, silent meters or device pickers behind
    call.on('state', (state) => state === 'closed' && this.#clearCallMedia());
    call.on('peer-mode', (_peer, mode, reason) => this.onError(reason === 'poor-network' ? t('call.peerPoorNetwork') : t('call.peerMode', { mode: t(`channel.${mode}`) })));
    call.on('remote-track', (remote) => {
      if (remote.kind === 'audio') this.#addMeter(remote.track, remote.peer.name);
      if (remote.kind === 'video') this.#tiles.append(videoTile(new MediaStream([remote.track]), peerCaption(remote.peer), { producerId: remote.producerId }));
    });
    call.on('remote-track-ended', (producerId) => this.#tiles.querySelector(`[data-producer-id="${producerId}"]`)?.remove());
    await this.#do(() => call.start());
    // ended (wrap-up) while it was starting: nothing of it is shown
    if (call.state === 'closed') return;
    if (call.localStream && call.localStream.getVideoTracks().length > 0) {
      this.#tiles.prepend(videoTile(call.localStream, tl('call.you'), { self: true }));
    }
    const mic = call.localStream?.getAudioTracks()[0];
    if (mic) this.#addMeter(mic, tl('call.you'));
    await this.#renderDevices(call);
  }

  #clearCallMedia(): void {
    cancelAnimationFrame(this.#meterFrame);
    this.#meterFrame = 0;
    for (const { meter } of this.#levelMeters.splice(0)) meter.close();
    this.#tiles.replaceChildren();
    this.#meters.replaceChildren();
    this.#devices.replaceChildren();
  }

  /** A level bar per audio track (yours and the other side's), drawn on animation frames. */
  #addMeter(track: MediaStreamTrack, label: Label): void {
    const bar = el('span', { className: 'level-bar' });
    this.#meters.append(el('div', { className: 'meter' }, el('span', { text: label }), el('span', { className: 'level' }, bar)));
    this.#levelMeters.push({ meter: new AudioLevelMeter(track), bar });
    if (this.#meterFrame) return;
    const draw = () => {
      for (const { meter, bar } of this.#levelMeters) bar.style.width = `${Math.round(meter.level() * 100)}%`;
      this.#meterFrame = requestAnimationFrame(draw);
    };
    this.#meterFrame = requestAnimationFrame(draw);
  }

  /** Microphone and camera pickers: switching keeps the call going (no renegotiation). */
  async #renderDevices(call: MediaCall): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const picker = (kind: 'audioinput' | 'videoinput', label: Translated) => {
      const list = devices.filter((d) => d.kind === kind);
      if (list.length < 2) return undefined;
      const select = el('select', { label }, ...list.map((d, i) => el('option', { value: d.deviceId, textContent: d.label || `${t(label.key)} ${i + 1}` })));
      select.addEventListener('change', () => void this.#do(() => call.switchDevice(kind === 'audioinput' ? 'audio' : 'video', select.value)));
      return el('label', {}, label, select);
    };
    this.#devices.replaceChildren(...[picker('audioinput', tl('call.microphone')), picker('videoinput', tl('call.camera'))].filter((x): x is HTMLLabelElement => x !== undefined));
  }

  /** The taxpayer's earlier sessions, newest first: the first page, or the next one after `cursor`. */
  async #loadHistory(cursor?: string): Promise<void> {
    const { sessionId } = this.card;
    try {
      const { entries, next } = await this.connection.request('taxpayer:history', cursor ? { sessionId, cursor } : { sessionId });
      this.#historyNext = next;
      this.#renderHistory(cursor ? [...this.#historyEntries, ...entries] : entries);
    } catch (error) {
      this.#fail(error);
    }
  }

  #renderHistory(entries: HistoryEntry[]): void {
    this.#historyEntries = entries;
    this.#historyMore.hidden = this.#historyNext === undefined;
    if (entries.length === 0) {
      this.#history.replaceChildren(el('li', { text: tl('noHistory') }));
      return;
    }
    this.#history.replaceChildren(
      ...entries.map((e) =>
        el(
          'li',
          {},
          el('strong', { textContent: `${formatDate(e.at)} · ${t(`topic.${e.topic}`)} · ${e.agentName}` }),
          el('span', { textContent: ` ${t(`outcome.${e.outcome}`)} ${e.notes}` }),
        ),
      ),
    );
  }

  /** The session's state changed (pushed by the server). */
  update(summary: SessionSummary): void {
    const changed = summary.state !== this.#state;
    this.#state = summary.state;
    this.#wrapUpUntil = summary.wrapUpUntil;
    // in wrap-up the wrap-up form says so itself (with its countdown): not twice
    setLabel(this.#status, summary.state === 'wrap-up' ? '' : tl(`state.${summary.state}`));
    // only on a change: a repeated push must not wipe the notes being typed
    if (changed) this.#renderActions();
    if (summary.state === 'ended' || summary.state === 'cancelled' || summary.state === 'abandoned') this.onClosed(this.card.sessionId);
  }

  /** The wrap-up countdown: when it runs out the session closes and new requests come in. */
  #tickWrapUp(): void {
    if (this.#wrapUpUntil === undefined) return setLabel(this.#wrapTimer, '');
    const s = Math.max(0, Math.ceil((this.#wrapUpUntil - Date.now()) / 1000));
    setLabel(this.#wrapTimer, tl('wrapUp.left', { time: minutesSeconds(s) }));
  }

  notice(label: Label): void {
    setLabel(this.#status, label);
  }

  /** A select of one of the catalog's lists (its name is the list's label prefix), drawn again by `catalogChanged`. */
  #catalogList(name: 'outcome' | 'language' | 'topic', entries: (catalog: Catalog) => readonly { id: string }[]): HTMLSelectElement {
    const select = el('select', { name });
    const fill = () =>
      setOptions(
        select,
        entries(this.catalog.current).map(({ id }) => ({ value: id, text: tl(`${name}.${id}`) })),
      );
    fill();
    this.#catalogLists.push(fill);
    return select;
  }

  /** A new catalog: the lists of the actions drawn again, the wrap-up's notes and a choice still offered kept. */
  catalogChanged(): void {
    for (const fill of this.#catalogLists) fill();
  }

  #renderActions(): void {
    const id = this.card.sessionId;
    this.#catalogLists = [];
    clearInterval(this.#wrapTicker);
    this.#wrapTicker = undefined;
    // a supervisor who joined has no actions of the session, and a session in wrap-up nothing to hand over
    this.#sideTabs.setAvailable('handover', !this.options.observer && this.#state !== 'wrap-up');
    if (this.options.observer) return;
    if (this.#state === 'wrap-up') {
      const notes = el('textarea', { name: 'notes', rows: 3 });
      const outcome = this.#catalogList('outcome', (catalog) => catalog.outcomes);
      this.#handover.replaceChildren();
      this.#actions.replaceChildren(
        el(
          'form',
          {
            className: 'wrap-up',
            onsubmit: (event: SubmitEvent) => {
              event.preventDefault();
              void this.#do(() => this.connection.request('session:wrap-up', { sessionId: id, notes: notes.value, outcome: outcome.value }));
            },
          },
          el('h3', { text: tl('wrapUp.title') }),
          this.#wrapTimer,
          el('label', {}, tl('wrapUp.notes'), notes),
          el(
            'div',
            { className: 'row' },
            el('label', { className: 'inline' }, tl('wrapUp.outcome'), outcome),
            el('button', { type: 'submit', className: 'primary', text: tl('wrapUp.submit') }),
          ),
        ),
      );
      void this.#call?.close();
      this.#tickWrapUp();
      this.#wrapTicker = setInterval(() => this.#tickWrapUp(), 1000);
      return;
    }
    const note = el('input', { name: 'note', placeholder: tl('actions.note') });
    const language = this.#catalogList('language', (catalog) => catalog.languages);
    // an inactive topic is offered to no one new: a hand-over to it would be refused
    const topic = this.#catalogList('topic', (catalog) => catalog.topics.filter((c) => c.active));
    this.#handover.replaceChildren(
      el('label', {}, tl('actions.note'), note),
      el(
        'div',
        { className: 'row' },
        button(tl('actions.escalate'), () => void this.#do(() => this.connection.request('session:escalate', { sessionId: id, note: note.value }))),
      ),
      el(
        'div',
        { className: 'row' },
        el('label', { className: 'inline' }, tl('actions.transferTo'), language, topic),
        button(
          tl('actions.transfer'),
          () => void this.#do(() => this.connection.request('session:transfer', { sessionId: id, note: note.value, language: language.value, topic: topic.value })),
        ),
      ),
    );
    this.#actions.replaceChildren(
      el(
        'div',
        { className: 'row' },
        button(
          tl('actions.leave'),
          () =>
            void this.#do(async () => {
              await this.connection.request('session:leave', { sessionId: id });
              this.onClosed(id);
            }),
        ),
        button(tl('actions.end'), () => void this.#do(() => this.connection.request('session:end', { sessionId: id })), 'danger'),
      ),
    );
  }

  /** The agent switched language: labels in place; what is composed from state, composed again. */
  relabel(): void {
    relabel(this.element);
    this.#viewer.setLabel(t('mirror.title'));
    this.#renderMirrorState(this.#viewer.state);
    this.#renderHistory(this.#historyEntries);
  }

  get tool(): ViewerTool {
    return this.#tool;
  }

  destroy(): void {
    clearInterval(this.#wrapTicker);
    this.#clearCallMedia();
    this.#viewer.close();
    this.#chat.close();
    void this.#call?.close();
    this.element.remove();
  }
}
