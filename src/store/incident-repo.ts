import { createHash } from 'node:crypto';
import type { IncidentIndex } from '../analysis/group-incidents.ts';
import { INCIDENT_TYPES } from '../model/analysis.ts';
import type { Incident, IncidentType } from '../model/analysis.ts';
import type { Collection } from './collection.ts';
import type { Exclusive } from './store-lock.ts';

/** One page of a company's incident history. */
export interface IncidentPage {
  incidents: Incident[];
  /** How many incidents match the query in all (every page together). */
  total: number;
}

export interface IncidentQuery {
  /** The company and all its subsidiaries, pre-expanded by the caller. Ids that are not slugs are ignored. */
  companyIds: string[];
  type?: IncidentType;
  /** ISO 8601: only incidents first seen at or after this time. */
  since?: string;
  /** Default 0. */
  offset?: number;
  /** Default 20, at most 100. */
  limit?: number;
}

export interface IncidentRepo extends IncidentIndex {
  get(id: string): Promise<Incident | undefined>;
  /** Creates or replaces an incident and keeps the per-company index in step (companies added or removed). */
  put(incident: Incident): Promise<void>;
  /**
   * Creates or replaces many incidents at once: each index bucket they touch is read and written once, so a
   * backfill (or the benchmark's fill) costs a few round trips per batch instead of several per incident.
   */
  putMany(incidents: Incident[]): Promise<void>;
  /** The incidents of these companies, newest first (by firstSeen), de-duplicated across companies, filtered by type/since, paginated. */
  query(q: IncidentQuery): Promise<IncidentPage>;
  /** How many incidents `query` would find in all (no page is read). */
  count(q: Omit<IncidentQuery, 'offset' | 'limit'>): Promise<number>;
  /** Per company, the incidents filed under it directly (not its subsidiaries'), from one read of the index heads. */
  ownCounts(companyIds: string[]): Promise<Map<string, number>>;
  /** Every incident (with or without companies), most recently recorded first; `since` applies to `recordedAt`. */
  latest(q: Omit<IncidentQuery, 'companyIds'>): Promise<IncidentPage>;
}

/**
 * Index layout (in the index collection; every key is built from slugs and dates only, never from feed text):
 *
 * - `h:<company>` — the company's head: one summary per month in which it has incidents, newest month first.
 *   A summary holds counts per (types, co-companies) group and the latest lastSeen of the month, so totals,
 *   type filters and offsets are answered from the heads alone and a page reads only the months it shows.
 * - `m:<company>:<yyyy-mm>` — the month's bucket: one entry per incident first seen that month, newest first.
 *
 * De-duplication across companies without reading every bucket: an incident listing ring and amazon sits in
 * both companies' buckets, each entry naming the other companies. Within a query's company set it is counted
 * (and shown) only by its "owner" — the smallest of its company ids in the set — which the stored co-company
 * lists let both the counts and the page merge decide locally.
 *
 * Every incident is also indexed under the pseudo-company `~all` (not a valid company id, so it never collides),
 * by the time the bot recorded it (`recordedAt`, else firstSeen), which answers "everything new to the bot since …"
 * for digests with the same heads and buckets.
 *
 * Writes are read-modify-write of heads and buckets, done under the store lock `incident-index`, so that
 * instances sharing a store never lose each other's index entries.
 */
type IndexEntry = [firstSeen: string, id: string, types: number, others: string, lastSeen: string];

interface Bucket {
  entries: IndexEntry[];
}

/** Counts of one month's entries that share a types mask and co-company list. */
type GroupCount = [types: number, others: string, count: number];

interface MonthSummary {
  /** yyyy-mm, from firstSeen (UTC). */
  month: string;
  groups: GroupCount[];
  /** The latest lastSeen in the month: lets `candidates` skip months with nothing recent. */
  lastSeen: string;
}

interface CompanyHead {
  months: MonthSummary[];
}

/** The value types of the index collection. */
export type IncidentIndexRecord = Bucket | CompanyHead;

