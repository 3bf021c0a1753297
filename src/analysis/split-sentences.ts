import type { Language } from '../model/feed.ts';
import abbreviations from './data/abbreviations.json' with { type: 'json' };

/**
 * The most text split, in characters: the analysis reads at most this much of an article, and the cap keeps the
 * work bounded whatever a feed sends.
 */
export const MAX_SPLIT_CHARS = 20_000;

/**
 * The longest sentence that is held together because a quotation opened in it has not closed yet. A quote that
 * runs on for longer is split like any other text, so a stray quote mark cannot swallow a whole paragraph.
 */
const MAX_QUOTED_SENTENCE_CHARS = 600;

/** How much of a sentence's end is read to find the abbreviation before a break: the last three words fit. */
const TAIL_CHARS = 60;

// ---------------------------------------------------------------------------------------------
// Curated data (src/analysis/data/abbreviations.json), compiled once

interface MergeRules {
  segmenter: Intl.Segmenter;
  always: Set<string>;
  beforeNumber: Set<string>;
  unlessOpener: Set<string>;
  openers: Set<string>;
  months: string[];
  ordinalCues: Set<string>;
}

function compileRules(language: Language): MergeRules {
  const common = abbreviations.common;
  const own = abbreviations[language];
  return {
    segmenter: new Intl.Segmenter(language, { granularity: 'sentence' }),
    always: new Set([...common.always.entries, ...own.always.entries]),
    beforeNumber: new Set(common.beforeNumber.entries),
    unlessOpener: new Set(common.unlessOpener.entries),
    openers: new Set(own.openers.entries),
    months: own.months.entries,
    ordinalCues: new Set<string>(own.ordinalCues.entries),
  };
}

const RULES: Record<Language, MergeRules> = { de: compileRules('de'), en: compileRules('en') };

// ---------------------------------------------------------------------------------------------
// Character classes

