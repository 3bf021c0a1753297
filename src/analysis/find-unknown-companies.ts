import type { CompanyMention, UnknownCompany } from '../model/analysis.ts';
import { loadGazetteer, type Gazetteer } from './company-gazetteer.ts';
import { foldAccents, isCapitalised, joinsByHyphen, squashName, tokenise, type WordToken } from './company-tokens.ts';
import shapes from './data/unknown-companies.json' with { type: 'json' };

/**
 * Organisations the gazetteer does not know, found by their shape: a legal form ("Beispiel Data GmbH"), a
 * cue phrase ("der Konzern Wirecard", "the company Foo"), a role compound ("Wirecard-Chef") or an English
 * role ("Foo's CEO"). They are candidates for curators to add to the gazetteer, and let a card name the
 * company even before it is added. Newsrooms, authorities, parties and associations (e.V.) are left out.
 */

const MAX_TITLE_CHARS = 500;
const MAX_TEXT_CHARS = 20_000;
/** At most this many candidates per item: a story is about a handful of organisations. */
const MAX_CANDIDATES = 10;
/** A name is at most this many words before its legal form or after its cue phrase. */
const MAX_NAME_WORDS = 4;

/** A phrase as token patterns: folded tokens, and the punctuation before each token after the first. */
interface Phrase {
  text: string;
  tokens: string[];
  gaps: string[];
}

function toPhrase(text: string): Phrase {
  const tokens = tokenise(text);
  return { text, tokens: tokens.map((t) => t.folded), gaps: tokens.slice(1).map((t) => t.gapPunct) };
}

/** Longest first, so "GmbH & Co. KG" wins over "GmbH". */
function byLength(a: Phrase, b: Phrase): number {
  return b.tokens.length - a.tokens.length;
}

/** Phrases by their first token, so each text token probes one short list. */
function byFirstToken(phrases: Phrase[]): Map<string, Phrase[]> {
  const index = new Map<string, Phrase[]>();
  for (const phrase of [...phrases].sort(byLength)) {
    const first = phrase.tokens[0];
    if (first !== undefined) index.set(first, [...(index.get(first) ?? []), phrase]);
  }
  return index;
}

const LEGAL_FORM_PHRASES = shapes.legalForms.map(toPhrase);
const LEGAL_FORMS = byFirstToken(LEGAL_FORM_PHRASES);
const ASSOCIATION_FORMS = byFirstToken(shapes.associationForms.map(toPhrase));
/** Cue phrases are matched without case: "Der Konzern" opens a sentence. */
const CUE_PHRASES = byFirstToken(shapes.cuePhrases.map((p) => ({ ...toPhrase(p.toLowerCase()), text: p })));
/** Words of legal forms ("GmbH", "Co", "KG") end a name; they are never part of it. */
const LEGAL_FORM_WORDS = new Set(LEGAL_FORM_PHRASES.flatMap((f) => f.tokens));
const ROLE_HEADS = new Set(shapes.roleHeads);
const ENGLISH_ROLES = new Set(shapes.englishRoles);
const FUNCTION_WORDS = new Set(shapes.functionWords);
const NOT_COMPANIES = new Set(shapes.notCompanies.map(squashName));
const GENERIC_WORDS = new Set(shapes.genericWords.map(squashName));
const NOUN_ENDINGS = shapes.nounEndings;

/** Squashed names of every gazetteer entry, per gazetteer. */
const knownNames = new WeakMap<Gazetteer, Set<string>>();

function knownNamesFor(gazetteer: Gazetteer): Set<string> {
  let names = knownNames.get(gazetteer);
  if (!names) {
    names = new Set(gazetteer.companies.flatMap((c) => [c.id, c.name, ...c.aliases].map(squashName)));
    knownNames.set(gazetteer, names);
  }
  return names;
}

/** A candidate before filtering: which tokens form the name, what it is called with its legal form. */
interface Candidate {
  from: number;
  to: number;
  /** Extra text after the name tokens, as written (the legal form). */
  suffixEnd?: number;
  evidence: string;
}

/**
 * Unknown organisations in an item, in order of appearance, without duplicates, at most 10. `known` (the
 * recognised gazetteer companies) and every gazetteer name and alias are excluded.
 */
export function findUnknownCompanies(
  title: string,
  text: string,
  known: CompanyMention[],
  gazetteer: Gazetteer = loadGazetteer(),
): UnknownCompany[] {
  const source = `${title.slice(0, MAX_TITLE_CHARS)}\n${text.slice(0, MAX_TEXT_CHARS)}`;
  const tokens = tokenise(source);
  const excluded = new Set(knownNamesFor(gazetteer));
  for (const mention of known) excluded.add(squashName(mention.name));
  const found: UnknownCompany[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < tokens.length && found.length < MAX_CANDIDATES; i += 1) {
    const candidate = candidateAt(tokens, i);
    if (!candidate) continue;
    const nameTokens = tokens.slice(candidate.from, candidate.to);
    const key = squashName(nameTokens.map((t) => t.folded).join(' '));
    if (seen.has(key) || !isPlausibleName(nameTokens, excluded)) continue;
    seen.add(key);
    const first = nameTokens[0] as WordToken;
    const last = nameTokens[nameTokens.length - 1] as WordToken;
    found.push({ name: source.slice(first.start, candidate.suffixEnd ?? last.end).trim(), evidence: candidate.evidence });
  }
  return found;
}