/** Company ids as the gazetteer makes them; anything else never reaches a storage key. */
const COMPANY_ID = /^[a-z0-9-]{1,64}$/;
/** Incident ids stay short and plain so that index entries stay small. */
const INCIDENT_ID = /^[A-Za-z0-9._:~-]{1,100}$/;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
/** Bounds on one query: companies merged (a parent with many brands) and incidents offered as candidates. */
const MAX_QUERY_COMPANIES = 200;
const MAX_CANDIDATES = 500;
/** Keys per batched write; keeps statements and replies small. */
const WRITE_CHUNK = 500;

/** The index of every incident; `~` cannot start a company id. */
const ALL_INCIDENTS = '~all';

const headKey = (company: string): string => `h:${company}`;
const bucketKey = (company: string, month: string): string => `m:${company}:${month}`;

/**
 * A new incident's id: `i-` + the time in base 36 (fixed width, so ids sort by time) + `-` + a hash of the
 * article key (so the same article always yields the same id, which makes filing an article idempotent).
 * An unparsable time counts as 0 rather than throwing: the id stays stable and unique by its hash.
 */
export function newIncidentId(firstSeen: string, articleKey: string): string {
  const time = Date.parse(firstSeen);
  const stamp = (Number.isFinite(time) && time > 0 ? time : 0).toString(36).padStart(9, '0');
  const hash = createHash('sha256').update(articleKey, 'utf8').digest('hex').slice(0, 10);
  return `i-${stamp}-${hash}`;
}

/** The incident repository over its two collections: incidents by id, and the per-company index. */
export function createIncidentRepo(
  incidents: Collection<Incident>,
  index: Collection<IncidentIndexRecord>,
  exclusive: Exclusive,
): IncidentRepo {
  const serialised = <T>(work: () => Promise<T>): Promise<T> => exclusive('incident-index', work);

  const putMany = (batch: Incident[]): Promise<void> =>
    serialised(() => writeIncidents(incidents, index, batch.map(checkedIncident)));

  return {
    get: (id) => (INCIDENT_ID.test(id) ? incidents.get(id) : Promise.resolve(undefined)),
    put: (incident) => putMany([incident]),
    putMany,
    query: (q) => queryIncidents(incidents, index, companySet(q.companyIds), q),
    count: async (q) => (await queryIncidents(incidents, index, companySet(q.companyIds), q, { countOnly: true })).total,
    ownCounts: async (companyIds) => {
      // Not capped like a query's company set: autocompletion asks for the whole gazetteer at once.
      const companies = [...new Set(companyIds.filter((id) => COMPANY_ID.test(id)))];
      const heads = (companies.length === 0 ? [] : await index.getMany(companies.map(headKey))) as (CompanyHead | undefined)[];
      return new Map(
        companies.map((company, i) => [
          company,
          (heads[i]?.months ?? []).reduce((sum, m) => sum + m.groups.reduce((n, g) => n + g[2], 0), 0),
        ]),
      );
    },
    latest: (q) => queryIncidents(incidents, index, [ALL_INCIDENTS], q),
    candidates: (companyIds, since) => recentIncidents(incidents, index, companyIds, since),
  };
}

/** Rejects what would corrupt the index: ids that are not plain, companies that are not slugs, unreadable dates. */
function checkedIncident(incident: Incident): Incident {
  if (!INCIDENT_ID.test(incident.id)) {
    throw new Error(`Invalid incident id ${JSON.stringify(incident.id.slice(0, 120))}`);
  }
  const bad = incident.companies.find((company) => !COMPANY_ID.test(company));
  if (bad !== undefined) {
    throw new Error(`Incident ${incident.id} has an invalid company id ${JSON.stringify(bad.slice(0, 80))}`);
  }
  isoDate(incident.firstSeen, incident.id);
  isoDate(incident.lastSeen, incident.id);
  if (incident.recordedAt !== undefined) isoDate(incident.recordedAt, incident.id);
  return incident;
}

/** Dates in the index are normalised ISO 8601 (UTC, milliseconds), so that they compare as strings. */
function isoDate(value: string, id: string): string {
  const time = Date.parse(value);
  if (!Number.isFinite(time)) {
    throw new Error(`Incident ${id} has an invalid date ${JSON.stringify(value.slice(0, 80))}`);
  }
  return new Date(time).toISOString();
}

