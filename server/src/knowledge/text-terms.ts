/**
 * How the knowledge base cuts text into search terms, the same for articles and for what a
 * taxpayer types: Chinese into words (a segmenter) and every pair of adjacent characters (a
 * bigram matches 个税 in 个人所得税退税 where a word segmenter keeps 个税 whole or splits it
 * otherwise), other scripts into lower-case words; the words that say nothing of the question
 * (的, 怎么, how, my…) left out.
 */

/** Cuts a run of Chinese characters into words. */
export type HanSegmenter = (run: string) => string[];

const intlSegmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** The default: the runtime's own dictionary (ICU), no dependency. */
export const intlHanSegmenter: HanSegmenter = (run) => [...intlSegmenter.segment(run)].filter((s) => s.isWordLike).map((s) => s.segment);

/** Words in nearly every question: matching them ranks nothing, only costs time. */
const STOP_WORDS = new Set([
  ...[
    '的',
    '了',
    '吗',
    '啊',
    '呢',
    '吧',
    '我',
    '我的',
    '是',
    '在',
    '要',
    '想',
    '能',
    '怎么',
    '怎么办',
    '怎样',
    '如何',
    '什么',
    '哪里',
    '可以',
    '还',
    '也',
    '都',
    '就',
    '这',
    '那',
    '个',
  ],
  ...[
    'a',
    'an',
    'the',
    'i',
    'my',
    'me',
    'we',
    'our',
    'you',
    'to',
    'of',
    'for',
    'on',
    'in',
    'at',
    'is',
    'are',
    'am',
    'it',
    'do',
    'does',
    'did',
    'can',
    'how',
    'what',
    'where',
    'and',
    'or',
    'be',
    'with',
    'im',
  ],
]);

const HAN_RUN = /\p{Script=Han}+/gu;
const LATIN_WORD = /[\p{L}\p{N}]+/gu;

/** The search terms of a text (repeats kept: a term's frequency counts in the ranking). */
export function textTerms(text: string, segment: HanSegmenter = intlHanSegmenter): string[] {
  const terms: string[] = [];
  for (const [run] of text.matchAll(HAN_RUN)) {
    for (const word of segment(run)) if (word.length > 1 && !STOP_WORDS.has(word)) terms.push(word);
    if (run.length === 1 && !STOP_WORDS.has(run)) terms.push(run);
    for (let i = 0; i + 1 < run.length; i++) {
      const pair = run.slice(i, i + 2);
      if (!STOP_WORDS.has(pair)) terms.push(pair);
    }
  }
  for (const [word] of text.replace(HAN_RUN, ' ').toLowerCase().matchAll(LATIN_WORD)) if (!STOP_WORDS.has(word)) terms.push(word);
  return terms;
}

/** Whether a term is of Latin (or other alphabetic) script: those are matched by prefix and with typos. */
export const isAlphabetic = (term: string): boolean => !/\p{Script=Han}/u.test(term);
