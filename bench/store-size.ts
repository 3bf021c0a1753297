/**
 * How big the store gets: a year of generated German and English news, polled and pruned as the bot does it, in a
 * temporary SQLite file. Real poll cycles (parser, normaliser, de-duplication, last-seen dates, retention filing) over an
 * in-process fetcher that serves each outlet's current feed (with ETags: an unchanged feed answers 304), the daily
 * maintenance sweep (RETENTION_DAYS), and an incident for every privacy story, as the analysis files them.
 *
 * Assumed rate, close to the shipped catalogue: 15 outlets (8 German, 7 English) publishing 12–28 items a day each
 * (about 20 on average, ~300 a day in all); every feed carries its latest 30 items; four polls a day reach the store
 * with something new (the other polls of a day answer 304 or bring nothing). Two outlets in three keep full texts
 * (~5,000 characters, as the page extraction of the catalogue's full-text outlets yields), the others teasers (~400).
 * 35 % of the items are privacy stories: two of three open an incident, one of three joins a recent one.
 *
 *   node bench/store-size.ts [days=365] [retention days=90]      (a year takes some 10–20 minutes)
 *
 * Prints the store's size as it grows (stderr) and one JSON line at the end: file sizes, records kept and bytes per
 * collection.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { FetchResult, HttpFetcher } from '../src/ingest/http-fetcher.ts';
import { pollFeeds } from '../src/ingest/poll-feeds.ts';
import { silentLogger } from '../src/log.ts';
import { runMaintenance } from '../src/maintenance/run-maintenance.ts';
import { INCIDENT_TYPES, type Incident } from '../src/model/analysis.ts';
import type { FeedConfig, Language } from '../src/model/feed.ts';
import type { Article } from '../src/model/item.ts';
import { newIncidentId } from '../src/store/incident-repo.ts';
import { openStore } from '../src/store/open-store.ts';

const DAYS = Number(process.argv[2] ?? 365);
const RETENTION_DAYS = Number(process.argv[3] ?? 90);
const OUTLETS = 15;
const GERMAN_OUTLETS = 8;
const FEED_LENGTH = 30;
const POLLS_PER_DAY = 4;
const PRIVACY_SHARE = 0.35;
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const CHECKPOINTS = new Set([30, 90, 180, 270, 365]);

let seed = 20_260_101;
/** Deterministic, so that runs compare. */
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const WORDS: Record<Language, string[]> = {
  de: ['Datenschutz', 'Behörde', 'Kunden', 'Daten', 'Unternehmen', 'Aufsicht', 'Bußgeld', 'Übermittlung', 'Nutzer', 'Standort', 'Werbung', 'Gericht', 'Anbieter', 'Verarbeitung', 'Einwilligung', 'Sicherheitslücke', 'Angreifer', 'Konten', 'Millionen', 'prüft', 'verlangt', 'veröffentlicht', 'betroffen', 'weitergegeben', 'gespeichert', 'und', 'der', 'die', 'das', 'mit', 'für', 'nach', 'über', 'wegen'],
  en: ['privacy', 'regulator', 'customers', 'data', 'company', 'watchdog', 'fine', 'transfer', 'users', 'location', 'advertising', 'court', 'provider', 'processing', 'consent', 'vulnerability', 'attackers', 'accounts', 'million', 'investigates', 'demands', 'published', 'affected', 'shared', 'stored', 'and', 'the', 'of', 'with', 'for', 'after', 'about', 'over'],
};
const COMPANIES = ['amazon', 'ring', 'meta', 'google', 'microsoft', 'apple', 'tiktok', 'telekom', 'vodafone', 'o2', 'sap', 'zalando', 'deutsche-bahn', 'openai', 'uber'];