const LINE_BREAKS = /\r\n?|[\u2028\u2029\u0085]/g;
/** C0 and C1 control characters other than tab and newline: never text, sometimes an attack on the display. */
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/** Bidi embeddings, overrides and isolates, zero-width space and byte-order mark: invisible, and able to reorder what a reader sees. */
const INVISIBLE_FORMAT_CHARS = /[\u202A-\u202E\u2066-\u2069\u200B\uFEFF]/g;
const WHITESPACE_RUN = /\s+/g;
const HAS_WORD_CHAR = /[\p{L}\p{N}]/u;
const STARTS_LOWERCASE = /^\p{Ll}/u;
const LEADING_OPENERS = /^[("'„“‚‘«»[{]+/u;
const TRAILING_CLOSERS = /[)"'“”’»«\]}]+$/u;
const SINGLE_LETTER = /^\p{L}\.$/u;
const UPPERCASE_FIRST = /^\p{Lu}/u;
/** A one- to three-digit number with a full stop: a day, a month or an ordinal in German ("1.", "24.", "100."). */
const ORDINAL = /^\d{1,3}\.$/;
const DAY_OR_MONTH = /^\d{1,2}\.$/;
const STARTS_DIGIT = /^\d/;
/** A question or exclamation mark, possibly inside closing quotes or brackets, at the end of a sentence. */
const ENDS_QUESTION_OR_EXCLAMATION = /[?!][)"'“”’»«\]]*$/u;
/** A word written entirely in lowercase (not "eBay", "iPhone"), possibly followed by punctuation. */
const ALL_LOWERCASE_WORD = /^\p{Ll}+[,.;:]?$/u;
const QUOTE_CHARS = /["„“”«»]/u;

/**
 * Splits text into sentences, the way a German or English reader would.
 *
 * `Intl.Segmenter` implements the Unicode sentence rules, which break after every full stop followed by a capital
 * or a digit. German capitalises nouns and writes ordinals and dates with a full stop, so alone it breaks
 * "z. B. Kundendaten", "5 Mio. Euro", "Art. 6 DSGVO", "am 1. November" and "im 3. Quartal" apart (and in English
 * "Mr. Smith", "e.g. This", "J. R. R. Tolkien"). Its segments are therefore merged again where the break follows a
 * known abbreviation (src/analysis/data/abbreviations.json), an initial, or a number that is a date or an ordinal.
 *
 * Every line break ends a sentence (headings and paragraphs stand alone), except before a line that starts in
 * lowercase, which continues a wrapped line. Closing quotes stay with their sentence, and a quotation of several
 * sentences is kept together when it closes soon enough. Sentences come back trimmed, with whitespace folded;
 * pieces without a letter or digit are dropped.
 *
 * Bounded: reads at most MAX_SPLIT_CHARS characters; each break is judged by the last few words before it.
 */
export function splitSentences(text: string, language: Language): string[] {
  if (typeof text !== 'string') return [];
  const rules = RULES[language] ?? RULES.de;
  const sentences: string[] = [];
  for (const block of toBlocks(sanitise(text.slice(0, MAX_SPLIT_CHARS)))) {
    splitBlock(block, rules, sentences);
  }
  return sentences;
}

/** Removes what is never text (control and bidi-override characters, half surrogate pairs) and unifies line breaks. */
function sanitise(text: string): string {
  return text
    .toWellFormed()
    .replace(LINE_BREAKS, '\n')
    .replace(CONTROL_CHARS, ' ')
    .replace(INVISIBLE_FORMAT_CHARS, '');
}

/** Lines to blocks: a line break ends a block unless the next line starts in lowercase (a wrapped line). */
function toBlocks(text: string): string[] {
  const blocks: string[] = [];
  let current = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(WHITESPACE_RUN, ' ').trim();
    if (!line) {
      if (current) blocks.push(current);
      current = '';
    } else if (current && STARTS_LOWERCASE.test(line)) {
      current += ` ${line}`;
    } else {
      if (current) blocks.push(current);
      current = line;
    }
  }
  if (current) blocks.push(current);
  return blocks;
}

/** Segments one block and merges segments that belong to one sentence, appending the sentences to `out`. */
function splitBlock(block: string, rules: MergeRules, out: string[]): void {
  const segments = Array.from(rules.segmenter.segment(block), (s) => s.segment);
  const nextQuoteAt = indexOfNextQuote(segments);
  let current = '';
  let currentStart = 0;
  let quoteState = emptyQuoteState();
  let offset = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const merge =
      current !== '' &&
      (!HAS_WORD_CHAR.test(current) ||
        !HAS_WORD_CHAR.test(segment) ||
        continuesSentence(current, segment, rules) ||
        (isQuoteOpen(quoteState) && quoteClosesWithin(segments, i, nextQuoteAt[i] ?? -1, offset - currentStart)));
    if (merge) {
      current += segment;
    } else {
      pushSentence(current, out);
      current = segment;
      currentStart = offset;
      quoteState = emptyQuoteState();
    }
    countQuotes(segment, quoteState);
    offset += segment.length;
  }
  pushSentence(current, out);
}

function pushSentence(sentence: string, out: string[]): void {
  const trimmed = sentence.trim();
  if (trimmed && HAS_WORD_CHAR.test(trimmed)) out.push(trimmed);
}

/** For each segment, the index of the first segment at or after it that holds a quote mark (-1: none). One backward pass. */
function indexOfNextQuote(segments: string[]): number[] {
  const next = new Array<number>(segments.length).fill(-1);
  let seen = -1;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (QUOTE_CHARS.test(segments[i]!)) seen = i;
    next[i] = seen;
  }
  return next;
}

/**
 * Whether the segment holding the next quote mark (`closingSegment`) ends the sentence within
 * MAX_QUOTED_SENTENCE_CHARS, counting the `soFar` characters the sentence already has. Stops counting at the cap.
 */
