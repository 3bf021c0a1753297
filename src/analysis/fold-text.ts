/**
 * Lowercases, removes accents and umlaut dots, and folds ß, so "Bußgeld", "BUSSGELD" and "bussgeld", or
 * "Telefónica" and "telefonica", compare equal. The one folding for cue words, grouping and summaries
 * (company names keep their umlauts: see company-tokens.ts).
 */
export function foldText(text: string): string {
  return text.toLowerCase().normalize('NFD').replace(/\p{M}+/gu, '').replace(/ß/g, 'ss');
}