function sentence(language: Language, words: number): string {
  const text = Array.from({ length: words }, () => pick(WORDS[language])).join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** About `chars` characters of paragraphs, as feed HTML. */
function body(language: Language, chars: number): string {
  const paragraphs: string[] = [];
  let length = 0;
  while (length < chars) {
    const paragraph = Array.from({ length: 4 }, () => sentence(language, 8 + Math.floor(random() * 10))).join(' ');
    paragraphs.push(`<p>${paragraph}</p>`);
    length += paragraph.length;
  }
  return paragraphs.join('\n');
}

interface Outlet {
  feed: FeedConfig;
  fullText: boolean;
  items: { guid: string; title: string; link: string; pubDate: string; description: string }[];
  published: number;
  version: number;
  document: string;
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function render(outlet: Outlet): string {
  const items = outlet.items.map(
    (item) =>
      `<item><title>${escapeXml(item.title)}</title><link>${item.link}</link><guid>${item.guid}</guid>` +
      `<pubDate>${item.pubDate}</pubDate><description>${escapeXml(item.description)}</description></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${outlet.feed.name}</title><link>https://${outlet.feed.id}.example/</link>${items.join('\n')}</channel></rss>`;
}

function publish(outlet: Outlet, at: number, count: number): void {
  const language = outlet.feed.language;
  for (let i = 0; i < count; i += 1) {
    outlet.published += 1;
    const n = outlet.published;
    outlet.items.unshift({
      guid: `https://${outlet.feed.id}.example/news/${n}`,
      title: sentence(language, 6 + Math.floor(random() * 6)),
      link: `https://${outlet.feed.id}.example/news/${n}.html?utm_source=rss`,
      pubDate: new Date(at - (count - i) * 60_000).toUTCString(),
      description: body(language, outlet.fullText ? 4000 + random() * 2000 : 300 + random() * 200),
    });
  }
  outlet.items.length = Math.min(outlet.items.length, FEED_LENGTH);
  outlet.version += 1;
  outlet.document = render(outlet);
}

const outlets: Outlet[] = Array.from({ length: OUTLETS }, (_, n) => {
  const language: Language = n < GERMAN_OUTLETS ? 'de' : 'en';
  const id = `outlet-${n}`;
  return {
    feed: { id, name: `Outlet ${n}`, url: `https://${id}.example/feed.xml`, language, scope: n % 3 === 0 ? 'privacy' : 'general', fullText: false, enabled: true },
    fullText: n % 3 !== 2,
    items: [],
    published: 0,
    version: 0,
    document: '',
  };
});
const byUrl = new Map(outlets.map((outlet) => [outlet.feed.url, outlet]));

/** Serves each outlet's current document; a matching ETag gets a 304, as real servers answer. */
const fetcher: HttpFetcher = {
  fetchText: async (url, options): Promise<FetchResult> => {
    const outlet = byUrl.get(url)!;
    const etag = `"v${outlet.version}"`;
    if (options?.conditional?.etag === etag) return { kind: 'not-modified', status: 304, url, etag };
    return { kind: 'fetched', status: 200, url, body: outlet.document, etag, bytes: Buffer.byteLength(outlet.document), charset: 'utf-8' };
  },
  close: async () => {},
  abort: async () => {},
};

const dir = await mkdtemp(path.join(tmpdir(), 'privacy-radar-store-size-'));
const file = path.join(dir, 'store.sqlite');
const fileSize = async (): Promise<number> => {
  const sizes = await Promise.all([file, `${file}-wal`].map((f) => stat(f).then((s) => s.size, () => 0)));
  return sizes.reduce((a, b) => a + b, 0);
};
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

const store = await openStore(`sqlite://${file}`);
const recent: Incident[] = [];
let incidents = 0;
let articles = 0;
const growth: { day: number; mb: number }[] = [];
const started = performance.now();

/** What the analysis files for a privacy story: a new incident, or a further source of a recent one. */
async function fileIncident(article: Article): Promise<void> {
  const source = { articleKey: article.key, url: article.url, title: article.title, outlet: article.feedId, feedId: article.feedId, published: article.published, language: article.language };
  const joined = recent.length > 0 && random() < 1 / 3 ? pick(recent) : undefined;
  if (joined) {
    joined.sources.push(source);
    joined.lastSeen = article.published;
    await store.incidents.put(joined);
    return;
  }
  const incident: Incident = {
    id: newIncidentId(article.firstSeen, article.key),
    companies: [pick(COMPANIES), ...(random() < 0.3 ? [pick(COMPANIES)] : [])],
    types: [pick(INCIDENT_TYPES)],
    title: article.title,
    summary: article.text.slice(0, 300),
    language: article.language,
    firstSeen: article.published,
    lastSeen: article.published,
    recordedAt: article.firstSeen,
    relevance: 0.5 + random() / 2,
    sources: [source],
    signature: {
      numbers: Array.from({ length: 4 }, () => [String(Math.floor(random() * 100_000)), 1] as [string, number]),
      names: Array.from({ length: 12 }, () => [pick(WORDS[article.language]).toLowerCase(), random() < 0.5] as [string, boolean]),
      concepts: Array.from({ length: 6 }, () => pick(['breach', 'fine', 'tracking', 'consent', 'location', 'transfer'])),
    },
  };
  incidents += 1;
  recent.push(incident);
  if (recent.length > 200) recent.shift();
  await store.incidents.put(incident);
}

for (let day = 0; day < DAYS; day += 1) {
  for (let poll = 0; poll < POLLS_PER_DAY; poll += 1) {
    const at = START + day * DAY_MS + (poll + 1) * (DAY_MS / POLLS_PER_DAY) - 60_000;
    for (const outlet of outlets) publish(outlet, at, Math.round((12 + random() * 16) / POLLS_PER_DAY));
    const report = await pollFeeds(
      outlets.map((outlet) => outlet.feed),
      { store, fetcher, log: silentLogger, now: () => new Date(at), settings: { maxCacheSeconds: 0, backoff: { baseSeconds: 300, maxSeconds: 86_400 } } },
      { force: true },
    );
    articles += report.articles.length;
    for (const article of report.articles) if (random() < PRIVACY_SHARE) await fileIncident(article);
  }
  if (RETENTION_DAYS > 0) await runMaintenance(store, { retentionDays: RETENTION_DAYS, forgetAfterDays: 30 }, new Date(START + (day + 1) * DAY_MS), silentLogger);
  if (CHECKPOINTS.has(day + 1)) {
    growth.push({ day: day + 1, mb: mb(await fileSize()) });
    console.error(`day ${day + 1}: ${articles} articles ingested, ${incidents} incidents, store ${mb(await fileSize())} MB`);
  }
}
await store.close();

// What is in the file: records and bytes (key + value) per collection, and the pages SQLite keeps free for reuse.
const db = new DatabaseSync(file, { readOnly: true });
const rows = db
  .prepare("SELECT substr(key, 1, instr(key, '/') - 1) AS collection, count(*) AS records, sum(length(key) + length(value)) AS bytes FROM keyv GROUP BY collection ORDER BY bytes DESC")
  .all() as { collection: string; records: number; bytes: number }[];
const pageSize = Number((db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size);
const freePages = Number((db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count);
db.close();
const finalBytes = await fileSize();
await rm(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    days: DAYS,
    retentionDays: RETENTION_DAYS,
    outlets: OUTLETS,
    articlesIngested: articles,
    incidents,
    storeMB: mb(finalBytes),
    freeMB: mb(freePages * pageSize),
    growth,
    collections: Object.fromEntries(rows.map((row) => [row.collection, { records: row.records, MB: mb(row.bytes) }])),
    seconds: Math.round((performance.now() - started) / 1000),
  }),
);
