import { z } from 'zod';
import { FeedConfigSchema } from '../model/feed.ts';
import { INCIDENT_TYPES } from '../model/analysis.ts';
import type { Incident, IncidentSource } from '../model/analysis.ts';

/**
 * The JSON Lines form of incidents (`privacy-radar export` / `import`): one incident per line, so that a store can
 * move between SQLite, Redis and PostgreSQL, curated histories can be shared, and a new deployment seeded.
 *
 * A file to import is untrusted: every line is validated here with bounds on every string and list, and with the
 * incident repository's own rules (plain ids, company slugs, readable dates), so that a hostile or broken line is
 * reported and skipped instead of crashing the tool, blowing its memory or reaching a storage key.
 */

/** Longest line read (bytes, UTF-8): longer ones are reported as bad, not held in memory. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Sources per incident: far more than any real incident gathers, few enough to bound a line's work. */
export const MAX_SOURCES = 200;
/** Companies per incident: a story names a handful. */
export const MAX_COMPANIES = 64;

/** As the incident repository requires (incident-repo.ts): ids and company slugs that are safe in storage keys. */
const INCIDENT_ID = /^[A-Za-z0-9._:~-]{1,100}$/;
const COMPANY_ID = /^[a-z0-9-]{1,64}$/;
const MAX_DATE_CHARS = 64;
/** Canonical article URLs are at most 8,192 characters (canonical-url.ts). */
const MAX_URL_CHARS = 8192;
const MAX_TITLE_CHARS = 1000;
const MAX_SUMMARY_CHARS = 4000;
const MAX_NAME_CHARS = 200;
/** A stored signature's bounds (incident-fingerprint.ts), and a generous length for each of its entries. */
const MAX_SIGNATURE_NUMBERS = 80;
const MAX_SIGNATURE_NAMES = 300;
const MAX_SIGNATURE_CONCEPTS = 120;
const MAX_SIGNATURE_ENTRY_CHARS = 200;

const language = FeedConfigSchema.shape.language;

/** A date the repository can index: anything `Date.parse` reads, kept as written. */
const date = z
  .string()
  .max(MAX_DATE_CHARS)
  .refine((value) => Number.isFinite(Date.parse(value)), 'must be a date such as 2026-11-10T08:00:00.000Z');

const text = (max: number) => z.string().max(max);

/** A link on a card: an http(s) URL, or empty for an item that had none (as ingestion stores it). */
const sourceUrl = z
  .string()
  .max(MAX_URL_CHARS)
  .refine((value) => value === '' || /^https?:\/\/\S+$/i.test(value), 'must be an http(s) URL or empty');

const SourceSchema = z.object({
  articleKey: z.string().min(1).max(MAX_NAME_CHARS),
  url: sourceUrl,
  title: text(MAX_TITLE_CHARS),
  outlet: text(MAX_NAME_CHARS),
  feedId: text(MAX_NAME_CHARS),
  published: date,
  language,
});

const SignatureSchema = z.object({
  numbers: z.array(z.tuple([text(MAX_SIGNATURE_ENTRY_CHARS), z.number()])).max(MAX_SIGNATURE_NUMBERS),
  names: z.array(z.tuple([text(MAX_SIGNATURE_ENTRY_CHARS), z.boolean()])).max(MAX_SIGNATURE_NAMES),
  concepts: z.array(text(MAX_SIGNATURE_ENTRY_CHARS)).max(MAX_SIGNATURE_CONCEPTS),
});

/**
 * One exported incident. Unknown fields are dropped (a file from a later version still imports what this one
 * knows); every known field is checked and bounded.
 */
export const IncidentLineSchema = z.object({
  id: z.string().regex(INCIDENT_ID, 'must be a plain id of 1 to 100 letters, digits and . _ : ~ -'),
  title: text(MAX_TITLE_CHARS),
  summary: text(MAX_SUMMARY_CHARS),
  language,
  companies: z.array(z.string().regex(COMPANY_ID, 'must be a company slug such as amazon')).max(MAX_COMPANIES),
  types: z.array(z.enum(INCIDENT_TYPES)).max(INCIDENT_TYPES.length),
  firstSeen: date,
  lastSeen: date,
  recordedAt: date.optional(),
  relevance: z.number().min(0).max(1).optional(),
  history: z.literal(true).optional(),
  sources: z.array(SourceSchema).max(MAX_SOURCES),
  signature: SignatureSchema.optional(),
});