function quoteClosesWithin(segments: string[], from: number, closingSegment: number, soFar: number): boolean {
  if (closingSegment < 0) return false;
  let length = soFar;
  for (let j = from; j <= closingSegment; j++) {
    length += segments[j]!.length;
    if (length > MAX_QUOTED_SENTENCE_CHARS) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Quotations

/** Quote marks seen so far in the sentence being built. */
interface QuoteState {
  /** Straight double quotes: open and close look alike, so an odd count means open. */
  straight: number;
  /** „ and “ open (German low-high, English high); ” and “ close. Counted as a balance. */
  curlyBalance: number;
  /** « and »: either may open (German uses »…«, French «…»), so an odd count means open. */
  guillemets: number;
}

function emptyQuoteState(): QuoteState {
  return { straight: 0, curlyBalance: 0, guillemets: 0 };
}

function countQuotes(segment: string, state: QuoteState): void {
  if (!QUOTE_CHARS.test(segment)) return;
  let lowOpened = false;
  for (const char of segment) {
    if (char === '"') state.straight++;
    else if (char === '„') {
      state.curlyBalance++;
      lowOpened = true;
    } else if (char === '“') {
      // German closes „ with “; English opens with “ and closes with ”.
      if (lowOpened || state.curlyBalance > 0) state.curlyBalance--;
      else state.curlyBalance++;
    } else if (char === '”') state.curlyBalance = Math.max(0, state.curlyBalance - 1);
    else if (char === '«' || char === '»') state.guillemets++;
  }
}

function isQuoteOpen(state: QuoteState): boolean {
  return state.straight % 2 === 1 || state.curlyBalance > 0 || state.guillemets % 2 === 1;
}

// ---------------------------------------------------------------------------------------------
// Breaks that are not sentence ends

/** Whether the segmenter's break between `before` and `after` falls inside one sentence. */
function continuesSentence(before: string, after: string, rules: MergeRules): boolean {
  const tail = before.slice(-TAIL_CHARS).trimEnd();
  const nextWord = firstWord(after);
  if (ENDS_QUESTION_OR_EXCLAMATION.test(tail)) return ALL_LOWERCASE_WORD.test(nextWord);
  if (!tail.replace(TRAILING_CLOSERS, '').endsWith('.')) return false;

  const words = tail.split(' ').slice(-3).map(stripQuotesAndBrackets);
  const last = words.at(-1) ?? '';
  const lastTwo = words.slice(-2).join('').toLowerCase();
  const lastThree = words.join('').toLowerCase();
  const lastLower = last.toLowerCase();
  const nextLower = nextWord.replace(/[.,;:!?]+$/, '').toLowerCase();

  if (rules.always.has(lastLower) || rules.always.has(lastTwo) || rules.always.has(lastThree)) return true;
  if (rules.beforeNumber.has(lastLower)) return STARTS_DIGIT.test(nextWord);
  if (rules.unlessOpener.has(lastLower) || rules.unlessOpener.has(lastTwo) || rules.unlessOpener.has(lastThree)) {
    return !rules.openers.has(nextLower);
  }
  if (SINGLE_LETTER.test(last)) return isInitial(last, nextWord);
  if (ORDINAL.test(last)) return isOrdinalOrDate(last, words.at(-2), nextWord, nextLower, rules);
  return false;
}

/**
 * "z." "u." (lowercase single letters) are parts of abbreviations; "J." before a capitalised word is an initial.
 * A sentence that really ends in a lone capital ("Plan B.") is rare enough to accept the merge.
 */
function isInitial(letter: string, nextWord: string): boolean {
  return !UPPERCASE_FIRST.test(letter) || UPPERCASE_FIRST.test(nextWord);
}

/**
 * A number with a full stop is a date or an ordinal, not a sentence end, when another date part follows ("24. 12.
 * 2023"), a month follows ("1. November", "3. Nov."), or an article or preposition that calls for an ordinal comes
 * before it ("im 3. Quartal", "der 2. Senat").
 */
function isOrdinalOrDate(
  number: string,
  wordBefore: string | undefined,
  nextWord: string,
  nextLower: string,
  rules: MergeRules,
): boolean {
  if (DAY_OR_MONTH.test(number) && STARTS_DIGIT.test(nextWord)) return true;
  if (nextLower.length >= 3 && rules.months.some((month) => month.startsWith(nextLower))) return true;
  return wordBefore !== undefined && rules.ordinalCues.has(wordBefore.toLowerCase());
}

function firstWord(text: string): string {
  const trimmed = text.trimStart();
  const space = trimmed.indexOf(' ');
  return (space < 0 ? trimmed : trimmed.slice(0, space)).replace(LEADING_OPENERS, '');
}

function stripQuotesAndBrackets(word: string): string {
  return word.replace(LEADING_OPENERS, '').replace(TRAILING_CLOSERS, '');
}
