import i18next from 'i18next';
import type { UiLanguage } from '@etax-assist/protocol';
import { SHARED_LABELS } from './shared-labels.js';

const zh = {
  ...SHARED_LABELS.zh,
  shareTitle: '共享您的屏幕？',
  shareBody: '坐席将看到您当前的页面，以便为您指导。密码、身份证号等敏感信息会被遮盖，不会传出。',
  shareAllow: '允许共享',
  shareDeny: '暂不共享',
  controlTitle: '坐席请求操作您的页面',
  controlBody: '{{name}} 请求代您填写和点击。您随时可以点击“停止”或按 Esc 键收回控制。',
  controlAllow: '允许',
  controlDeny: '拒绝',
  controlling: '坐席正在操作您的屏幕',
  stop: '停止',
  sharing: '正在与坐席共享屏幕',
  stopSharing: '停止共享',
  recordingStopped: '本次会话的录制已达上限，之后的内容不再录制；屏幕共享照常进行',
  help: '人工帮助',
  helpTitle: '联系人工坐席',
  topic: '业务类型',
  language: '语言',
  channelPrompt: '沟通方式',
  greenChannel: '绿色通道（老年人、残障人士、孕妇优先）',
  ask: '发起求助',
  close: '关闭',
  queued: '正在为您转接坐席',
  position: '您前面还有 {{ahead}} 位',
  next: '马上轮到您',
  eta: '预计等待约 {{min}} 分钟',
  noAgent: '目前没有坐席值班',
  noAgentBody: '保持本页面打开，您的求助会留在队列中，有坐席上班后将第一时间为您服务。您也可以拨打纳税服务热线，把会话码读给电话坐席；或者取消求助，稍后再来。',
  cancel: '取消求助',
  connectedTo: '坐席 {{name}} 正在为您服务',
  connecting: '正在连接坐席…',
  reconnecting: '网络不稳定，正在重新连接…',
  poorConnection: '网络较差，画面可能不清晰',
  voiceForNetwork: '网络较差，已暂时改为语音通话；网络好转后自动恢复视频',
  signedOut: '您的门户登录已结束，人工服务连接已断开。请重新登录后继续。',
  mute: '静音',
  unmute: '取消静音',
  cameraOff: '关闭摄像头',
  cameraOn: '打开摄像头',
  hangUp: '结束服务',
  voiceOnly: '未检测到可用摄像头，已切换为语音',
  textOnly: '无法使用麦克风和摄像头，将以文字方式服务',
  rateTitle: '请为本次服务评分',
  rateComment: '意见或建议（可选）',
  submit: '提交',
  skip: '跳过',
  thanks: '感谢您的评价！',
  failed: '出错了：{{message}}',
  claimNotGranted: {
    priority: '无法按所选的优先通道求助：绿色通道需由电子税务局根据您的身份授予。请选择“普通”后再试。',
    kiosk: '本页面不是已登记的自助办税终端，无法以自助终端身份求助。请在网页上直接求助，或到办税服务厅的终端上操作。',
  },
  chatPlaceholder: '输入消息…',
  showCode: '电话坐席会话码',
  attach: '发送文件',
  sendPage: '发送当前页面',
  pageSnapshotName: '页面截图',
  code: '请向电话坐席读出会话码：',
  send: '发送',
  minimise: '最小化',
  restore: '展开',
  move: '移动窗口（可用方向键）',
  selfView: '您自己的画面',
  newMessage: '新消息',
};

