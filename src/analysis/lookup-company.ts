import type { Company } from '../model/analysis.ts';
import { loadGazetteer, type Gazetteer } from './company-gazetteer.ts';
import { squashName } from './company-tokens.ts';

/**
 * Company look-up for people typing a name: `/incidents telefonica`, and the autocompletion list behind it.
 * Ids, names and aliases are compared without case, accents, spaces and punctuation ("TELEFÓNICA",
 * "whats app", "o2"); a near miss ("amazn", "gogle") gets suggestions ranked by edit distance.
 */

/** Longer queries are cut: no company name is longer, and it bounds the edit-distance work. */
const MAX_QUERY_CHARS = 100;
const MAX_SUGGESTIONS = 5;

export interface CompanyLookup {
  /** The company the query names exactly (by id, name or alias). */
  match?: Company;
  /** When nothing matches exactly: the closest names, best first (at most 5). */
  suggestions: Company[];
}

/** One way of naming a company, squashed for comparison. */
interface NameKey {
  key: string;
  company: Company;
  /** The company's own name (ranked before aliases). */
  isName: boolean;
  /** Each word's squashed form, for completing "telekom" to "Deutsche Telekom". */
  words: string[];
}

interface NameIndex {
  exact: Map<string, Company>;
  keys: NameKey[];
}

const nameIndexes = new WeakMap<Gazetteer, NameIndex>();

function nameIndexFor(gazetteer: Gazetteer): NameIndex {
  let index = nameIndexes.get(gazetteer);
  if (!index) {
    index = buildNameIndex(gazetteer.companies);
    nameIndexes.set(gazetteer, index);
  }
  return index;
}

function buildNameIndex(companies: Company[]): NameIndex {
  const exact = new Map<string, Company>();
  const keys: NameKey[] = [];
  for (const company of companies) {
    // The name first: an id that squashes to the same key ("deutsche-telekom") adds nothing.
    for (const name of [company.name, ...company.aliases, company.id]) {
      const key = squashName(name);
      if (key === '' || exact.has(key)) continue;
      exact.set(key, company);
      const words = name.split(/[\s\-/]+/).map(squashName).filter((w) => w !== '');
      keys.push({ key, company, isName: name === company.name, words });
    }
  }
  return { exact, keys };
}

/** Finds the company a query names; without an exact match, up to five close names (typos, prefixes). */
export function lookupCompany(query: string, gazetteer: Gazetteer = loadGazetteer()): CompanyLookup {
  const key = squashName(query.slice(0, MAX_QUERY_CHARS));
  if (key === '') return { suggestions: [] };
  const index = nameIndexFor(gazetteer);
  const match = index.exact.get(key);
  if (match) return { match, suggestions: [] };
  return { suggestions: suggest(key, index) };
}

/** Close names ranked by edit distance, then prefix matches, then the company's own name before an alias. */
function suggest(query: string, index: NameIndex): Company[] {
  const limit = allowedDistance(query.length);
  const ranked: { company: Company; rank: number; isName: boolean }[] = [];
  for (const entry of index.keys) {
    const distance = boundedDistance(query, entry.key, limit);
    const isPrefix = query.length >= 2 && entry.key.startsWith(query);
    if (distance > limit && !isPrefix) continue;
    ranked.push({ company: entry.company, rank: isPrefix ? Math.min(distance, limit + 0.5) : distance, isName: entry.isName });
  }
  ranked.sort((a, b) => a.rank - b.rank || Number(b.isName) - Number(a.isName) || a.company.name.localeCompare(b.company.name));
  return uniqueCompanies(ranked.map((r) => r.company)).slice(0, MAX_SUGGESTIONS);
}

/** Short names tolerate one typo, longer ones two, long ones three. */
function allowedDistance(length: number): number {
  if (length <= 2) return 0;
  if (length <= 5) return 1;
  return length <= 10 ? 2 : 3;
}

/**
 * Optimal-string-alignment distance (Damerau–Levenshtein with adjacent swaps), cut off at `limit`: returns
 * `limit + 1` as soon as the answer must exceed it, so the work per name stays small.
 */
export function boundedDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (beforePrevious[j - 2] as number) + 1);
      }
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    beforePrevious = previous;
    previous = current;
  }
  return Math.min(previous[b.length] as number, limit + 1);
}

/**
 * Companies whose name or alias starts with the prefix, or one of whose name's words does ("telekom" →
 * Deutsche Telekom), for autocompletion; case and accents folded. An empty prefix lists companies A–Z.
 */
export function completeCompanies(prefix: string, limit = 25, gazetteer: Gazetteer = loadGazetteer()): Company[] {
  const key = squashName(prefix.slice(0, MAX_QUERY_CHARS));
  const bounded = Math.max(0, Math.min(limit, gazetteer.companies.length));
  const ranked: { company: Company; rank: number }[] = [];
  for (const entry of nameIndexFor(gazetteer).keys) {
    const rank = completionRank(entry, key);
    if (rank !== undefined) ranked.push({ company: entry.company, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.company.name.localeCompare(b.company.name));
  return uniqueCompanies(ranked.map((r) => r.company)).slice(0, bounded);
}

/** 0: the name starts with it; 1: an alias does; 2: a later word does; undefined: no completion. */
function completionRank(entry: NameKey, key: string): number | undefined {
  if (entry.key.startsWith(key)) return entry.isName ? 0 : 1;
  return entry.words.some((w) => w.startsWith(key)) ? 2 : undefined;
}

function uniqueCompanies(companies: Company[]): Company[] {
  return [...new Set(companies)];
}
