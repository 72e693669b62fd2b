import { UiLayer } from '../ui/layer.js';
import { PanelPlace } from '../ui/panel-place.js';
import { followTextSize, largeTextOn, setLargeText } from '../ui/text-size.js';
import { button, iconButton, paragraph } from './elements.js';
import { choiceOf, helpForm, type HelpChoice } from './help-form.js';
import { KioskMode } from './kiosk.js';
import { ratingPanel } from './rating-panel.js';
import { sessionPanel } from './session-panel.js';
import { WIDGET_CSS } from './styles.js';
import { positionLine, waitingPanel } from './waiting-panel.js';
import { callbackLine, callbackPanel, showsCallback } from './callback-panel.js';
import type { WidgetActions, WidgetScreen } from './widget-screen.js';

/**
 * Draws the widget from the controller's state: the launcher, the panel (its head with the drag
 * handle and Minimise, notices, the view's body) or the minimised bar. Everything but the
 * consent dialogs and banners (CobrowseShare's) is drawn again on each render.
 */
export class WidgetView {
  readonly #layer = new UiLayer('etax-assist-widget', 2147482500, WIDGET_CSS);
  readonly #place = new PanelPlace();
  /** What the live region said last about where things stand. */
  #spoken = '';
  /** The view drawn last: a change moves the keyboard with it. */
  #shown: WidgetScreen['view'] | undefined;

