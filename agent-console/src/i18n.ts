import i18next from 'i18next';
import { SHARED_LABELS } from '@etax-assist/client-sdk';
import { UI_LANGUAGES, type Catalog, type CatalogEntry, type UiLanguage } from '@etax-assist/protocol';

const zh = {
  ...SHARED_LABELS.zh,
  title: '坐席工作台',
  titleSupervisor: '班长看板',
  username: '用户名',
  password: '密码',
  signIn: '登录',
  signOut: '退出',
  signedInAs: '已登录：{{name}}（{{role}}）',
  connected: '实时连接已建立',
  disconnected: '实时连接已断开，正在重连…',
  role: { agent: '坐席', expert: '专家', supervisor: '班长' },
  tier: { frontline: '一线', expert: '专家' },
  status: { available: '可接入', away: '暂离', offline: '离线', busy: '忙碌', 'wrap-up': '话后整理', availableHeld: '可接入 — {{why}}', held: { wrapUp: '话后整理中', atCapacity: '已满负荷，暂不接新求助', and: '，' } },
  load: '当前负载 {{load}}/{{capacity}}',
  statusLabel: '我的状态',
  offer: { title: '新的求助', accept: '接受', decline: '拒绝', expiresIn: '{{s}} 秒后失效', kind: { primary: '新会话', escalation: '升级转专家', transfer: '转接', reassign: '班长指派' } },
  card: { taxpayer: '纳税人', taxpayerId: '纳税人识别号', company: '单位', entry: '来源', language: '语言', topic: '业务', channel: '方式', priority: '绿色通道', waited: '已等待 {{s}} 秒', note: '转交说明' },
  entry: { portal: '网厅页面 {{page}}', kiosk: '{{hall}} · 自助终端 {{kioskId}}' },
  noSessions: '暂无会话。将状态设为“可接入”以接收求助。',
  noSessionsYet: '暂无会话。新的求助会在这里出现。',
  history: '历史记录',
  code: { placeholder: '会话码（6 位）', join: '通过会话码接入' },
  chat: { title: '文字消息', placeholder: '输入消息…', send: '发送', pageSnapshot: '纳税人发送的页面（敏感信息已遮盖）', close: '关闭' },
  replay: { title: '会话回放', open: '回放', play: '播放', pause: '暂停', close: '关闭回放', position: '回放进度', noPage: '该会话未共享屏幕', annotation: '标注', control: '代操作', state: '共享状态',
    speed: '播放速度', keys: '键盘：空格 播放/暂停，← → 后退/前进 5 秒，1 2 4 速度', stage: '回放画面（空格播放/暂停，← → 跳转 5 秒，1 2 4 调速）', refused: '被页面拒绝：{{reason}}', controlRefused: '页面拒绝了代操作：{{reason}}', rating: '纳税人评价', noComment: '（无留言）',
    sharing: { waiting: '等待共享', sharing: '共享中', stopped: '已停止共享' }, controlState: { none: '未代操作', requested: '请求代操作', granted: '已允许代操作' },
    action: { click: '点击', input: '输入', select: '选择', check: '勾选', key: '按键', scroll: '滚动' } },
  supervisor: {
    waiting: '排队人数', longest: '最长等待（秒）', active: '进行中', served: '今日已服务', escalations: '今日升级', abandoned: '放弃',
    queues: '队列', queueName: '队列', queue: '放回队列', averageWait: '平均等待（秒）', serviceLevel: '服务水平 %', answered: '已接听',
    agents: '坐席', agent: '坐席', tier: '级别', load: '负载', sessions: '进行中的会话', state: '状态', duration: '时长（秒）',
    trendWaiting: '排队人数（近 8 小时）', trendLongest: '最长等待秒数（近 8 小时）', outcomesLine: '今日处理结果：{{outcomes}} · 服务时长 {{hours}} 小时', none: '暂无',
    halls: '办税服务厅', hall: '服务厅', kiosks: '自助终端', noHalls: '目前没有来自服务厅终端的求助',
    recent: '最近结束的会话', outcome: '处理结果', rating: '评价', ended: '结束时间',
    monitor: '静默监听', reassign: '改派', reassignTo: '改派给', monitoring: '正在静默监听', stopMonitoring: '停止监听', join: '加入会话', joined: '已加入会话（纳税人可看到并听到您）', leave: '离开会话',
    instances: '服务实例', instance: '实例', rooms: '通话', sockets: '连接', instanceState: '状态', serving: '服务中', draining: '排空中（不接新会话）',
    heartbeat: '心跳（秒前）', drain: '排空', confirmDrain: '确认排空？', drained: '实例 {{id}} 正在排空：不再接新会话，现有会话继续',
  },
  noHistory: '无历史会话',
  mirror: { title: '纳税人页面', waiting: '等待纳税人共享屏幕…', sharing: '正在共享', stopped: '纳税人已停止共享', stale: '画面可能已过期（纳税人无响应）', recordingStopped: '本会话的录制已达上限，之后不再录制（实时画面照常）' },
  tool: { none: '查看', pointer: '指示', draw: '画笔', highlight: '高亮元素', control: '远程操作', clear: '清除标注', requestControl: '请求操作', stopControl: '停止操作' },
  control: { requested: '已请求操作，等待纳税人同意…', granted: '纳税人已允许您操作其页面', refused: '该元素不可操作：{{reason}}' },
  refusal: { masked: '受保护字段', blocked: '屏蔽区域', 'no-control': '禁止代操作的按钮', password: '密码框', 'not-found': '元素已不存在' },
  tile: { taxpayer: '纳税人 {{name}}', agent: '坐席 {{name}}', expert: '专家 {{name}}', supervisor: '班长 {{name}}' },
  call: { you: '我', microphone: '麦克风', camera: '摄像头', title: '音视频', start: '开始通话', mute: '静音', unmute: '取消静音', cameraOff: '关闭摄像头', cameraOn: '打开摄像头', states: { idle: '未开始', connecting: '连接中…', connected: '通话中', reconnecting: '重新连接中…', closed: '已结束' }, peerMode: '对方仅能使用：{{mode}}' },
  actions: { handover: '转交', transferTo: '转接到', escalate: '升级转专家', transfer: '转接', end: '结束会话', leave: '退出会话', note: '说明', send: '提交', cancel: '取消' },
  wrapUp: { title: '话后整理', notes: '备注', outcome: '处理结果', submit: '完成', left: '整理时间剩余 {{time}}，到时会话自动关闭并开始接收新的求助' },
  state: { queued: '排队中', offered: '已派单', active: '进行中', escalating: '升级中', transferring: '转接中', 'wrap-up': '话后整理', ended: '已结束', cancelled: '已取消', abandoned: '已放弃' },
  notice: { 'taxpayer-disconnected': '纳税人连接中断', 'agent-joined': '{{name}} 加入了会话', 'agent-left': '{{name}} 离开了会话', removed: '该会话已不再由您处理（已改派或您已离线），会话内容不再发送给您' },
  error: {
    UNAUTHENTICATED: '用户名或密码错误',
    RATE_LIMITED: '尝试次数过多，请稍后再试',
    VALIDATION_FAILED: '输入有误',
    TOKEN_EXPIRED: '登录已过期，请重新登录',
    TOKEN_REVOKED: '您已退出登录，请重新登录',
    OFFER_EXPIRED: '该派单已失效',
    FORBIDDEN: '无权执行此操作',
    CONFLICT: '当前状态下无法执行此操作',
    NOT_FOUND: '未找到',
    UNAVAILABLE: '服务暂不可用',
    UNSUPPORTED_MEDIA_TYPE: '不支持此文件类型，或文件内容与类型不符',
    network: '无法连接服务',
    signOutFailed: '退出请求未送达服务：此登录在过期前仍然有效',
  },
  switchLanguage: 'English',
};

