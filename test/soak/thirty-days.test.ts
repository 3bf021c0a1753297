import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_SIZE } from '../../src/delivery/compose-digest.ts';
import { localDateOf, zonedInstant } from '../../src/delivery/digest-schedule.ts';
import { alertId, shortHash } from '../../src/delivery/plan-alerts.ts';
import type { Incident } from '../../src/model/analysis.ts';
import { channelKey, type ChannelSettings } from '../../src/model/channel.ts';
import type { Article } from '../../src/model/item.ts';
import { articleKey } from '../../src/store/article-repo.ts';
import type { OutboxEntry } from '../../src/store/outbox-repo.ts';
import { runSoakSimulation, type DeliveryRecord, type SoakResult } from '../support/soak-simulation.ts';

/**
 * Thirty days of a running bot with a fake clock (see test/support/soak-simulation.ts): fifty outlets publishing
 * at working hours, some failing for hours and recovering, channels with digests across time zones and both
 * autumn clock changes, and subscriptions. At the end nothing was lost or doubled: every item the outlets carried
 * is stored once, every planned delivery went out once, alerts went exactly to the subscribers of each new
 * incident, every channel got one digest per local day, no incident reached a channel twice — and the SQLite file
 * is no bigger than the volume explains. (Memory over the run is measured by `bench/soak.ts`, not asserted here.)
 *
 * Scale: every store operation is a SQLite round trip (a poll cycle costs about 1.5 ms per outlet even when all
 * answer 304, a delivered message some twenty round trips, and every delivery round reads every digest channel's
 * settings), so the full run — 1,000 channels, polls every 30 and delivery rounds every 15 simulated minutes — takes
 * a quarter of an hour; that is `bench/soak.ts`. Here: all 50 outlets with every privacy story and a third of
 * their everyday news, 30 channels, a poll cycle every 3 simulated hours and a delivery round every hour: under a
 * minute. The store file lives in /dev/shm where there is one: SQLite's fsync per write is not what this is about.
 */

const CHANNELS = 30;
const POLL_MINUTES = 180;
const TICK_MINUTES = 60;
const EVERYDAY_SHARE = 1 / 3;

const baseDir = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const dir = mkdtempSync(path.join(baseDir, 'privacy-radar-soak-'));

/** Everything the checks need, read once after the run (the store closed, so the file is checkpointed). */
interface Outcome {
  run: SoakResult;
  pendingAtEnd: number;
  /** Stored documents by collection (the store's key layout in SQLite: `<collection>/<key>` in the table `keyv`). */
  rows: Map<string, Map<string, unknown>>;
  fileBytes: number;
}

let outcome: Outcome;

beforeAll(async () => {
  const run = await runSoakSimulation({ dir, days: 30, channels: CHANNELS, pollMinutes: POLL_MINUTES, tickMinutes: TICK_MINUTES, everydayShare: EVERYDAY_SHARE, seed: 7 });
  const pendingAtEnd = (await run.store.outbox.pending()).length;
  await run.close();
  const fileBytes = [run.storeFile, `${run.storeFile}-wal`].filter(existsSync).reduce((sum, file) => sum + statSync(file).size, 0);
  outcome = { run, pendingAtEnd, rows: readRows(run.storeFile), fileBytes };
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readRows(file: string): Map<string, Map<string, unknown>> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = new Map<string, Map<string, unknown>>();
    for (const { key, value } of db.prepare('SELECT key, value FROM keyv').all() as { key: string; value: string }[]) {
      const slash = key.indexOf('/');
      const collection = key.slice(0, slash);
      if (!rows.has(collection)) rows.set(collection, new Map());
      // Keyv wraps each stored value: { value, expires? }.
      rows.get(collection)!.set(key.slice(slash + 1), (JSON.parse(value) as { value: unknown }).value);
    }
    return rows;
  } finally {
    db.close();
  }
}

function collection<T>(name: string): Map<string, T> {
  return (outcome.rows.get(name) ?? new Map()) as Map<string, T>;
}

const deliveries = (kind: DeliveryRecord['kind']): DeliveryRecord[] => outcome.run.deliveries.filter((d) => d.kind === kind);

function byChannel(records: DeliveryRecord[]): Map<string, DeliveryRecord[]> {
  const map = new Map<string, DeliveryRecord[]>();
  for (const record of records) map.set(record.channel, [...(map.get(record.channel) ?? []), record]);
  return map;
}

