/** The widget's look (in its closed shadow root): portal pages, phones, and the kiosk's large type and split screen. */
export const WIDGET_CSS = `
.launcher { pointer-events: auto; position: fixed; right: 24px; bottom: 24px; background: #b3261e; color: #fff; border: 0; border-radius: 28px;
  padding: 14px 24px; font-size: 18px; box-shadow: 0 4px 16px #0004; min-height: 56px; }
.panel { pointer-events: auto; position: fixed; right: 24px; bottom: 24px; box-sizing: border-box; width: min(380px, calc(100vw - 16px));
  max-height: min(86vh, calc(100vh - 16px)); overflow: auto; background: #fff; color: #1d2733; border-radius: 12px; box-shadow: 0 8px 32px #0005;
  padding: 14px 20px 18px; font-size: 16px; display: grid; gap: 12px;
  /* one column as wide as the panel: Firefox otherwise sizes it to what the video and the button rows would like */
  grid-template-columns: minmax(0, 1fr); }
.head { display: flex; align-items: center; gap: 6px; margin: 0 -10px 0 -8px; touch-action: none; user-select: none; cursor: move; }
.head h2 { flex: 1; min-width: 0; }
.head button { min-width: 44px; min-height: 44px; padding: 0; display: grid; place-items: center; border-color: transparent; background: transparent; color: #17324d; }
.head button[data-action="move"] { cursor: move; }
.icon { width: 1.25em; height: 1.25em; vertical-align: -0.25em; flex: none; }
.bar { pointer-events: auto; position: fixed; right: 16px; bottom: 16px; box-sizing: border-box; max-width: calc(100vw - 32px); display: flex; align-items: center;
  gap: 12px; padding: 6px 6px 6px 18px; background: #17324d; color: #fff; border-radius: 30px; box-shadow: 0 4px 16px #0004; font-size: 16px; }
.bar .summary { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar .unread { flex: none; background: #f0a500; color: #1d2733; border-radius: 12px; padding: 2px 10px; font-size: 14px; }
.bar button { flex: none; display: flex; gap: 6px; align-items: center; min-width: 0; background: #fff; color: #17324d; border: 0; border-radius: 24px; }
.panel h2 { margin: 0; font-size: 19px; }
.panel label { display: grid; gap: 4px; }
.panel form { display: grid; gap: 14px; }
.panel select, .panel textarea { font: inherit; padding: 8px; border: 1px solid #aab4c0; border-radius: 6px; min-width: 0; }
.channels { display: flex; gap: 8px; } .channels button { flex: 1; min-width: 0; }
.channels button[aria-pressed="true"] { background: #17324d; color: #fff; }
.status { font-size: 17px; } .status strong { display: block; font-size: 22px; } .explain { margin: 0; line-height: 1.5; }
.tiles { position: relative; display: grid; gap: 6px; } .tiles video { width: 100%; border-radius: 8px; background: #000; }
.tiles video.self { position: absolute; right: 8px; bottom: 8px; width: 32%; border: 2px solid #fff; box-sizing: border-box; transform: scaleX(-1); }
.tiles video.self:only-child { position: static; width: 45%; }
.stars { display: flex; gap: 6px; } .stars button { font-size: 26px; min-width: 0; flex: 1; max-width: 60px; padding: 4px; }
.stars button[aria-pressed="true"] { background: #f0a500; border-color: #f0a500; color: #1d2733; }
.note { color: #b3261e; }
.answers { display: grid; gap: 8px; } .answer-list { display: grid; gap: 8px; } .answer-list h3 { margin: 0; font-size: 16px; }
.answer { border: 1px solid #aab4c0; border-radius: 8px; padding: 8px 12px; background: #f4f6f9; } .answer summary { cursor: pointer; font-weight: 600; }
.answer p { margin: 8px 0; line-height: 1.5; } .answer nav { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 8px; } .answer a { color: #0b5cad; }
.answer .row { flex-wrap: wrap; } .thanks { margin: 0; color: #1e6b34; font-weight: 600; }
.code .digits { display: block; font-size: 34px; letter-spacing: 8px; font-variant-numeric: tabular-nums; }
.chat { display: grid; gap: 8px; grid-template-columns: minmax(0, 1fr); }
.messages { list-style: none; margin: 0; padding: 8px; max-height: 220px; overflow: auto; background: #f4f6f9; border-radius: 8px; display: grid; gap: 6px;
  grid-template-columns: minmax(0, 1fr); }
.messages li { padding: 6px 10px; border-radius: 10px; max-width: 85%; overflow-wrap: anywhere; }
.messages li.mine { background: #17324d; color: #fff; justify-self: end; }
.messages li.theirs { background: #fff; justify-self: start; }
.panel .chat-form { display: flex; gap: 8px; flex-wrap: wrap; } .chat-form button { flex: 1 1 auto; min-width: 0; } .chat-form input { flex: 1 0 100%; min-width: 0; box-sizing: border-box; font: inherit; padding: 8px; border: 1px solid #aab4c0; border-radius: 6px; }
.row { display: flex; gap: 8px; flex-wrap: wrap; } .row > button { flex: 1 1 auto; min-width: 0; }
/* a phone: the panel takes the width, the video and chat give room to the page */
@media (max-width: 480px) {
  .launcher { right: 12px; bottom: 12px; }
  .panel { right: 8px; bottom: 8px; max-height: min(72vh, calc(100vh - 16px)); padding: 10px 14px 14px; gap: 10px; }
  .tiles video { max-height: 28vh; object-fit: cover; } .messages { max-height: 18vh; }
  .bar { right: 8px; bottom: 8px; max-width: calc(100vw - 16px); }
}
:host(.kiosk) .launcher { font-size: 28px; padding: 22px 40px; min-height: 80px; }
:host(.kiosk) .panel { left: 50%; right: auto; top: 4vh; bottom: auto; transform: translateX(-50%); width: min(720px, 94vw); font-size: 22px; }
:host(.kiosk) .panel h2 { font-size: 28px; } :host(.kiosk) .head { margin: 0; cursor: auto; }
:host(.kiosk) .status, :host(.kiosk) .explain { font-size: 26px; } :host(.kiosk) .status strong { font-size: 34px; }
:host(.kiosk) .stars button { min-width: 0; max-width: 110px; font-size: 40px; }
:host(.kiosk) .panel.session { top: 0; left: 0; right: 0; bottom: auto; transform: none; width: 100vw; height: 50vh; max-height: 50vh;
  border-radius: 0; box-sizing: border-box; overflow: auto; align-content: start; }
/* the split screen's upper half: status and the call's buttons first, then the video, so nothing needed sits below its fold */
:host(.kiosk) .panel.session .tiles video { max-height: max(20vh, calc(50vh - 280px)); object-fit: cover; }
:host(.kiosk) .chat-form input { min-height: 56px; }
:host(.kiosk) .answer-list h3 { font-size: 24px; } :host(.kiosk) .answer summary { padding: 12px 0; }
:host(.kiosk) .panel.session { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); column-gap: 20px; }
:host(.kiosk) .panel.session > * { grid-column: 1; } :host(.kiosk) .panel.session > .chat { grid-column: 2; grid-row: 1 / span 8; align-content: start; }
:host(.kiosk) .panel.session .messages { min-height: 18vh; max-height: 28vh; }
/* buttons that share a row share its width, however narrow the kiosk's screen */
:host(.kiosk) .channels button, :host(.kiosk) .row > button { min-width: 0; }
/* and wrap to a second line when their words do not fit (large type on a narrow screen) */
:host(.kiosk) .channels { flex-wrap: wrap; } :host(.kiosk) .channels button { flex: 1 1 auto; }
/* the kiosk's larger-text switch: above the launcher, or in the panel's title bar */
:host(.kiosk) .text-size { font-size: 22px; min-height: 64px; }
:host(.kiosk) .head .text-size { flex: none; padding: 8px 18px; border-color: #17324d; }
:host(.kiosk) .launcher + .text-size { pointer-events: auto; position: fixed; right: 24px; bottom: 128px; }
:host(.kiosk) .text-size[aria-pressed="true"] { background: #17324d; color: #fff; }
/* larger text: every size up by about a third; the panel keeps its width, lines wrap */
:host(.kiosk.large) .launcher { font-size: 36px; min-height: 96px; }
:host(.kiosk.large) .launcher + .text-size { bottom: 148px; }
:host(.kiosk.large) .panel { font-size: 30px; } :host(.kiosk.large) .panel h2 { font-size: 36px; }
:host(.kiosk.large) .status, :host(.kiosk.large) .explain { font-size: 34px; } :host(.kiosk.large) .status strong { font-size: 44px; }
:host(.kiosk.large) button { font-size: 28px; min-height: 80px; } :host(.kiosk.large) .stars button { font-size: 52px; }
:host(.kiosk.large) .chat-form input, :host(.kiosk.large) .panel select, :host(.kiosk.large) .panel textarea { min-height: 72px; }
`;
