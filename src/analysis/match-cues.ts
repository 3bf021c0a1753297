/**
 * Weighted cue matching on folded tokens: the shared engine behind relevance and incident-type scoring.
 *
 * Cues are curated data (JSON), written in natural spelling and folded once at module load. A cue is either a
 * *term* — one or more token patterns that must follow each other ("datenleck", "data breach", "ohne
 * einwilligung") — or a *near* cue — groups of alternative token patterns that must all occur within a few
 * tokens of each other in one sentence ("Videos" … "an die Polizei" … "weitergegeben"). Near cues capture an
 * act rather than a topic word, which is what tells a privacy story from a story that merely names a company.
 *
 * Token patterns (after folding: lowercase, accents removed, ß → ss):
 * - `stem`    the token starts with it (inflection: "datenleck" matches "datenlecks")
 * - `=word`   the token is exactly it ("=fine" matches "fine", not "finance")
 * - `*head`   the token ends with it: the head of a German compound ("*daten" matches "kundendaten")
 * - `*part*`  the token contains it anywhere ("*video*" matches "überwachungsvideos")
 *
 * Negated positive cues do not count ("no customer data was exposed", "keine Kundendaten abgeflossen", "Daten
 * wurden nicht abgegriffen"): the negation words are curated in data/negation-words.json, and a cue is negated
 * when a negating determiner stands a few tokens before it, a negating adverb right before it, or any negation
 * inside a near cue's span. Negative cues are written with their negation ("keine Daten") and always count.
 *
 * Work is linear in the text: one tokenising pass, then per token a cached set of pattern ids (exact and
 * prefix/suffix look-ups are map probes over the token's own prefixes and suffixes).
 */
import negationWords from './data/negation-words.json' with { type: 'json' };
import { foldText } from './fold-text.ts';

/** Tokens longer than this are cut: no word is longer, and it bounds the prefix and suffix probes. */
const MAX_TOKEN_CHARS = 40;
/** Distance added between sentences, so that a near cue never spans a sentence boundary. */
const SENTENCE_GAP = 1_000;
/** Default distance, in tokens, within which all groups of a near cue must occur. */
const DEFAULT_WINDOW = 10;
/** The token → pattern-id cache is dropped when it grows past this (bounded memory on hostile input). */
const MAX_CACHED_TOKENS = 50_000;
/** A negating determiner negates a cue starting at most this many tokens after it ("keine sensiblen Kundendaten"). */
const DETERMINER_SCOPE = 3;

/** A near cue as written in the data files. */
export interface NearCueData {
  label: string;
  weight: number;
  /** Maximum distance in tokens between the groups' matches. */
  window?: number;
  /** Every group must match; each group lists alternative single-token patterns. */
  all: string[][];
}

/** A cue set as written in the data files: `terms` maps a term to its weight. */
export interface CueSetData {
  terms?: Record<string, number>;
  near?: NearCueData[];
}

/** A cue found in a text. */
export interface CueHit {
  label: string;
  weight: number;
  /** How often it matched. */
  count: number;
  /** Index of the first token of its first match: lets callers tell what a headline leads with. */
  firstToken: number;
}

/** A text split into folded tokens, with per-token pattern ids. Produced by {@link tokenize}. */
export interface TokenizedText {
  tokens: readonly string[];
  /** Token positions: the index plus a large gap per sentence boundary. */
  positions: readonly number[];
  /** Pattern ids each token matches. */
  patternIds: readonly (readonly number[])[];
  /** How each token negates what follows: a determiner ("no", "keine"), an adverb ("not", "nicht"), or not at all. */
  negations: readonly Negation[];
}

/** The negating role of a token. */
export type Negation = 'determiner' | 'adverb' | undefined;

interface TermCue {
  label: string;
  weight: number;
  patterns: number[];
}

interface NearCue {
  label: string;
  weight: number;
  window: number;
  groups: number[][];
}

/** A compiled cue set: pattern ids resolved, indexed by the pattern a match starts with. */
export interface CompiledCueSet {
  readonly terms: readonly TermCue[];
  readonly near: readonly NearCue[];
  /** Pattern id → indices of single-token terms. */
  readonly singleByPattern: ReadonlyMap<number, readonly number[]>;
  /** Pattern id → indices of multi-token terms starting with it. */
  readonly phraseByPattern: ReadonlyMap<number, readonly number[]>;
  /** Pattern id → [near cue index, group index] pairs. */
  readonly nearByPattern: ReadonlyMap<number, readonly (readonly [number, number])[]>;
}

