import type { Incident, IncidentType } from '../model/analysis.ts';
import type { Language } from '../model/feed.ts';
import { absorbSignature, conceptWeight, fingerprint, toSignature } from './incident-fingerprint.ts';
import type { Fingerprint, Signature } from './incident-fingerprint.ts';

/** An analysed article, as grouping sees it. */
export interface GroupingCandidate {
  articleKey: string;
  title: string;
  text: string;
  language: Language;
  published: string;
  /** Direct company ids, most central first. */
  companies: string[];
  types: IncidentType[];
}

/** Where grouping looks for earlier incidents: the store's incident repository, or an in-memory index. */
export interface IncidentIndex {
  /** Incidents that share a company (or its parent/subsidiary — pass expanded ids) and were last seen within the window. */
  candidates(companyIds: string[], since: string): Promise<Incident[]>;
}

/** Articles more than this many days from an incident's first-to-last-seen span start a new incident. */
export const GROUPING_WINDOW_DAYS = 14;

/**
 * The bar for "same incident". Company, type and date at their best add up to 0.45 — by design well below the
 * bar, so a company's two incidents of one kind in one week are not merged on those alone: shared specifics
 * must add at least 0.15 (a number and a name, a multi-word name, a same-language title overlap, or a like
 * outline of privacy notions across the full texts). Types weigh little: the classifier gives each article
 * the aspect it leads with (the insiders' act, the prosecutors' inquiry), so two reports of one incident often
 * disagree on them; what sets a company's incidents apart is what they are about. Without any shared type,
 * strong specifics still clear the bar; without a shared company nothing does.
 */
export const SAME_INCIDENT_THRESHOLD = 0.6;

const WEIGHTS = { company: 0.25, type: 0.1, date: 0.1, specifics: 0.55 } as const;
const EVIDENCE = { name: 0.2, phrase: 0.35, conceptSimilarity: 0.9, titleOverlap: 0.8 } as const;
/**
 * Shared concept weight at which concept similarity counts in full: one or two shared notions (data of
 * customers, an authority) are what any two stories of a company may share; four are a story's outline.
 */
const FULL_CONCEPT_MASS = 4;
const DAY_MS = 86_400_000;
/** Bounds per article: related ids asked for, and incidents scored. */
const MAX_COMPANY_IDS = 64;
const MAX_SCORED = 200;

/**
 * How sure we are (0…1) that `candidate` reports `incident`. Language-independent evidence only, so that a
 * German and an English article about one event meet: shared companies (required), shared incident types,
 * closeness in time (zero beyond the window), and shared specifics (numbers, names, bilingual privacy notions,
 * same-language title words).
 *
 * Articles without any company never group: the incident history is per company and the index is keyed by it,
 * and without a company, "same incident" would rest on wording alone — too weak to merge two outlets' stories.
 *
 * `related` (the company's parents and subsidiaries) lets "Amazon" in one article meet "Ring" in another, at
 * a lower company score than a direct match.
 */
export function sameIncidentScore(
  candidate: GroupingCandidate,
  incident: Incident,
  related: (companyId: string) => string[] = () => [],
): number {
  const company = companyScore(candidate, incident, related);
  const days = daysApart(candidate.published, incident);
  if (company === 0 || days === undefined || days > GROUPING_WINDOW_DAYS) return 0;
  const companyWords = companyWordsOf([...candidate.companies, ...incident.companies]);
  const specifics = specificsScore(candidateFingerprint(candidate), incidentFingerprint(incident), companyWords);
  const score =
    WEIGHTS.company * company +
    WEIGHTS.type * typeScore(candidate.types, incident.types) +
    WEIGHTS.date * (1 - days / GROUPING_WINDOW_DAYS) +
    WEIGHTS.specifics * specifics;
  return Math.min(1, Math.max(0, score));
}

/**
 * The incident `candidate` belongs to, if one reaches SAME_INCIDENT_THRESHOLD: the best-scoring among the
 * index's incidents of the candidate's companies and their relatives seen within the window. Undefined means
 * the article starts a new incident.
 */
