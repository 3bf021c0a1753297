import advertising from './data/advertising-title-prefixes.json' with { type: 'json' };

/** Lowercases and folds whitespace so "Anzeige  -" and "ANZEIGE -" compare equal. */
function foldForComparison(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

const PREFIXES: readonly string[] = advertising.prefixes.map(foldForComparison).filter((p) => p !== '');

/** Only the start of a title can hold a prefix; folding more than this would be wasted work. */
const TITLE_START_CHARS = 200;

/**
 * Whether a (plain-text) title marks its item as advertising or a shopping deal.
 * Outlets label paid content in the title ("Anzeige:", "heise-Angebot:", …); such items are
 * never privacy news, so ingestion drops them. The prefixes are curated data in
 * `data/advertising-title-prefixes.json`.
 */
export function isAdvertisingTitle(title: string): boolean {
  const folded = foldForComparison(title.slice(0, TITLE_START_CHARS));
  return PREFIXES.some((prefix) => folded.startsWith(prefix));
}
