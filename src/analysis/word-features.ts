import stopwords from './data/language-stopwords.json' with { type: 'json' };
import { foldText } from './fold-text.ts';

/**
 * The words the learned models (word-model.ts) read: folded word stems of the title and of the text's lead, plus
 * the heads of long German compounds. One function for training and prediction, so both see an article alike.
 *
 * - A stem is a word's first {@link STEM_CHARS} letters: a language-neutral stand-in for stemming that folds
 *   inflection ("weitergegeben"/"weitergabe" stay apart, but "verkauft"/"verkaufte"/"verkaufen" meet).
 * - Title stems are their own features (`t:`), because a headline names the act the story is about.
 * - A compound's head (`h:`, its last letters) carries the German compound's meaning ("Kundendaten",
 *   "Gesundheitsdaten" → "daten"; "Datenweitergabe" → "tergabe").
 * - Features are present or absent, not counted, and only the first {@link MAX_TEXT_WORDS} words of the text
 *   are read: a long full-text article must not outweigh its headline, and the lead says what happened.
 */

const STEM_CHARS = 6;
const HEAD_CHARS = 6;
/** Words at least this long are treated as compounds and also contribute their head. */
const MIN_COMPOUND_CHARS = 9;
const MIN_WORD_CHARS = 3;
const MAX_TITLE_WORDS = 40;
const MAX_TEXT_WORDS = 300;
/** Enough characters for {@link MAX_TEXT_WORDS} words; bounds folding work on a huge article. */
const MAX_TEXT_CHARS = 4_000;

const STOPWORDS = new Set([...stopwords.de, ...stopwords.en].map((word) => foldText(word)));
const WORD_SEPARATOR = /[^a-z0-9]+/;
const DIGITS = /^\d+$/;

function words(text: string, maxWords: number): string[] {
  return foldText(text)
    .split(WORD_SEPARATOR)
    .filter((word) => word.length >= MIN_WORD_CHARS && !DIGITS.test(word) && !STOPWORDS.has(word))
    .slice(0, maxWords);
}

/** The last article's features: relevance and incident typing read the same article one after the other. */
let last: { title: string; text: string; features: readonly string[] } | undefined;

/** The distinct features of an article, in first-seen order. */
export function wordFeatures(title: string, text: string): readonly string[] {
  if (last && last.title === title && last.text === text) return last.features;
  const features = new Set<string>();
  for (const word of words(title.slice(0, 1_000), MAX_TITLE_WORDS)) features.add(`t:${word.slice(0, STEM_CHARS)}`);
  for (const word of words(text.slice(0, MAX_TEXT_CHARS), MAX_TEXT_WORDS)) {
    features.add(`w:${word.slice(0, STEM_CHARS)}`);
    if (word.length >= MIN_COMPOUND_CHARS) features.add(`h:${word.slice(-HEAD_CHARS)}`);
  }
  last = { title, text, features: [...features] };
  return last.features;
}