export async function findSameIncident(
  candidate: GroupingCandidate,
  index: IncidentIndex,
  related: (companyId: string) => string[],
): Promise<Incident | undefined> {
  const published = Date.parse(candidate.published);
  if (candidate.companies.length === 0 || !Number.isFinite(published)) return undefined;
  const since = new Date(published - GROUPING_WINDOW_DAYS * DAY_MS).toISOString();
  const companyIds = expandCompanies(candidate.companies, related).slice(0, MAX_COMPANY_IDS);
  const incidents = (await index.candidates(companyIds, since)).slice(0, MAX_SCORED);
  let best: { incident: Incident; score: number } | undefined;
  for (const incident of incidents) {
    const score = sameIncidentScore(candidate, incident, related);
    if (score >= SAME_INCIDENT_THRESHOLD && (best === undefined || score > best.score)) best = { incident, score };
  }
  return best?.incident;
}

/** An IncidentIndex kept in memory, with upserts: `privacy-radar analyze` (no store), tests and evaluation. */
/** Incidents held in memory, for `analyze` and the evaluation: the same contract as the store's repository. */
export interface InMemoryIncidentIndex extends IncidentIndex {
  get(id: string): Promise<Incident | undefined>;
  /** Adds an incident, or replaces the one with its id, re-indexing its companies. */
  put(incident: Incident): Promise<void>;
  /** Every incident, in insertion order. */
  all(): Incident[];
}

/** A fresh, empty in-memory incident index. */
export function createInMemoryIncidentIndex(): InMemoryIncidentIndex {
  const incidents = new Map<string, Incident>();
  const byCompany = new Map<string, Set<string>>();
  const unindex = (incident: Incident): void => {
    for (const company of incident.companies) byCompany.get(company)?.delete(incident.id);
  };
  const upsert = (incident: Incident): void => {
    const previous = incidents.get(incident.id);
    if (previous) unindex(previous);
    incidents.set(incident.id, incident);
    for (const company of incident.companies) {
      const ids = byCompany.get(company) ?? new Set<string>();
      byCompany.set(company, ids.add(incident.id));
    }
  };
  return {
    put: async (incident) => upsert(incident),
    get: async (id) => incidents.get(id),
    all: () => [...incidents.values()],
    candidates: async (companyIds, since) => {
      const sinceTime = Date.parse(since);
      const ids = new Set(companyIds.flatMap((company) => [...(byCompany.get(company) ?? [])]));
      return [...ids]
        .map((id) => incidents.get(id)!)
        .filter((incident) => !(Date.parse(incident.lastSeen) < sinceTime))
        .sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen));
    },
  };
}

function expandCompanies(companies: string[], related: (companyId: string) => string[]): string[] {
  return [...new Set(companies.flatMap((company) => [company, ...safeRelated(related, company)]))];
}

function safeRelated(related: (companyId: string) => string[], company: string): string[] {
  try {
    return related(company);
  } catch {
    return [];
  }
}

/** 1 when the main companies match, 0.75 for another shared company, 0.5 when only parent/subsidiary match, else 0. */
function companyScore(candidate: GroupingCandidate, incident: Incident, related: (companyId: string) => string[]): number {
  const theirs = new Set(incident.companies);
  const ours = new Set(candidate.companies);
  const mainOurs = candidate.companies[0];
  const mainTheirs = incident.companies[0];
  if ((mainOurs !== undefined && theirs.has(mainOurs)) || (mainTheirs !== undefined && ours.has(mainTheirs))) return 1;
  if (candidate.companies.some((company) => theirs.has(company))) return 0.75;
  return expandCompanies(candidate.companies, related).some((company) => theirs.has(company)) ? 0.5 : 0;
}

/** 1 for the same primary type, 0.6 for another shared type, 0 for none; 0.3 when either side has no type yet. */
function typeScore(ours: readonly IncidentType[], theirs: readonly IncidentType[]): number {
  if (ours.length === 0 || theirs.length === 0) return 0.3;
  if (ours[0] === theirs[0]) return 1;
  return ours.some((type) => theirs.includes(type)) ? 0.6 : 0;
}

/** Days from `published` to the incident's first-to-last-seen span (0 inside it); undefined for unreadable dates. */
function daysApart(published: string, incident: Incident): number | undefined {
  const time = Date.parse(published);
  const first = Date.parse(incident.firstSeen);
  const last = Date.parse(incident.lastSeen);
  if (![time, first, last].every(Number.isFinite)) return undefined;
  const distance = time < Math.min(first, last) ? Math.min(first, last) - time : Math.max(0, time - Math.max(first, last));
  return distance / DAY_MS;
}

