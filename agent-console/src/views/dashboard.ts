import type { AssistConnection } from '@etax-assist/client-sdk';
import type { SupervisorMetrics } from '@etax-assist/protocol';
import { el } from '../dom.js';
import { t } from '../i18n.js';

const STATES = ['available', 'busy', 'wrap-up', 'away', 'offline'] as const;

/** The supervisor's live view of the pool, refreshed by every `supervisor:metrics` push. */
export class Dashboard {
  readonly element = el('div', { className: 'dashboard' });

  constructor(private readonly connection: AssistConnection) {
    connection.socket.on('supervisor:metrics', (metrics) => this.render(metrics));
    void connection.request('supervisor:subscribe', {}).then((metrics) => this.render(metrics));
  }

  render(m: SupervisorMetrics): void {
    const tile = (label: string, value: string | number) => el('div', { className: 'tile-stat' }, el('span', { textContent: label }), el('strong', { textContent: String(value) }));
    const waiting = m.queues.reduce((n, q) => n + q.waiting, 0);
    const longest = Math.max(0, ...m.queues.map((q) => q.longestWaitS));
    const table = (head: string[], rows: (string | number)[][]) =>
      el('table', {}, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { textContent: h })))), el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', { textContent: String(c) }))))));
    this.element.replaceChildren(
      el('div', { className: 'tiles-row' },
        tile('Waiting / 排队', waiting),
        tile('Longest wait / 最长等待 (s)', longest),
        tile('Active / 进行中', m.active.length),
        tile('Served today / 今日服务', m.today.served),
        tile('Escalations / 升级', m.today.escalations),
        tile('Abandoned / 放弃', m.today.abandoned),
      ),
      el('h2', { textContent: 'Queues / 队列' }),
      table(
        ['Queue', 'Waiting', 'Longest (s)', 'Avg wait (s)', 'SL %', 'Answered', 'Abandoned'],
        m.queues.filter((q) => q.waiting > 0 || q.answered > 0 || q.abandoned > 0).map((q) => [
          `${t(`language.${q.language}`)} · ${t(`topic.${q.topic}`)} · ${q.tier}`, q.waiting, q.longestWaitS, q.averageWaitS, q.serviceLevelPct ?? '—', q.answered, q.abandoned,
        ]),
      ),
      el('h2', { textContent: 'Agents / 坐席' }),
      table(['Agent', 'Tier', ...STATES.map((s) => t(`status.${s}`)), 'Load'], m.agents.map((a) => [a.name, a.tier, ...STATES.map((s) => (a.state === s ? '●' : '')), a.load])),
      el('h2', { textContent: 'Active sessions / 进行中的会话' }),
      table(['Taxpayer', 'Agent', 'Topic', 'State', 'Duration (s)'], m.active.map((s) => [s.taxpayerName, s.agentName, t(`topic.${s.topic}`), t(`state.${s.state}`), s.durationS])),
      el('p', { className: 'updated', textContent: new Date(m.at).toLocaleTimeString() }),
    );
  }
}