const en: typeof zh = {
  ...SHARED_LABELS.en,
  title: 'Agent console',
  titleSupervisor: 'Supervisor dashboard',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signedInAs: 'Signed in as {{name}} ({{role}})',
  connected: 'Realtime link established',
  disconnected: 'Realtime link lost, reconnecting…',
  role: { agent: 'agent', expert: 'expert', supervisor: 'supervisor' },
  tier: { frontline: 'frontline', expert: 'expert' },
  status: { available: 'Available', away: 'Away', offline: 'Offline', busy: 'Busy', 'wrap-up': 'Wrap-up', availableHeld: 'Available — {{why}}', held: { wrapUp: 'in wrap-up', atCapacity: 'at capacity, no new requests', and: ', ' } },
  load: 'Load {{load}}/{{capacity}}',
  statusLabel: 'My status',
  offer: { title: 'New request', accept: 'Accept', decline: 'Decline', expiresIn: 'expires in {{s}} s', kind: { primary: 'New session', escalation: 'Escalation', transfer: 'Transfer', reassign: 'Assigned by supervisor' } },
  card: { taxpayer: 'Taxpayer', taxpayerId: 'Taxpayer ID', company: 'Company', entry: 'From', language: 'Language', topic: 'Topic', channel: 'Channel', priority: 'Green channel', waited: 'waited {{s}} s', note: 'Hand-over note' },
  entry: { portal: 'portal page {{page}}', kiosk: '{{hall}} · kiosk {{kioskId}}' },
  noSessions: 'No sessions. Set your status to Available to receive requests.',
  noSessionsYet: 'No sessions yet. New requests appear here.',
  history: 'History',
  code: { placeholder: 'Session code (6 digits)', join: 'Join by code' },
  chat: { title: 'Chat', placeholder: 'Type a message…', send: 'Send', pageSnapshot: 'The page the taxpayer sent (sensitive fields masked)', close: 'Close' },
  replay: { title: 'Session replay', open: 'Replay', play: 'Play', pause: 'Pause', close: 'Close replay', position: 'Replay position', noPage: 'No screen was shared in this session', annotation: 'Annotation', control: 'Control', state: 'Sharing',
    speed: 'Speed', keys: 'Keys: Space play/pause, ← → back/forward 5 s, 1 2 4 speed', stage: 'Replayed page (Space play/pause, ← → 5 s, 1 2 4 speed)', refused: 'refused by the page: {{reason}}', controlRefused: 'The page refused a control action: {{reason}}', rating: 'Taxpayer\'s rating', noComment: '(no comment)',
    sharing: { waiting: 'waiting to share', sharing: 'sharing', stopped: 'stopped sharing' }, controlState: { none: 'no control', requested: 'control requested', granted: 'control granted' },
    action: { click: 'click', input: 'typing', select: 'choice', check: 'tick', key: 'key', scroll: 'scroll' } },
  supervisor: {
    waiting: 'Waiting', longest: 'Longest wait (s)', active: 'Active', served: 'Served today', escalations: 'Escalations today', abandoned: 'Abandoned',
    queues: 'Queues', queueName: 'Queue', queue: 'Back to the queue', averageWait: 'Average wait (s)', serviceLevel: 'Service level %', answered: 'Answered',
    agents: 'Agents', agent: 'Agent', tier: 'Tier', load: 'Load', sessions: 'Active sessions', state: 'State', duration: 'Duration (s)',
    trendWaiting: 'Waiting (last 8 hours)', trendLongest: 'Longest wait, s (last 8 hours)', outcomesLine: 'Outcomes today: {{outcomes}} · session hours {{hours}}', none: 'None',
    halls: 'Service halls', hall: 'Hall', kiosks: 'Kiosks', noHalls: 'No requests from hall kiosks right now',
    recent: 'Recently finished', outcome: 'Outcome', rating: 'Rating', ended: 'Ended',
    monitor: 'Monitor silently', reassign: 'Reassign', reassignTo: 'Reassign to', monitoring: 'Monitoring silently', stopMonitoring: 'Stop monitoring', join: 'Join', joined: 'In the session (the taxpayer sees and hears you)', leave: 'Leave the session',
    instances: 'Service instances', instance: 'Instance', rooms: 'Calls', sockets: 'Connections', instanceState: 'State', serving: 'serving', draining: 'draining (no new sessions)',
    heartbeat: 'Heartbeat (s ago)', drain: 'Drain', confirmDrain: 'Confirm drain?', drained: 'Instance {{id}} is draining: no new sessions, running ones go on',
  },
  noHistory: 'No previous sessions',
  mirror: { title: 'Taxpayer\'s page', waiting: 'Waiting for the taxpayer to share…', sharing: 'Sharing', stopped: 'The taxpayer stopped sharing', stale: 'The view may be out of date (taxpayer not responding)', recordingStopped: 'This session reached its recording limit and is no longer recorded (the live view goes on)' },
  tool: { none: 'View', pointer: 'Point', draw: 'Draw', highlight: 'Highlight', control: 'Control', clear: 'Clear', requestControl: 'Request control', stopControl: 'Stop control' },
  control: { requested: 'Control requested, waiting for the taxpayer…', granted: 'The taxpayer lets you operate their page', refused: 'This element cannot be operated: {{reason}}' },
  refusal: { masked: 'protected field', blocked: 'blocked area', 'no-control': 'button the agent may not press', password: 'password field', 'not-found': 'element no longer there' },
  tile: { taxpayer: 'Taxpayer {{name}}', agent: 'Agent {{name}}', expert: 'Expert {{name}}', supervisor: 'Supervisor {{name}}' },
  call: { you: 'You', microphone: 'Microphone', camera: 'Camera', title: 'Call', start: 'Start call', mute: 'Mute', unmute: 'Unmute', cameraOff: 'Camera off', cameraOn: 'Camera on', states: { idle: 'not started', connecting: 'connecting…', connected: 'in call', reconnecting: 'reconnecting…', closed: 'ended' }, peerMode: 'The other side can only use: {{mode}}' },
  actions: { handover: 'Hand over', transferTo: 'Transfer to', escalate: 'Escalate to expert', transfer: 'Transfer', end: 'End session', leave: 'Leave session', note: 'Note', send: 'Submit', cancel: 'Cancel' },
  wrapUp: { title: 'Wrap-up', notes: 'Notes', outcome: 'Outcome', submit: 'Done', left: '{{time}} of wrap-up left; then the session closes and new requests come in' },
  state: { queued: 'queued', offered: 'offered', active: 'active', escalating: 'escalating', transferring: 'transferring', 'wrap-up': 'wrap-up', ended: 'ended', cancelled: 'cancelled', abandoned: 'abandoned' },
  notice: { 'taxpayer-disconnected': 'The taxpayer\'s connection dropped', 'agent-joined': '{{name}} joined', 'agent-left': '{{name}} left', removed: 'This session is no longer yours (reassigned, or you went offline): nothing more of it is sent to you' },
  error: {
    UNAUTHENTICATED: 'Wrong username or password',
    RATE_LIMITED: 'Too many attempts; try again later',
    VALIDATION_FAILED: 'Invalid input',
    TOKEN_EXPIRED: 'Your sign-in has expired; sign in again',
    TOKEN_REVOKED: 'You were signed out; sign in again',
    OFFER_EXPIRED: 'This offer is no longer open',
    FORBIDDEN: 'You may not do this',
    CONFLICT: 'Not possible in the current state',
    NOT_FOUND: 'Not found',
    UNAVAILABLE: 'The service is unavailable for a moment',
    UNSUPPORTED_MEDIA_TYPE: 'This file type is not accepted, or the file is not what its type says',
    network: 'Cannot reach the service',
    signOutFailed: 'The sign-out did not reach the service: this sign-in stays valid until it expires',
  },
  switchLanguage: '中文',
};

