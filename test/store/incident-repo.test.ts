import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENT_TYPES } from '../../src/model/analysis.ts';
import type { Incident, IncidentType } from '../../src/model/analysis.ts';
import { newIncidentId } from '../../src/store/incident-repo.ts';
import type { IncidentQuery } from '../../src/store/incident-repo.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/open-store.ts';
import { randomPrefix, storeBackends } from '../support/store-backends.ts';

/**
 * The incident and channel repositories on every backend: SQLite always; Redis and PostgreSQL when REDIS_URL / DATABASE_URL
 * are set (`bash .ci/services.sh`), under random prefixes purged afterwards — as in store-contract.test.ts.
 */

const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'privacy-radar-incidents-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

const backends = storeBackends(path.join(sqliteDir, 'incidents.sqlite'));

let serial = 0;
/** An incident first seen at `firstSeen`; ids sort by time as newIncidentId makes them. */
function incident(firstSeen: string, companies: string[], types: IncidentType[] = ['breach'], extra: Partial<Incident> = {}): Incident {
  serial += 1;
  return {
    id: newIncidentId(firstSeen, `article-${serial}`),
    companies,
    types,
    title: `Vorfall ${serial}`,
    summary: `Zusammenfassung ${serial}.`,
    language: 'de',
    firstSeen,
    lastSeen: firstSeen,
    sources: [],
    ...extra,
  };
}

const ids = (incidents: Incident[]): string[] => incidents.map((i) => i.id);
const byNewest = (a: Incident, b: Incident): number =>
  a.firstSeen === b.firstSeen ? (a.id < b.id ? 1 : -1) : a.firstSeen < b.firstSeen ? 1 : -1;