/** The words of the companies' ids: their names are already counted as shared companies, not as shared names. */
function companyWordsOf(companyIds: string[]): Set<string> {
  return new Set(companyIds.flatMap((id) => id.split('-')).filter((word) => word !== ''));
}

/** Combined strength of the shared specifics: independent pieces of evidence, 1 − Π(1 − eᵢ). */
function specificsScore(ours: Fingerprint, theirs: Fingerprint, companyWords: ReadonlySet<string>): number {
  let missing = 1;
  const add = (evidence: number): void => {
    missing *= 1 - Math.min(1, evidence);
  };
  for (const [key, weight] of ours.numbers) {
    const other = theirs.numbers.get(key);
    if (other !== undefined) add(Math.min(weight, other));
  }
  for (const [name, reliable] of ours.named) {
    const other = theirs.named.get(name);
    if (other === undefined || !(reliable || other)) continue;
    if (name.split(/[ -]/).every((word) => companyWords.has(word))) continue;
    add(name.includes(' ') ? EVIDENCE.phrase : EVIDENCE.name);
  }
  add(EVIDENCE.conceptSimilarity * conceptSimilarity(ours.concepts, theirs.concepts));
  add(EVIDENCE.titleOverlap * titleOverlap(ours, theirs, companyWords));
  return 1 - missing;
}

/**
 * How alike two texts' bilingual privacy notions are: the weighted Dice overlap of the two concept sets,
 * scaled down while the shared weight is below FULL_CONCEPT_MASS. Unlike counting shared notions, this does
 * not grow with the length of the texts: two long articles on different matters share many common notions,
 * but a small part of either.
 */
function conceptSimilarity(ours: ReadonlySet<string>, theirs: ReadonlySet<string>): number {
  let shared = 0;
  let total = 0;
  for (const concept of ours) {
    const weight = conceptWeight(concept);
    total += weight;
    if (theirs.has(concept)) shared += weight;
  }
  for (const concept of theirs) total += conceptWeight(concept);
  if (total === 0) return 0;
  return ((2 * shared) / total) * Math.min(1, shared / FULL_CONCEPT_MASS);
}

/** The best Jaccard overlap between a title of each side in the same language, company names left out. */
function titleOverlap(ours: Fingerprint, theirs: Fingerprint, companyWords: ReadonlySet<string>): number {
  let best = 0;
  for (const a of ours.titles) {
    for (const b of theirs.titles) {
      if (a.language !== b.language) continue;
      const left = [...a.tokens].filter((word) => !companyWords.has(word));
      const right = new Set([...b.tokens].filter((word) => !companyWords.has(word)));
      const shared = left.filter((word) => right.has(word)).length;
      const union = left.length + right.size - shared;
      if (union > 0) best = Math.max(best, shared / union);
    }
  }
  return best;
}

const candidatePrints = new WeakMap<GroupingCandidate, Fingerprint>();
const incidentPrints = new WeakMap<Incident, Fingerprint>();

function candidateFingerprint(candidate: GroupingCandidate): Fingerprint {
  let print = candidatePrints.get(candidate);
  if (print === undefined) {
    const part = (text: string) => ({ text: typeof text === 'string' ? text : '', language: candidate.language });
    print = fingerprint([part(candidate.title)], [part(candidate.text)]);
    candidatePrints.set(candidate, print);
  }
  return print;
}

/**
 * What an incident keeps for matching after `candidate` joins it (or starts it): the specifics of its full text
 * added to `previous`, the incident's signature so far. Bounded, however many sources the incident gathers.
 */
export function incidentSignature(candidate: GroupingCandidate, previous?: Signature): Signature {
  return toSignature(candidateFingerprint(candidate), previous);
}

/**
 * An incident's specifics come from what it keeps: its title and summary, every source's title, and the
 * signature of its sources' full texts.
 */
function incidentFingerprint(incident: Incident): Fingerprint {
  let print = incidentPrints.get(incident);
  if (print === undefined) {
    const titles = [
      { text: incident.title, language: incident.language },
      ...incident.sources.slice(0, 50).map((source) => ({ text: source.title, language: source.language })),
    ];
    print = fingerprint(
      titles.filter((title) => typeof title.text === 'string'),
      [{ text: typeof incident.summary === 'string' ? incident.summary : '', language: incident.language }],
    );
    absorbSignature(print, incident.signature);
    incidentPrints.set(incident, print);
  }
  return print;
}