// The pattern registry is module-wide so that every cue set shares one token cache.
const patternIds = new Map<string, number>();
const exactPatterns = new Map<string, number[]>();
const prefixPatterns = new Map<string, number[]>();
const suffixPatterns = new Map<string, number[]>();
const containsPatterns: { part: string; id: number }[] = [];
const tokenCache = new Map<string, readonly number[]>();


const NEGATING_DETERMINERS = new Set(negationWords.determiners.map(foldText));
const NEGATING_ADVERBS = new Set(negationWords.adverbs.map(foldText));
const NEGATION_CANCELLED_BY = new Set(negationWords.cancelledBy.map(foldText));
const CONTRACTIONS = new Set(negationWords.contractions.map(foldText));

/** The negating role of each token; "not only" and "nicht nur" do not negate, the "t" of "wasn't" does. */
function negationsOf(tokens: readonly string[]): Negation[] {
  return tokens.map((token, i): Negation => {
    const next = tokens[i + 1];
    if (next !== undefined && NEGATION_CANCELLED_BY.has(next)) return undefined;
    if (NEGATING_DETERMINERS.has(token)) return 'determiner';
    if (NEGATING_ADVERBS.has(token)) return 'adverb';
    const previous = tokens[i - 1];
    return token === 't' && previous !== undefined && CONTRACTIONS.has(previous) ? 'adverb' : undefined;
  });
}

function addTo(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}

/** Registers one token pattern (see the module comment for its syntax) and returns its id. */
function registerPattern(raw: string): number {
  const spec = foldText(raw.trim());
  const known = patternIds.get(spec);
  if (known !== undefined) return known;
  const id = patternIds.size;
  patternIds.set(spec, id);
  tokenCache.clear();
  if (spec.startsWith('=')) addTo(exactPatterns, spec.slice(1), id);
  else if (spec.startsWith('*') && spec.endsWith('*') && spec.length > 2) containsPatterns.push({ part: spec.slice(1, -1), id });
  else if (spec.startsWith('*')) addTo(suffixPatterns, spec.slice(1), id);
  else addTo(prefixPatterns, spec, id);
  return id;
}

/** Splits a term into token patterns the way the tokenizer splits text ("KI-Training" → ki, training). */
function termPatterns(term: string): number[] {
  return term
    .split(/[\s\-–/]+/u)
    .filter((part) => part !== '')
    .map(registerPattern);
}

