import { performance } from 'node:perf_hooks';
import { percentiles } from '../harness/percentiles.js';
import type { CoreArticle } from './kb-articles.js';
import { LABELLED_QUESTIONS } from './kb-questions.js';

/** A search under measurement: the ids (here: slugs) of the best articles, best first. */
export type RankedSearch = (question: string) => string[] | Promise<string[]>;

export interface Quality {
  questions: number;
  top1Pct: number;
  top3Pct: number;
  /** Milliseconds per search. */
  p50Ms: number;
  p99Ms: number;
  /** The questions whose article was not among the first three, for reading. */
  misses: { question: string; expected: string; got: string[] }[];
}

const pct = (n: number, of: number) => Math.round((n / of) * 1000) / 10;

/** Runs every labelled question through `search` and counts where its article came. */
export async function measureQuality(search: RankedSearch, articles: readonly CoreArticle[]): Promise<Quality> {
  const slugs = new Set(articles.map((a) => a.slug));
  const unknown = LABELLED_QUESTIONS.filter(([, slug]) => !slugs.has(slug));
  if (unknown.length > 0) throw new Error(`questions labelled with no article: ${unknown.map(([q]) => q).join(', ')}`);
  let top1 = 0;
  let top3 = 0;
  const times: number[] = [];
  const misses: Quality['misses'] = [];
  for (const [question, expected] of LABELLED_QUESTIONS) {
    const start = performance.now();
    const got = await search(question);
    times.push(performance.now() - start);
    if (got[0] === expected) top1++;
    if (got.slice(0, 3).includes(expected)) top3++;
    else misses.push({ question, expected, got: got.slice(0, 3) });
  }
  const { p50, p99 } = percentiles(times);
  const n = LABELLED_QUESTIONS.length;
  return { questions: n, top1Pct: pct(top1, n), top3Pct: pct(top3, n), p50Ms: Math.round(p50 * 100) / 100, p99Ms: Math.round(p99 * 100) / 100, misses };
}

/** The naive baseline: the articles containing the most of the typed words (Latin) and characters (Chinese) as substrings, most first. */
export function substringSearch(articles: readonly CoreArticle[]): RankedSearch {
  const texts = articles.map((a) => ({ slug: a.slug, text: `${a.question.zh} ${a.question.en} ${a.keywords.join(' ')} ${a.answer.zh} ${a.answer.en}`.toLowerCase() }));
  return (question) => {
    const lower = question.toLowerCase();
    // words for Latin text, single characters for Chinese: what a plain LIKE '%…%' search per word can do
    const parts = [...lower.matchAll(/[a-z0-9]+|\p{Script=Han}/gu)].map(([p]) => p);
    return texts
      .map(({ slug, text }) => ({ slug, n: parts.filter((p) => text.includes(p)).length }))
      .filter((s) => s.n > 0)
      .sort((a, b) => b.n - a.n)
      .slice(0, 3)
      .map((s) => s.slug);
  };
}
