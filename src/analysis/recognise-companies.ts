import type { Company, CompanyMention } from '../model/analysis.ts';
import { loadGazetteer, type Gazetteer } from './company-gazetteer.ts';
import { foldAccents, isCapitalised, joinsByHyphen, tokenise, type WordToken } from './company-tokens.ts';
import recognition from './data/company-recognition.json' with { type: 'json' };

/**
 * Finds the gazetteer companies a news item is about, most central first.
 *
 * Matching works on word tokens with accents folded and case kept: proper names are matched as written
 * ("Telefonica" = "Telefónica", but "apple crumble" is not Apple). German umlauts are letters, not accents:
 * "Über" is never Uber, while a name written with an umlaut also matches its spellings without one
 * ("Ströer" = "Stroeer" = "Stroer"). A name also counts inflected or as the
 * first part of a hyphen compound ("Amazons", "O2s", "Amazon-Tochter", "Telekom-Kunden"), never inside a
 * longer word ("Amazonas", "CO2", "Metadaten", "Boxring") nor as the second part of a compound
 * ("Kamera-Zoom"). Names that are also ordinary words (entries marked `ambiguous`) need context; the rule
 * is spelt out in data/company-recognition.json.
 */

/** The most text analysed: the title and the first 20,000 characters of the story (bounded work). */
const MAX_TITLE_CHARS = 500;
const MAX_TEXT_CHARS = 20_000;

/** Centrality points: a title mention weighs most, then each mention (up to a cap), then an early first mention. */
const TITLE_POINTS = 5;
const MAX_COUNTED_MENTIONS = 8;
const EARLINESS_POINTS = 2;

/** How far after a strict name ("X") its former-name phrase may stand: "X (ehemals Twitter)". */
const FORMER_NAME_WINDOW = 5;

// ---------------------------------------------------------------------------------------------
// Curated context (data/company-recognition.json), compiled once

/** Looks up lower-case folded words: exact words, and prefixes written with a trailing `*`. */
interface WordIndex<T> {
  exact: Map<string, T[]>;
  /** Keyed by the prefix's first three characters, so a look-up probes one short list. */
  prefixes: Map<string, { prefix: string; label: T }[]>;
}

const PREFIX_KEY_CHARS = 3;

function compileWordIndex<T>(entries: Iterable<[string, T]>): WordIndex<T> {
  const index: WordIndex<T> = { exact: new Map(), prefixes: new Map() };
  for (const [word, label] of entries) {
    if (!/^[a-z0-9]+\*?$/.test(word) || (word.endsWith('*') && word.length <= PREFIX_KEY_CHARS)) {
      throw new Error(`company-recognition.json: "${word}" is not a lower-case word (prefixes: 3+ letters then *)`);
    }
    if (word.endsWith('*')) {
      const prefix = word.slice(0, -1);
      const key = prefix.slice(0, PREFIX_KEY_CHARS);
      index.prefixes.set(key, [...(index.prefixes.get(key) ?? []), { prefix, label }]);
    } else {
      index.exact.set(word, [...(index.exact.get(word) ?? []), label]);
    }
  }
  return index;
}

function lookUpWord<T>(index: WordIndex<T>, lower: string): T[] {
  const found = [...(index.exact.get(lower) ?? [])];
  for (const { prefix, label } of index.prefixes.get(lower.slice(0, PREFIX_KEY_CHARS)) ?? []) {
    if (lower.startsWith(prefix)) found.push(label);
  }
  return found;
}

interface StrictRule {
  precededBy: Set<string>;
  followedBy: Set<string>;
  formerName: string;
}

