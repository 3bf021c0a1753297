import type { Language } from '../model/feed.ts';
import cues from './data/summary-cues.json' with { type: 'json' };
import { MAX_SPLIT_CHARS, splitSentences } from './split-sentences.ts';
import { foldText } from './fold-text.ts';

/** The card's summary limit, in characters (Analysis.summary). */
export const SUMMARY_MAX_CHARS = 320;

/** What a summariser needs to know about an article. */
export interface SummaryInput {
  title: string;
  /** Plain story text (already cleaned); only the first MAX_SPLIT_CHARS characters are read. */
  text: string;
  language: Language;
  /** Display names of the companies found in the article, most central first. */
  companies?: string[];
}

/** Only the best-scoring sentences are combined; enough to find three that fit, few enough to try every set. */
const CANDIDATE_POOL = 10;
/** Company names considered per article; the recogniser sorts the central ones first. */
const MAX_COMPANIES = 12;
/** Two sentences sharing this share of the shorter one's content words say the same thing. */
const REDUNDANT_OVERLAP = 0.6;
/**
 * A sentence whose content words are this much the title's repeats it; the card shows the title already. Set
 * high on purpose: a lead that shares most of the title's words still carries the story's gist in full (the
 * title is not part of the summary), so only a near copy of the title is left out.
 */
const TITLE_REPEAT_SIMILARITY = 0.9;
/**
 * A card is read at a glance: two sentences are the norm, and a third joins only when all three together stay
 * within this many characters. Longer summaries bury the gist and add words the reader did not need.
 */
const GLANCE_CHARS = 240;
/** A clause cut is only worth it if it keeps at least this much of the sentence. */
const MIN_CLAUSE_CHARS = 80;

/**
 * Feature weights. The lead of a news story carries its gist, so position counts most; the cues then prefer
 * sentences that say who did what to whose data, and penalties keep out what is not reporting.
 */
const WEIGHT = {
  lead: 4,
  leadDecay: 0.7,
  company: 1.5,
  action: 1.2,
  maxActions: 2,
  dataNoun: 0.6,
  maxDataNouns: 2,
  number: 0.5,
  magnitude: 0.5,
  titleOverlap: 2,
  question: -3,
  quoted: -2,
  /** A sentence that is nothing but a quotation is someone's statement, not the report of what happened. */
  quoteOnly: -4,
  boilerplate: -6,
  opinion: -1.5,
  firstPerson: -1.5,
  danglingOpener: -0.7,
  heading: -2.5,
  introducesQuote: -2,
  short: -2,
  fragment: -4,
  long: -1,
  /** A sentence joins the summary only if it scores above this: weak sentences would only dilute it. */
  worthAdding: 1.5,
  /** Each character costs reading time, so of two sentences saying about as much the shorter one wins. */
  perChar: 0.005,
} as const;

const SHORT_CHARS = 40;
const FRAGMENT_CHARS = 25;
const FRAGMENT_WORDS = 4;
const LONG_CHARS = 250;

// ---------------------------------------------------------------------------------------------
// Curated cue words (src/analysis/data/summary-cues.json), compiled once

/** Lowercase letters and digits of German, English and their neighbours: what continues a word. */
const LATIN_WORD_CHARS = 'a-z0-9äöüßàáâãåæçèéêëìíîïñòóôõøùúûýÿœ';

