import type { Gazetteer } from '../analysis/company-gazetteer.ts';
import type { Incident, IncidentType } from '../model/analysis.ts';
import type { Card } from '../model/card.ts';
import type { IncidentRepo } from '../store/incident-repo.ts';
import { t } from '../chat/translate.ts';
import type { Language } from '../model/feed.ts';
import { cardFromIncident } from './incident-card.ts';
import { incidentTypeLabel } from './incident-type-label.ts';

/** Cards a digest shows; the rest are counted ("and 7 more"). */
export const DIGEST_SIZE = 10;
/** How far back a channel's first digest looks. */
export const FIRST_DIGEST_HOURS = 24;
/** Incidents ranked per digest at most; a busier day still shows its top ten from these. */
const MAX_CANDIDATES = 500;
const PAGE = 100;

/** A run of a digest's cards: the subscribed companies' incidents, one incident type, or the rest. */
export type DigestGroup = { kind: 'followed'; size: number } | { kind: 'type'; type: IncidentType; size: number } | { kind: 'other'; size: number };

export interface Digest {
  /** Start of the period covered (the channel's previous digest, or a day back). */
  since: string;
  /** The top incidents as cards, best first within each group, the groups in the order of their best card. */
  cards: Card[];
  /** How the cards are grouped (see groupDigest); empty when one plain list fits best. */
  groups: DigestGroup[];
  /** How many incidents are new in the period in all. */
  total: number;
}

export interface DigestRequest {
  incidents: Pick<IncidentRepo, 'latest'>;
  gazetteer: Gazetteer;
  /** The channel's subscribed companies: their incidents come first. */
  subscriptions: readonly string[];
  /** Whether the channel may see an incident (see incident-audience.ts); default: all. */
  visible?: (incident: Incident) => boolean;
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
 * What a channel's digest shows: incidents recorded since its previous digest (not those known only from a feed's
 * history: old news, see Incident.history), those involving a subscribed
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
      // The window is (previous digest, now]: an incident recorded at the very instant of the previous digest was in it.
      const recorded = incident.recordedAt ?? incident.firstSeen;
      const outside = (request.lastDigestAt !== undefined && recorded <= since) || recorded > request.now.toISOString();
      if (outside || incident.history || excluded.has(incident.id) || request.visible?.(incident) === false) skipped += 1;
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
  const top = ranked.slice(0, request.size ?? DIGEST_SIZE);
  const { order, groups } = groupDigest(top.map(({ incident, followed }) => ({ followed, type: incident.types[0] })));
  return {
    since,
    cards: order.map((index) => cardFromIncident(top[index]!.incident, request.gazetteer)),
    groups,
    total,
  };
}

/**
 * Groups a digest's top cards (given best first) as fits: the incidents of companies the channel follows first;
 * then incident types that two or more cards share, in the order of their best card; single cards of other types
 * last. No groups when there would be only one group that is not the followed companies — a heading over the
 * whole list says nothing. Answers the new order of the cards (indexes into `ranked`) and the groups.
 */
export function groupDigest(ranked: readonly { followed: boolean; type: IncidentType | undefined }[]): { order: number[]; groups: DigestGroup[] } {
  const followed = ranked.flatMap((card, index) => (card.followed ? [index] : []));
  const byType = new Map<IncidentType | undefined, number[]>();
  ranked.forEach((card, index) => {
    if (card.followed) return;
    const list = byType.get(card.type);
    if (list) list.push(index);
    else byType.set(card.type, [index]);
  });
  const shared = [...byType].filter(([type, indexes]) => type !== undefined && indexes.length >= 2) as [IncidentType, number[]][];
  const singles = [...byType].filter(([type, indexes]) => type === undefined || indexes.length < 2).flatMap(([, indexes]) => indexes).sort((a, b) => a - b);
  const groups: { group: DigestGroup; indexes: number[] }[] = [
    ...(followed.length > 0 ? [{ group: { kind: 'followed', size: followed.length } as DigestGroup, indexes: followed }] : []),
    ...shared.map(([type, indexes]) => ({ group: { kind: 'type', type, size: indexes.length } as DigestGroup, indexes })),
    ...(singles.length > 0 ? [{ group: { kind: 'other', size: singles.length } as DigestGroup, indexes: singles }] : []),
  ];
  const order = groups.flatMap(({ indexes }) => indexes);
  const plain = groups.length === 1 && groups[0]!.group.kind !== 'followed';
  return plain ? { order: ranked.map((_, index) => index), groups: [] } : { order, groups: groups.map(({ group }) => group) };
}

/** The headings of a digest's groups in a language, as a message's sections. */
export function digestSections(groups: readonly DigestGroup[], language: Language): { heading: string; size: number }[] {
  return groups.map((group) => ({
    heading:
      group.kind === 'followed'
        ? t(language, 'digest.section.followed')
        : group.kind === 'type'
          ? incidentTypeLabel(group.type, language)
          : t(language, 'digest.section.other'),
    size: group.size,
  }));
}
