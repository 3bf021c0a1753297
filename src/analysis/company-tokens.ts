/**
 * Word tokens for company recognition: one linear pass over the text that keeps what the matchers need —
 * the token's spelling with accents folded but case and German umlauts kept (proper names are matched
 * case-sensitively, and "Über" is a word, not Uber), a fully folded lower-case form for cue look-ups, the
 * punctuation between tokens (hyphen compounds "Amazon-Tochter", "1&1", "WEB.DE"), and sentence numbers
 * (context cues count within a sentence).
 */

/** One word: a maximal run of letters and digits. */
export interface WordToken {
  /** Accents and umlauts folded, case kept: "Telefónica" → "Telefonica", "Über" → "Uber". */
  folded: string;
  /** `folded` in lower case, for look-ups of curated words (written without umlauts). */
  lower: string;
  /**
   * How names are compared: accents folded, but case and the umlauts ä ö ü kept, since German umlauts are
   * letters of their own ("Telefónica" → "Telefonica", "Über" stays "Über" and so never matches Uber).
   */
  spelling: string;
  /** Offsets of the token in the tokenised string (end exclusive), for quoting it as written. */
  start: number;
  end: number;
  /** The punctuation between the previous token and this one, whitespace removed ("-", "&", ".", ""). */
  gapPunct: string;
  /** Whether whitespace stands between the previous token and this one. */
  gapSpace: boolean;
  /** Whether a line break stands between the previous token and this one. */
  gapNewline: boolean;
  /** Sentence number, counted from 0: a new sentence starts after . ! ? followed by whitespace, and at line breaks. */
  sentence: number;
}

/** Letters that Unicode decomposition does not split into a base letter and a mark. */
const UNDECOMPOSED: Record<string, string> = { ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', ı: 'i' };
const UNDECOMPOSED_PATTERN = /[øØłŁđĐı]/g;
const MARKS = /\p{M}+/gu;
const WORD = /[\p{L}\p{N}]+/gu;
/** Most tokens are plain ASCII and need no folding. */
const ASCII = /^[\x00-\x7f]*$/;
/** Longer gaps are only inspected at their ends: a gap that long never joins a name. */
const MAX_GAP_CHARS = 12;
const SENTENCE_END = /[.!?…]["'“”„»«)\]]*\s/;

/** Decomposed marks; a diaeresis on a, o or u (a German umlaut) is captured so that {@link foldAccentsKeepingUmlauts} keeps it. */
const UMLAUT_OR_MARKS = /([aouAOU])\u0308|\p{M}+/gu;

/** Removes accents and diacritics, keeping case: "Škoda" → "Skoda", "Telefònica" → "Telefonica", "Über" → "Uber". */
export function foldAccents(text: string): string {
  return text.normalize('NFD').replace(MARKS, '').replace(UNDECOMPOSED_PATTERN, (c) => UNDECOMPOSED[c] ?? c);
}

/**
 * Removes accents but keeps the German umlauts ä ö ü (and case): "Telefónica" → "Telefonica", "Citroën" →
 * "Citroen", "Über" → "Über". Umlauts are distinct letters in German, so folding them would turn ordinary
 * words into names ("Über" → Uber).
 */
function foldAccentsKeepingUmlauts(text: string): string {
  return text
    .normalize('NFD')
    .replace(UMLAUT_OR_MARKS, (_mark, vowel: string | undefined) => (vowel === undefined ? '' : `${vowel}\u0308`))
    .replace(UNDECOMPOSED_PATTERN, (c) => UNDECOMPOSED[c] ?? c)
    .normalize('NFC');
}

/**
 * The comparison key for names typed by people: lower case, accents folded, ß → ss, everything but letters
 * and digits removed ("WhatsApp" = "whats app", "Telefónica" = "TELEFONICA", "1&1" = "11").
 */
export function squashName(text: string): string {
  return foldAccents(text.toLowerCase()).replace(/ß/g, 'ss').replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Splits text into word tokens; at most `maxTokens` (bounded work on hostile input). */
export function tokenise(text: string, maxTokens = 10_000): WordToken[] {
  const tokens: WordToken[] = [];
  let previousEnd = 0;
  let sentence = 0;
  for (const match of text.matchAll(WORD)) {
    if (tokens.length >= maxTokens) break;
    const start = match.index;
    const gap = describeGap(gapText(text, previousEnd, start));
    if (tokens.length > 0 && gap.endsSentence) sentence += 1;
    const ascii = ASCII.test(match[0]);
    const folded = ascii ? match[0] : foldAccents(match[0]);
    tokens.push({
      folded,
      lower: folded.toLowerCase(),
      spelling: ascii ? match[0] : foldAccentsKeepingUmlauts(match[0]),
      start,
      end: start + match[0].length,
      gapPunct: gap.punct,
      gapSpace: gap.space,
      gapNewline: gap.newline,
      sentence,
    });
    previousEnd = start + match[0].length;
  }
  return tokens;
}

interface Gap {
  punct: string;
  space: boolean;
  newline: boolean;
  endsSentence: boolean;
}

/** A single space, by far the most common gap, needs no inspection. */
const SPACE_GAP: Gap = { punct: '', space: true, newline: false, endsSentence: false };

function describeGap(raw: string): Gap {
  if (raw === ' ') return SPACE_GAP;
  const newline = raw.includes('\n');
  return { punct: raw.replace(/\s+/g, ''), space: /\s/.test(raw), newline, endsSentence: newline || SENTENCE_END.test(raw) };
}

/** The text between two tokens; for long gaps only both ends, which is all the matchers look at. */
function gapText(text: string, from: number, to: number): string {
  if (to - from <= MAX_GAP_CHARS) return text.slice(from, to);
  const half = MAX_GAP_CHARS / 2;
  return `${text.slice(from, from + half)} ${text.slice(to - half, to)}`;
}

/** Whether the token is written with a capital first letter ("Otto", "SAP", "Ring"). */
export function isCapitalised(token: WordToken): boolean {
  const first = token.folded[0] ?? '';
  return first !== first.toLowerCase();
}

/** Whether the token is the first part of a hyphen compound whose next part is `next` ("Amazon-Tochter"). */
export function joinsByHyphen(next: WordToken | undefined): boolean {
  return next !== undefined && next.gapPunct === '-' && !next.gapSpace;
}
