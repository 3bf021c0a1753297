/**
 * The /incidents lookup: fills a temporary SQLite store with 100,000 incidents across 200 companies (Amazon, Ring
 * and Alexa with realistic shares, some incidents naming several of them), then times 200 queries for Amazon and
 * its subsidiaries — pages 1 to 3 of 5, a third of them filtered by type — on a freshly opened store.
 * Prints one JSON line: fill time, median and p95 query latency (goal: median under 5 ms).
 *
 *   node bench/incident-lookup.ts [incidents]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { INCIDENT_TYPES } from '../src/model/analysis.ts';
import type { Incident, IncidentType } from '../src/model/analysis.ts';
import { newIncidentId } from '../src/store/incident-repo.ts';
import { openStore } from '../src/store/open-store.ts';

const INCIDENTS = Number(process.argv[2] ?? 100_000);
const COMPANIES = 200;
const QUERIES = 200;
const BATCH = 2000;
const AMAZON_FAMILY = ['amazon', 'ring', 'alexa', 'twitch', 'audible'];
/** Shares of all incidents: Amazon is among the most reported companies; its brands less so. */
const SHARES: Record<string, number> = { amazon: 0.05, ring: 0.015, alexa: 0.01, twitch: 0.003, audible: 0.002 };
const START = Date.UTC(2020, 0, 1);
const SPAN_MS = 5 * 365 * 86_400_000;

let seed = 20_240_501;
/** Deterministic, so that runs compare. */
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}

const others = Array.from({ length: COMPANIES - AMAZON_FAMILY.length }, (_, n) => `company-${n}`);
const familyShare = Object.values(SHARES).reduce((a, b) => a + b, 0);

/** A company by the shares above; the rest spread over the others with a long tail (square of a uniform). */
function pickCompany(): string {
  let r = random();
  for (const [company, share] of Object.entries(SHARES)) {
    if (r < share) return company;
    r -= share;
  }
  return others[Math.floor(random() ** 2 * others.length)]!;
}

function pickTypes(): IncidentType[] {
  const first = INCIDENT_TYPES[Math.floor(random() * INCIDENT_TYPES.length)]!;
  const second = INCIDENT_TYPES[Math.floor(random() * INCIDENT_TYPES.length)]!;
  return random() < 0.3 && second !== first ? [first, second] : [first];
}

function makeIncident(n: number, time: number): Incident {
  const main = pickCompany();
  const companies = [main];
  // Ring and Alexa stories often name Amazon too; any story sometimes names a second company.
  if ((main === 'ring' || main === 'alexa') && random() < 0.6) companies.push('amazon');
  else if (random() < 0.1) companies.push(pickCompany());
  const firstSeen = new Date(time).toISOString();
  const articleKey = `u:${n.toString(16).padStart(32, '0')}`;
  return {
    id: newIncidentId(firstSeen, articleKey),
    companies: [...new Set(companies)],
    types: pickTypes(),
    title: `Beispielvorfall Nummer ${n}: Daten von Kundinnen und Kunden betroffen`,
    summary: `Ein ausgedachter Vorfall für den Benchmark, Nummer ${n}. Er hat zwei Sätze und ist etwa so lang wie eine echte Zusammenfassung einer Meldung.`,
    language: n % 3 === 0 ? 'en' : 'de',
    firstSeen,
    lastSeen: new Date(time + Math.floor(random() * 3 * 86_400_000)).toISOString(),
    sources: [
      {
        articleKey,
        url: `https://news.example/${n}`,
        title: `Beispielvorfall Nummer ${n}`,
        outlet: 'news.example',
        feedId: 'example',
        published: firstSeen,
        language: 'de',
      },
    ],
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const dir = await mkdtemp(path.join(tmpdir(), 'bench-incidents-'));
const url = `sqlite://${path.join(dir, 'incidents.sqlite')}`;
try {
  const times = Array.from({ length: INCIDENTS }, () => START + Math.floor(random() * SPAN_MS)).sort((a, b) => a - b);
  const fillStart = performance.now();
  const filling = await openStore(url);
  // In time order, as incidents arrive: each batch touches about one month's buckets.
  for (let start = 0; start < INCIDENTS; start += BATCH) {
    const batch = times.slice(start, start + BATCH).map((time, i) => makeIncident(start + i, time));
    await filling.incidents.putMany(batch);
  }
  await filling.close();
  const fillMs = Math.round(performance.now() - fillStart);

  const store = await openStore(url);
  const query = () => {
    const page = Math.floor(random() * 3);
    const type = random() < 1 / 3 ? INCIDENT_TYPES[Math.floor(random() * INCIDENT_TYPES.length)] : undefined;
    return store.incidents.query({ companyIds: AMAZON_FAMILY, offset: page * 5, limit: 5, ...(type ? { type } : {}) });
  };
  for (let i = 0; i < 10; i++) await query(); // warm-up
  const latencies: number[] = [];
  let total = 0;
  for (let i = 0; i < QUERIES; i++) {
    const start = performance.now();
    const page = await query();
    latencies.push(performance.now() - start);
    total = Math.max(total, page.total);
  }
  await store.close();
  latencies.sort((a, b) => a - b);
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  console.log(
    JSON.stringify({
      incidents: INCIDENTS,
      companies: COMPANIES,
      amazonFamilyShare: familyShare,
      amazonFamilyIncidents: total,
      fillMs,
      queries: QUERIES,
      medianMs: round(percentile(latencies, 0.5)),
      p95Ms: round(percentile(latencies, 0.95)),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
