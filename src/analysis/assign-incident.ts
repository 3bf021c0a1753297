import type { Analysis, Incident, IncidentSource } from '../model/analysis.ts';
import type { Article } from '../model/item.ts';
import type { Gazetteer } from './company-gazetteer.ts';

/** The part of the gazetteer filing needs: a company's parents and subsidiaries. */
export type Lineage = Pick<Gazetteer, 'ancestors' | 'descendants'>;
import { findSameIncident, incidentSignature, type GroupingCandidate, type IncidentIndex } from './group-incidents.ts';

/** Where incidents live: the store's incident repository, or an in-memory index for `analyze`. */
export interface IncidentSink extends IncidentIndex {
  get(id: string): Promise<Incident | undefined>;
  put(incident: Incident): Promise<void>;
}

export interface Assignment {
  incident: Incident;
  /** True when this article started the incident; false when it added a source. */
  isNew: boolean;
  /**
   * True when the incident is news because of this article: it started the incident, or it is the first report
   * arriving as news for an incident known only from history. Subscribers hear of it (alerts), digests list it.
   */
  isNews: boolean;
}

/**
 * Files a relevant article under its incident: the same incident as earlier articles (another outlet, another
 * language) within the grouping window, or a new one. Idempotent per article — handing the same article over
 * again after a crash finds it already among the sources and changes nothing — because the new incident's id
 * is derived from the article, and a source is never added twice.
 *
 * The incident keeps a bounded signature of its sources' full texts (numbers, names, bilingual notions), so
 * that a later article is matched against more than the first article's title and summary.
 *
 * Not safe to run concurrently for articles that may share an incident: callers serialise (one at a time).
 * `findSame` is the matching strategy: the real one by default; the evaluation's tests pass an oracle to check
 * their counting apart from the matcher.
 */
export async function assignIncident(
  article: Article,
  analysis: Analysis,
  outlet: string,
  sink: IncidentSink,
  gazetteer: Lineage,
  newId: (firstSeen: string, articleKey: string) => string,
  findSame: typeof findSameIncident = findSameIncident,
  /**
   * When the incident counts as recorded (`recordedAt`; digests cover what was recorded since the last one).
   * Callers filing under the delivery planning lock pass the time of filing, so that every incident falls into
   * exactly one digest's window; default: when the article was ingested.
   */
  filedAt: string = article.firstSeen,
): Promise<Assignment> {
  const source: IncidentSource = {
    articleKey: article.key,
    url: article.url,
    title: article.title,
    outlet,
    feedId: article.feedId,
    published: article.published,
    language: analysis.language,
  };
  const ownId = newId(article.firstSeen, article.key);
  const own = await sink.get(ownId);
  if (own) return { incident: own, isNew: true, isNews: article.announce };

  const candidate: GroupingCandidate = {
    articleKey: article.key,
    title: article.title,
    text: article.text,
    language: analysis.language,
    published: article.published,
    companies: analysis.companies.map((c) => c.id),
    types: analysis.types,
  };
  const related = (id: string) => [id, ...gazetteer.ancestors(id), ...gazetteer.descendants(id)];
  const same = await findSame(candidate, sink, related);
  if (same) {
    if (same.sources.some((s) => s.articleKey === article.key)) return { incident: same, isNew: false, isNews: false };
    const { history, ...rest } = same;
    // A story known only from history becomes news when a report of it arrives as news: recorded now, for the next digest.
    const becomesNews = history === true && article.announce;
    const merged: Incident = {
      ...rest,
      ...(becomesNews ? { recordedAt: filedAt } : history ? { history } : {}),
      companies: union(same.companies, candidate.companies),
      types: union(same.types, candidate.types),
      lastSeen: later(same.lastSeen, article.published),
      relevance: Math.max(same.relevance ?? 0, analysis.relevance.score),
      sources: [...same.sources, source],
      signature: incidentSignature(candidate, same.signature),
    };
    await sink.put(merged);
    return { incident: merged, isNew: false, isNews: becomesNews };
  }
  const incident: Incident = {
    id: ownId,
    companies: candidate.companies,
    types: analysis.types,
    title: article.title,
    summary: analysis.summary,
    language: analysis.language,
    firstSeen: article.published,
    lastSeen: article.published,
    recordedAt: filedAt,
    ...(article.announce ? {} : { history: true as const }),
    relevance: analysis.relevance.score,
    sources: [source],
    signature: incidentSignature(candidate),
  };
  await sink.put(incident);
  return { incident, isNew: true, isNews: article.announce };
}

function union<T>(first: readonly T[], second: readonly T[]): T[] {
  return [...new Set([...first, ...second])];
}

function later(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}
