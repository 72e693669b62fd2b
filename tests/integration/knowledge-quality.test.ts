import { describe, expect, it } from 'vitest';
import { ArticleIndex } from '@etax-assist/server';
import { generateArticles } from '../bench/kb-generator.js';
import { LABELLED_QUESTIONS } from '../bench/kb-questions.js';
import { measureQuality } from '../bench/kb-quality.js';

/** Issue 21, item 3, at a smaller size than `npm run bench:kb` (which also measures time): the labelled questions find their article. */
describe('knowledge search quality (the labelled taxpayers’ questions)', () => {
  it('has at least 150 questions, in both languages', () => {
    expect(LABELLED_QUESTIONS.length).toBeGreaterThanOrEqual(150);
    const chinese = LABELLED_QUESTIONS.filter(([q]) => /\p{Script=Han}/u.test(q)).length;
    expect(chinese).toBeGreaterThan(60);
    expect(LABELLED_QUESTIONS.length - chinese).toBeGreaterThan(60);
  });

  it('puts the answering article first for ≥ 75 % and among the first three for ≥ 90 % over 600 articles', async () => {
    const articles = generateArticles(600);
    const index = new ArticleIndex(articles.map((a) => ({ ...a, id: a.slug })));
    const quality = await measureQuality((q) => index.search(q, 3), articles);
    expect(quality.top1Pct).toBeGreaterThanOrEqual(75);
    expect(quality.top3Pct).toBeGreaterThanOrEqual(90);
  });
});