export type Language = UiLanguage;
/** The console's strings in every UI language (one added to UI_LANGUAGES lacks them until written). */
const resources: Record<Language, { translation: typeof zh }> = { zh: { translation: zh }, en: { translation: en } };

export async function initI18n(): Promise<void> {
  const saved = localStorage.getItem('console.lang');
  // escapeValue off: every translated string is set as text (textContent), never parsed as HTML
  await i18next.init({ lng: saved === 'en' ? 'en' : 'zh', fallbackLng: 'zh', resources, interpolation: { escapeValue: false }, showSupportNotice: false });
}

/**
 * The service's topics, languages and outcomes (GET /api/catalog) become translations like the
 * console's own: `topic.<id>`, `language.<id>`, `outcome.<id>`, relabelled on a language switch.
 */
export function addCatalog(catalog: Catalog): void {
  const labels = (entries: CatalogEntry[], lang: Language) => Object.fromEntries(entries.map((e) => [e.id, e.label[lang]]));
  for (const lang of UI_LANGUAGES) {
    i18next.addResourceBundle(lang, 'translation', { topic: labels(catalog.topics, lang), language: labels(catalog.languages, lang), outcome: labels(catalog.outcomes, lang) }, true, true);
  }
}

export function toggleLanguage(): void {
  const next: Language = i18next.language === 'zh' ? 'en' : 'zh';
  localStorage.setItem('console.lang', next);
  void i18next.changeLanguage(next);
}

export const t = i18next.t.bind(i18next);

const locale = () => (i18next.language === 'zh' ? 'zh-CN' : 'en-GB');

/** Clock time in the console's language (not the browser's). */
export function formatTime(at: number | string, withSeconds = true): string {
  return new Date(at).toLocaleTimeString(locale(), withSeconds ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
}

export function formatDate(at: number | string): string {
  return new Date(at).toLocaleDateString(locale(), { year: 'numeric', month: 'short', day: 'numeric' });
}
/** A taxpayer's rating, 1 to 5: the score out of five, then as stars (the stars alone hide the scale). */
export function formatRating(score: number): string {
  const stars = Math.max(0, Math.min(5, Math.round(score)));
  return `${score}/5 ${'★'.repeat(stars)}${'☆'.repeat(5 - stars)}`;
}
export { i18next };

/** A translated message for an error code (falls back to the server's message). */
export function errorText(code: string, message?: string): string {
  return i18next.exists(`error.${code}`) ? t(`error.${code}`) : (message ?? code);
}
