/**
 * ROUGE-1/2/L for judging summaries against hand-written references (Lin, 2004), without stemming or
 * stopword removal so that German and English are measured the same way.
 */

/** Precision, recall and their harmonic mean, each 0…1. */
export interface RougeScore {
  precision: number;
  recall: number;
  f1: number;
}

/** Token cap per text: the LCS table is quadratic, and a summary is far shorter than this. */
const MAX_TOKENS = 2_000;

/**
 * Lowercase runs of unicode letters and digits: "Datenleck-Bußgeld, 3,5 Mio." → datenleck, bußgeld, 3, 5, mio.
 * Punctuation and hyphens separate tokens, so compound spellings with and without hyphen differ, as in the
 * original ROUGE tokeniser.
 */
export function rougeTokens(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_TOKENS);
}

function score(overlap: number, candidateSize: number, referenceSize: number): RougeScore {
  const precision = candidateSize === 0 ? 0 : overlap / candidateSize;
  const recall = referenceSize === 0 ? 0 : overlap / referenceSize;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = tokens.slice(i, i + n).join(' ');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

/** ROUGE-N: n-gram overlap with clipped counts (a repeated n-gram counts at most as often as the reference has it). */
export function rougeN(candidate: string, reference: string, n: number): RougeScore {
  const candidateGrams = ngramCounts(rougeTokens(candidate), n);
  const referenceGrams = ngramCounts(rougeTokens(reference), n);
  let overlap = 0;
  for (const [gram, count] of candidateGrams) overlap += Math.min(count, referenceGrams.get(gram) ?? 0);
  const total = (grams: Map<string, number>): number => [...grams.values()].reduce((a, b) => a + b, 0);
  return score(overlap, total(candidateGrams), total(referenceGrams));
}

/** Length of the longest common subsequence of two token lists (two-row dynamic programme). */
export function longestCommonSubsequence(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  let current = new Array<number>(b.length + 1).fill(0);
  for (const tokenA of a) {
    for (let j = 1; j <= b.length; j++) {
      current[j] = tokenA === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/** ROUGE-L: LCS-based precision/recall and the balanced F-measure (β = 1). */
export function rougeL(candidate: string, reference: string): RougeScore {
  const candidateTokens = rougeTokens(candidate);
  const referenceTokens = rougeTokens(reference);
  return score(longestCommonSubsequence(candidateTokens, referenceTokens), candidateTokens.length, referenceTokens.length);
}