function pushIndexed<V>(map: Map<number, V[]>, key: number, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Compiles a cue set from its data; call at module load, never per article. */
export function compileCueSet(data: CueSetData): CompiledCueSet {
  const terms: TermCue[] = [];
  const singleByPattern = new Map<number, number[]>();
  const phraseByPattern = new Map<number, number[]>();
  for (const [term, weight] of Object.entries(data.terms ?? {})) {
    const patterns = termPatterns(term);
    const first = patterns[0];
    if (first === undefined) continue;
    const label = term.replace(/^[=*]|\*$/g, '').replace(/(^|\s)[=*]/g, '$1');
    pushIndexed(patterns.length === 1 ? singleByPattern : phraseByPattern, first, terms.length);
    terms.push({ label, weight, patterns });
  }
  const near: NearCue[] = [];
  const nearByPattern = new Map<number, (readonly [number, number])[]>();
  for (const cue of data.near ?? []) {
    const multiWord = cue.all.flat().find((entry) => /[\s\-–/]/u.test(entry.trim()));
    if (multiWord !== undefined) throw new Error(`near cue "${cue.label}": "${multiWord}" is not a single token`);
    const groups = cue.all.map((group) => [...new Set(group.map(registerPattern))]);
    if (groups.length === 0 || groups.some((group) => group.length === 0)) continue;
    groups.forEach((group, groupIndex) => {
      for (const id of group) pushIndexed(nearByPattern, id, [near.length, groupIndex] as const);
    });
    near.push({ label: cue.label, weight: cue.weight, window: cue.window ?? DEFAULT_WINDOW, groups });
  }
  return { terms, near, singleByPattern, phraseByPattern, nearByPattern };
}

/** The pattern ids a folded token matches; cached, since vocabulary repeats across articles. */
function patternsOf(token: string): readonly number[] {
  const cached = tokenCache.get(token);
  if (cached) return cached;
  const ids: number[] = [];
  const exact = exactPatterns.get(token);
  if (exact) ids.push(...exact);
  for (let end = 1; end <= token.length; end++) {
    const prefix = prefixPatterns.get(token.slice(0, end));
    if (prefix) ids.push(...prefix);
  }
  for (let start = 0; start < token.length; start++) {
    const suffix = suffixPatterns.get(token.slice(start));
    if (suffix) ids.push(...suffix);
  }
  for (const { part, id } of containsPatterns) if (token.includes(part)) ids.push(id);
  const result = ids.length > 1 ? [...new Set(ids)] : ids;
  if (tokenCache.size >= MAX_CACHED_TOKENS) tokenCache.clear();
  tokenCache.set(token, result);
  return result;
}

/**
 * A word, a sentence end or a line break. A full stop right after a number of one or two digits is a German
 * ordinal ("zum 1. Februar", "am 3. Oktober", "das 2. Mal"), not a sentence end: counting it as one would cut
 * "die Datenschutzerklärung zum 1. März geändert" in two and hide the act from near cues.
 */
const TOKEN_OR_BOUNDARY = /[\p{L}\p{N}]+|(?<!(?:^|[^\p{L}\p{N}])\p{N}{1,2})\.(?=\s|$)|[!?](?=\s|$)|\n/gu;

/** The last two inputs tokenized (an article's title and text) and their results, newest last. */
const recent: { input: string; result: TokenizedText }[] = [];

/**
 * Folds and tokenizes at most `maxChars` of `text`. Relevance and type scoring read the same title and text
 * one after the other, so the last two results are kept and reused for the same input.
 */
export function tokenize(text: string, maxChars: number): TokenizedText {
  const input = text.length > maxChars ? text.slice(0, maxChars) : text;
  const known = recent.find((entry) => entry.input === input);
  if (known) return known.result;
  const tokens: string[] = [];
  const positions: number[] = [];
  const ids: (readonly number[])[] = [];
  let position = 0;
  for (const match of foldText(input).matchAll(TOKEN_OR_BOUNDARY)) {
    const word = match[0];
    if (word === '\n' || word === '.' || word === '!' || word === '?') {
      position += SENTENCE_GAP;
      continue;
    }
    const token = word.length > MAX_TOKEN_CHARS ? word.slice(0, MAX_TOKEN_CHARS) : word;
    tokens.push(token);
    positions.push(position++);
    ids.push(patternsOf(token));
  }
  const result: TokenizedText = { tokens, positions, patternIds: ids, negations: negationsOf(tokens) };
  recent.push({ input, result });
  if (recent.length > 2) recent.shift();
  return result;
}

/** Records a match of cue `index` at `token` in the per-cue tallies. */
function tally(counts: Map<number, { count: number; firstToken: number }>, index: number, token: number): void {
  const entry = counts.get(index);
  if (entry) entry.count++;
  else counts.set(index, { count: 1, firstToken: token });
}

/**
 * Whether the match spanning tokens `first`…`last` is negated: a negating determiner up to
 * `DETERMINER_SCOPE` tokens before it, a negating adverb right before it, or any negation inside it — all in
 * the same sentence.
 */
function isNegated(text: TokenizedText, first: number, last: number): boolean {
  const at = text.positions[first] ?? 0;
  for (let k = first - 1; k >= 0 && k >= first - DETERMINER_SCOPE; k--) {
    if (at - (text.positions[k] ?? 0) > DETERMINER_SCOPE) break;
    const negation = text.negations[k];
    if (negation === 'determiner' || (negation === 'adverb' && k === first - 1)) return true;
  }
  for (let k = first + 1; k < last; k++) if (text.negations[k] !== undefined) return true;
  return false;
}

/** Whether the multi-token term matches the tokens starting at `start`. */
function phraseMatchesAt(text: TokenizedText, term: TermCue, start: number): boolean {
  for (let k = 1; k < term.patterns.length; k++) {
    const ids = text.patternIds[start + k];
    const wanted = term.patterns[k];
    if (!ids || wanted === undefined || !ids.includes(wanted)) return false;
    if ((text.positions[start + k] ?? 0) - (text.positions[start + k - 1] ?? 0) !== 1) return false;
  }
  return true;
}

/** The first index in ascending `list` whose position is ≥ `min`. */
function lowerBound(list: readonly number[], positions: readonly number[], min: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((positions[list[mid] ?? 0] ?? 0) < min) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Counts the anchors of a near cue (matches of its first group) that have every other group nearby, and are
 * not negated ("Daten wurden nicht abgegriffen").
 */
function matchNear(
  cue: NearCue,
  groupTokens: readonly (readonly number[])[],
  text: TokenizedText,
): { count: number; firstToken: number } | undefined {
  const { positions } = text;
  const anchors = groupTokens[0] ?? [];
  let count = 0;
  let firstToken = -1;
  for (const anchor of anchors) {
    const at = positions[anchor] ?? 0;
    let earliest = anchor;
    let latest = anchor;
    let complete = true;
    for (let g = 1; g < cue.groups.length && complete; g++) {
      const list = groupTokens[g] ?? [];
      const i = lowerBound(list, positions, at - cue.window);
      const candidate = list[i];
      // A token serving as the anchor cannot also fill another group; take the next one then.
      const other = candidate === anchor ? list[i + 1] : candidate;
      if (other === undefined || (positions[other] ?? 0) > at + cue.window) complete = false;
      else {
        earliest = Math.min(earliest, other);
        latest = Math.max(latest, other);
      }
    }
    if (!complete || isNegated(text, earliest, latest)) continue;
    count++;
    if (firstToken < 0 || earliest < firstToken) firstToken = earliest;
  }
  return count > 0 ? { count, firstToken } : undefined;
}

/**
 * Finds the cues of `set` in `text`. Where one token matches several single-token terms, only the heaviest
 * counts ("datenschutzverstoß" is not also "datenschutz"), so a compound is not scored twice. Negated positive
 * cues do not count (see the module comment).
 */
export function matchCues(text: TokenizedText, set: CompiledCueSet): CueHit[] {
  const termCounts = new Map<number, { count: number; firstToken: number }>();
  const groupTokens = set.near.map((cue) => cue.groups.map((): number[] => []));
  text.patternIds.forEach((ids, tokenIndex) => {
    let best = -1;
    for (const id of ids) {
      for (const t of set.singleByPattern.get(id) ?? []) {
        if (best < 0 || (set.terms[t]?.weight ?? 0) > (set.terms[best]?.weight ?? 0)) best = t;
      }
      for (const t of set.phraseByPattern.get(id) ?? []) {
        const term = set.terms[t];
        if (!term || !phraseMatchesAt(text, term, tokenIndex)) continue;
        if (term.weight > 0 && isNegated(text, tokenIndex, tokenIndex + term.patterns.length - 1)) continue;
        tally(termCounts, t, tokenIndex);
      }
      for (const [n, g] of set.nearByPattern.get(id) ?? []) {
        const list = groupTokens[n]?.[g];
        if (list && list[list.length - 1] !== tokenIndex) list.push(tokenIndex);
      }
    }
    if (best < 0) return;
    if ((set.terms[best]?.weight ?? 0) > 0 && isNegated(text, tokenIndex, tokenIndex)) return;
    tally(termCounts, best, tokenIndex);
  });
  const hits: CueHit[] = [];
  for (const [index, { count, firstToken }] of termCounts) {
    const term = set.terms[index];
    if (term) hits.push({ label: term.label, weight: term.weight, count, firstToken });
  }
  set.near.forEach((cue, n) => {
    const found = matchNear(cue, groupTokens[n] ?? [], text);
    if (found) hits.push({ label: cue.label, weight: cue.weight, ...found });
  });
  return hits;
}

/**
 * Evidence of a set of hits, with diminishing returns per cue: the first occurrence counts fully, each
 * further one half as much as the one before, so one repeated word cannot outweigh varied evidence.
 */
export function evidence(hits: readonly CueHit[]): number {
  let sum = 0;
  for (const hit of hits) sum += hit.weight * (2 - 2 ** (1 - Math.min(hit.count, 8)));
  return sum;
}

/** Evidence of a set of hits counting each cue once (for titles: a headline names its subject once). */
export function distinctEvidence(hits: readonly CueHit[]): number {
  let sum = 0;
  for (const hit of hits) sum += hit.weight;
  return sum;
}