const monthOf = (iso: string): string => iso.slice(0, 7);

function typesMask(types: readonly IncidentType[]): number {
  let mask = 0;
  for (const type of types) {
    const bit = INCIDENT_TYPES.indexOf(type);
    if (bit >= 0) mask |= 1 << bit;
  }
  return mask;
}

/** Where an incident sits in one company's index. */
interface Placement {
  company: string;
  month: string;
  entry: IndexEntry;
}

function placements(incident: Incident): Placement[] {
  const companies = [...new Set(incident.companies)];
  const mask = typesMask(incident.types);
  const firstSeen = isoDate(incident.firstSeen, incident.id);
  const lastSeen = isoDate(incident.lastSeen, incident.id);
  // The all-incidents index is ordered by when the bot filed the incident: what a digest calls new.
  const recorded = incident.recordedAt === undefined ? firstSeen : isoDate(incident.recordedAt, incident.id);
  return [
    ...companies.map((company): Placement => ({
      company,
      month: monthOf(firstSeen),
      entry: [firstSeen, incident.id, mask, companies.filter((c) => c !== company).sort().join(','), lastSeen],
    })),
    { company: ALL_INCIDENTS, month: monthOf(recorded), entry: [recorded, incident.id, mask, '', lastSeen] },
  ];
}

const samePlacement = (a: Placement, b: Placement): boolean =>
  a.company === b.company && a.month === b.month && a.entry.every((value, i) => value === b.entry[i]);

/** Newest first; ties by id, descending, so that the order is total and stable across pages. */
function compareEntries(a: IndexEntry, b: IndexEntry): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? 1 : -1;
  return a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0;
}

async function writeIncidents(
  incidents: Collection<Incident>,
  index: Collection<IncidentIndexRecord>,
  batch: Incident[],
): Promise<void> {
  const latest = new Map(batch.map((incident) => [incident.id, incident]));
  if (latest.size === 0) return;
  const ids = [...latest.keys()];
  const previous = await incidents.getMany(ids);

  const removals: Placement[] = [];
  const additions: Placement[] = [];
  ids.forEach((id, i) => {
    const before = previous[i] ? placementsOfStored(previous[i]) : [];
    const after = placements(latest.get(id)!);
    removals.push(...before.filter((old) => !after.some((next) => samePlacement(old, next))));
    additions.push(...after.filter((next) => !before.some((old) => samePlacement(old, next))));
  });

  const touched = new Map<string, { company: string; month: string }>();
  for (const { company, month } of [...removals, ...additions]) {
    touched.set(bucketKey(company, month), { company, month });
  }
  const bucketKeys = [...touched.keys()];
  const companies = [...new Set([...touched.values()].map((t) => t.company))];
  const [bucketValues, headValues] = await Promise.all([
    index.getMany(bucketKeys),
    index.getMany(companies.map(headKey)),
  ]);
  const buckets = new Map(bucketKeys.map((key, i) => [key, [...((bucketValues[i] as Bucket | undefined)?.entries ?? [])]]));
  const heads = new Map(companies.map((company, i) => [company, (headValues[i] as CompanyHead | undefined) ?? { months: [] }]));

  const removedIds = new Map<string, Set<string>>();
  for (const { company, month, entry } of removals) {
    const key = bucketKey(company, month);
    removedIds.set(key, (removedIds.get(key) ?? new Set()).add(entry[1]));
  }
  for (const [key, gone] of removedIds) {
    buckets.set(key, buckets.get(key)!.filter((entry) => !gone.has(entry[1])));
  }
  for (const { company, month, entry } of additions) {
    buckets.get(bucketKey(company, month))!.push(entry);
  }

  const writes: [string, IncidentIndexRecord][] = [];
  const deletions: string[] = [];
  for (const [key, { company, month }] of touched) {
    const entries = buckets.get(key)!.sort(compareEntries);
    const head = heads.get(company)!;
    head.months = head.months.filter((summary) => summary.month !== month);
    if (entries.length === 0) {
      deletions.push(key);
    } else {
      writes.push([key, { entries }]);
      head.months.push(summarise(month, entries));
    }
  }
  for (const [company, head] of heads) {
    head.months.sort((a, b) => (a.month < b.month ? 1 : a.month > b.month ? -1 : 0));
    writes.push([headKey(company), head]);
  }

  // The incidents first: an index entry whose incident is missing would be a hole in a page.
  await setInChunks(incidents, ids.map((id) => [id, latest.get(id)!]));
  await setInChunks(index, writes);
  await Promise.all(deletions.map((key) => index.delete(key)));
}

