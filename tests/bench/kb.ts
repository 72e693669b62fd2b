// npm run bench:kb — the knowledge base's self-service search (issue 21, item 3): the labelled
// taxpayers' questions (kb-questions.ts) against BENCH_ARTICLES articles (the hand-written core and
// generated filler, kb-generator.ts), top-1 and top-3 hit rates and the time per search, for the
// engine the service uses (minisearch, Intl.Segmenter words + bigrams, synonyms) and, in the same
// run, what it was chosen against: the same with @node-rs/jieba's segmenter, PostgreSQL's
// full-text search over the same terms, and the naive baseline (substring match).
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import pg from 'pg';
import { ArticleIndex, SHARED_SYNONYMS, SynonymTable, textTerms, type HanSegmenter } from '@etax-assist/server';
import { startTestPostgres } from '../harness/postgres.js';
import { ScriptRun } from '../harness/script-run.js';
import { generateArticles } from './kb-generator.js';
import { measureQuality, substringSearch, type Quality, type RankedSearch } from './kb-quality.js';

const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 2000);
const FLOORS = { top1Pct: 75, top3Pct: 90, p99Ms: 50 };

const run = new ScriptRun('bench:kb');
const articles = generateArticles(ARTICLES);
const withIds = articles.map((a) => ({ ...a, id: a.slug }));

const rows: { engine: string; buildMs: number; quality: Quality }[] = [];
async function measure(engine: string, build: () => Promise<RankedSearch> | RankedSearch): Promise<Quality> {
  const start = performance.now();
  const search = await build();
  const buildMs = Math.round(performance.now() - start);
  // one warm-up pass (JIT, caches), then the measured one
  await measureQuality(search, articles);
  const quality = await measureQuality(search, articles);
  rows.push({ engine, buildMs, quality });
  return quality;
}

run.at('minisearch + Intl.Segmenter');
const chosen = await measure('minisearch, Intl.Segmenter (the service)', () => {
  const index = new ArticleIndex(withIds);
  return (q) => index.search(q, 3);
});

run.at('minisearch + jieba');
const jieba = Jieba.withDict(dict);
const jiebaSegmenter: HanSegmenter = (text) => jieba.cut(text, false);
await measure('minisearch, @node-rs/jieba', () => {
  const index = new ArticleIndex(withIds, jiebaSegmenter);
  return (q) => index.search(q, 3);
});

run.at('substring baseline');
await measure('substring match (baseline)', () => substringSearch(articles));

run.at('postgres full-text search');
const postgres = run.postgres(await startTestPostgres());
const client = run.own('postgres client', new pg.Client({ connectionString: await postgres.createDatabase() }), (c) => c.end());
await client.connect();
await measure('PostgreSQL FTS (simple, same terms, ts_rank)', async () => {
  // the same terms as the service's (PostgreSQL's parsers know no Chinese words), weighted like its fields
  await client.query('CREATE TABLE kb (slug text PRIMARY KEY, doc tsvector NOT NULL)');
  await client.query('CREATE INDEX kb_doc ON kb USING gin (doc)');
  const terms = (text: string) => textTerms(text).join(' ');
  for (const a of articles) {
    await client.query(
      "INSERT INTO kb VALUES ($1, setweight(to_tsvector('simple', $2), 'A') || setweight(to_tsvector('simple', $3), 'B') || setweight(to_tsvector('simple', $4), 'C'))",
      [a.slug, terms(`${a.question.zh} ${a.question.en}`), terms(a.keywords.join(' ')), terms(`${a.answer.zh} ${a.answer.en}`)],
    );
  }
  await client.query('ANALYZE kb');
  const synonyms = new SynonymTable(SHARED_SYNONYMS);
  return async (q) => {
    const words = [...new Set([...textTerms(q), ...synonyms.expand(q)])].map((w) => w.replace(/[^\p{L}\p{N}]/gu, '')).filter(Boolean);
    if (words.length === 0) return [];
    const { rows: hits } = await client.query<{ slug: string }>("SELECT slug FROM kb, to_tsquery('simple', $1) AS q WHERE doc @@ q ORDER BY ts_rank(doc, q) DESC LIMIT 3", [
      words.map((w) => `${w}:*`).join(' | '),
    ]);
    return hits.map((h) => h.slug);
  };
});

console.log(`\n${articles.length} articles, ${chosen.questions} labelled questions (zh and en); ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}\n`);
console.log('| engine | top-1 | top-3 | p50 ms | p99 ms | index build ms |');
console.log('|---|--:|--:|--:|--:|--:|');
for (const { engine, buildMs, quality: q } of rows) console.log(`| ${engine} | ${q.top1Pct} % | ${q.top3Pct} % | ${q.p50Ms} | ${q.p99Ms} | ${buildMs} |`);
console.log('\nthe service’s misses (not in its first three):');
for (const m of chosen.misses) console.log(`  ${m.question} → ${m.expected} (got ${m.got.join(', ') || 'nothing'})`);
const failed = (Object.keys(FLOORS) as (keyof typeof FLOORS)[]).filter((k) => (k === 'p99Ms' ? chosen[k] > FLOORS[k] : chosen[k] < FLOORS[k]));
if (failed.length > 0) await run.fail(new Error(`below the floors (top-1 ≥ ${FLOORS.top1Pct} %, top-3 ≥ ${FLOORS.top3Pct} %, p99 ≤ ${FLOORS.p99Ms} ms): ${failed.join(', ')}`));
await run.done();