const COMPANY_CUES = compileWordIndex(recognition.companyCues.map((w): [string, true] => [w, true]));
const COMPANY_HEADS = recognition.companyHeads;
const INDEFINITE_ARTICLES = new Set(recognition.indefiniteArticles);
const PERSON_NAMES = new Set(recognition.personNames);
const CLEAR_ALIASES = new Set(recognition.clearAliases);
const GENITIVE_ARTICLES = new Set(recognition.genitiveArticles);
const CONTEXT_WORDS = compileWordIndex(
  Object.entries(recognition.contextWords).flatMap(([id, words]) => words.map((w): [string, string] => [w, id])),
);
const STRICT_RULES = new Map<string, StrictRule>(
  Object.entries(recognition.strict).map(([id, rule]) => [
    id,
    { precededBy: new Set(rule.precededBy), followedBy: new Set(rule.followedBy), formerName: rule.formerName },
  ]),
);

const isCompanyCue = (lower: string): boolean => lookUpWord(COMPANY_CUES, lower).length > 0;
/** A compound's second part that makes the first part a company: "Zoom-Meeting", "Ring-Kameras", "Meta-Chef". */
const isCompanyHead = (lower: string): boolean => COMPANY_HEADS.some((head) => lower.startsWith(head));

// ---------------------------------------------------------------------------------------------
// Alias index, built once per gazetteer

/** One way of writing a company's name, split into tokens. */
interface AliasPattern {
  company: Company;
  /** Tokens with accents folded, case and umlauts kept (see `WordToken.spelling`). */
  tokens: string[];
  /** Punctuation before each token after the first ("" for a space or hyphen, "&", "."). */
  gaps: string[];
  /** A one-word name of an ambiguous entry, unless listed as clear: counts only with context. */
  needsContext: boolean;
  /** Counts only in the entry's strict phrases ("Plattform X"). */
  strict?: StrictRule;
}

type AliasIndex = Map<string, AliasPattern[]>;

const aliasIndexes = new WeakMap<Gazetteer, AliasIndex>();

function aliasIndexFor(gazetteer: Gazetteer): AliasIndex {
  let index = aliasIndexes.get(gazetteer);
  if (!index) {
    index = buildAliasIndex(gazetteer.companies);
    aliasIndexes.set(gazetteer, index);
  }
  return index;
}

/** Maps each alias's lower-cased first token to its patterns, longest first (longest match wins). */
function buildAliasIndex(companies: Company[]): AliasIndex {
  const index: AliasIndex = new Map();
  for (const company of companies) {
    for (const name of new Set([company.name, ...company.aliases].flatMap(spellingsOf))) {
      const tokens = tokenise(name);
      const first = tokens[0];
      if (!first) continue;
      const oneOrdinaryWord = tokens.length === 1 && !CLEAR_ALIASES.has(name);
      const pattern: AliasPattern = {
        company,
        tokens: tokens.map((t) => t.spelling),
        gaps: tokens.slice(1).map((t) => normaliseGap(t.gapPunct)),
        needsContext: oneOrdinaryWord && company.ambiguous === true,
      };
      const strict = STRICT_RULES.get(company.id);
      if (oneOrdinaryWord && strict) pattern.strict = strict;
      index.set(first.lower, [...(index.get(first.lower) ?? []), pattern]);
    }
  }
  for (const patterns of index.values()) patterns.sort((a, b) => b.tokens.length - a.tokens.length);
  return index;
}

const UMLAUTS = /[äöüÄÖÜ]/g;
const UMLAUT_TRANSLITERATIONS: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', Ä: 'Ae', Ö: 'Oe', Ü: 'Ue' };

/**
 * A name as written, plus — when it has umlauts — its transliteration and its spelling without the dots
 * ("Ströer" → "Stroeer", "Stroer"), the ways other outlets and English texts write it. Only this direction
 * is folded: a text's umlaut never matches a plain vowel in a name ("Über" is not Uber).
 */
function spellingsOf(name: string): string[] {
  const written = name.normalize('NFC');
  const transliterated = written.replace(UMLAUTS, (c) => UMLAUT_TRANSLITERATIONS[c] ?? c);
  return transliterated === written ? [written] : [written, transliterated, foldAccents(written)];
}

/** Within a name, a hyphen and a space are the same: "HUK-Coburg" = "HUK Coburg". */
function normaliseGap(punct: string): string {
  return punct === '-' ? '' : punct;
}

// ---------------------------------------------------------------------------------------------
// Recognition