/** Stored incidents were checked when written; a legacy or hand-edited one with bad fields is dropped from the index. */
function placementsOfStored(incident: Incident): Placement[] {
  try {
    return placements(checkedIncident(incident));
  } catch {
    return [];
  }
}

function summarise(month: string, entries: IndexEntry[]): MonthSummary {
  const groups = new Map<string, GroupCount>();
  let lastSeen = '';
  for (const [, , types, others, seen] of entries) {
    const key = `${types}|${others}`;
    const group = groups.get(key);
    if (group) group[2] += 1;
    else groups.set(key, [types, others, 1]);
    if (seen > lastSeen) lastSeen = seen;
  }
  return { month, groups: [...groups.values()], lastSeen };
}

async function setInChunks<T>(collection: Collection<T>, entries: [string, T][]): Promise<void> {
  for (let start = 0; start < entries.length; start += WRITE_CHUNK) {
    await collection.setMany(entries.slice(start, start + WRITE_CHUNK));
  }
}

/** The query's company set: valid slugs only, de-duplicated, bounded. */
function companySet(companyIds: string[]): string[] {
  return [...new Set(companyIds.filter((id) => typeof id === 'string' && COMPANY_ID.test(id)))].slice(0, MAX_QUERY_COMPANIES);
}

/**
 * Whether `company` shows an entry naming `others` when `set` is queried: only the smallest id of the
 * incident's companies within the set does, so an incident of ring and amazon appears once for amazon+ring.
 */
function owns(company: string, others: string, set: ReadonlySet<string>): boolean {
  if (others === '') return true;
  for (const other of others.split(',')) {
    if (other < company && set.has(other)) return false;
  }
  return true;
}

interface MonthCell {
  company: string;
  month: string;
  /** Matching entries this company owns in this month; undefined until the bucket has been read (the `since` month). */
  count: number | undefined;
}

