import type { DeflectionFigures, DeflectionReportQuery, FailingArticles, SelfServiceOutcome } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import { asRecordsUnavailable } from '../records/audited-read.js';
import { reportPeriods } from '../reports/report-periods.js';

export interface DeflectionOptions {
  tzOffsetMin: number;
  /** REPORTS_MAX_DAYS: the same range rule as every report. */
  maxDays: number;
  failingMax: number;
}

interface CountRow {
  day: string | null;
  topic: string;
  answered: string;
  still: string;
}

const rowOf = (r: CountRow) => ({ ...(r.day === null ? {} : { day: r.day }), topic: r.topic, answered: Number(r.answered), stillNeedPerson: Number(r.still) });

const COUNTS = `count(*) FILTER (WHERE outcome = 'answered') AS answered, count(*) FILTER (WHERE outcome = 'still-need-person') AS still`;

/**
 * Self-service in the figures: what taxpayers said of the answers shown (knowledge_feedback),
 * by topic today (the live dashboard), by topic and local day (Reports), and the articles most
 * often followed by "I still need a person" (the editors' list).
 */
export class Deflection {
  constructor(
    private readonly database: DatabasePool,
    private readonly options: DeflectionOptions,
  ) {}

  async record(articleId: string, topic: string, outcome: SelfServiceOutcome): Promise<void> {
    await this.database.query('INSERT INTO knowledge_feedback (article_id, topic, outcome) VALUES ($1, $2, $3)', [articleId, topic, outcome]);
  }

  /** Today (the authority's local day) by topic. */
  async today(): Promise<DeflectionFigures> {
    const day = new Date(Date.now() + this.options.tzOffsetMin * 60_000).toISOString().slice(0, 10);
    const { start, end } = reportPeriods({ from: day, to: day, period: 'day' }, this.options.tzOffsetMin, 1);
    const { rows } = await this.#read<CountRow>(`SELECT NULL AS day, topic, ${COUNTS} FROM knowledge_feedback WHERE at >= $1 AND at < $2 GROUP BY topic ORDER BY topic`, [
      start.toISOString(),
      end.toISOString(),
    ]);
    return { rows: rows.map(rowOf) };
  }

  /** By local day and topic over a report's range. */
  async report(query: DeflectionReportQuery): Promise<DeflectionFigures> {
    const { start, end } = reportPeriods({ ...query, period: 'day' }, this.options.tzOffsetMin, this.options.maxDays);
    const { rows } = await this.#read<CountRow>(
      `SELECT to_char(at + make_interval(mins => $3), 'YYYY-MM-DD') AS day, topic, ${COUNTS}
       FROM knowledge_feedback WHERE at >= $1 AND at < $2 GROUP BY 1, 2 ORDER BY 1, 2`,
      [start.toISOString(), end.toISOString(), this.options.tzOffsetMin],
    );
    return { rows: rows.map(rowOf) };
  }

  /** The articles most often followed by "I still need a person", most first (ties: the share that did not answer). */
  async failing(): Promise<FailingArticles> {
    const { rows } = await this.#read<{ id: string; topic: string; question_zh: string; question_en: string; answered: string; still: string }>(
      `SELECT a.id::text AS id, a.topic, a.question_zh, a.question_en, ${COUNTS.replaceAll('outcome', 'f.outcome')}
       FROM knowledge_feedback f JOIN knowledge_articles a ON a.id = f.article_id
       GROUP BY a.id HAVING count(*) FILTER (WHERE f.outcome = 'still-need-person') > 0
       ORDER BY still DESC, answered ASC, a.id LIMIT $1`,
      [this.options.failingMax],
    );
    return {
      articles: rows.map((r) => ({
        articleId: r.id,
        topic: r.topic,
        question: { zh: r.question_zh, en: r.question_en },
        answered: Number(r.answered),
        stillNeedPerson: Number(r.still),
      })),
    };
  }

  async #read<R extends object>(sql: string, values: unknown[]) {
    try {
      return await this.database.query<R>(sql, values);
    } catch (error) {
      throw asRecordsUnavailable(error);
    }
  }
}