  constructor(
    kiosk: boolean,
    private readonly actions: WidgetActions,
  ) {
    if (kiosk) {
      this.#layer.host.classList.add('kiosk');
      followTextSize(this.#layer.host);
    }
  }

  get root(): ShadowRoot {
    return this.#layer.root;
  }

  render(screen: WidgetScreen): void {
    // the keyboard keeps its place across a redraw (buttons that name their action)
    const active = this.root.activeElement as HTMLElement | null;
    const focused = active?.dataset.action;
    const moved = screen.view !== this.#shown;
    this.#shown = screen.view;
    this.#draw(screen);
    // another view: the keyboard goes with it (into the form, the queue, the session, the rating;
    // back to the launcher) when it was in the widget, and always into the form just opened
    if (moved && (active || screen.view === 'pick')) {
      if (screen.view === 'closed') this.root.querySelector<HTMLElement>('.launcher')?.focus();
      else this.focusPanel();
    } else if (focused) this.focus(focused);
    this.#announce(screen);
  }

  /** The keyboard to the panel's first control after its title bar (the panel itself when it has none). */
  focusPanel(): void {
    const panel = this.root.querySelector<HTMLElement>('.panel');
    const first = panel?.querySelector<HTMLElement>(':scope > :not(header) :is(button, select, textarea, input:not([type="hidden"])), :scope > button');
    if (first) first.focus();
    else if (panel) {
      panel.tabIndex = -1;
      panel.focus();
    }
  }

  /** Where things stand, said to screen readers when it changes: the place in line, the agent who joined. */
  #announce(screen: WidgetScreen): void {
    const line = screen.view === 'waiting' || screen.view === 'session' ? this.#summaryLine(screen) : '';
    if (line && line !== this.#spoken) this.#layer.announcer.say(line);
    this.#spoken = line;
  }

  focus(action: string): void {
    this.root.querySelector<HTMLElement>(`[data-action="${action}"]`)?.focus();
  }

  /** What the visitor has chosen on the form shown, if it shows one. */
  get choice(): HelpChoice | undefined {
    const form = this.root.querySelector<HTMLFormElement>('form.pick');
    return form ? choiceOf(form) : undefined;
  }

  /** Only the form drawn again (not the panel, which may be being dragged). */
  redrawForm(screen: WidgetScreen): void {
    this.root.querySelector('form.pick')?.replaceWith(helpForm(screen.form));
  }

  /** Back where a portal page puts it, for the next visitor. */
  resetPlace(): void {
    this.#place.reset();
  }

  remove(): void {
    this.#place.close();
    this.#layer.remove();
  }

  #draw(screen: WidgetScreen): void {
    const { t } = screen;
    for (const node of [...this.root.children]) if (!node.matches('style, .dialog, .banner, .announcer')) node.remove();
    if (screen.view === 'closed') {
      const launcher = button(t('help'), () => this.actions.open(), true);
      launcher.classList.add('launcher');
      this.root.append(launcher);
      if (screen.kiosk) this.root.append(this.#textSize(screen));
      return;
    }
    KioskMode.dualScreen(screen.view === 'session' && screen.kiosk);
    // portal pages (not the kiosk's split screen): the panel can be minimised and moved
    const movable = !screen.kiosk;
    if (screen.minimised && movable) {
      this.root.append(this.#bar(screen));
      return;
    }
    const panel = document.createElement('section');
    panel.className = `panel ${screen.view}`;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', t('helpTitle'));
    // Escape leaves the form unsent (the launcher takes the keyboard again)
    if (screen.view === 'pick')
      panel.addEventListener('keydown', (event) => {
        if (event.key === 'Escape') screen.form.close();
      });
    panel.append(this.#head(screen, panel, movable));
    if (screen.notice) panel.append(paragraph(screen.notice, 'note'));
    if (screen.reconnecting) panel.append(paragraph(t('reconnecting'), 'note'));
    // signed out, nothing the panel offers could reach the service: only the notice stays
    if (!screen.signedOut) panel.append(...this.#body(screen));
    this.root.append(panel);
    if (movable) this.#place.apply(panel);
  }

  /** The panel's title bar: on portal pages also its handle (drag it, or arrow keys on the grip) and Minimise. */
  #head(screen: WidgetScreen, panel: HTMLElement, movable: boolean): HTMLElement {
    const { t } = screen;
    const head = document.createElement('header');
    head.className = 'head';
    const heading = document.createElement('h2');
    heading.textContent = t('helpTitle');
    if (!movable) {
      head.append(heading, this.#textSize(screen));
      return head;
    }
    const move = iconButton('grip', t('move'), 'move');
    head.append(
      move,
      heading,
      iconButton('minimise', t('minimise'), 'minimise', () => this.actions.setMinimised(true)),
    );
    this.#place.attach(panel, head, move);
    return head;
  }

  /** The kiosk's larger-text switch (kept for the kiosk, not the visitor). */
  #textSize({ t }: WidgetScreen): HTMLButtonElement {
    const toggle = button(t('largeText'), () => {
      setLargeText(!largeTextOn());
      toggle.setAttribute('aria-pressed', String(largeTextOn()));
    });
    toggle.classList.add('text-size');
    toggle.dataset.action = 'text-size';
    toggle.setAttribute('aria-pressed', String(largeTextOn()));
    return toggle;
  }

  /** The minimised panel: where things stand in one line, and the button that opens it again. */
  #bar(screen: WidgetScreen): HTMLElement {
    const { t } = screen;
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.setAttribute('role', 'region');
    bar.setAttribute('aria-label', t('helpTitle'));
    bar.append(Object.assign(document.createElement('span'), { className: 'summary', textContent: this.#summaryLine(screen) }));
    if (screen.unread) bar.append(Object.assign(document.createElement('span'), { className: 'unread', textContent: t('newMessage') }));
    const restore = iconButton('restore', t('restore'), 'restore', () => this.actions.setMinimised(false));
    restore.append(t('restore'));
    bar.append(restore);
    return bar;
  }

  #summaryLine({ view, summary: s, t }: WidgetScreen): string {
    switch (view) {
      case 'waiting':
        if (s && showsCallback(s)) return callbackLine(t, s);
        return s?.agentOnDuty === false ? t('noAgent') : positionLine(t, s?.queuePosition ?? 1);
      case 'session':
        return s?.agent?.name ? t('connectedTo', { name: s.agent.name }) : t('connecting');
      case 'rating':
        return t('rateTitle');
      default:
        return t('helpTitle');
    }
  }

  #body(screen: WidgetScreen): Node[] {
    switch (screen.view) {
      case 'pick':
        return [helpForm(screen.form)];
      case 'waiting':
        return showsCallback(screen.summary) ? callbackPanel(screen, this.actions) : waitingPanel(screen, this.actions);
      case 'session':
        return sessionPanel(screen, this.actions);
      case 'rating':
        return ratingPanel(screen, this.actions);
      case 'thanks':
        return [paragraph(screen.t('thanks'))];
      case 'closed':
        return [];
    }
  }
}