/** One place where a name was found. */
interface Occurrence {
  company: Company;
  /** Token index of the first and one past the last token. */
  from: number;
  to: number;
  inTitle: boolean;
  /** `counted`: stands on its own; `pending`: needs evidence; ambiguous names start pending. */
  status: 'counted' | 'pending';
}

/**
 * The companies named in an item, most central first. Title mentions weigh most, then the number of
 * mentions and how early the first one comes. A subsidiary's parents are in its `ancestors`; a parent
 * appears in the list only when the text names it too.
 */
export function recogniseCompanies(title: string, text: string, gazetteer: Gazetteer = loadGazetteer()): CompanyMention[] {
  const boundedTitle = title.slice(0, MAX_TITLE_CHARS);
  const titleEnd = boundedTitle.length;
  const tokens = tokenise(`${boundedTitle}\n${text.slice(0, MAX_TEXT_CHARS)}`);
  const occurrences = findOccurrences(tokens, titleEnd, aliasIndexFor(gazetteer));
  const counted = confirmOccurrences(occurrences, tokens, gazetteer);
  return rankCompanies(counted, tokens, titleEnd, gazetteer);
}

/** Scans the tokens once; at each token the longest alias starting there wins. */
function findOccurrences(tokens: WordToken[], titleEnd: number, index: AliasIndex): Occurrence[] {
  const occurrences: Occurrence[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i] as WordToken;
    const match = longestMatch(tokens, i, index);
    if (!match) {
      i += 1;
      continue;
    }
    const status = judgeOccurrence(tokens, i, i + match.tokens.length, match);
    if (status !== 'rejected') {
      occurrences.push({ company: match.company, from: i, to: i + match.tokens.length, inTitle: token.start < titleEnd, status });
    }
    i += match.tokens.length;
  }
  return occurrences;
}

function longestMatch(tokens: WordToken[], at: number, index: AliasIndex): AliasPattern | undefined {
  const lower = (tokens[at] as WordToken).lower;
  const candidates = [...(index.get(lower) ?? [])];
  // Genitive of a one-word name: "Googles", "O2s", "Metas".
  if (lower.length > 2 && lower.endsWith('s')) candidates.push(...(index.get(lower.slice(0, -1)) ?? []));
  let best: AliasPattern | undefined;
  for (const pattern of candidates) {
    if (best && best.tokens.length >= pattern.tokens.length) continue;
    if (matchesAt(tokens, at, pattern)) best = pattern;
  }
  return best;
}

function matchesAt(tokens: WordToken[], at: number, pattern: AliasPattern): boolean {
  const last = pattern.tokens.length - 1;
  for (let k = 0; k <= last; k += 1) {
    const token = tokens[at + k];
    if (!token || !tokenMatches(token, pattern.tokens[k] as string, k === last, !pattern.needsContext)) return false;
    if (k > 0 && !gapMatches(token, pattern.gaps[k - 1] as string)) return false;
  }
  return true;
}

/**
 * Case-sensitive, with the genitive -s on the last word ("Amazons", not "Amazonas") and, for names that
 * are not ordinary words, the all-capitals spelling of headlines ("TELEKOM").
 */
function tokenMatches(token: WordToken, name: string, isLast: boolean, allowCapitals: boolean): boolean {
  const written = token.spelling;
  if (written === name) return true;
  if (isLast && name.length >= 2 && !/[sxzß]$/i.test(name) && written.length === name.length + 1) {
    if (written === `${name}s`) return true;
  }
  return allowCapitals && name.length >= 3 && written === name.toUpperCase();
}

function gapMatches(token: WordToken, gap: string): boolean {
  if (token.gapNewline || normaliseGap(token.gapPunct) !== gap) return false;
  return gap === '.' ? !token.gapSpace : true;
}

/**
 * Decides what a found name is on its own: `counted`, `pending` (an ambiguous name waiting for context) or
 * `rejected` (a lookalike: "Kamera-Zoom", "Meta-Analyse", "ein klares Signal", "Otto Schily", "X-Achse").
 */
