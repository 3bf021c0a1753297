/**
 * The Lead-3 baseline: the first three sentences of the story, which in news writing carry the gist. A summary
 * that does not beat it on ROUGE adds nothing over showing the article's start.
 *
 * The sentence splitter is deliberately our own and simple, so the baseline does not move when the analysis'
 * splitter is improved.
 */

/** The card's summary limit, the same one the analysis has to respect. */
export const LEAD_MAX_CHARS = 320;

/**
 * A boundary is ., ! or ? (optionally closed by a quote or bracket) followed by whitespace and an uppercase
 * letter, a digit or an opening quote. Not a boundary: after a single letter ("z. B.", "U. S."), after a
 * one- or two-digit number (German ordinals and dates: "am 3. März").
 */
const BOUNDARY = /[.!?]["'”“»«)]*\s+(?=[\p{Lu}\p{N}"'„“«»])/gu;
const NO_SPLIT_BEFORE = /(?:^|[\s(])(?:\p{L}|\p{N}{1,2})\.$/u;

/** Splits running text into sentences (bounded: one linear pass; the abbreviation check reads only a sentence's last 5 characters). */
export function splitLeadSentences(text: string): string[] {
  const sentences: string[] = [];
  const flat = text.replace(/\s+/g, ' ').trim();
  let start = 0;
  for (const match of flat.matchAll(BOUNDARY)) {
    const end = match.index + match[0].trimEnd().length;
    const candidate = flat.slice(start, end);
    if (NO_SPLIT_BEFORE.test(candidate.slice(-5))) continue;
    sentences.push(candidate.trim());
    start = match.index + match[0].length;
  }
  const rest = flat.slice(start).trim();
  if (rest) sentences.push(rest);
  return sentences;
}

/** Cuts one over-long sentence at the last word boundary that leaves room for an ellipsis. */
function cutAtWord(sentence: string, maxChars: number): string {
  const room = sentence.slice(0, maxChars - 1);
  const lastSpace = room.lastIndexOf(' ');
  return `${(lastSpace > 0 ? room.slice(0, lastSpace) : room).trimEnd()}…`;
}

/**
 * Up to the first `count` sentences that fit within `maxChars` together, cut at a sentence boundary. When even
 * the first sentence is too long, it is cut at a word boundary instead (an empty baseline would be unfair).
 */
export function leadSummary(text: string, count = 3, maxChars = LEAD_MAX_CHARS): string {
  const sentences = splitLeadSentences(text).slice(0, count);
  let summary = '';
  for (const sentence of sentences) {
    const next = summary ? `${summary} ${sentence}` : sentence;
    if (next.length > maxChars) break;
    summary = next;
  }
  if (!summary && sentences[0]) return cutAtWord(sentences[0], maxChars);
  return summary;
}
