import type { Incident } from '../model/analysis.ts';
import type { Language } from '../model/feed.ts';
import keywordData from './data/bilingual-keywords.json' with { type: 'json' };
import commonWordData from './data/grouping-common-words.json' with { type: 'json' };
import { foldText } from './fold-text.ts';

/**
 * The language-independent specifics of a text that tell one incident from another: the numbers it gives, the
 * names it uses, the privacy notions it speaks of (mapped across German and English), and per title its words.
 * Two articles about one incident share some of these whatever their language; two incidents of one company
 * in one week rarely do.
 */
export interface Fingerprint {
  /** Normalised numeric value (6 significant digits) → weight: amounts and large counts weigh more than small integers. */
  numbers: Map<string, number>;
  /**
   * Folded names (single words and multi-word phrases "smart steps") → whether the name is reliable on its own:
   * phrases, acronyms, words with digits or inner capitals, and capitalised words in English text. A capitalised
   * single word in German text may be an ordinary noun, so it counts only when the other text vouches for it.
   */
  named: Map<string, boolean>;
  /** Ids of concepts from the bilingual keyword map. */
  concepts: Set<string>;
  /** Each title's folded content words, with its language. */
  titles: { language: Language; tokens: Set<string> }[];
}

/** A piece of text for the fingerprint: a title, or body text (a summary, the article's lead). */
export interface FingerprintPart {
  text: string;
  language: Language;
}

/** Grouping reads the lead: specifics cluster there, and the work per article stays bounded. */
const MAX_BODY_CHARS = 6000;
const MAX_TITLE_CHARS = 500;
const MAX_NAMES = 400;
const MAX_NUMBERS = 200;
const MAX_PHRASE_WORDS = 4;


interface ConceptTables {
  exact: Map<string, string>;
  /** Leading words of multi-word terms (up to three words): only after one of these is a word group looked up. */
  phraseStarters: Set<string>;
  /** Prefix terms by their first three letters: a word is checked against only a handful. */
  prefixes: Map<string, { prefix: string; concept: string }[]>;
  /**
   * Infix terms ("*ministerium*"): the heads of German compounds, found anywhere in a word
   * ("Bundesverbraucherschutzministerium"). Checked last, and only for words no other term matched.
   */
  infixes: { infix: string; concept: string }[];
  weights: Map<string, number>;
}

/** Longest multi-word term, in words. */
const MAX_TERM_WORDS = 3;

function buildConceptTables(): ConceptTables {
  const tables: ConceptTables = {
    exact: new Map(),
    prefixes: new Map(),
    infixes: [],
    weights: new Map(),
    phraseStarters: new Set(),
  };
  for (const [concept, entry] of Object.entries(keywordData.concepts)) {
    const { de, en, weight } = entry as { de: string[]; en: string[]; weight?: number };
    tables.weights.set(concept, weight ?? 1);
    for (const raw of [...de, ...en]) {
      const term = foldText(raw);
      const words = term.split(' ');
      for (let n = 1; n < Math.min(words.length, MAX_TERM_WORDS); n += 1) tables.phraseStarters.add(words.slice(0, n).join(' '));
      if (term.startsWith('*') && term.endsWith('*')) {
        tables.infixes.push({ infix: term.slice(1, -1), concept });
      } else if (term.endsWith('*')) {
        const prefix = term.slice(0, -1);
        const bucket = tables.prefixes.get(prefix.slice(0, 3)) ?? [];
        bucket.push({ prefix, concept });
        tables.prefixes.set(prefix.slice(0, 3), bucket);
      } else {
        tables.exact.set(term, concept);
      }
    }
  }
  return tables;
}

const CONCEPTS = buildConceptTables();
const COMMON_WORDS = new Set([...commonWordData.de, ...commonWordData.en].map(foldText));
const COMMON_NOUN_SUFFIXES = commonWordData.commonNounSuffixes.map(foldText);

/** How much a shared concept weighs (1, or less for notions nearly every privacy story has). */
export function conceptWeight(concept: string): number {
  return CONCEPTS.weights.get(concept) ?? 1;
}

/** Whether a folded word is a function word or an everyday noun: no evidence of a particular incident. */
function isCommonWord(folded: string): boolean {
  return COMMON_WORDS.has(folded);
}

function conceptOf(folded: string): string | undefined {
  const exact = CONCEPTS.exact.get(folded);
  if (exact !== undefined) return exact;
  for (const { prefix, concept } of CONCEPTS.prefixes.get(folded.slice(0, 3)) ?? []) {
    if (folded.startsWith(prefix)) return concept;
  }
  return undefined;
}