function judgeOccurrence(
  tokens: WordToken[],
  from: number,
  to: number,
  pattern: AliasPattern,
): 'counted' | 'pending' | 'rejected' {
  const first = tokens[from] as WordToken;
  const next = tokens[to];
  if (from > 0 && first.gapPunct === '-' && !first.gapSpace) return 'rejected';
  if (pattern.strict) return strictPhrase(tokens, from, to, pattern.strict) ? 'counted' : 'rejected';
  if (!pattern.needsContext) return 'counted';
  if (joinsByHyphen(next)) {
    const head = (next as WordToken).lower;
    return pattern.tokens.join('').length >= 3 && isCompanyHead(head) ? 'counted' : 'rejected';
  }
  if (followsIndefiniteArticle(tokens, from)) return 'rejected';
  const isPersonName = PERSON_NAMES.has(pattern.company.id);
  if (isPersonName && next && next.gapPunct === '' && isCapitalised(next) && !isCompanyCue(next.lower)) return 'rejected';
  if (!isPersonName && isProperGenitive(tokens, from, to, pattern)) return 'counted';
  return 'pending';
}

/**
 * "Metas Werbegeschäft", "Apples iPhone", "Signal's founder": a genitive -s straight on the word is how
 * German and English mark proper names; the ordinary noun takes an article instead ("des Signals").
 */
function isProperGenitive(tokens: WordToken[], from: number, to: number, pattern: AliasPattern): boolean {
  const last = tokens[to - 1] as WordToken;
  const next = tokens[to];
  const germanGenitive = last.spelling !== pattern.tokens[pattern.tokens.length - 1];
  const englishGenitive = next !== undefined && next.folded === 's' && (next.gapPunct === "'" || next.gapPunct === '’') && !next.gapSpace;
  if (!germanGenitive && !englishGenitive) return false;
  const previous = tokens[from - 1];
  return !(previous && GENITIVE_ARTICLES.has(previous.lower) && previous.sentence === last.sentence);
}

/** "ein klares Signal", "einen Ring": an indefinite article right before, or before one lower-case word. */
function followsIndefiniteArticle(tokens: WordToken[], at: number): boolean {
  const previous = tokens[at - 1];
  const token = tokens[at] as WordToken;
  if (!previous || token.gapPunct !== '' || previous.sentence !== token.sentence) return false;
  if (INDEFINITE_ARTICLES.has(previous.lower)) return true;
  const beforePrevious = tokens[at - 2];
  return (
    previous.folded === previous.lower &&
    beforePrevious !== undefined &&
    previous.gapPunct === '' &&
    INDEFINITE_ARTICLES.has(beforePrevious.lower)
  );
}

/** "Plattform X", "X (ehemals Twitter)", "X, formerly Twitter" — and never "X-Achse" or "Faktor X". */
function strictPhrase(tokens: WordToken[], from: number, to: number, rule: StrictRule): boolean {
  if (joinsByHyphen(tokens[to])) return false;
  const previous = tokens[from - 1];
  if (previous && previous.sentence === (tokens[from] as WordToken).sentence && rule.precededBy.has(previous.lower)) {
    return true;
  }
  let sawMarker = false;
  for (let k = to; k < Math.min(tokens.length, to + FORMER_NAME_WINDOW); k += 1) {
    const lower = (tokens[k] as WordToken).lower;
    if (rule.followedBy.has(lower)) sawMarker = true;
    else if (sawMarker && lower === rule.formerName) return true;
  }
  return false;
}

/**
 * Turns pending occurrences into counted ones where context supports them: a company cue in the same
 * sentence, one of the company's own context words in the same or a neighbouring sentence, or the same
 * company, a parent or a subsidiary counted elsewhere. Returns the counted occurrences.
 */
