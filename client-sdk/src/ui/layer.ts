import { BLOCK_ATTRIBUTE } from '../cobrowse/privacy.js';
import { ANNOUNCER_CSS, Announcer } from './announcer.js';
import { adoptStyles } from './shadow-styles.js';

/**
 * The SDK's own UI lives in a shadow root on top of the page, so the portal's styles cannot
 * break it and it cannot break the portal. The host takes no pointer events itself; only the
 * dialogs and banners inside do.
 */
export class UiLayer {
  readonly host: HTMLElement;
  readonly root: ShadowRoot;
  /** What changed, said to screen readers (the layer's own live region). */
  readonly announcer: Announcer;

  constructor(id: string, zIndex = 2147483000, extraCss = '') {
    this.host = document.createElement('div');
    this.host.id = id;
    // the recorder must not mirror the SDK's own UI to the agent
    this.host.setAttribute(BLOCK_ATTRIBUTE, '');
    this.host.style.cssText = `position:fixed;inset:0;pointer-events:none;z-index:${zIndex}`;
    // closed: the page's scripts, and the recorder, never see the SDK's own UI
    this.root = this.host.attachShadow({ mode: 'closed' });
    adoptStyles(this.root, LAYER_CSS + ANNOUNCER_CSS + extraCss);
    this.announcer = new Announcer(this.root);
    document.body.append(this.host);
  }

  remove(): void {
    this.host.remove();
  }
}

const LAYER_CSS = `
:host { all: initial; font-family: "Noto Sans CJK SC", "Noto Sans", system-ui, sans-serif; }
.dialog { pointer-events: auto; position: fixed; left: 50%; top: 50%; transform: translate(-50%, -50%); z-index: 2; box-sizing: border-box;
  background: #fff; color: #1d2733; border-radius: 10px; box-shadow: 0 8px 32px #0005; padding: 24px 28px;
  width: max-content; max-width: min(480px, calc(100vw - 16px)); max-height: calc(100vh - 16px); overflow: auto; font-size: 17px; line-height: 1.5; }
.dialog h2 { margin: 0 0 8px; font-size: 20px; }
/* both answers always side by side or wrapped, never cut off */
.actions { display: flex; flex-wrap: wrap; gap: 12px; justify-content: flex-end; margin-top: 20px; }
button { font: inherit; min-height: 48px; min-width: 96px; padding: 8px 18px; border-radius: 6px; border: 1px solid #17324d; cursor: pointer; }
button.primary { background: #17324d; color: #fff; }
button.secondary { background: #fff; color: #17324d; }
button:focus-visible, select:focus-visible, textarea:focus-visible, input:focus-visible, [tabindex="-1"]:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
/* one line as wide as its words (up to the screen), under any open question: a question is answered on top */
.banner { pointer-events: auto; position: fixed; top: 0; left: 50%; transform: translateX(-50%); z-index: 1; box-sizing: border-box;
  width: max-content; max-width: calc(100vw - 16px); display: grid; grid-template-columns: minmax(0, max-content) max-content; column-gap: 16px; row-gap: 4px;
  align-items: center; background: #b3261e; color: #fff; padding: 8px 16px; border-radius: 0 0 8px 8px; font-size: 16px; line-height: 1.3; }
.banner.sharing { background: #17324d; }
.banner button { min-height: 40px; min-width: 0; background: #fff; color: #b3261e; border: 0; font-weight: 600; }
.banner.sharing button { color: #17324d; }
.banner .recording-stopped { grid-column: 1 / -1; font-size: 13px; max-width: 40ch; }
@media (max-width: 480px) {
  .dialog { padding: 18px 18px; }
  .actions button { flex: 1 1 auto; }
  .banner { column-gap: 10px; padding: 6px 10px; font-size: 14px; }
  .banner button { min-height: 36px; padding: 4px 12px; }
}
:host(.kiosk) .dialog { font-size: 24px; max-width: min(720px, 92vw); } :host(.kiosk) .dialog h2 { font-size: 28px; }
:host(.kiosk) button { min-height: 64px; min-width: 140px; font-size: 22px; }
/* the kiosk's larger text (its switch is in the widget) */
:host(.kiosk.large) .dialog { font-size: 30px; } :host(.kiosk.large) .dialog h2 { font-size: 36px; }
:host(.kiosk.large) button { min-height: 80px; font-size: 28px; } :host(.kiosk.large) .banner { font-size: 28px; }
/* a split kiosk screen: the banner sits on top of the page being operated (the lower half) */
:host(.kiosk) .banner { top: 50vh; font-size: 22px; padding: 10px 20px; border-radius: 0 0 10px 10px; }
`;

/** What a question says, in the language of the moment. */
export interface QuestionWording {
  title: string;
  body: string;
  yes: string;
  no: string;
}

/** An open question: its answer, a way to withdraw it, and a way to say it again in another language. */
export interface Question {
  answer: Promise<boolean>;
  dismiss: () => void;
  /** Re-reads the wording (the portal switched language while the question is open). */
  relabel: () => void;
}

let questions = 0;

/**
 * A modal question with two answers; resolves true for the first. The keyboard is kept inside it
 * (Tab and Shift+Tab go round its two buttons), Escape answers no, and once answered the keyboard
 * goes back (`returnFocus`, else to what had it before).
 */
export function ask(layer: UiLayer, wording: () => QuestionWording, returnFocus?: () => void): Question {
  const before = document.activeElement;
  const restore = returnFocus ?? (() => (before instanceof HTMLElement ? before.focus() : undefined));
  const dialog = document.createElement('div');
  dialog.className = 'dialog';
  dialog.setAttribute('role', 'alertdialog');
  dialog.setAttribute('aria-modal', 'true');
  const heading = document.createElement('h2');
  const paragraph = document.createElement('p');
  // named by its title, described by its question (ids unique within the layer's root)
  heading.id = `question-${++questions}-title`;
  paragraph.id = `question-${questions}-body`;
  dialog.setAttribute('aria-labelledby', heading.id);
  dialog.setAttribute('aria-describedby', paragraph.id);
  const actions = document.createElement('div');
  actions.className = 'actions';
  const noButton = document.createElement('button');
  noButton.className = 'secondary';
  const yesButton = document.createElement('button');
  yesButton.className = 'primary';
  const relabel = (): void => {
    const { title, body, yes, no } = wording();
    heading.textContent = title;
    paragraph.textContent = body;
    yesButton.textContent = yes;
    noButton.textContent = no;
  };
  relabel();
  actions.append(noButton, yesButton);
  dialog.append(heading, paragraph, actions);
  layer.root.append(dialog);
  yesButton.focus();
  let settle: (value: boolean) => void = () => {};
  const answer = new Promise<boolean>((resolve) => (settle = resolve));
  const close = (value: boolean) => {
    // only a keyboard that was in the question is given back (a withdrawn one may not have had it)
    const hadFocus = dialog.contains(layer.root.activeElement);
    dialog.remove();
    if (hadFocus) restore();
    settle(value);
  };
  yesButton.addEventListener('click', () => close(true));
  noButton.addEventListener('click', () => close(false));
  dialog.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      // the question's own answer to Escape: no (control is not given, the screen is not shared)
      event.stopPropagation();
      close(false);
    } else if (event.key === 'Tab') {
      event.preventDefault();
      (layer.root.activeElement === yesButton ? noButton : yesButton).focus();
    }
  });
  return { answer, dismiss: () => close(false), relabel };
}
