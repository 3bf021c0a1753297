import boilerplate from './data/boilerplate.json' with { type: 'json' };

/** What the cleaner may know about the article besides its text. */
export interface CleanOptions {
  /** The item's title. A paragraph repeating it is dropped: the card shows the title separately. */
  title?: string;
  /** The article's language: selects the German or English phrases (both when absent). */
  language?: 'de' | 'en';
}

/**
 * The longest article text handled, in characters. Longer input is cut before cleaning and the
 * output never exceeds it: a story is far shorter, and the bound keeps the work small whatever a
 * page holds.
 */
export const MAX_ARTICLE_CHARS = 100_000;

// ---------------------------------------------------------------------------------------------
// Curated data (src/ingest/data/boilerplate.json)

interface PatternSpec {
  why: string;
  pattern: string;
  flags: string;
}

/** One language section of the curated phrases; `common` applies whatever the language. */
interface PhraseSection {
  dropLabels: Record<string, string[]>;
  dropPrefixes: Record<string, string[]>;
  dropPatterns: PatternSpec[];
  captionCreditWords: string[];
  newsletterLabels: string[];
  stopHeadings: Record<StopKind, string[]>;
  relatedPrefixes: string[];
  leadPatterns: PatternSpec[];
  creditPrefixes: string[];
  agencies: string[];
  creditFillers: string[];
  shareNetworks: string[];
  shareVerbs: string[];
  shareFillers: string[];
  updateNoteWords: string[];
}

/**
 * Why a heading ends the story: a list of other articles, the comment section, or the author box.
 * Each is followed by things that are not the story, so the story stops there.
 */
type StopKind = 'related' | 'comments' | 'author';

const SECTIONS: Record<'common' | 'de' | 'en', PhraseSection> = boilerplate.text;

