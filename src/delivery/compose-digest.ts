import type { Gazetteer } from '../analysis/company-gazetteer.ts';
import type { Incident } from '../model/analysis.ts';
import type { Card } from '../model/card.ts';
import type { IncidentRepo } from '../store/incident-repo.ts';
import { cardFromIncident } from './incident-card.ts';

/** Cards a digest shows; the rest are counted ("and 7 more"). */
export const DIGEST_SIZE = 10;
/** How far back a channel's first digest looks. */
export const FIRST_DIGEST_HOURS = 24;
/** Incidents ranked per digest at most; a busier day still shows its top ten from these. */
const MAX_CANDIDATES = 500;
const PAGE = 100;

export interface Digest {
  /** Start of the period covered (the channel's previous digest, or a day back). */
  since: string;
  /** The top incidents as cards, best first. */
  cards: Card[];
  /** How many incidents are new in the period in all. */
  total: number;
}

export interface DigestRequest {
  incidents: Pick<IncidentRepo, 'latest'>;
  gazetteer: Gazetteer;
  /** The channel's subscribed companies: their incidents come first. */
  subscriptions: readonly string[];
  /** Incidents the channel already got as alerts: not shown again. Asked once per page of candidates. */
  exclude?: (incidentIds: string[]) => Promise<Set<string>>;
  lastDigestAt?: string;
  now: Date;
  size?: number;
}

/** A source beyond the first adds this much to an incident's weight, for up to MAX_EXTRA_SOURCES of them. */
const SOURCE_WEIGHT = 0.15;
const MAX_EXTRA_SOURCES = 4;
/** Incidents filed before relevance was kept weigh as a middling story. */
const UNKNOWN_RELEVANCE = 0.5;

/**
 * How much an incident deserves a digest's top ten, subscriptions aside: how clearly it is a privacy story
 * (relevance 0…1) plus 0.15 for each further outlet reporting it (up to four): a story three outlets carry
 * outranks a slightly clearer one only one outlet has.
 */
export function digestWeight(incident: Incident): number {
  return (incident.relevance ?? UNKNOWN_RELEVANCE) + SOURCE_WEIGHT * Math.min(incident.sources.length - 1, MAX_EXTRA_SOURCES);
}

/**
 * What a channel's digest shows: incidents first seen since its previous digest, those involving a subscribed
 * company (or a subsidiary of one) first, then by weight (relevance and number of sources), then the newest.
 */
export async function composeDigest(request: DigestRequest): Promise<Digest> {
  const since = request.lastDigestAt ?? new Date(request.now.getTime() - FIRST_DIGEST_HOURS * 3_600_000).toISOString();
  const found: Incident[] = [];
  let total = 0;
  let skipped = 0;
  for (let offset = 0; offset < MAX_CANDIDATES; offset += PAGE) {
    const page = await request.incidents.latest({ since, offset, limit: PAGE });
    total = page.total;
    const excluded = request.exclude ? await request.exclude(page.incidents.map((incident) => incident.id)) : new Set<string>();
    for (const incident of page.incidents) {
      if (excluded.has(incident.id)) skipped += 1;
      else found.push(incident);
    }
    if (page.incidents.length < PAGE || found.length + skipped >= total) break;
  }
  total -= skipped;
  const subscribed = new Set(request.subscriptions);
  const followed = (incident: Incident): boolean =>
    incident.companies.some((id) => subscribed.has(id) || request.gazetteer.ancestors(id).some((a) => subscribed.has(a)));
  const ranked = found
    .map((incident, order) => ({ incident, order, followed: followed(incident), weight: digestWeight(incident) }))
    .sort((a, b) => Number(b.followed) - Number(a.followed) || b.weight - a.weight || a.order - b.order);
  return {
    since,
    cards: ranked.slice(0, request.size ?? DIGEST_SIZE).map(({ incident }) => cardFromIncident(incident, request.gazetteer)),
    total,
  };
}
