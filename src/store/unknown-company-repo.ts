import type { UnknownCompany } from '../model/analysis.ts';
import type { Collection } from './collection.ts';
import type { Exclusive } from './store-lock.ts';

/** An organisation the gazetteer does not know, as privacy stories keep naming it. */
export interface UnknownCompanyRecord {
  name: string;
  /** What gave it away: a legal form, a cue phrase. */
  evidence: string;
  /** In how many articles it was found. */
  count: number;
  firstSeen: string;
  lastSeen: string;
  exampleUrl: string;
  /** The latest articles counted, so handing an article over again after a crash does not count it twice. */
  recentArticles: string[];
}

export interface UnknownCompanyRepo {
  /** Counts the candidates of one article, each name once. */
  record(candidates: readonly UnknownCompany[], article: { key: string; url: string; at: string }): Promise<void>;
  /** The most frequent candidates first: the list to grow the gazetteer from. */
  top(limit: number): Promise<UnknownCompanyRecord[]>;
}

/** The record is one bounded document: the rarest names make room when it is full. */
export const MAX_UNKNOWN_COMPANIES = 500;
const MAX_NAME_CHARS = 100;
const RECENT_ARTICLES = 5;
const DOCUMENT_KEY = 'all';

type Document = Record<string, UnknownCompanyRecord>;

/** One read-modify-written document, updated under the store lock `unknown-companies`. */
export function createUnknownCompanyRepo(collection: Collection<Document>, exclusive: Exclusive): UnknownCompanyRepo {
  const recordAll = async (candidates: readonly UnknownCompany[], article: { key: string; url: string; at: string }): Promise<void> => {
    const document = (await collection.get(DOCUMENT_KEY)) ?? {};
    for (const candidate of candidates) {
      const name = candidate.name.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_CHARS);
      if (name === '') continue;
      const key = name.toLowerCase();
      const known = document[key];
      if (known?.recentArticles.includes(article.key)) continue;
      document[key] = known
        ? {
            ...known,
            count: known.count + 1,
            lastSeen: article.at,
            exampleUrl: article.url || known.exampleUrl,
            recentArticles: [...known.recentArticles, article.key].slice(-RECENT_ARTICLES),
          }
        : { name, evidence: candidate.evidence.slice(0, MAX_NAME_CHARS), count: 1, firstSeen: article.at, lastSeen: article.at, exampleUrl: article.url, recentArticles: [article.key] };
    }
    await collection.set(DOCUMENT_KEY, bounded(document));
  };
  return {
    record: (candidates, article) =>
      candidates.length === 0 ? Promise.resolve() : exclusive('unknown-companies', () => recordAll(candidates, article)),
    async top(limit) {
      return ranked(Object.values((await collection.get(DOCUMENT_KEY)) ?? {})).slice(0, Math.max(0, limit));
    },
  };
}

function ranked(records: UnknownCompanyRecord[]): UnknownCompanyRecord[] {
  return records.sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen) || a.name.localeCompare(b.name));
}

function bounded(document: Document): Document {
  const entries = Object.entries(document);
  if (entries.length <= MAX_UNKNOWN_COMPANIES) return document;
  const keep = new Set(ranked(entries.map(([, r]) => r)).slice(0, MAX_UNKNOWN_COMPANIES));
  return Object.fromEntries(entries.filter(([, r]) => keep.has(r)));
}