/** The local dates on which a channel's digest fell due during the run (after its previous one, by the last round). */
function dueDates(channel: ChannelSettings, from: number, until: number): string[] {
  const { time, timezone } = channel.digest!;
  const dates: string[] = [];
  for (let day = from - 86_400_000; day <= until + 86_400_000; day += 86_400_000) {
    const date = localDateOf(day, timezone);
    const at = zonedInstant(date, time, timezone);
    if (at > from && at <= until && !dates.includes(date)) dates.push(date);
  }
  return dates.sort();
}

describe('thirty days with a fake clock', () => {
  it('ran without an error logged, and the world gave every part something to do', () => {
    const { run } = outcome;
    expect(run.errors).toEqual([]);
    expect(run.progress.sentAgain).toBe(0);
    // Outlets failed and recovered; items were ingested; incidents started; alerts and digests went out.
    expect(run.progress.pollOutcomes.failed).toBeGreaterThan(20);
    expect(run.world.feeds.filter((feed) => feed.outages.length > 0).length).toBeGreaterThanOrEqual(10);
    expect(run.progress.articlesIngested).toBeGreaterThan(600);
    expect(run.startedIncidents.size).toBeGreaterThan(80);
    expect(deliveries('alert').length).toBeGreaterThan(30);
    expect(deliveries('digest').length).toBeGreaterThan(CHANNELS * 20);
    // Outlets reporting the same event were grouped into one incident at least sometimes.
    expect([...collection<Incident>('incidents').values()].filter((incident) => incident.sources.length >= 2).length).toBeGreaterThan(10);
  });

  it('sent every planned delivery exactly once, and left nothing pending', () => {
    const ids = outcome.run.deliveries.map((d) => d.deliveryId);
    expect(new Set(ids).size).toBe(ids.length);
    // Maintenance prunes delivered entries after OUTBOX_KEEP_DAYS: what is left was sent, and with what was pruned
    // it accounts for every send.
    const outbox = collection<OutboxEntry>('outbox');
    const sent = new Set(ids);
    expect([...outbox.keys()].filter((id) => !sent.has(id))).toEqual([]);
    expect(outbox.size + outcome.run.deliveriesPruned).toBe(ids.length);
    expect(outcome.run.deliveriesPruned).toBeGreaterThan(0);
    expect([...outbox.values()].filter((entry) => entry.status !== 'sent')).toEqual([]);
    expect(outcome.pendingAtEnd).toBe(0);
  });

  it('alerted exactly the channels following a company of each new incident (or a parent of one)', () => {
    const { run } = outcome;
    const expected = new Set<string>();
    for (const incident of run.startedIncidents.values()) {
      const followed = new Set(incident.companies.flatMap((id) => [id, ...run.gazetteer.ancestors(id)]));
      for (const channel of run.world.channels) {
        if (channel.subscriptions.some((id) => followed.has(id))) expected.add(alertId(incident.id, channel));
      }
    }
    const sent = deliveries('alert');
    expect(new Set(sent.map((d) => d.deliveryId))).toEqual(expected);
    for (const alert of sent) {
      // The card is the incident's, and the alert went out within a delivery round of the incident's start.
      const incidentId = alert.message.cards[0]?.incidentId ?? '';
      expect(alert.deliveryId.startsWith(`alert.${incidentId}.`)).toBe(true);
      expect(alert.at - run.startedIncidents.get(incidentId)!.startedAt).toBeLessThanOrEqual(TICK_MINUTES * 60_000);
    }
  });

  it('gave every channel one digest per local day on which it fell due, across both clock changes', () => {
    const { run } = outcome;
    const digests = byChannel(deliveries('digest'));
    for (const channel of run.world.channels) {
      const key = channelKey(channel);
      const got = digests.get(key) ?? [];
      if (!channel.digest) {
        expect(got).toEqual([]);
        continue;
      }
      for (const digest of got) {
        expect(digest.deliveryId.startsWith(`digest.${shortHash(key)}.`)).toBe(true);
        // Sent at the channel's local time, within a delivery round.
        const due = zonedInstant(digest.deliveryId.slice(-10), channel.digest.time, channel.digest.timezone);
        expect(digest.at - due).toBeGreaterThanOrEqual(0);
        expect(digest.at - due).toBeLessThan(TICK_MINUTES * 60_000);
      }
      const dates = got.map((digest) => digest.deliveryId.slice(-10)).sort();
      expect({ channel: key, dates }).toEqual({ channel: key, dates: dueDates(channel, run.world.start, run.lastTickAt) });
    }
  });

  it('showed no incident to a channel twice: not alerted and digested, not in two digests', () => {
    const { run } = outcome;
    const incidents = collection<Incident>('incidents');
    const alerts = byChannel(deliveries('alert'));
    for (const [channel, digests] of byChannel(deliveries('digest'))) {
      const alerted = new Set((alerts.get(channel) ?? []).map((alert) => alert.message.cards[0]!.incidentId));
      const shown = digests.flatMap((digest) => digest.message.cards.map((card) => card.incidentId));
      expect(new Set(shown).size).toBe(shown.length);
      expect(shown.filter((id) => alerted.has(id))).toEqual([]);
      // Each digest shows at most its ten best of what was recorded since the channel's previous digest.
      let previous = run.world.start;
      for (const digest of [...digests].sort((a, b) => a.at - b.at)) {
        expect(digest.message.cards.length).toBeLessThanOrEqual(DIGEST_SIZE);
        for (const card of digest.message.cards) {
          const recordedAt = Date.parse(incidents.get(card.incidentId)!.recordedAt!);
          expect(recordedAt).toBeGreaterThan(previous);
          expect(recordedAt).toBeLessThanOrEqual(digest.at);
        }
        previous = digest.at;
      }
    }
  });

  it('stored every item the outlets carried, once, announced unless it was history at the first poll', () => {
    const { run } = outcome;
    const articles = collection<Article>('articles');
    const items = run.world.feeds.flatMap((feed) => feed.items);
    const expectedKeys = new Map(items.map((item) => [articleKey({ url: item.canonicalUrl, feedId: item.feedId, id: item.guid }), item]));
    // Topic feeds repeat their site's stories under the same link: one article each.
    expect(expectedKeys.size).toBeLessThan(items.length);
    expect([...articles.keys()].sort()).toEqual([...expectedKeys.keys()].sort());
    const wrong = [...expectedKeys].filter(([key, item]) => {
      const article = articles.get(key)!;
      return article.status !== 'done' || article.announce !== item.published > run.firstPollAt || article.title !== item.title;
    });
    expect(wrong.map(([, item]) => `${item.feedId} ${item.guid}`)).toEqual([]);
    // One seen-item record per item and feed.
    expect(collection('seen-items').size).toBe(items.length);
  });

  it('files each article under at most one incident, and every new incident is stored', () => {
    const sources = [...collection<Incident>('incidents').values()].flatMap((incident) => incident.sources.map((source) => source.articleKey));
    expect(new Set(sources).size).toBe(sources.length);
    const articles = collection<Article>('articles');
    expect(sources.filter((key) => !articles.has(key))).toEqual([]);
    expect([...outcome.run.startedIncidents.keys()].filter((id) => !collection('incidents').has(id))).toEqual([]);
  });

  it('keeps the SQLite file within the size the volume explains', () => {
    const { run } = outcome;
    const estimate = storeSizeEstimate({
      articles: new Set(run.world.feeds.flatMap((feed) => feed.items.map((item) => item.canonicalUrl))).size,
      seenItems: run.world.feeds.reduce((n, feed) => n + feed.items.length, 0),
      incidents: collection('incidents').size,
      alerts: deliveries('alert').length,
      digests: deliveries('digest').length,
      channels: run.world.channels.length,
    });
    expect(outcome.fileBytes, `store ${(outcome.fileBytes / 1e6).toFixed(2)} MB, estimate ${(estimate / 1e6).toFixed(2)} MB`).toBeLessThanOrEqual(estimate);
  });
});

/**
 * What the store should take for a volume: bytes per record times the counts, plus half again as margin and 1 MB
 * for the index documents and the empty file. The bytes per record were measured once on this simulation: the
 * average JSON of a record with its key (article 675, seen item 236, incident 1,177, alert 1,051, digest 3,464,
 * channel with its index entries about 390) and SQLite's page and key-index overhead on top (the file was 1.29
 * times the bytes stored), rounded up. A store that kept what it should not (a growing index, duplicated rows,
 * records that outgrow their content) outgrows the estimate.
 */
function storeSizeEstimate(counts: { articles: number; seenItems: number; incidents: number; alerts: number; digests: number; channels: number }): number {
  const BYTES = { article: 900, seenItem: 300, incident: 1_500, alert: 1_350, digest: 4_500, channel: 500 };
  const records =
    counts.articles * BYTES.article +
    counts.seenItems * BYTES.seenItem +
    counts.incidents * BYTES.incident +
    counts.alerts * BYTES.alert +
    counts.digests * BYTES.digest +
    counts.channels * BYTES.channel;
  return Math.round(records * 1.5 + 1_000_000);
}
