import type { Language } from './feed.ts';

/** The fixed set of incident types, multi-label, primary first. */
export const INCIDENT_TYPES = [
  'breach',
  'data_sale',
  'authority_access',
  'insider_abuse',
  'policy_change',
  'tracking',
  'unlawful_processing',
  'enforcement',
] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

/** A gazetteer entry (curated data in src/analysis/data/companies.json). */
export interface Company {
  /** Lowercase slug, e.g. "amazon", "telefonica-deutschland". */
  id: string;
  name: string;
  /** The parent's id: Ring → amazon, O2 → telefonica-deutschland → telefonica. */
  parent?: string;
  /** Other names, former names, brands, spellings without accents. */
  aliases: string[];
  sector: string;
  /**
   * Names that are also ordinary words or letters ("Apple", "X", "Ring", "Zoom", "Meta", "Signal") are only
   * counted with context (a company cue nearby, or the parent named in the same text).
   */
  ambiguous?: boolean;
}

/** A company found in an item, with its parent chain. */
export interface CompanyMention {
  id: string;
  name: string;
  /** Parent id, if any. */
  parent?: string;
  /** Ids from this company's parent up to the root, nearest first: ring → ["amazon"]. */
  ancestors: string[];
  /** How central the company is to the story (title mentions weigh most); mentions are sorted by it. */
  score: number;
}

/** An organisation not in the gazetteer, found by its shape ("Beispiel GmbH", "der Konzern Foo", "Foo-Chef"). */
export interface UnknownCompany {
  name: string;
  /** What gave it away: the legal form, the cue phrase. */
  evidence: string;
}

export interface Relevance {
  relevant: boolean;
  /** 0…1; the bar depends on the feed's scope. */
  score: number;
  /** The cue words that counted, for explanations and debugging. */
  cues: string[];
}

/** Everything the analysis says about one article, before grouping. */
export interface Analysis {
  language: Language;
  relevance: Relevance;
  companies: CompanyMention[];
  unknownCompanies: UnknownCompany[];
  /** Multi-label, primary first; empty when the item is not a privacy story. */
  types: IncidentType[];
  /** 2–3 sentences, at most 320 characters, in the article's language. */
  summary: string;
}

/** One article that reports an incident. */
export interface IncidentSource {
  articleKey: string;
  url: string;
  title: string;
  outlet: string;
  feedId: string;
  published: string;
  language: Language;
}

/** A privacy incident: one or more articles about the same event. */
export interface Incident {
  id: string;
  /** Company ids directly involved, most central first (parents are derived from the gazetteer). */
  companies: string[];
  types: IncidentType[];
  title: string;
  summary: string;
  language: Language;
  /** When the incident was first reported: the earliest source's publication date (orders `/incidents`). */
  firstSeen: string;
  /** The latest source's publication date (the grouping window runs from here). */
  lastSeen: string;
  /**
   * When the bot filed the incident (its first article was ingested): digests cover what is new to the bot, which
   * for a late-found story is later than its publication. Absent on incidents stored before it existed.
   */
  recordedAt?: string;
  /**
   * True while every source came from a feed's history (what a feed's first poll found, or a backfill): kept for
   * `/incidents`, but old news — no alert, no digest. A report that arrives as news ends it (see assignIncident).
   */
  history?: true;
  /** How clearly a privacy story it is: the highest relevance score (0…1) of its sources. Ranks digests. */
  relevance?: number;
  sources: IncidentSource[];
  /**
   * The language-independent specifics of all its sources' full texts, merged and bounded, so that a later
   * article (another outlet, another language) can be matched against more than the title and summary:
   * numbers with their weight, folded names with whether they count on their own, bilingual concept ids.
   * Filled by grouping (`incidentSignature`); absent on incidents stored before it existed.
   */
  signature?: { numbers: [string, number][]; names: [string, boolean][]; concepts: string[] };
}