interface CuePatterns {
  actions: RegExp;
  dataNouns: RegExp;
  magnitudes: RegExp;
  boilerplate: RegExp;
  opinion: RegExp;
  firstPerson: Set<string>;
  danglingOpeners: Set<string>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * One alternation per list; entries are literal. German matches inside compounds, English at a word start. The
 * word-start check uses a plain class of lowercase Latin letters (text is lowercased first): Unicode property
 * classes would make every scan several times slower.
 */
function alternation(entries: string[], insideWords: boolean): RegExp {
  const body = entries.map(escapeRegExp).join('|');
  return new RegExp(insideWords ? `(?:${body})` : `(?<![${LATIN_WORD_CHARS}])(?:${body})`, 'g');
}

function compileCues(language: Language): CuePatterns {
  const list = cues[language];
  const inside = list.matchInsideWords;
  return {
    actions: alternation(list.actions, inside),
    dataNouns: alternation(list.dataNouns, inside),
    magnitudes: alternation(list.magnitudes, true),
    boilerplate: alternation(list.boilerplate, true),
    opinion: alternation(list.opinion, false),
    firstPerson: new Set(list.firstPerson),
    danglingOpeners: new Set(list.danglingOpeners),
  };
}

const CUES: Record<Language, CuePatterns> = { de: compileCues('de'), en: compileCues('en') };

/** Words are what lies between whitespace and punctuation; a plain class keeps tokenising fast. */
const WORD_SEPARATORS = /[\s.,;:!?"'„“”‚‘’»«()[\]{}<>\/\\|*+=&%$€£§#@~^`_–—-]+/;
/** Words this long or longer carry content; shorter ones are mostly function words. */
const CONTENT_WORD_LENGTH = 4;
const NON_ASCII = /[^\u0000-\u007f]/;
const DIGIT = /\p{N}/u;
const ENDS_QUESTION = /\?[)"'“”’»«]*$/u;
const ENDS_COLON = /:$/;
const ENDS_SENTENCE = /[.!?…][)"'“”’»«\]]*$/u;
/** Text between quote marks of any style; bounded (no nesting, each run stops at the next quote mark). */
const QUOTED_RUN = /["„“«»][^"„“”«»]*["“”«»]/gu;
/** A label like "[Update vom 1. November]:" before the sentence proper: a note to readers, not part of the story. */
const LEADING_LABEL = /^\[[^\]]{1,60}\]:?\s+/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const HIGH_SURROGATE_AT_END = /[\uD800-\uDBFF]$/;

// ---------------------------------------------------------------------------------------------
// Summary

interface Candidate {
  index: number;
  text: string;
  score: number;
  words: Set<string>;
}

/**
 * A short extractive summary: the two or three sentences of the article that best say who did what to whose data
 * and with what consequence, in their original order, at most SUMMARY_MAX_CHARS characters, in the article's own
 * language (they are its own sentences). Sentences are never cut, unless no single sentence fits; then the best
 * one is cut at a clause boundary (or, failing that, a word boundary) and marked with "…".
 *
 * Scoring: position (the lead matters most), company names, privacy actions, data nouns, numbers, and overlap
 * with the title; penalties for questions, quotes, boilerplate, first-person comment, headings, sentences that
 * lean on the one before, and very short or long ones. Of the best few, every set of up to three that fits and
 * holds no two redundant sentences is tried (three only within GLANCE_CHARS), and the highest total wins: each
 * sentence's score less a bar for being worth adding and a small cost per character, so a card stays short.
 *
 * Deterministic, never throws; reads at most MAX_SPLIT_CHARS characters of text.
 */
export function summariseExtractive(input: SummaryInput): string {
  const language: Language = input.language === 'en' ? 'en' : 'de';
  const title = typeof input.title === 'string' ? input.title.slice(0, 1_000) : '';
  const text = typeof input.text === 'string' ? input.text.slice(0, MAX_SPLIT_CHARS) : '';
  const companies = normaliseCompanies(input.companies);

  let sentences = splitSentences(text, language).map(withoutLeadingLabel).filter((s) => LETTER_OR_DIGIT.test(s));
  if (sentences.length === 0) sentences = splitSentences(title, language);
  if (sentences.length === 0) return '';

  const titleWords = contentWords(tokenise(title.toLowerCase()));
  const scored = sentences.map((sentence, index) => {
    const lower = sentence.toLowerCase();
    const tokens = tokenise(lower);
    const words = contentWords(tokens);
    const score = scoreSentence({ sentence, lower, tokens, words }, index, titleWords, companies, CUES[language]);
    return { index, text: sentence, score, words };
  });
  const novel = scored.filter((c) => sharedShare(c.words, titleWords) < TITLE_REPEAT_SIMILARITY);
  const pool = novel.length > 0 ? novel : scored;

  const chosen = bestFittingSet(pool);
  if (chosen.length > 0) return chosen.map((c) => c.text).join(' ');
  const best = pool.reduce((a, b) => (b.score > a.score ? b : a));
  return cutToFit(best.text, SUMMARY_MAX_CHARS);
}

function withoutLeadingLabel(sentence: string): string {
  return sentence.replace(LEADING_LABEL, '');
}

/** Lowercase, accent-free forms for matching "Telefónica" in "Telefonica" and "Telefònica". */

function normaliseCompanies(companies: string[] | undefined): string[] {
  if (!Array.isArray(companies)) return [];
  return companies
    .filter((name): name is string => typeof name === 'string')
    .slice(0, MAX_COMPANIES)
    .map((name) => foldText(name.trim()).slice(0, 100))
    .filter((name) => name.length >= 2);
}

function tokenise(lower: string): string[] {
  return lower.split(WORD_SEPARATORS).filter((word) => word.length > 0);
}

function contentWords(tokens: string[]): Set<string> {
  return new Set(tokens.filter((word) => word.length >= CONTENT_WORD_LENGTH));
}

/** The share of `words` that also occur in `other`: 1 when `words` adds nothing to `other`. */
function sharedShare(words: Set<string>, other: Set<string>): number {
  if (words.size === 0) return 0;
  let shared = 0;
  for (const word of words) if (other.has(word)) shared++;
  return shared / words.size;
}

/** Shared words over the smaller set: 1 when one sentence's content words all appear in the other. */
function similarity(a: Set<string>, b: Set<string>): number {
  return a.size <= b.size ? sharedShare(a, b) : sharedShare(b, a);
}

// ---------------------------------------------------------------------------------------------
// Scoring

/** A sentence in the forms the features read, each computed once. */
interface SentenceForms {
  sentence: string;
  lower: string;
  tokens: string[];
  /** Content words (CONTENT_WORD_LENGTH letters or more). */
  words: Set<string>;
}

function scoreSentence(
  { sentence, lower, tokens, words }: SentenceForms,
  index: number,
  titleWords: Set<string>,
  companies: string[],
  patterns: CuePatterns,
): number {
  let score = WEIGHT.lead * WEIGHT.leadDecay ** index;

  if (mentionsCompany(lower, companies)) score += WEIGHT.company;
  score += WEIGHT.action * Math.min(WEIGHT.maxActions, distinctMatches(lower, patterns.actions));
  score += WEIGHT.dataNoun * Math.min(WEIGHT.maxDataNouns, distinctMatches(lower, patterns.dataNouns));
  if (DIGIT.test(sentence)) score += WEIGHT.number;
  if (distinctMatches(lower, patterns.magnitudes) > 0) score += WEIGHT.magnitude;
  score += WEIGHT.titleOverlap * sharedShare(titleWords, words);

  if (ENDS_QUESTION.test(sentence)) score += WEIGHT.question;
  const quoted = quotedShare(sentence);
  if (quoted > 0.9) score += WEIGHT.quoteOnly;
  else if (quoted > 0.5) score += WEIGHT.quoted;
  if (distinctMatches(lower, patterns.boilerplate) > 0) score += WEIGHT.boilerplate;
  if (distinctMatches(lower, patterns.opinion) > 0) score += WEIGHT.opinion;
  if (tokens.some((token) => patterns.firstPerson.has(token))) score += WEIGHT.firstPerson;
  if (tokens[0] !== undefined && patterns.danglingOpeners.has(tokens[0])) score += WEIGHT.danglingOpener;
  if (ENDS_COLON.test(sentence)) score += WEIGHT.introducesQuote;
  else if (!ENDS_SENTENCE.test(sentence)) score += WEIGHT.heading;
  if (sentence.length < FRAGMENT_CHARS || tokens.length < FRAGMENT_WORDS) score += WEIGHT.fragment;
  else if (sentence.length < SHORT_CHARS) score += WEIGHT.short;
  if (sentence.length > LONG_CHARS) score += WEIGHT.long;
  return score;
}

/** How many different cue words of a list the sentence holds. */
function distinctMatches(lower: string, pattern: RegExp): number {
  const found = new Set<string>();
  for (const match of lower.matchAll(pattern)) found.add(match[0]);
  return found.size;
}

/** The share of the sentence's characters that lie inside quotation marks. */
function quotedShare(sentence: string): number {
  let quoted = 0;
  for (const match of sentence.matchAll(QUOTED_RUN)) quoted += match[0].length;
  return sentence.length === 0 ? 0 : quoted / sentence.length;
}

/**
 * Whether a company name occurs as a word or the start of one: "Amazon" in "Amazon-Tochter" and "Amazons",
 * "O2" in "O2s", but not "Ring" in "Ringen" or "Meta" in "Metall". Accents are ignored ("Telefonica" finds
 * "Telefónica"); the costlier accent-free form of the sentence is only made when it has non-ASCII letters.
 */
function mentionsCompany(lower: string, companies: string[]): boolean {
  if (companies.length === 0) return false;
  if (mentionsAny(lower, companies)) return true;
  return NON_ASCII.test(lower) && mentionsAny(foldText(lower), companies);
}

function mentionsAny(folded: string, companies: string[]): boolean {
  for (const name of companies) {
    let at = folded.indexOf(name);
    while (at >= 0) {
      if (!isWordChar(folded[at - 1]) && endsName(folded, at + name.length)) return true;
      at = folded.indexOf(name, at + 1);
    }
  }
  return false;
}

function endsName(text: string, end: number): boolean {
  const next = text[end];
  if (!isWordChar(next)) return true;
  return next === 's' && !isWordChar(text[end + 1]);
}

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && LETTER_OR_DIGIT.test(char);
}

// ---------------------------------------------------------------------------------------------
// Selection

/**
 * Of the best CANDIDATE_POOL sentences, the set of one to three with the highest total value (see `worth`) that
 * fits within SUMMARY_MAX_CHARS (three sentences: GLANCE_CHARS) when joined by spaces and holds no two redundant
 * sentences, in the article's order. Empty when no sentence fits. At most C(10,3) + C(10,2) + 10 = 175 sets are
 * tried.
 */
function bestFittingSet(candidates: Candidate[]): Candidate[] {
  const pool = candidates
    .filter((c) => c.text.length <= SUMMARY_MAX_CHARS)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, CANDIDATE_POOL);
  let best: Candidate[] = [];
  let bestScore = -Infinity;
  const consider = (set: Candidate[]): void => {
    const total = set.reduce((sum, c) => sum + worth(c), 0);
    if (total > bestScore) {
      best = set;
      bestScore = total;
    }
  };
  for (let i = 0; i < pool.length; i++) {
    const a = pool[i]!;
    consider([a]);
    for (let j = i + 1; j < pool.length; j++) {
      const b = pool[j]!;
      if (!fitsTogether([a, b], SUMMARY_MAX_CHARS)) continue;
      consider([a, b]);
      for (let k = j + 1; k < pool.length; k++) {
        const c = pool[k]!;
        if (fitsTogether([a, b, c], GLANCE_CHARS)) consider([a, b, c]);
      }
    }
  }
  return [...best].sort((x, y) => x.index - y.index);
}

