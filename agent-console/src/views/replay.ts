import { RecordingPlayer, REPLAY_SPEEDS, type AssistConnection, type ReplaySpeed } from '@etax-assist/client-sdk';
import { button, el, relabel, setLabel, tl } from '../dom.js';
import { formatRating } from '../i18n.js';
import { describeRow, timelineRows } from './timeline-rows.js';

/** How far ← and → move the replay. */
const SEEK_STEP_MS = 5000;

/** What the taxpayer said of the session, as the dashboard has it. */
export interface SessionRating {
  score: number;
  comment?: string;
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Replay of a finished session: the page with a seekable timeline (chat, annotations, control —
 * refused inputs marked so — and sharing) beside it, at 1×, 2× or 4×, and the taxpayer's rating.
 * Keys anywhere in it: Space plays or pauses, ← → move 5 s, 1 2 4 set the speed.
 */
export class ReplayView {
  readonly element: HTMLElement;
  readonly #player: RecordingPlayer;
  readonly #stage = el('div', { className: 'mirror replay-stage', tabIndex: 0, role: 'region' });
  readonly #slider = el('input', { type: 'range', min: '0', max: '0', value: '0', step: 'any', className: 'scrubber' });
  readonly #time = el('span', { className: 'time', textContent: '0:00' });
  readonly #list = el('ol', { className: 'timeline' });
  readonly #speeds: Map<ReplaySpeed, HTMLButtonElement>;

  constructor(
    connection: AssistConnection,
    readonly sessionId: string,
    onClose: () => void,
    rating?: SessionRating,
  ) {
    this.#player = new RecordingPlayer(connection, sessionId, this.#stage);
    setLabel(this.#slider, tl('replay.position'), 'aria-label');
    setLabel(this.#stage, tl('replay.stage'), 'aria-label');
    this.#slider.addEventListener('input', () => this.#player.seek(Number(this.#slider.value)));
    this.#player.on('time', (ms) => {
      this.#slider.value = String(ms);
      this.#time.textContent = clock(ms);
    });
    this.#speeds = new Map(REPLAY_SPEEDS.map((speed) => [speed, button(`${speed}×`, () => this.#setSpeed(speed), 'speed')]));
    const speedGroup = el('div', { className: 'speeds', role: 'group', label: tl('replay.speed') }, ...this.#speeds.values());
    this.#setSpeed(this.#player.speed);
    this.element = el(
      'section',
      { className: 'replay' },
      el(
        'div',
        { className: 'row' },
        el('h2', { text: tl('replay.title') }),
        button(tl('replay.play'), () => this.#player.play(), 'primary'),
        button(tl('replay.pause'), () => this.#player.pause()),
        speedGroup,
        this.#slider,
        this.#time,
        button(tl('replay.close'), () => {
          this.#player.close();
          onClose();
        }),
      ),
      el('p', { className: 'replay-keys', text: tl('replay.keys') }),
      rating ? this.#ratingLine(rating) : undefined,
      el('div', { className: 'panel-main' }, this.#stage, this.#list),
    );
    this.element.addEventListener('keydown', (event) => this.#onKey(event));
  }

  #ratingLine({ score, comment }: SessionRating): HTMLElement {
    return el(
      'p',
      { className: 'replay-rating' },
      el('strong', { text: tl('replay.rating') }),
      el('span', { className: 'score', textContent: ` ${formatRating(score)} ` }),
      // the taxpayer's own words: text, never markup
      comment ? el('q', { className: 'comment', textContent: comment }) : el('span', { className: 'comment empty', text: tl('replay.noComment') }),
    );
  }

  #setSpeed(speed: ReplaySpeed): void {
    this.#player.setSpeed(speed);
    for (const [value, b] of this.#speeds) b.setAttribute('aria-pressed', String(value === speed));
  }

  #onKey(event: KeyboardEvent): void {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const onButton = event.target instanceof HTMLButtonElement;
    const speed = REPLAY_SPEEDS.find((s) => String(s) === event.key);
    if (speed !== undefined) this.#setSpeed(speed);
    // Space on a button presses that button
    else if (event.key === ' ' && !onButton) {
      if (this.#player.playing) this.#player.pause();
      else this.#player.play();
    } else if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      this.#player.seek(Number(this.#slider.value) + (event.key === 'ArrowRight' ? SEEK_STEP_MS : -SEEK_STEP_MS));
    } else return;
    event.preventDefault();
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
      ...timelineRows(this.#player.timeline).map((row) =>
        el(
          'li',
          { className: `entry ${row.entry.kind}${row.refusedFor === undefined ? '' : ' refused'}` },
          button(clock(row.entry.offset), () => this.#player.seek(row.entry.offset)),
          el('span', { textContent: ` ${describeRow(row)}` }),
        ),
      ),
    );
  }
}