for (const backend of backends) {
  describe.skipIf(backend.url === undefined)(`incident repo: ${backend.title}`, () => {
    const url = backend.url ?? '';
    const prefix = randomPrefix();
    let store: Store;

    beforeAll(async () => {
      store = await openStore(url, { prefix });
    });
    afterAll(async () => {
      await store?.close();
      await backend.purge(url, [prefix]);
    });

    it('puts and gets an incident, replacing it on a second put', async () => {
      // Dates as a feed may give them: kept as written, compared as instants.
      const first = incident('2024-03-01T09:00:00+01:00', ['putget-co'], ['breach'], { title: 'Datenleck „Ümlaut“ 🔒' });
      expect(await store.incidents.get(first.id)).toBeUndefined();
      await store.incidents.put(first);
      expect(await store.incidents.get(first.id)).toEqual(first);
      const changed = { ...first, summary: 'Neu.', lastSeen: '2024-03-02T08:00:00.000Z' };
      await store.incidents.put(changed);
      expect(await store.incidents.get(first.id)).toEqual(changed);
      expect((await store.incidents.query({ companyIds: ['putget-co'] })).total).toBe(1);
      expect((await store.incidents.query({ companyIds: ['putget-co'], since: '2024-03-01T08:00:00Z' })).total).toBe(1);
      expect((await store.incidents.query({ companyIds: ['putget-co'], since: '2024-03-01T08:00:01Z' })).total).toBe(0);
      expect(await store.incidents.get('not an id / ü')).toBeUndefined();
    });

    it('lists a parent with its subsidiaries newest first, an incident of several of them once', async () => {
      const ringOnly = incident('2024-05-10T12:00:00.000Z', ['p-ring']);
      const both = incident('2024-05-12T12:00:00.000Z', ['p-ring', 'p-amazon'], ['authority_access']);
      const amazonOnly = incident('2024-04-30T23:59:59.000Z', ['p-amazon']);
      const alexa = incident('2024-06-01T00:00:00.000Z', ['p-alexa', 'p-ring', 'p-amazon']);
      const other = incident('2024-05-11T00:00:00.000Z', ['p-other']);
      for (const i of [ringOnly, both, amazonOnly, alexa, other]) await store.incidents.put(i);

      const page = await store.incidents.query({ companyIds: ['p-amazon', 'p-ring', 'p-alexa'] });
      expect(ids(page.incidents)).toEqual(ids([alexa, both, ringOnly, amazonOnly]));
      expect(page.total).toBe(4);
      // The order of the ids asked for does not matter; a company asked for twice counts once.
      const again = await store.incidents.query({ companyIds: ['p-alexa', 'p-ring', 'p-amazon', 'p-ring'] });
      expect(ids(again.incidents)).toEqual(ids(page.incidents));
      expect(again.total).toBe(4);

      const ringPage = await store.incidents.query({ companyIds: ['p-ring'] });
      expect(ids(ringPage.incidents)).toEqual(ids([alexa, both, ringOnly]));
      expect((await store.incidents.query({ companyIds: ['p-nobody', 'NOT A SLUG', ''] })).total).toBe(0);
    });

    it('pages with offset and limit, with the total of all pages', async () => {
      const all = Array.from({ length: 23 }, (_, n) =>
        incident(new Date(Date.UTC(2023, n % 5, 1 + n, 9)).toISOString(), n % 3 === 0 ? ['pg-a', 'pg-b'] : [n % 2 ? 'pg-a' : 'pg-b']),
      );
      await store.incidents.putMany(all);
      const expected = [...all].sort(byNewest);
      const seen: string[] = [];
      for (let offset = 0; offset < 30; offset += 5) {
        const page = await store.incidents.query({ companyIds: ['pg-a', 'pg-b'], offset, limit: 5 });
        expect(page.total).toBe(23);
        seen.push(...ids(page.incidents));
      }
      expect(seen).toEqual(ids(expected));
      const tail = await store.incidents.query({ companyIds: ['pg-b', 'pg-a'], offset: 20, limit: 10 });
      expect(ids(tail.incidents)).toEqual(ids(expected.slice(20)));
      const beyond = await store.incidents.query({ companyIds: ['pg-a', 'pg-b'], offset: 100 });
      expect(beyond).toEqual({ incidents: [], total: 23 });
      const clamped = await store.incidents.query({ companyIds: ['pg-a', 'pg-b'], offset: -3, limit: 0 });
      expect(ids(clamped.incidents)).toEqual(ids(expected.slice(0, 20)));
    });

    it('filters by type and by since, counting only what matches', async () => {
      const old = incident('2024-01-05T00:00:00.000Z', ['f-co'], ['breach', 'enforcement']);
      const early = incident('2024-02-03T00:00:00.000Z', ['f-co'], ['data_sale']);
      const late = incident('2024-02-20T00:00:00.000Z', ['f-co', 'f-sub'], ['enforcement']);
      const newest = incident('2024-03-01T00:00:00.000Z', ['f-sub'], ['tracking', 'enforcement']);
      await store.incidents.putMany([old, early, late, newest]);
      const companyIds = ['f-co', 'f-sub'];

      const fines = await store.incidents.query({ companyIds, type: 'enforcement' });
      expect(ids(fines.incidents)).toEqual(ids([newest, late, old]));
      expect(fines.total).toBe(3);

      const recent = await store.incidents.query({ companyIds, since: '2024-02-10T00:00:00Z' });
      expect(ids(recent.incidents)).toEqual(ids([newest, late]));
      expect(recent.total).toBe(2);

      const both = await store.incidents.query({ companyIds, type: 'data_sale', since: '2024-02-01T00:00:00Z' });
      expect(ids(both.incidents)).toEqual(ids([early]));
      expect(both.total).toBe(1);
      expect((await store.incidents.query({ companyIds, since: 'gestern' })).total).toBe(0);
    });

    it('moves an incident between company indexes when its companies, types or date change', async () => {
      const moving = incident('2024-07-01T00:00:00.000Z', ['m-one'], ['breach']);
      await store.incidents.put(moving);
      await store.incidents.put({ ...moving, companies: ['m-two', 'm-three'], types: ['tracking'] });
      expect((await store.incidents.query({ companyIds: ['m-one'] })).total).toBe(0);
      expect(ids((await store.incidents.query({ companyIds: ['m-two'] })).incidents)).toEqual([moving.id]);
      expect(ids((await store.incidents.query({ companyIds: ['m-three'], type: 'tracking' })).incidents)).toEqual([moving.id]);
      expect((await store.incidents.query({ companyIds: ['m-two'], type: 'breach' })).total).toBe(0);

      // Another month: it leaves the old month's bucket.
      const later = { ...moving, companies: ['m-two'], firstSeen: '2024-09-15T00:00:00.000Z', lastSeen: '2024-09-15T00:00:00.000Z' };
      await store.incidents.put(later);
      const page = await store.incidents.query({ companyIds: ['m-two', 'm-three'] });
      expect(page.total).toBe(1);
      expect(page.incidents).toEqual([later]);
      expect((await store.incidents.query({ companyIds: ['m-two'], since: '2024-08-01T00:00:00Z' })).total).toBe(1);
    });

    it('offers grouping the incidents last seen within the window, of the companies asked for', async () => {
      const stale = incident('2024-08-01T00:00:00.000Z', ['g-co']);
      const longRunning = incident('2024-07-01T00:00:00.000Z', ['g-co'], ['breach'], { lastSeen: '2024-08-20T00:00:00.000Z' });
      const fresh = incident('2024-08-18T00:00:00.000Z', ['g-sub']);
      const elsewhere = incident('2024-08-19T00:00:00.000Z', ['g-other']);
      await store.incidents.putMany([stale, longRunning, fresh, elsewhere]);
      const found = await store.incidents.candidates(['g-co', 'g-sub'], '2024-08-10T00:00:00.000Z');
      expect(ids(found)).toEqual(ids([longRunning, fresh]));
      expect(await store.incidents.candidates(['g-co'], 'not a date')).toEqual([]);
    });

    it('refuses incidents that would put feed text into keys or break the order', async () => {
      await expect(store.incidents.put(incident('2024-01-01T00:00:00Z', ['Amazon Inc.']))).rejects.toThrow(/company id/);
      await expect(store.incidents.put({ ...incident('2024-01-01T00:00:00Z', ['x']), id: 'a/b c' })).rejects.toThrow(/incident id/);
      await expect(store.incidents.put(incident('nie', ['x']))).rejects.toThrow(/date/);
      // A refused write does not block the ones after it.
      const fine = incident('2024-01-02T00:00:00Z', ['after-refusal']);
      await store.incidents.put(fine);
      expect(await store.incidents.get(fine.id)).toBeDefined();
    });

    it('keeps 1,000 incidents of many companies in order, de-duplicated, with exact totals', async () => {
      const companies = Array.from({ length: 20 }, (_, n) => `bulk-${n}`);
      let seed = 42;
      const random = (): number => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const pick = <T,>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
      const all: Incident[] = [];
      for (let n = 0; n < 1000; n++) {
        const firstSeen = new Date(Date.UTC(2022, 0, 1) + Math.floor(random() * 730 * 86_400_000)).toISOString();
        const owners = [...new Set([pick(companies), ...(random() < 0.2 ? [pick(companies)] : [])])];
        const types = [...new Set([pick(INCIDENT_TYPES), ...(random() < 0.3 ? [pick(INCIDENT_TYPES)] : [])])];
        all.push(incident(firstSeen, owners, types));
      }
      for (let start = 0; start < all.length; start += 250) await store.incidents.putMany(all.slice(start, start + 250));

      const queries: (IncidentQuery & { offset: number; limit: number })[] = [
        { companyIds: ['bulk-0', 'bulk-1', 'bulk-2'], offset: 0, limit: 10 },
        { companyIds: ['bulk-3', 'bulk-0'], offset: 37, limit: 25 },
        { companyIds: ['bulk-5'], type: 'tracking', offset: 3, limit: 7 },
        { companyIds: ['bulk-1', 'bulk-9', 'bulk-4'], since: '2023-06-17T13:00:00Z', offset: 10, limit: 20 },
        { companyIds: companies, type: 'breach', since: '2023-01-01T00:00:00Z', offset: 50, limit: 100 },
      ];
      for (const q of queries) {
        const since = q.since === undefined ? '' : new Date(q.since).toISOString();
        const matching = all
          .filter((i) => i.companies.some((c) => q.companyIds.includes(c)))
          .filter((i) => q.type === undefined || i.types.includes(q.type))
          .filter((i) => i.firstSeen >= since)
          .sort(byNewest);
        const page = await store.incidents.query(q);
        expect(page.total, JSON.stringify(q)).toBe(matching.length);
        expect(ids(page.incidents), JSON.stringify(q)).toEqual(ids(matching.slice(q.offset, q.offset + q.limit)));
      }
    });

    it('lists every incident by when it was recorded, companies or not, for digests', async () => {
      // Recorded in 2031 (far after every other test's incidents in this store), published earlier.
      const late = incident('2024-02-01T00:00:00.000Z', ['lt-co'], ['breach'], { recordedAt: '2031-01-03T10:00:00.000Z' });
      const anonymous = incident('2031-01-02T00:00:00.000Z', [], ['tracking'], { recordedAt: '2031-01-02T09:00:00.000Z' });
      const earlier = incident('2031-01-01T00:00:00.000Z', ['lt-co', 'lt-other'], ['enforcement'], { recordedAt: '2031-01-01T12:00:00.000Z' });
      await store.incidents.putMany([late, anonymous, earlier]);
      const page = await store.incidents.latest({ since: '2031-01-01T00:00:00Z' });
      expect(ids(page.incidents)).toEqual(ids([late, anonymous, earlier]));
      expect(page.total).toBe(3);
      expect((await store.incidents.latest({ since: '2031-01-02T00:00:00Z', type: 'tracking' })).incidents).toEqual([anonymous]);
      expect((await store.incidents.latest({ since: '2031-01-01T00:00:00Z', offset: 1, limit: 1 })).incidents).toEqual([anonymous]);
      // The company index still orders by publication: the late-found story is an old one there.
      expect((await store.incidents.query({ companyIds: ['lt-co'], since: '2025-01-01T00:00:00Z' })).total).toBe(1);
      await expect(store.incidents.put({ ...late, recordedAt: 'gestern' })).rejects.toThrow(/invalid date/);
    });

    it('counts incidents without reading pages, and per company from the heads', async () => {
      const own = [incident('2025-03-01T00:00:00.000Z', ['cnt-parent']), incident('2025-03-02T00:00:00.000Z', ['cnt-child', 'cnt-parent'])];
      const child = incident('2025-04-01T00:00:00.000Z', ['cnt-child'], ['tracking']);
      await store.incidents.putMany([...own, child]);
      expect(await store.incidents.count({ companyIds: ['cnt-parent', 'cnt-child'] })).toBe(3);
      expect(await store.incidents.count({ companyIds: ['cnt-parent', 'cnt-child'], type: 'tracking' })).toBe(1);
      expect(await store.incidents.count({ companyIds: ['cnt-child'], since: '2025-03-15T00:00:00Z' })).toBe(1);
      expect(await store.incidents.ownCounts(['cnt-parent', 'cnt-child', 'cnt-none', 'NOT A SLUG'])).toEqual(
        new Map([['cnt-parent', 2], ['cnt-child', 2], ['cnt-none', 0]]),
      );
      // More companies than one query merges (200): every one is counted.
      const many = Array.from({ length: 300 }, (_, n) => `cnt-many-${n}`);
      const counts = await store.incidents.ownCounts([...many, 'cnt-parent']);
      expect(counts.size).toBe(301);
      expect(counts.get('cnt-parent')).toBe(2);
    });

    it('keeps channel settings and finds a company\'s subscribers through the index', async () => {
      const news = { platform: 'discord' as const, id: `${prefix}-news` };
      const room = { platform: 'matrix' as const, id: `!${prefix}:example.org` };
      expect(await store.channels.get(news)).toBeUndefined();
      const saved = await store.channels.update({ ...news, guildId: '42' }, (settings) => {
        settings.subscriptions.push('sub-amazon', 'sub-amazon', 'sub-meta');
        settings.language = 'en';
      });
      expect(saved).toMatchObject({ ...news, guildId: '42', language: 'en', subscriptions: ['sub-amazon', 'sub-meta'], active: true });
      expect(await store.channels.get(news)).toEqual(saved);
      await store.channels.update(room, (settings) => settings.subscriptions.push('sub-amazon'));
      const subscribers = await store.channels.subscribersOf(['sub-ring', 'sub-amazon']);
      expect(subscribers).toEqual(expect.arrayContaining([news, room]));
      expect(subscribers).toHaveLength(2);

      await store.channels.update(news, (settings) => {
        settings.subscriptions = settings.subscriptions.filter((id) => id !== 'sub-amazon');
      });
      expect(await store.channels.subscribersOf(['sub-amazon'])).toEqual([room]);
      expect(await store.channels.subscribersOf(['sub-meta'])).toEqual([news]);
      expect((await store.channels.get(news))?.guildId).toBe('42');

      expect(await store.channels.delete(news)).toBe(true);
      expect(await store.channels.delete(news)).toBe(false);
      expect(await store.channels.get(news)).toBeUndefined();
      expect(await store.channels.subscribersOf(['sub-meta'])).toEqual([]);
    });

    it('keeps an outbox: planned once, pending in order, marked sent or given up', async () => {
      const channel = { platform: 'discord' as const, id: `${prefix}-outbox` };
      const message = { lines: ['Hallo'], cards: [], language: 'de' as const };
      const plan = (id: string) => ({ id: `${prefix}.${id}`, channel, kind: 'alert' as const, message, createdAt: '2026-11-23T08:00:00.000Z' });
      const before = (await store.outbox.pending()).length;
      expect((await store.outbox.enqueue([plan('a'), plan('b'), plan('a')])).map((e) => e.id)).toEqual([`${prefix}.a`, `${prefix}.b`]);
      expect(await store.outbox.enqueue([plan('a')])).toEqual([]);
      const pending = (await store.outbox.pending()).slice(before);
      expect(pending.map((e) => [e.id, e.status, e.attempts])).toEqual([[`${prefix}.a`, 'pending', 0], [`${prefix}.b`, 'pending', 0]]);
      await store.outbox.markSent(`${prefix}.a`, '2026-11-23T08:00:01.000Z');
      await store.outbox.markAttempt(`${prefix}.b`, 'HTTP 500', false);
      expect((await store.outbox.pending()).slice(before).map((e) => [e.id, e.attempts])).toEqual([[`${prefix}.b`, 1]]);
      await store.outbox.markAttempt(`${prefix}.b`, 'Unknown Channel', true);
      expect((await store.outbox.pending()).slice(before)).toEqual([]);
      expect(await store.outbox.get(`${prefix}.a`)).toMatchObject({ status: 'sent', sentAt: '2026-11-23T08:00:01.000Z', attempts: 1 });
      expect(await store.outbox.get(`${prefix}.b`)).toMatchObject({ status: 'failed', attempts: 2, lastError: 'Unknown Channel' });
      // Planning a delivery that was sent (or given up) plans nothing.
      expect(await store.outbox.enqueue([plan('a'), plan('b')])).toEqual([]);
    });

    it('lists the channels with a digest', async () => {
      const morning = { platform: 'matrix' as const, id: `!${prefix}-digest:example.org` };
      await store.channels.update(morning, (s) => (s.digest = { time: '08:00', timezone: 'Europe/Berlin' }));
      expect(await store.channels.digestChannels()).toContainEqual(morning);
      await store.channels.update(morning, (s) => delete s.digest);
      expect(await store.channels.digestChannels()).not.toContainEqual(morning);
    });

    it('caps a channel at 50 subscriptions', async () => {
      const busy = { platform: 'discord' as const, id: `${prefix}-busy` };
      const saved = await store.channels.update(busy, (settings) => {
        for (let n = 0; n < 60; n += 1) settings.subscriptions.push(`cap-${n}`);
      });
      expect(saved.subscriptions).toHaveLength(50);
      expect(await store.channels.subscribersOf(['cap-49'])).toEqual([busy]);
      expect(await store.channels.subscribersOf(['cap-50'])).toEqual([]);
    });
  });
}

describe('newIncidentId', () => {
  it('is stable per article, short, and sorts by time', () => {
    const a = newIncidentId('2024-05-01T10:00:00.000Z', 'u:abc');
    expect(a).toBe(newIncidentId('2024-05-01T10:00:00.000Z', 'u:abc'));
    expect(a).not.toBe(newIncidentId('2024-05-01T10:00:00.000Z', 'u:abd'));
    expect(a).toMatch(/^i-[0-9a-z]{9}-[0-9a-f]{10}$/);
    const earlier = newIncidentId('2019-12-31T23:59:59.000Z', 'u:zzz');
    const later = newIncidentId('2031-01-01T00:00:00.000Z', 'u:000');
    expect([later, a, earlier].sort()).toEqual([earlier, a, later]);
    expect(newIncidentId('kein Datum', 'u:abc')).toMatch(/^i-000000000-[0-9a-f]{10}$/);
  });
});