const en: typeof zh = {
  ...SHARED_LABELS.en,
  shareTitle: 'Share your screen?',
  shareBody: 'The agent will see the page you are on, to guide you. Passwords, ID numbers and other sensitive fields are masked and never leave your browser.',
  shareAllow: 'Share',
  shareDeny: 'Not now',
  controlTitle: 'The agent asks to operate your page',
  controlBody: '{{name}} asks to fill in and click for you. You can take control back at any time with Stop or the Esc key.',
  controlAllow: 'Allow',
  controlDeny: 'Refuse',
  controlling: 'The agent is controlling your screen',
  stop: 'Stop',
  sharing: 'Sharing your screen with the agent',
  stopSharing: 'Stop sharing',
  recordingStopped: 'This session has reached its recording limit and is no longer recorded; screen sharing goes on',
  help: 'Human help',
  helpTitle: 'Talk to an agent',
  topic: 'Topic',
  language: 'Language',
  channelPrompt: 'How',
  greenChannel: 'Green channel (elderly, disabled, pregnant first)',
  ask: 'Ask for help',
  close: 'Close',
  queued: 'Connecting you to an agent',
  position: '{{ahead}} ahead of you',
  next: 'You are next',
  eta: 'About {{min}} min to wait',
  noAgent: 'No agent is on duty right now',
  noAgentBody:
    'Keep this page open and your request stays in the queue: the first agent to come on duty will take it. You can also call the tax hotline and read the code to the phone agent, or cancel and come back later.',
  cancel: 'Cancel',
  connectedTo: 'Agent {{name}} is helping you',
  connecting: 'Connecting to the agent…',
  reconnecting: 'Connection unstable, reconnecting…',
  poorConnection: 'Poor connection: the picture may be unclear',
  voiceForNetwork: 'Poor connection: switched to voice for now; video comes back when the connection improves',
  signedOut: 'Your portal sign-in has ended, so the help connection was closed. Sign in again to continue.',
  mute: 'Mute',
  unmute: 'Unmute',
  cameraOff: 'Camera off',
  cameraOn: 'Camera on',
  hangUp: 'End',
  voiceOnly: 'No camera available: switched to voice',
  textOnly: 'Microphone and camera unavailable: the agent will help you by text',
  rateTitle: 'How was the service?',
  rateComment: 'Comments (optional)',
  submit: 'Submit',
  skip: 'Skip',
  thanks: 'Thank you for your feedback!',
  failed: 'Something went wrong: {{message}}',
  claimNotGranted: {
    priority: 'Help cannot be asked for in the chosen priority group: the green channel is granted by the e-tax portal from who you are. Choose “Normal” and try again.',
    kiosk: 'This page is not a registered hall kiosk, so it cannot ask for help as one. Ask for help from the web page itself, or use a kiosk in a tax service hall.',
  },
  chatPlaceholder: 'Type a message…',
  showCode: 'Code for the phone agent',
  attach: 'Send a file',
  sendPage: 'Send this page',
  pageSnapshotName: 'Page snapshot',
  code: 'Read this code to the phone agent:',
  send: 'Send',
  minimise: 'Minimise',
  restore: 'Open',
  move: 'Move the panel (arrow keys)',
  selfView: 'Your own picture',
  newMessage: 'New message',
};

/** Every string the SDK shows (i18next resources, as the console's): `en` lacking a key of `zh` does not compile. */
const STRINGS: Record<UiLanguage, typeof zh> = { zh, en };

export type Lang = UiLanguage;
/** A dotted path to a string of the table, e.g. 'priority.elderly'. */
type KeyOf<T> = { [K in keyof T & string]: T[K] extends string ? K : `${K}.${KeyOf<T[K]>}` }[keyof T & string];
export type StringKey = KeyOf<typeof zh>;

// an instance of its own: a portal page may run i18next itself
const i18n = i18next.createInstance();
// synchronous: the resources are here, so the first render already has its text
void i18n.init({
  resources: Object.fromEntries(Object.entries(STRINGS).map(([lang, translation]) => [lang, { translation }])),
  lng: 'zh',
  initAsync: false,
  // nothing of the SDK's in the portal's console
  showSupportNotice: false,
  // every string is set as text (textContent), never parsed as HTML
  interpolation: { escapeValue: false },
});

export function text(lang: Lang, key: StringKey, values: Record<string, string> = {}): string {
  return i18n.t(key, { ...values, lng: lang });
}
