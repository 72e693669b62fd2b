import { RecordingPlayer, type AssistConnection, type TimelineEntry } from '@etax-assist/client-sdk';
import { button, el, relabel, setLabel, tl } from '../dom.js';
import { t } from '../i18n.js';

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function describe(entry: TimelineEntry): string {
  const p = entry.payload as Record<string, unknown>;
  switch (entry.kind) {
    case 'chat':
      return `${(p.from as { name: string }).name}：${String(p.text)}`;
    case 'annotation':
      return `${t('replay.annotation')} · ${t(`tool.${p.kind === 'stroke' ? 'draw' : String(p.kind)}`)}`;
    case 'input':
      return `${t('replay.control')} · ${t(`replay.action.${String(p.action)}`)}`;
    case 'state':
      return `${t('replay.state')} · ${t(`replay.sharing.${String(p.sharing)}`)} / ${t(`replay.controlState.${String(p.control)}`)}`;
    case 'recording-stopped':
      return t('mirror.recordingStopped');
    default:
      return entry.kind;
  }
}

/** Replay of a finished session: the page with a seekable timeline, chat and annotations beside it. */
export class ReplayView {
  readonly element: HTMLElement;
  readonly #player: RecordingPlayer;
  readonly #stage = el('div', { className: 'mirror replay-stage' });
  readonly #slider = el('input', { type: 'range', min: '0', max: '0', value: '0', className: 'scrubber' });
  readonly #time = el('span', { className: 'time', textContent: '0:00' });
  readonly #list = el('ol', { className: 'timeline' });

  constructor(
    connection: AssistConnection,
    readonly sessionId: string,
    onClose: () => void,
  ) {
    this.#player = new RecordingPlayer(connection, sessionId, this.#stage);
    setLabel(this.#slider, tl('replay.position'), 'aria-label');
    this.#slider.addEventListener('input', () => this.#player.seek(Number(this.#slider.value)));
    this.#player.on('time', (ms) => {
      this.#slider.value = String(ms);
      this.#time.textContent = clock(ms);
    });
    this.element = el('section', { className: 'replay' },
      el('div', { className: 'row' },
        el('h2', { text: tl('replay.title') }),
        button(tl('replay.play'), () => this.#player.play(), 'primary'),
        button(tl('replay.pause'), () => this.#player.pause()),
        this.#slider,
        this.#time,
        button(tl('replay.close'), () => {
          this.#player.close();
          onClose();
        }),
      ),
      el('div', { className: 'panel-main' }, this.#stage, this.#list),
    );
  }

  get player(): RecordingPlayer {
    return this.#player;
  }

  async load(): Promise<void> {
    await this.#player.load();
    this.#slider.max = String(this.#player.duration);
    if (!this.#player.hasPage) this.#stage.append(el('p', { text: tl('replay.noPage') }));
    this.#renderTimeline();
  }

  /** Timeline rows are composed from the recording: composed again in a new language. */
  relabel(): void {
    relabel(this.element);
    this.#renderTimeline();
  }

  #renderTimeline(): void {
    this.#list.replaceChildren(
      ...this.#player.timeline.map((entry) =>
        el('li', { className: `entry ${entry.kind}` },
          button(clock(entry.offset), () => this.#player.seek(entry.offset)),
          el('span', { textContent: ` ${describe(entry)}` }),
        ),
      ),
    );
  }
}