/** What a sentence adds to a summary: its score, less the bar for being worth adding and the cost of its length. */
function worth(candidate: Candidate): number {
  return candidate.score - WEIGHT.worthAdding - WEIGHT.perChar * candidate.text.length;
}

/** Within `maxChars` when joined, and no sentence repeats another (checked against the last one added). */
function fitsTogether(set: Candidate[], maxChars: number): boolean {
  const length = set.reduce((sum, c) => sum + c.text.length, 0) + set.length - 1;
  if (length > maxChars) return false;
  const added = set.at(-1)!;
  return set.slice(0, -1).every((c) => similarity(c.words, added.words) < REDUNDANT_OVERLAP);
}

/**
 * The last resort for a sentence longer than the limit: cut at the last clause boundary (comma, semicolon,
 * colon, dash) that keeps enough of it, else at the last space, and add "…". Text without any space is cut at a
 * character (never inside a surrogate pair).
 */
function cutToFit(sentence: string, maxChars: number): string {
  if (sentence.length <= maxChars) return sentence;
  const room = sentence.slice(0, maxChars - 1);
  const clauseEnd = Math.max(
    room.lastIndexOf(', '),
    room.lastIndexOf('; '),
    room.lastIndexOf(': '),
    room.lastIndexOf(' – '),
    room.lastIndexOf(' — '),
  );
  if (clauseEnd >= MIN_CLAUSE_CHARS) return `${room.slice(0, clauseEnd).trimEnd()}…`;
  const wordEnd = room.lastIndexOf(' ');
  if (wordEnd > 0) return `${room.slice(0, wordEnd).replace(/[\s,;:–—-]+$/u, '')}…`;
  return `${HIGH_SURROGATE_AT_END.test(room) ? room.slice(0, -1) : room}…`;
}
