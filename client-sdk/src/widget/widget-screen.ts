import type { SessionSummary } from '@etax-assist/protocol';
import type { MediaCall } from '../media/media-call.js';
import type { Translate } from './elements.js';
import type { HelpFormInput } from './help-form.js';

/** Where the visitor is: the launcher, the form, the queue, the session, the rating, the thanks. */
export type View = 'closed' | 'pick' | 'waiting' | 'session' | 'rating' | 'thanks';

/** What the widget's view draws: the controller's state at this moment. */
export interface WidgetScreen {
  view: View;
  /** A hall kiosk: large type, split screen during a session, the panel neither moved nor minimised. */
  kiosk: boolean;
  summary: SessionSummary | undefined;
  notice: string;
  reconnecting: boolean;
  /** The service no longer accepts this sign-in: only the notice is shown. */
  signedOut: boolean;
  minimised: boolean;
  /** An agent's chat message came while minimised. */
  unread: boolean;
  /** The session code for a phone agent, once asked for. */
  code: string | undefined;
  /** The stars chosen so far on the rating. */
  score: number;
  call: MediaCall | undefined;
  chat: HTMLElement | undefined;
  form: HelpFormInput;
  t: Translate;
}

/** What the visitor can do from the view; the controller carries it out and draws again. */
export interface WidgetActions {
  open(): void;
  close(): void;
  cancel(): void;
  showCode(): void;
  hangUp(): void;
  setScore(score: number): void;
  /** Sends the rating (`comment` undefined: skipped). */
  rate(comment: string | undefined): void;
  setMinimised(minimised: boolean): void;
  /** Keep the place in the queue and be alerted on the portal when an agent is ready. */
  callback(): void;
  /** Back for the agent who is ready. */
  answerCallback(): void;
  /** Done with a request that ended by itself (a missed callback). */
  dismiss(): void;
  /** Something drawn changed outside the controller's state (the call's microphone or camera). */
  redraw(): void;
}