/** The curated phrases compiled for fast matching. */
interface Rules {
  dropLabels: Set<string>;
  newsletterLabels: Set<string>;
  stopHeadings: Map<string, StopKind>;
  relatedPrefixes: string[];
  dropPrefixes: string[];
  dropPatterns: RegExp[];
  leadPatterns: RegExp[];
  /** A picture credit in parentheses at the end of a line: "(Bild: …)", "(Image: …)", "(© …)". */
  parenthesisedCredit: RegExp;
  /** A picture credit ending a short line after a full stop or dash: "… Foto: dpa", "Image: Jane Roe/Agency". */
  trailingCredit: RegExp;
  /** A "read more" link at the end of a line: "… Weiterlesen…", "[Read more]". */
  readMoreSuffix: RegExp;
  /**
   * A note that carries facts and must stay: "Update: …", "[Update vom 1. November]: …", "Nachtrag: …".
   * The colon and text after it tell a note from a bare date line ("Updated March 12, 2024, 2:30 pm").
   */
  updateNote: RegExp;
  creditPrefixes: string[];
  agencies: Set<string>;
  creditWords: Set<string>;
  shareNetworks: Set<string>;
  shareVerbs: Set<string>;
  shareWords: Set<string>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Alternation of the phrases, longest first so "Image credit" wins over "Image". */
function alternation(phrases: readonly string[]): string {
  return [...new Set(phrases)]
    .sort((a, b) => b.length - a.length)
    .map((p) => p.split(/\s+/).map(escapeRegExp).join('\\s'))
    .join('|');
}

function compileRules(sections: readonly PhraseSection[]): Rules {
  const all = <T>(pick: (s: PhraseSection) => readonly T[]): T[] => sections.flatMap(pick);
  const labels = (phrases: readonly string[]): Set<string> => new Set(phrases.map(labelKey).filter((k) => k !== ''));
  const lowered = (phrases: readonly string[]): string[] => phrases.map((p) => p.toLowerCase());
  const regexes = (specs: readonly PatternSpec[]): RegExp[] => specs.map((s) => new RegExp(s.pattern, s.flags));

  const stopHeadings = new Map<string, StopKind>();
  for (const kind of ['related', 'comments', 'author'] as const) {
    for (const key of labels(all((s) => s.stopHeadings[kind]))) stopHeadings.set(key, kind);
  }
  const newsletterLabels = labels(all((s) => s.newsletterLabels));
  const readMore = all((s) => s.dropLabels['readMore'] ?? []);
  const creditWords = alternation(all((s) => s.captionCreditWords));
  const agencies = labels(all((s) => s.agencies));
  const shareNetworks = labels(all((s) => s.shareNetworks));
  const shareVerbs = labels(all((s) => s.shareVerbs));
  return {
    dropLabels: new Set([...labels(all((s) => Object.values(s.dropLabels).flat())), ...newsletterLabels]),
    newsletterLabels,
    stopHeadings,
    relatedPrefixes: lowered(all((s) => s.relatedPrefixes)),
    dropPrefixes: lowered(all((s) => Object.values(s.dropPrefixes).flat())),
    dropPatterns: regexes(all((s) => s.dropPatterns)),
    leadPatterns: regexes(all((s) => s.leadPatterns)),
    parenthesisedCredit: new RegExp(`\\s*[(\\[]\\s*(?:(?:${creditWords})\\s?:|©)[^()[\\]]{1,150}[)\\]]$`, 'iu'),
    trailingCredit: new RegExp(`(?:^|[.!?…)\\]|–—-]\\s)(?:${creditWords})\\s?:\\s[^:]{1,80}$`, 'u'),
    readMoreSuffix: new RegExp(`(?:^|\\s)[[(]?(?:${alternation(readMore)})\\s?(?:…|\\.{2,3}|»|›|→|>)?[\\])]?$`, 'iu'),
    updateNote: new RegExp(`^[[(*\\s]*(?:${alternation(all((s) => s.updateNoteWords))})(?!\\p{L}).{0,40}?:\\s`, 'iu'),
    creditPrefixes: lowered(all((s) => s.creditPrefixes)),
    agencies,
    creditWords: new Set([...agencies, ...labels(all((s) => s.creditFillers))]),
    shareNetworks,
    shareVerbs,
    shareWords: new Set([...shareNetworks, ...shareVerbs, ...labels(all((s) => s.shareFillers))]),
  };
}

const rulesByLanguage = new Map<string, Rules>();

/** The rules for a language, compiled once: common + that language, or everything when unknown. */
function rulesFor(language: CleanOptions['language']): Rules {
  const known = language === 'de' || language === 'en' ? language : undefined;
  const key = known ?? 'all';
  let rules = rulesByLanguage.get(key);
  if (rules === undefined) {
    rules = compileRules(known === undefined ? [SECTIONS.common, SECTIONS.de, SECTIONS.en] : [SECTIONS.common, SECTIONS[known]]);
    rulesByLanguage.set(key, rules);
  }
  return rules;
}

// ---------------------------------------------------------------------------------------------
// Thresholds

/** Patterns describe short clutter lines; longer lines are story text and are never matched. */
const MAX_PATTERN_LINE = 300;
/** A caption is short: a line that is no longer than this once its picture credit is removed goes. */
const MAX_CAPTION_CHARS = 200;
/** A line ending in an unbracketed credit ("… Foto: dpa") is a caption when at most this long. */
const MAX_CREDITED_CAPTION_CHARS = 250;
/** Headings of related-article lists are short. */
const MAX_HEADING_CHARS = 80;
/** Items of a link list: short titles without a full stop, or teasers cut off with "…". */
const MAX_LIST_ITEM_CHARS = 120;
/** A link list after an early related heading is skipped for at most this many lines. */
const MAX_LIST_ITEMS = 40;
/** A newsletter box: heading, at most this many lines, then a sign-up label. */
const MAX_BOX_LINES = 6;
/** A line inside a newsletter box is a sentence or two, never a story paragraph. */
const MAX_BOX_LINE_CHARS = 300;
/** Trailing source credits ("tagesschau.de [via SmartDroid]", "Quelle: golem") are short. */
const MAX_CREDIT_CHARS = 100;
/** … and a handful of words. */
const MAX_CREDIT_WORDS = 6;
/** Paragraphs at least this long count as story prose. */
const MIN_PROSE_CHARS = 80;
/** Once this much prose has been kept, the story body has begun (bylines, dates are behind). */
const MIN_BODY_CHARS = 200;
/** Sentences shorter than this ("Nein.") are too common to identify a repeated paragraph. */
const MIN_SENTENCE_KEY_CHARS = 20;
/** A paragraph is a repeat when already-seen sentences make up at least this share of it. */
const REPEATED_SHARE = 0.8;

// ---------------------------------------------------------------------------------------------
// Text helpers

/** Invisible characters that break phrase matching: soft hyphens, zero-width spaces and joiners, BOM. */
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;

function foldWhitespace(line: string): string {
  return line.replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

/** Letters and digits only, lowercased: compares text regardless of case, punctuation and spacing. */
function contentKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** A line as a label: like {@link contentKey}, without number-only words ("Kommentare (25)" → "kommentare"). */
function labelKey(text: string): string {
  return contentKey(text)
    .split(' ')
    .filter((word) => word !== '' && !/^\p{N}+$/u.test(word))
    .join(' ');
}

/** The line lowercased without leading bullets and arrows, for prefix comparisons. */
function prefixForm(line: string): string {
  return line.replace(/^[\s*•·►▶→>»|–—-]+/u, '').toLowerCase();
}

function startsWithAny(text: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => text.startsWith(prefix));
}

/** Whether a line ends like a sentence (closing quotes and brackets aside). */
function endsLikeSentence(line: string): boolean {
  return /[.!?…:]["'“”„»«)\]]*$/u.test(line);
}

function endsWithEllipsis(line: string): boolean {
  return /(?:…|\.\.\.)["'”»)\]]*$/u.test(line);
}

function splitSentences(paragraph: string): string[] {
  return paragraph.split(/(?<=[.!?…])\s+/u);
}

/**
 * The text without an ending that `pattern` (anchored with `$`) finds in its last `window`
 * characters; only the end is searched, so long paragraphs cost no more than short ones.
 */
function withoutEnding(text: string, pattern: RegExp, window: number): string {
  const start = Math.max(0, text.length - window);
  const match = pattern.exec(text.slice(start));
  return match === null ? text : text.slice(0, start + match.index).trimEnd();
}

function capAtParagraph(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf('\n\n', max);
  return (cut > 0 ? text.slice(0, cut) : text.slice(0, max)).trimEnd();
}

// ---------------------------------------------------------------------------------------------
// Line classification

/** A line of the text with its label form computed once. */
interface Line {
  text: string;
  key: string;
}

function toLine(text: string): Line {
  return { text, key: labelKey(text) };
}

function isUpdateNote(line: string, rules: Rules): boolean {
  return rules.updateNote.test(line);
}

/** The kind of stop heading the line is ("Mehr zum Thema", "Kommentare", "Über den Autor"), if any. */
function stopHeading(line: Line, rules: Rules): StopKind | undefined {
  const kind = rules.stopHeadings.get(line.key);
  if (kind !== undefined) return kind;
  return isHeadingLike(line.text) && startsWithAny(prefixForm(line.text), rules.relatedPrefixes) ? 'related' : undefined;
}

function isHeadingLike(text: string): boolean {
  return text.length <= MAX_HEADING_CHARS && !/[.!?]$/.test(text);
}

/** An item of a related-article list: a short title, a teaser cut off with "…", or a "read more" link. */
function isListItem(line: string, rules: Rules): boolean {
  if (endsWithEllipsis(line)) return true;
  if (rules.readMoreSuffix.test(line)) return true;
  return line.length <= MAX_LIST_ITEM_CHARS && !endsLikeSentence(line);
}

function isNewsletterHeading(line: Line): boolean {
  return isHeadingLike(line.text) && line.key.split(' ').includes('newsletter');
}

/**
 * Where a newsletter box that starts at `start` ends: a heading naming the newsletter, a few short
 * lines, then a sign-up label ("Jetzt anmelden", "Subscribe"). Undefined when no such box starts
 * there — a heading alone may be a subhead of a story about newsletters.
 */
function newsletterBoxEnd(lines: readonly Line[], start: number, rules: Rules): number | undefined {
  const heading = lines[start];
  if (heading === undefined || !isNewsletterHeading(heading)) return undefined;
  const last = Math.min(lines.length - 1, start + MAX_BOX_LINES);
  for (let i = start + 1; i <= last; i++) {
    const line = lines[i];
    if (line === undefined || line.text.length > MAX_BOX_LINE_CHARS) return undefined;
    if (rules.newsletterLabels.has(line.key)) return i;
  }
  return undefined;
}

/** A line of share buttons: "Teilen", "Share on Facebook", "Facebook Twitter WhatsApp E-Mail". */
function isShareLine(key: string, rules: Rules): boolean {
  const words = key.split(' ');
  if (key === '' || !words.every((w) => rules.shareWords.has(w))) return false;
  return words.some((w) => rules.shareVerbs.has(w)) || words.filter((w) => rules.shareNetworks.has(w)).length >= 2;
}

/**
 * The line without a trailing "read more" link and picture credit; undefined when nothing of the
 * story is left (a bare "Weiterlesen…", or a caption: a short line that ends in a picture credit).
 */
function withoutLinksAndCredits(line: string, rules: Rules): string | undefined {
  const text = withoutEnding(line, rules.readMoreSuffix, MAX_HEADING_CHARS);
  const uncredited = withoutEnding(text, rules.parenthesisedCredit, MAX_CAPTION_CHARS);
  if (uncredited !== text) return uncredited.length <= MAX_CAPTION_CHARS ? undefined : uncredited;
  if (text.length <= MAX_CREDITED_CAPTION_CHARS && rules.trailingCredit.test(text)) return undefined;
  return text === '' ? undefined : text;
}

/** Labels, prefixes and patterns of clutter lines: ads, sign-ups, ratings, share buttons, forum notices… */
function isClutterLine({ text, key }: Line, rules: Rules): boolean {
  if (key === '' || rules.dropLabels.has(key)) return true;
  if (text.length > MAX_PATTERN_LINE) return false;
  return (
    startsWithAny(prefixForm(text), rules.dropPrefixes) ||
    rules.dropPatterns.some((pattern) => pattern.test(text)) ||
    isShareLine(key, rules)
  );
}

/** Bylines and date lines, which only stand before the story body. */
function isLeadClutter(line: string, rules: Rules): boolean {
  return line.length <= MAX_PATTERN_LINE && rules.leadPatterns.some((pattern) => pattern.test(line));
}

/**
 * A source credit ending a page: "Quelle: golem", "tagesschau.de [via SmartDroid]", "(dpa)",
 * "Source: The Verge". Short, not a sentence, and made of credit words, outlet domains or "via".
 */
function isSourceCredit(line: string, rules: Rules): boolean {
  if (line.length > MAX_CREDIT_CHARS || isUpdateNote(line, rules)) return false;
  if (startsWithAny(prefixForm(line), rules.creditPrefixes)) return true;
  if (/[.!?:]["“”»]?$/u.test(line)) return false;
  const words = labelKey(line).split(' ');
  if (words.every((w) => rules.creditWords.has(w)) && words.some((w) => rules.agencies.has(w))) return true;
  return words.length <= MAX_CREDIT_WORDS && (words.includes('via') || /[\p{L}\p{N}-]\.(?:de|com|org|net|at|ch|eu|io|info|uk|fr|nl)\b/u.test(line));
}

// ---------------------------------------------------------------------------------------------
// The story being collected

/** Paragraphs kept so far, with what is needed to recognise repeats and the start of the body. */
class Story {
  readonly paragraphs: string[] = [];
  private readonly seenParagraphs = new Set<string>();
  private readonly seenSentences = new Set<string>();
  private proseChars = 0;

  /** The title counts as already seen: the card shows it, so a repetition in the text goes. */
  constructor(title: string | undefined) {
    const key = title === undefined ? '' : contentKey(foldWhitespace(title));
    if (key !== '') this.seenParagraphs.add(key);
  }

  /** Whether the story body has begun: enough prose kept that bylines and dates are behind. */
  get bodyStarted(): boolean {
    return this.proseChars >= MIN_BODY_CHARS;
  }

  /**
   * Keeps a paragraph unless it repeats one kept before — the same words regardless of case,
   * punctuation and spacing, or sentences seen before (a reposted block split differently).
   */
  add(paragraph: string): void {
    const key = contentKey(paragraph);
    if (key === '' || this.seenParagraphs.has(key)) return;
    const sentenceKeys = splitSentences(paragraph)
      .map(contentKey)
      .filter((k) => k.length >= MIN_SENTENCE_KEY_CHARS);
    const seenChars = sentenceKeys.filter((k) => this.seenSentences.has(k)).reduce((sum, k) => sum + k.length, 0);
    if (sentenceKeys.length > 0 && seenChars >= REPEATED_SHARE * key.length) return;
    this.seenParagraphs.add(key);
    for (const k of sentenceKeys) this.seenSentences.add(k);
    this.paragraphs.push(paragraph);
    if (paragraph.length >= MIN_PROSE_CHARS) this.proseChars += paragraph.length;
  }

  /** Drops source credits at the very end ("Quelle: golem", "tagesschau.de [via SmartDroid]"). */
  dropTrailingCredits(rules: Rules): void {
    while (this.paragraphs.length > 0 && isSourceCredit(this.paragraphs.at(-1) ?? '', rules)) this.paragraphs.pop();
  }
}

function collectStory(lines: readonly Line[], rules: Rules, title: string | undefined): Story {
  const story = new Story(title);
  let listItemsToSkip = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === undefined) break;
    if (isUpdateNote(line.text, rules)) {
      story.add(line.text);
      continue;
    }
    const stop = stopHeading(line, rules);
    if (stop !== undefined) {
      if (story.bodyStarted) break;
      // Before the body (a menu, a jump link): drop the heading; a related list goes with it.
      listItemsToSkip = stop === 'related' ? MAX_LIST_ITEMS : 0;
      continue;
    }
    if (listItemsToSkip > 0 && isListItem(line.text, rules)) {
      listItemsToSkip--;
      continue;
    }
    listItemsToSkip = 0;
    const boxEnd = newsletterBoxEnd(lines, i, rules);
    if (boxEnd !== undefined) {
      i = boxEnd;
      continue;
    }
    if (isClutterLine(line, rules)) continue;
    const text = withoutLinksAndCredits(line.text, rules);
    if (text === undefined || (text !== line.text && isClutterLine(toLine(text), rules))) continue;
    if (!story.bodyStarted && isLeadClutter(text, rules)) continue;
    story.add(text);
  }
  story.dropTrailingCredits(rules);
  return story;
}

/**
 * Reduces scraped article text to the story and nothing else. Pages and forum reposts bring
 * ads, newsletter and subscription boxes, rating widgets, picture captions and credits, "read
 * more" and related-article lists, comment prompts, author boxes, share buttons and source
 * credits along with the story, and sometimes the whole story twice; the card and the analysis
 * must see only the story. Update notes ("Update: …", "Nachtrag: …") stay: they carry facts.
 *
 * Works on plain text whose paragraphs are separated by blank lines or single newlines; returns
 * the kept paragraphs joined by "\n\n" with whitespace folded. The curated phrases live in
 * `data/boilerplate.json`. Linear in the input, which is cut at {@link MAX_ARTICLE_CHARS}.
 */
export function cleanArticleText(text: string, options: CleanOptions = {}): string {
  if (typeof text !== 'string') return '';
  const rules = rulesFor(options.language);
  // The cut may halve a surrogate pair (an emoji); a lone half is not text, and becomes U+FFFD.
  const lines = text
    .slice(0, MAX_ARTICLE_CHARS)
    .toWellFormed()
    .split('\n')
    .map(foldWhitespace)
    .filter((line) => line !== '')
    .map(toLine);
  const story = collectStory(lines, rules, options.title);
  return capAtParagraph(story.paragraphs.join('\n\n'), MAX_ARTICLE_CHARS);
}