/**
 * A single word's concept: the whole word's, else that of its last hyphenated part ("Amazon-Mitarbeiter",
 * "O2-Standortdaten": German compounds name their head last), else an infix term's.
 */
function wordConcept(folded: string): string | undefined {
  const whole = conceptOf(folded);
  if (whole !== undefined) return whole;
  const hyphen = folded.lastIndexOf('-');
  const head = hyphen > 0 ? conceptOf(folded.slice(hyphen + 1)) : undefined;
  if (head !== undefined) return head;
  return CONCEPTS.infixes.find(({ infix }) => folded.includes(infix))?.concept;
}

/** Words: letters and digits, joined by inner hyphens or apostrophes ("E-Mail", "Amazon's"). Linear: separators are required. */
const WORD = /[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu;
/** Numerals with optional grouping or decimal separators; dates like 14.03.2024 fail parsing and are dropped. */
const NUMERAL = /(?<![\p{L}\p{N}])\d+(?:[.,]\d+)*/gu;
const SCALE = /^\s?(millionen|million|mio|milliarden|milliarde|mrd|billionen|billion|bn|tausend|thousand|m|k)(?![\p{L}\p{N}])/iu;
const SCALE_FACTORS: Record<string, number> = {
  millionen: 1e6, million: 1e6, mio: 1e6, m: 1e6,
  milliarden: 1e9, milliarde: 1e9, mrd: 1e9, bn: 1e9, billion: 1e9, billionen: 1e12,
  tausend: 1e3, thousand: 1e3, k: 1e3,
};
/** What may stand between a sentence end and the next sentence's first word. */
const OPENERS = new Set([' ', '\t', '\n', '\r', '"', "'", '„', '“', '”', '‚', '‘', '’', '«', '»', '(', '[', '–', '—', '-', '*']);
const SENTENCE_ENDS = new Set(['.', '!', '?', ':', ';', '|']);

/**
 * The fingerprint of an article (its title and lead) or of an incident (its title, summary and source titles).
 * Never throws; work is linear in the (capped) input.
 */
export function fingerprint(titles: FingerprintPart[], bodies: FingerprintPart[]): Fingerprint {
  const print: Fingerprint = { numbers: new Map(), named: new Map(), concepts: new Set(), titles: [] };
  for (const title of titles) {
    const text = title.text.slice(0, MAX_TITLE_CHARS);
    readPart(print, text, title.language, !(title.language === 'en' && isTitleCase(text)));
    print.titles.push({ language: title.language, tokens: contentWords(text) });
  }
  for (const body of bodies) {
    readPart(print, body.text.slice(0, MAX_BODY_CHARS), body.language, true);
  }
  return print;
}

/** An incident's stored specifics (see `Incident.signature`). */
export type Signature = NonNullable<Incident['signature']>;

/** Bounds on a stored signature, whatever the number of sources: a few kilobytes per incident. */
const MAX_SIGNATURE_NAMES = 300;
const MAX_SIGNATURE_NUMBERS = 80;
const MAX_SIGNATURE_CONCEPTS = 120;

/**
 * `print`'s numbers, names and concepts in stored form, added to `previous` (an incident's earlier sources):
 * what is already there keeps its place, new entries fill up to the bounds; a name becomes reliable and a
 * number takes the larger weight when either side says so. Titles are not kept: the incident has its sources'.
 */
export function toSignature(print: Fingerprint, previous?: unknown): Signature {
  const merged: Fingerprint = { numbers: new Map(), named: new Map(), concepts: new Set(), titles: [] };
  absorbSignature(merged, previous);
  absorbSignature(merged, { numbers: [...print.numbers], names: [...print.named], concepts: [...print.concepts] });
  return {
    numbers: [...merged.numbers].slice(0, MAX_SIGNATURE_NUMBERS),
    names: [...merged.named].slice(0, MAX_SIGNATURE_NAMES),
    concepts: [...merged.concepts].slice(0, MAX_SIGNATURE_CONCEPTS),
  };
}

/**
 * Adds a stored signature's specifics to `print`; at most a signature's bounds of each kind are read. Reads
 * defensively: a missing or malformed signature (an incident stored by an older version, a hand-edited store)
 * adds what is well-formed and nothing else.
 */
export function absorbSignature(print: Fingerprint, signature: unknown): void {
  if (typeof signature !== 'object' || signature === null) return;
  const { numbers, names, concepts } = signature as Partial<Record<keyof Signature, unknown>>;
  for (const [key, weight] of pairs(numbers, 'number', MAX_SIGNATURE_NUMBERS)) {
    print.numbers.set(key, Math.max(Math.min(1, Math.max(0, weight)), print.numbers.get(key) ?? 0));
  }
  for (const [name, reliable] of pairs(names, 'boolean', MAX_SIGNATURE_NAMES)) {
    print.named.set(name, reliable || print.named.get(name) === true);
  }
  if (!Array.isArray(concepts)) return;
  for (const concept of concepts.slice(0, MAX_SIGNATURE_CONCEPTS)) {
    if (typeof concept === 'string') print.concepts.add(concept);
  }
}

/** The well-formed [string, value] pairs of a stored list, at most `limit` of them looked at. */
function pairs<T extends 'number' | 'boolean'>(
  list: unknown,
  valueType: T,
  limit: number,
): [string, T extends 'number' ? number : boolean][] {
  if (!Array.isArray(list)) return [];
  return list
    .slice(0, limit)
    .filter(
      (entry): entry is [string, T extends 'number' ? number : boolean] =>
        Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === valueType &&
        (valueType !== 'number' || Number.isFinite(entry[1])),
    );
}

function readPart(print: Fingerprint, text: string, language: Language, withNames: boolean): void {
  readNumbers(print, text, language);
  /** The folded words before this one, nearest last, for multi-word terms. */
  let previous: string[] = [];
  let phrase: string[] = [];
  const closePhrase = (): void => {
    // Every run of two or more words: "Datenschutzbeauftragter Stefan Brink" also yields "stefan brink".
    for (let start = 0; start + 1 < phrase.length; start += 1) {
      for (let end = start + 2; end <= Math.min(phrase.length, start + MAX_PHRASE_WORDS); end += 1) {
        addName(print, phrase.slice(start, end).join(' '), true);
      }
    }
    phrase = [];
  };
  let lastEnd = 0;
  for (const match of text.matchAll(WORD)) {
    const start = match.index;
    const word = wordInfo(match[0]);
    const concept = phraseConcept(previous, word.folded) ?? word.concept;
    if (concept !== undefined) print.concepts.add(concept);
    const adjacent = start - lastEnd === 1 && text[lastEnd] === ' ';
    lastEnd = start + match[0].length;
    previous = [...previous, word.folded].slice(1 - MAX_TERM_WORDS);
    if (!withNames) continue;

    if (word.shape === undefined || concept !== undefined) {
      closePhrase();
      continue;
    }
    if (!adjacent) closePhrase();
    phrase.push(word.folded);
    if (word.shape === 'strong' || !isSentenceInitial(text, start)) {
      addName(print, word.folded, word.shape === 'strong' || language === 'en');
    }
  }
  closePhrase();
}

/** The concept of a multi-word term ending in `word` ("law enforcement", "data protection authority"): the longer match wins over the word's own. */
function phraseConcept(previous: readonly string[], word: string): string | undefined {
  for (let start = 0; start < previous.length; start += 1) {
    const lead = previous.slice(start).join(' ');
    if (!CONCEPTS.phraseStarters.has(lead)) continue;
    const concept = conceptOf(`${lead} ${word}`);
    if (concept !== undefined) return concept;
  }
  return undefined;
}

interface WordInfo {
  folded: string;
  concept: string | undefined;
  shape: 'strong' | 'weak' | undefined;
}

/** Words recur across articles: what is known about each is kept, up to a bound, instead of recomputed. */
const WORD_CACHE = new Map<string, WordInfo>();
const MAX_CACHED_WORDS = 50_000;

function wordInfo(token: string): WordInfo {
  let info = WORD_CACHE.get(token);
  if (info === undefined) {
    const raw = token.endsWith("'s") || token.endsWith('’s') ? token.slice(0, -2) : token;
    const folded = foldText(raw);
    info = { folded, concept: wordConcept(folded), shape: nameShape(raw, folded) };
    if (WORD_CACHE.size >= MAX_CACHED_WORDS) WORD_CACHE.clear();
    WORD_CACHE.set(token, info);
  }
  return info;
}

/** `strong`: looks like a name in any language; `weak`: merely capitalised; undefined: not a name. */
function nameShape(raw: string, folded: string): 'strong' | 'weak' | undefined {
  if (!/\p{L}/u.test(raw) || !/\p{Lu}/u.test(raw) || isCommonWord(folded)) return undefined;
  const hasDigit = /\p{N}/u.test(raw);
  const innerCapital = /\p{Ll}\p{Lu}/u.test(raw);
  const allCaps = raw.length >= 2 && !/\p{Ll}/u.test(raw);
  if (hasDigit || innerCapital || allCaps) return 'strong';
  if (!/^\p{Lu}/u.test(raw) || folded.length < 3) return undefined;
  if (COMMON_NOUN_SUFFIXES.some((suffix) => folded.length > suffix.length + 2 && folded.endsWith(suffix))) return undefined;
  return 'weak';
}

function addName(print: Fingerprint, folded: string, reliable: boolean): void {
  if (print.named.size >= MAX_NAMES && !print.named.has(folded)) return;
  print.named.set(folded, reliable || print.named.get(folded) === true);
}

/** Whether the word at `index` starts a sentence (or the text): its capital then says nothing. */
function isSentenceInitial(text: string, index: number): boolean {
  let i = index - 1;
  const limit = Math.max(-1, index - 8);
  while (i > limit && OPENERS.has(text[i]!)) {
    if (text[i] === '\n') return true;
    i -= 1;
  }
  return i < 0 || SENTENCE_ENDS.has(text[i]!);
}

/** Title Case ("Police Get Access To Videos") capitalises every word: its capitals say nothing about names. */
function isTitleCase(text: string): boolean {
  const words = text.match(/\p{L}{4,}/gu) ?? [];
  if (words.length < 3) return false;
  const capitalised = words.filter((word) => /^\p{Lu}/u.test(word)).length;
  return capitalised / words.length >= 0.6;
}

function readNumbers(print: Fingerprint, text: string, language: Language): void {
  for (const match of text.matchAll(NUMERAL)) {
    if (print.numbers.size >= MAX_NUMBERS) return;
    const value = parseNumeral(match[0], language);
    if (value === undefined) continue;
    const after = text.slice(match.index + match[0].length, match.index + match[0].length + 14);
    const scaleWord = SCALE.exec(after)?.[1];
    const scale = scaleWord === undefined ? 1 : scaleFactor(scaleWord, language);
    const weight = numberWeight(value, scale !== 1, match[0]);
    if (weight === 0) continue;
    const key = String(Number((value * scale).toPrecision(6)));
    print.numbers.set(key, Math.max(weight, print.numbers.get(key) ?? 0));
  }
}

function scaleFactor(word: string, language: Language): number {
  const lower = word.toLowerCase();
  // The German "Billion" is 10^12, the English "billion" 10^9.
  if (lower === 'billion' && language === 'de') return 1e12;
  return SCALE_FACTORS[lower] ?? 1;
}

/**
 * Reads "3,5" and "3.500" the German way, "3.5" and "3,500" the English way; a lone separator not followed by
 * three digits is a decimal point in either language. Undefined for what is not one number (dates, versions).
 */
export function parseNumeral(raw: string, language: Language): number | undefined {
  const separators = raw.match(/[.,]/g) ?? [];
  const groups = raw.split(/[.,]/);
  if (separators.length === 0) return Number(raw);
  const decimal = language === 'de' ? ',' : '.';
  let fraction = '';
  if (separators.at(-1) === decimal || (separators.length === 1 && groups.at(-1)!.length !== 3)) {
    fraction = groups.pop()!;
    separators.pop();
  }
  if (separators.some((s) => s !== separators[0]) || groups.slice(1).some((g) => g.length !== 3)) return undefined;
  if (separators.length > 0 && separators[0] === decimal) return undefined;
  const value = Number(`${groups.join('')}${fraction === '' ? '' : `.${fraction}`}`);
  return Number.isFinite(value) ? value : undefined;
}

/** Years and small counts say little; amounts with a scale, fractions and large counts say much. */
function numberWeight(value: number, scaled: boolean, raw: string): number {
  const separated = /[.,]/.test(raw);
  if (!scaled && !separated && Number.isInteger(value) && value >= 1900 && value <= 2100) return 0;
  if (scaled || separated || value >= 1000) return 0.35;
  return value >= 10 ? 0.15 : 0;
}

/** A title's content words for same-language overlap: folded, no function or everyday words, three letters or more. */
function contentWords(text: string): Set<string> {
  const words = new Set<string>();
  for (const match of text.matchAll(WORD)) {
    const { folded } = wordInfo(match[0]);
    if (folded.length >= 3 && !isCommonWord(folded) && !/^\p{N}+$/u.test(folded)) words.add(folded);
  }
  return words;
}