function confirmOccurrences(occurrences: Occurrence[], tokens: WordToken[], gazetteer: Gazetteer): Occurrence[] {
  const pending = occurrences.filter((o) => o.status === 'pending');
  if (pending.length > 0) {
    const { cueSentences, contextBySentence } = sentenceContext(tokens);
    for (const occurrence of pending) {
      const sentence = (tokens[occurrence.from] as WordToken).sentence;
      const id = occurrence.company.id;
      const hasContext = [sentence - 1, sentence, sentence + 1].some((s) => contextBySentence.get(s)?.has(id));
      if (cueSentences.has(sentence) || hasContext) occurrence.status = 'counted';
    }
    confirmByRelatives(occurrences, gazetteer);
  }
  return occurrences.filter((o) => o.status === 'counted');
}

/** One pass over the tokens: which sentences hold a company cue, and which hold context words of which companies. */
function sentenceContext(tokens: WordToken[]): { cueSentences: Set<number>; contextBySentence: Map<number, Set<string>> } {
  const cueSentences = new Set<number>();
  const contextBySentence = new Map<number, Set<string>>();
  for (const token of tokens) {
    if (isCompanyCue(token.lower)) cueSentences.add(token.sentence);
    const ids = lookUpWord(CONTEXT_WORDS, token.lower);
    if (ids.length === 0) continue;
    const set = contextBySentence.get(token.sentence) ?? new Set<string>();
    for (const id of ids) set.add(id);
    contextBySentence.set(token.sentence, set);
  }
  return { cueSentences, contextBySentence };
}

/** Repeats until nothing changes: Amazon counted → Ring counted → (Ring's other mentions) counted. */
function confirmByRelatives(occurrences: Occurrence[], gazetteer: Gazetteer): void {
  const countedIds = new Set(occurrences.filter((o) => o.status === 'counted').map((o) => o.company.id));
  const pendingIds = new Set(occurrences.filter((o) => o.status === 'pending').map((o) => o.company.id));
  let changed = true;
  while (changed) {
    changed = false;
    for (const id of pendingIds) {
      const relatives = [id, ...gazetteer.ancestors(id), ...gazetteer.descendants(id)];
      if (!relatives.some((r) => countedIds.has(r))) continue;
      countedIds.add(id);
      pendingIds.delete(id);
      changed = true;
    }
  }
  for (const occurrence of occurrences) {
    if (occurrence.status === 'pending' && countedIds.has(occurrence.company.id)) occurrence.status = 'counted';
  }
}

function rankCompanies(counted: Occurrence[], tokens: WordToken[], titleEnd: number, gazetteer: Gazetteer): CompanyMention[] {
  const bodyStart = tokens.findIndex((t) => t.start > titleEnd);
  const bodyTokens = bodyStart < 0 ? 0 : tokens.length - bodyStart;
  const tallies = new Map<string, { company: Company; inTitle: boolean; mentions: number; firstBody: number; first: number }>();
  for (const occurrence of counted) {
    const tally = tallies.get(occurrence.company.id) ?? {
      company: occurrence.company,
      inTitle: false,
      mentions: 0,
      firstBody: -1,
      first: occurrence.from,
    };
    if (occurrence.inTitle) tally.inTitle = true;
    else {
      tally.mentions += 1;
      if (tally.firstBody < 0) tally.firstBody = occurrence.from - bodyStart;
    }
    tallies.set(occurrence.company.id, tally);
  }
  const ranked = [...tallies.values()].map((tally) => {
    const earliness = tally.firstBody < 0 || bodyTokens === 0 ? 0 : EARLINESS_POINTS * (1 - tally.firstBody / bodyTokens);
    const points = (tally.inTitle ? TITLE_POINTS : 0) + Math.min(tally.mentions, MAX_COUNTED_MENTIONS) + earliness;
    return { tally, score: Math.round(points * 100) / 100 };
  });
  ranked.sort((a, b) => b.score - a.score || a.tally.first - b.tally.first);
  return ranked.map(({ tally, score }) => toMention(tally.company, score, gazetteer));
}

function toMention(company: Company, score: number, gazetteer: Gazetteer): CompanyMention {
  const mention: CompanyMention = { id: company.id, name: company.name, ancestors: gazetteer.ancestors(company.id), score };
  if (company.parent !== undefined) mention.parent = company.parent;
  return mention;
}
