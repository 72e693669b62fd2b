/*
 * Identifier-like numbers in free text: bank cards, phones, ID and taxpayer numbers, however they
 * are written. Digit groups joined by single spaces, hyphens or dots (ASCII or full-width) are one
 * run, so "6222 0212 3456 7890" and "138-1234-5678" count as the 16 and 11 digits they are; a run
 * of six or more digits is masked, and so is a whole word mixing letters with six or more digits
 * (a taxpayer ID such as 91310115MA1H7T3X2Q). What the agent needs to read stays: dates
 * (2026-03-31, 2026/03/31, 31.03.2026, with a time), amounts with thousands grouping or decimals
 * (¥12,345.67, 1 234,56, 12345.67) and rates (9%, 13 % are short anyway). A date or amount that
 * runs on into the next digit group is not one, so no identifier passes for a date or an amount.
 */

const DIGIT = '[0-9\\uFF10-\\uFF19]';
/** Joins the digit groups of one written number. */
const JOIN = '[ \\u00A0\\u2009\\u202F\\u3000.\\-\\u2010-\\u2015\\uFF0D\\uFF0E]';
const DATE_JOIN = '[./\\-]';
const DAY = '(?:0?[1-9]|[12]\\d|3[01])';
const MONTH = '(?:0?[1-9]|1[0-2])';
const YEAR = '(?:19|20)\\d\\d';
const TIME = '(?:[ T](?:[01]?\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?)?';
/**
 * A date or an amount with decimals ends where its digits do: a space and more digits may follow
 * (another number), a hyphen or dot and digits may not (the same one). A grouped amount without
 * decimals may not be followed by any further group: "138 123 4567" is a phone, not 138,123.
 */
const DEFINITE_END = `(?!${DIGIT}|[./,\\-\\u2010-\\u2015\\uFF0D\\uFF0E]${DIGIT})`;
const NUMBER_END = `(?!${DIGIT}|${JOIN}${DIGIT})`;
const DATE = `(?:${YEAR}(${DATE_JOIN})${MONTH}\\1${DAY}|${DAY}(${DATE_JOIN})${DAY}\\2${YEAR})${TIME}${DEFINITE_END}`;
const DECIMALS = `[.,]\\d{1,2}${DEFINITE_END}`;
const AMOUNT = `\\d{1,3}([ \\u00A0\\u2009\\u202F.])\\d{3}(?:\\3\\d{3})*(?:${DECIMALS}|${NUMBER_END})|\\d+${DECIMALS}`;
const WORD_CHAR = '[A-Za-z0-9\\uFF10-\\uFF19]';
const WORD = `(?<!${WORD_CHAR})(?=${WORD_CHAR}*[A-Za-z])(?=${WORD_CHAR}*${DIGIT})${WORD_CHAR}+`;
const RUN = `\\+?${DIGIT}+(?:${JOIN}${DIGIT}+)*`;

/** Tried left to right: a readable date or amount first, else a mixed word, else a digit run. */
const NUMBERS = new RegExp(`(?<!${WORD_CHAR})(?:${DATE}|${AMOUNT})|(?<word>${WORD})|(?<run>${RUN})`, 'g');
const DIGITS = new RegExp(DIGIT, 'g');
const MIN_IDENTIFIER_DIGITS = 6;
const MASK = '*';

function digitCount(text: string): number {
  return text.match(DIGITS)?.length ?? 0;
}

/** Whether a text holds enough digits to hold an identifier: most texts do not, and skip the scan. */
function mayHoldIdentifier(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length && digits < MIN_IDENTIFIER_DIGITS; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 0x30 && code <= 0x39) || (code >= 0xff10 && code <= 0xff19)) digits++;
  }
  return digits >= MIN_IDENTIFIER_DIGITS;
}

/** Masks identifier-like numbers (keeping their separators, so the layout stays); dates, amounts and rates stay. */
export function maskNumbers(text: string): string {
  if (!mayHoldIdentifier(text)) return text;
  return text.replace(NUMBERS, (...args: unknown[]) => {
    const match = args[0] as string;
    const { word, run } = args.at(-1) as { word?: string; run?: string };
    if (digitCount(match) < MIN_IDENTIFIER_DIGITS) return match;
    if (word !== undefined) return MASK.repeat(match.length);
    if (run !== undefined) return match.replace(DIGITS, MASK);
    return match;
  });
}