async function queryIncidents(
  incidents: Collection<Incident>,
  index: Collection<IncidentIndexRecord>,
  companies: string[],
  q: Omit<IncidentQuery, 'companyIds'>,
  { countOnly = false }: { countOnly?: boolean } = {},
): Promise<IncidentPage> {
  const offset = Number.isSafeInteger(q.offset) && q.offset! > 0 ? q.offset! : 0;
  const limit = Number.isSafeInteger(q.limit) && q.limit! > 0 ? Math.min(q.limit!, MAX_LIMIT) : DEFAULT_LIMIT;
  const sinceTime = q.since === undefined ? undefined : Date.parse(q.since);
  if (companies.length === 0 || (sinceTime !== undefined && !Number.isFinite(sinceTime))) {
    return { incidents: [], total: 0 };
  }
  const since = sinceTime === undefined ? undefined : new Date(sinceTime).toISOString();
  const sinceMonth = since === undefined ? undefined : monthOf(since);
  const mask = q.type === undefined ? 0 : typesMask([q.type]);
  const set = new Set(companies);
  const matches = (entry: IndexEntry, company: string): boolean =>
    (mask === 0 || (entry[2] & mask) !== 0) && (since === undefined || entry[0] >= since) && owns(company, entry[3], set);

  const heads = (await index.getMany(companies.map(headKey))) as (CompanyHead | undefined)[];
  const cells: MonthCell[] = [];
  companies.forEach((company, i) => {
    for (const summary of heads[i]?.months ?? []) {
      if (sinceMonth !== undefined && summary.month < sinceMonth) continue;
      const count =
        summary.month === sinceMonth
          ? undefined
          : summary.groups.reduce(
              (sum, [types, others, n]) => sum + ((mask === 0 || (types & mask) !== 0) && owns(company, others, set) ? n : 0),
              0,
            );
      if (count !== 0) cells.push({ company, month: summary.month, count });
    }
  });

  // The `since` month is counted from its buckets; every other month from the heads.
  const loaded = await readBuckets(index, cells.filter((cell) => cell.count === undefined));
  for (const cell of cells) {
    if (cell.count === undefined) {
      cell.count = (loaded.get(bucketKey(cell.company, cell.month)) ?? []).filter((e) => matches(e, cell.company)).length;
    }
  }

  const months = [...new Set(cells.map((cell) => cell.month))].sort().reverse();
  const perMonth = new Map<string, number>();
  for (const cell of cells) perMonth.set(cell.month, (perMonth.get(cell.month) ?? 0) + cell.count!);
  const total = [...perMonth.values()].reduce((a, b) => a + b, 0);
  if (countOnly) return { incidents: [], total };

  // Skip whole months by their counts; read only the months the page shows.
  let skip = offset;
  let wanted = limit;
  const shown: string[] = [];
  for (const month of months) {
    const n = perMonth.get(month)!;
    if (wanted <= 0) break;
    if (shown.length === 0 && skip >= n) {
      skip -= n;
      continue;
    }
    shown.push(month);
    wanted -= shown.length === 1 ? n - skip : n;
  }
  const pageCells = cells.filter((cell) => shown.includes(cell.month) && cell.count! > 0);
  const more = await readBuckets(index, pageCells.filter((cell) => !loaded.has(bucketKey(cell.company, cell.month))));
  const entries: IndexEntry[] = [];
  for (const cell of pageCells) {
    const key = bucketKey(cell.company, cell.month);
    for (const entry of loaded.get(key) ?? more.get(key) ?? []) {
      if (matches(entry, cell.company)) entries.push(entry);
    }
  }
  entries.sort(compareEntries);
  const ids = entries.slice(skip, skip + limit).map((entry) => entry[1]);
  const found = await incidents.getMany(ids);
  return { incidents: found.filter((incident): incident is Incident => incident !== undefined), total };
}

async function readBuckets(
  index: Collection<IncidentIndexRecord>,
  cells: { company: string; month: string }[],
): Promise<Map<string, IndexEntry[]>> {
  const keys = cells.map((cell) => bucketKey(cell.company, cell.month));
  const values = keys.length === 0 ? [] : await index.getMany(keys);
  return new Map(keys.map((key, i) => [key, (values[i] as Bucket | undefined)?.entries ?? []]));
}

/** Grouping's view: incidents of these companies last seen at or after `since`, most recently seen first. */
async function recentIncidents(
  incidents: Collection<Incident>,
  index: Collection<IncidentIndexRecord>,
  companyIds: string[],
  since: string,
): Promise<Incident[]> {
  const companies = companySet(companyIds);
  const sinceTime = Date.parse(since);
  if (companies.length === 0 || !Number.isFinite(sinceTime)) return [];
  const sinceIso = new Date(sinceTime).toISOString();
  const heads = (await index.getMany(companies.map(headKey))) as (CompanyHead | undefined)[];
  const cells = companies.flatMap((company, i) =>
    (heads[i]?.months ?? []).filter((summary) => summary.lastSeen >= sinceIso).map((summary) => ({ company, month: summary.month })),
  );
  const buckets = await readBuckets(index, cells);
  const recent = new Map<string, string>();
  for (const entries of buckets.values()) {
    for (const [, id, , , lastSeen] of entries) {
      if (lastSeen >= sinceIso) recent.set(id, lastSeen);
    }
  }
  const ids = [...recent.entries()]
    .sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0))
    .slice(0, MAX_CANDIDATES)
    .map(([id]) => id);
  const found = ids.length === 0 ? [] : await incidents.getMany(ids);
  return found.filter((incident): incident is Incident => incident !== undefined);
}