export type IncidentLine = z.infer<typeof IncidentLineSchema>;

/** What `parseIncidentLine` says about one line. */
export type ParsedIncidentLine = { ok: true; incident: Incident } | { ok: false; reason: string };

/**
 * An incident as one line of JSON (without the newline): the fields in a fixed order, nothing else of the
 * stored record. The signature is kept, so that later articles still group with an imported incident.
 */
export function incidentToLine(incident: Incident): string {
  return JSON.stringify(incidentRecord(incident));
}

/**
 * Reads one line back: JSON, then the schema. On success the incident is normalised — companies, types and
 * sources (by article key) without repeats, optional fields only where given — so that importing it twice
 * compares equal. On failure, one sentence naming the first problem, e.g. "sources[0].url must be an http(s)
 * URL or empty". Never throws, and never echoes the line's content.
 */
export function parseIncidentLine(line: string): ParsedIncidentLine {
  if (Buffer.byteLength(line, 'utf8') > MAX_LINE_BYTES) {
    return { ok: false, reason: `the line is longer than ${MAX_LINE_BYTES} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'the line is not valid JSON' };
  }
  const parsed = IncidentLineSchema.safeParse(value, {
    error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is missing' : undefined),
  });
  if (!parsed.success) return { ok: false, reason: describeIssue(parsed.error.issues[0]) };
  return { ok: true, incident: normalisedIncident(parsed.data) };
}

/** The exported fields of an incident, in the line's order, optional ones only where present. */
function incidentRecord(incident: Incident): Incident {
  const { signature } = incident;
  return {
    id: incident.id,
    title: incident.title,
    summary: incident.summary,
    language: incident.language,
    companies: incident.companies,
    types: incident.types,
    firstSeen: incident.firstSeen,
    lastSeen: incident.lastSeen,
    ...(incident.recordedAt !== undefined ? { recordedAt: incident.recordedAt } : {}),
    ...(incident.relevance !== undefined ? { relevance: incident.relevance } : {}),
    ...(incident.history === true ? { history: true as const } : {}),
    sources: incident.sources.map(sourceRecord),
    ...(signature !== undefined
      ? { signature: { numbers: signature.numbers, names: signature.names, concepts: signature.concepts } }
      : {}),
  };
}

function sourceRecord(source: IncidentSource): IncidentSource {
  return {
    articleKey: source.articleKey,
    url: source.url,
    title: source.title,
    outlet: source.outlet,
    feedId: source.feedId,
    published: source.published,
    language: source.language,
  };
}

function normalisedIncident(line: IncidentLine): Incident {
  const sources = new Map<string, IncidentSource>();
  for (const source of line.sources) {
    if (!sources.has(source.articleKey)) sources.set(source.articleKey, source);
  }
  return incidentRecord({
    ...line,
    companies: [...new Set(line.companies)],
    types: [...new Set(line.types)],
    sources: [...sources.values()],
  });
}

/** The first problem of a line as a phrase an operator can act on: "<field> <what is wrong>". */
function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'the line is not a valid incident';
  const field = issue.path.length === 0 ? 'the line' : fieldName(issue.path);
  return `${field} ${problem(issue)}`;
}

function problem(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message === 'is missing' ? issue.message : `must be ${withArticle(issue.expected === 'object' && issue.path.length === 0 ? 'JSON object' : issue.expected)}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `is longer than ${issue.maximum} characters`
        : issue.origin === 'array'
          ? `has more than ${issue.maximum} entries`
          : `must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string'
        ? 'must not be empty'
        : issue.origin === 'array'
          ? `needs ${issue.minimum} entries`
          : `must be at least ${issue.minimum}`;
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.join(', ')}`}`;
    default:
      // Our own refinements and patterns carry a phrase starting with "must".
      return issue.message.startsWith('must') ? issue.message : `is invalid (${issue.message})`;
  }
}

/** `["sources", 0, "url"]` → `sources[0].url`. */
function fieldName(path: PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

const withArticle = (noun: string): string => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