/** The shapes, tried at token `i`: a legal form ending here, a cue phrase starting here, a role compound. */
function candidateAt(tokens: WordToken[], i: number): Candidate | undefined {
  return legalFormAt(tokens, i) ?? cuePhraseAt(tokens, i) ?? roleCompoundAt(tokens, i) ?? englishRoleAt(tokens, i);
}

function phraseAt(tokens: WordToken[], at: number, phrase: Phrase, ignoreCase: boolean): boolean {
  for (let k = 0; k < phrase.tokens.length; k += 1) {
    const token = tokens[at + k];
    if (!token) return false;
    const written = ignoreCase ? token.lower : token.folded;
    if (written !== phrase.tokens[k]) return false;
    if (k > 0 && (token.gapPunct !== phrase.gaps[k - 1] || token.gapNewline)) return false;
  }
  return true;
}

/** "Beispiel Data GmbH": capitalised words, then a legal form (associations — e.V. — are skipped). */
function legalFormAt(tokens: WordToken[], i: number): Candidate | undefined {
  const token = tokens[i] as WordToken;
  if (i === 0 || token.gapNewline || !token.gapSpace) return undefined;
  if ((ASSOCIATION_FORMS.get(token.folded) ?? []).some((form) => phraseAt(tokens, i, form, false))) return undefined;
  const form = (LEGAL_FORMS.get(token.folded) ?? []).find((f) => phraseAt(tokens, i, f, false));
  if (!form) return undefined;
  const from = nameStartAt(tokens, i - 1);
  if (from === i) return undefined;
  const formEnd = (tokens[i + form.tokens.length - 1] as WordToken).end;
  const suffixEnd = form.text.endsWith('.') ? formEnd + 1 : formEnd;
  return { from, to: i, suffixEnd, evidence: `legal form ${form.text}` };
}

/**
 * The first token of the name whose last word is `last`: up to four capitalised words in one line, joined by
 * spaces, hyphens, "&" or dots; it stops at function words and ordinary nouns. Returns `last + 1` when
 * `last` itself is no name word.
 */
function nameStartAt(tokens: WordToken[], last: number): number {
  let from = last + 1;
  while (from > 0 && last + 1 - from < MAX_NAME_WORDS) {
    const candidate = tokens[from - 1] as WordToken;
    const joint = tokens[from];
    if (from <= last && joint && (joint.gapNewline || !/^[-&.]?$/.test(joint.gapPunct))) break;
    if (!isNameWord(candidate)) break;
    from -= 1;
  }
  return from;
}

function isNameWord(token: WordToken): boolean {
  if (!isCapitalised(token) && !/^\p{N}/u.test(token.folded)) return false;
  return !FUNCTION_WORDS.has(token.lower) && !LEGAL_FORM_WORDS.has(token.folded) && !isOrdinaryNoun(token);
}

/** "Daten", "Kunden", "Nutzerdaten", "Datenverarbeitung": nouns, not names. */
function isOrdinaryNoun(token: WordToken): boolean {
  return GENERIC_WORDS.has(squashName(token.folded)) || NOUN_ENDINGS.some((ending) => token.lower.endsWith(ending));
}

/** "der Konzern Wirecard", "the company Foo": up to four capitalised words after the phrase. */
function cuePhraseAt(tokens: WordToken[], i: number): Candidate | undefined {
  const phrase = (CUE_PHRASES.get((tokens[i] as WordToken).lower) ?? []).find((p) => phraseAt(tokens, i, p, true));
  if (!phrase) return undefined;
  const from = i + phrase.tokens.length;
  let to = from;
  while (to < tokens.length && to - from < MAX_NAME_WORDS) {
    const token = tokens[to] as WordToken;
    const gapOk = to === from ? token.gapPunct === '' && !token.gapNewline : /^[-&.]?$/.test(token.gapPunct) && !token.gapNewline;
    if (!gapOk || !isNameWord(token)) break;
    to += 1;
  }
  return to > from ? { from, to, evidence: phrase.text } : undefined;
}

/** "Wirecard-Chef", "Beispiel-Sprecherin": a name joined by hyphen to a role. */
function roleCompoundAt(tokens: WordToken[], i: number): Candidate | undefined {
  const token = tokens[i] as WordToken;
  const next = tokens[i + 1];
  if (!next || !joinsByHyphen(next) || !ROLE_HEADS.has(next.lower) || !isNameWord(token)) return undefined;
  if (i > 0 && joinsByHyphen(token)) return undefined;
  return { from: i, to: i + 1, evidence: `-${foldAccents(next.folded)}` };
}

/** "Foo's CEO": an English possessive before a role. */
function englishRoleAt(tokens: WordToken[], i: number): Candidate | undefined {
  const s = tokens[i + 1];
  const role = tokens[i + 2];
  if (!s || !role || s.folded !== 's' || !["'", '’'].includes(s.gapPunct) || !ENGLISH_ROLES.has(role.lower)) return undefined;
  const from = nameStartAt(tokens, i);
  return from <= i ? { from, to: i + 1, evidence: `'s ${role.folded}` } : undefined;
}

/** Not a known company (nor part of one's name), not a newsroom or authority. */
function isPlausibleName(nameTokens: WordToken[], excluded: Set<string>): boolean {
  const words = nameTokens.map((t) => t.folded);
  for (let from = 0; from < words.length; from += 1) {
    for (let to = from + 1; to <= words.length; to += 1) {
      const part = squashName(words.slice(from, to).join(' '));
      if (excluded.has(part) || NOT_COMPANIES.has(part)) return false;
    }
  }
  return words.some((w) => /\p{L}/u.test(w));
}
